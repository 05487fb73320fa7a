//! The behaviour every store backend must show.
//!
//! Test support, written once: each function takes a fresh, empty store and
//! panics on the first deviation. A backend's test file runs them all with
//! [`conformance_tests!`](crate::conformance_tests).
//!
//! # Layout
//!
//! - `appends`: reading back, expected state, retries, atomicity, refusals.
//! - `reads`: paging, categories, decoded reads.
//! - `concurrency`: concurrent and racing writers.
//! - `subscriptions`: the hand-over from catch-up to live.
//! - `imports`: imports continuing the log exactly.
//!
//! This file keeps what they share: the helpers that make requests and
//! read the whole log, and the macro.

use chrono::{DateTime, TimeZone, Utc};
use registre_schema::{Actor, CommandMeta, EventData, Position, RecordedEvent, Role, StreamId};
use serde_json::json;
use uuid::Uuid;

use super::{AppendRequest, EventStore, ExpectedState};

mod appends;
mod concurrency;
mod imports;
mod reads;
mod subscriptions;

pub use appends::{
    a_failed_append_spares_the_others_sent_with_it, append_and_read_back, appends_are_atomic,
    expected_state_is_enforced, invalid_appends_write_nothing, retries_are_idempotent,
    retries_in_one_group_are_kept_apart,
};
pub use concurrency::{concurrent_writers_keep_a_gapless_order, racing_writers_on_one_stream};
pub use imports::imports_continue_the_log_exactly;
pub use reads::{
    category_reads_keep_only_the_category, decoded_reads_match_the_stored_events, reads_are_paged,
};
pub use subscriptions::subscription_hands_over_from_catch_up_to_live;

/// Generates one `#[tokio::test]` per conformance check, each on a fresh
/// store made by `$new_store` (an async expression giving
/// `Option<Arc<dyn EventStore>>`; `None` skips, for backends whose server
/// is absent).
#[macro_export]
macro_rules! conformance_tests {
    ($new_store:expr) => {
        $crate::conformance_tests!(@each $new_store;
            append_and_read_back, expected_state_is_enforced, retries_are_idempotent,
            appends_are_atomic, invalid_appends_write_nothing, reads_are_paged,
            concurrent_writers_keep_a_gapless_order, racing_writers_on_one_stream,
            subscription_hands_over_from_catch_up_to_live, imports_continue_the_log_exactly,
            category_reads_keep_only_the_category, decoded_reads_match_the_stored_events,
            a_failed_append_spares_the_others_sent_with_it);
    };
    (@each $new_store:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                if let Some(store) = $new_store.await {
                    $crate::conformance::$name(store).await;
                }
            }
        )*
    };
}

fn stream(name: &str) -> StreamId {
    StreamId::new(name).expect("valid stream id")
}

fn actor() -> Actor {
    Actor {
        id: "conformance".into(),
        role: Role::Secretariat,
    }
}

/// A time with microsecond precision, which every backend keeps exactly.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 123_456_000)
        .single()
        .expect("valid time")
}

fn event(n: usize) -> EventData {
    EventData::new(
        "TestHappened",
        1,
        at(n as i64),
        json!({"n": n, "text": "Ségou, Tombouctou — accentués"}),
    )
}

fn request(stream_id: &StreamId, expected: ExpectedState, count: usize) -> AppendRequest {
    AppendRequest {
        stream_id: stream_id.clone(),
        expected,
        meta: CommandMeta {
            command_id: Uuid::now_v7(),
            actor: actor(),
            correlation_id: Uuid::now_v7(),
            causation_id: Some(Uuid::now_v7()),
        },
        events: (0..count).map(event).collect(),
    }
}

async fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    loop {
        let batch = store
            .read_all(out.len() as Position + 1, 1000)
            .await
            .expect("read_all");
        if batch.is_empty() {
            return out;
        }
        out.extend(batch);
    }
}

fn assert_gapless(events: &[RecordedEvent]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e.position,
            i as Position + 1,
            "global order has a gap or repeat"
        );
    }
}
