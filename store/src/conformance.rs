//! The behaviour every store backend must show.
//!
//! Test support, written once: each function takes a fresh, empty store and
//! panics on the first deviation. A backend's test file runs them all with
//! [`conformance_tests!`](crate::conformance_tests).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;
use registre_schema::{Actor, CommandMeta, EventData, Position, RecordedEvent, Role, StreamId};
use serde_json::json;
use uuid::Uuid;

use super::{
    AppendOutcome, AppendRequest, EventStore, ExpectedState, Feed, ImportRefused, InvalidAppend,
    MAX_EVENTS_PER_APPEND, MAX_PAYLOAD_BYTES, StoreError, subscribe,
};

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

pub async fn append_and_read_back(store: Arc<dyn EventStore>) {
    assert_eq!(store.head().await.unwrap(), 0);
    let s = stream("conformance-a");
    let req = request(&s, ExpectedState::NoStream, 3);
    let out = store.append(req.clone()).await.expect("append");
    assert_eq!(
        (
            out.first_position,
            out.last_position,
            out.last_revision,
            out.deduplicated
        ),
        (1, 3, 2, false)
    );
    assert_eq!(store.head().await.unwrap(), 3);

    let read = store.read_stream(&s, 0, 100).await.unwrap();
    assert_eq!(read, store.read_all(1, 100).await.unwrap());
    assert_eq!(read.len(), 3);
    for (i, (got, sent)) in read.iter().zip(&req.events).enumerate() {
        assert_eq!(got.position, i as Position + 1);
        assert_eq!(got.revision, i as u64);
        assert_eq!(got.id, sent.id);
        assert_eq!(got.stream_id, s);
        assert_eq!(got.event_type, sent.event_type);
        assert_eq!(got.schema_version, sent.schema_version);
        assert_eq!(got.occurred_at, sent.occurred_at);
        assert_eq!(got.payload, sent.payload);
        assert_eq!(got.actor, req.meta.actor);
        assert_eq!(got.command_id, req.meta.command_id);
        assert_eq!(got.correlation_id, req.meta.correlation_id);
        assert_eq!(got.causation_id, req.meta.causation_id);
        assert_eq!(got.recorded_at, out.recorded_at);
    }

    let later = store
        .append(request(&stream("conformance-b"), ExpectedState::Any, 1))
        .await
        .unwrap();
    assert_eq!((later.first_position, later.last_revision), (4, 0));
    assert!(
        later.recorded_at >= out.recorded_at,
        "recorded_at went back"
    );
    assert!(
        store
            .read_stream(&stream("conformance-none"), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.read_all(5, 10).await.unwrap().is_empty());
}

fn assert_conflict(
    r: Result<AppendOutcome, StoreError>,
    expected: ExpectedState,
    actual: Option<u64>,
) {
    match r {
        Err(StoreError::WrongExpectedVersion {
            expected: e,
            actual: a,
            ..
        }) => assert_eq!((e, a), (expected, actual)),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn expected_state_is_enforced(store: Arc<dyn EventStore>) {
    let s = stream("conformance-expect");
    use ExpectedState::*;
    assert_conflict(
        store.append(request(&s, StreamExists, 1)).await,
        StreamExists,
        None,
    );
    assert_conflict(store.append(request(&s, Exact(0), 1)).await, Exact(0), None);
    assert_eq!(store.head().await.unwrap(), 0, "a refused append wrote");

    store.append(request(&s, NoStream, 2)).await.unwrap();
    assert_conflict(
        store.append(request(&s, NoStream, 1)).await,
        NoStream,
        Some(1),
    );
    assert_conflict(
        store.append(request(&s, Exact(0), 1)).await,
        Exact(0),
        Some(1),
    );
    assert_conflict(
        store.append(request(&s, Exact(2), 1)).await,
        Exact(2),
        Some(1),
    );
    assert_eq!(store.head().await.unwrap(), 2, "a refused append wrote");

    assert_eq!(
        store
            .append(request(&s, Exact(1), 1))
            .await
            .unwrap()
            .last_revision,
        2
    );
    assert_eq!(
        store
            .append(request(&s, StreamExists, 1))
            .await
            .unwrap()
            .last_revision,
        3
    );
    assert_eq!(
        store
            .append(request(&s, Any, 1))
            .await
            .unwrap()
            .last_revision,
        4
    );
    let revisions: Vec<u64> = store
        .read_stream(&s, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.revision)
        .collect();
    assert_eq!(revisions, vec![0, 1, 2, 3, 4]);
}

pub async fn retries_are_idempotent(store: Arc<dyn EventStore>) {
    let s = stream("conformance-retry");
    let req = request(&s, ExpectedState::NoStream, 2);
    let first = store.append(req.clone()).await.unwrap();
    // A retry after a lost answer: same command id. Even its expected state,
    // now stale, must not turn it into a conflict.
    let again = store.append(req.clone()).await.unwrap();
    assert!(again.deduplicated);
    assert_eq!(
        AppendOutcome {
            deduplicated: false,
            ..again.clone()
        },
        first
    );
    // Same command id with fresh event ids: still the first result.
    let mut changed = req.clone();
    changed.events = vec![event(9)];
    assert_eq!(store.append(changed).await.unwrap(), again);
    assert_eq!(store.head().await.unwrap(), 2);
    assert_eq!(store.read_stream(&s, 0, 10).await.unwrap().len(), 2);

    // A retry whose expected state still holds is found all the same.
    let any = stream("conformance-retry-any");
    let req = request(&any, ExpectedState::Any, 1);
    let first = store.append(req.clone()).await.unwrap();
    let again = store.append(req).await.unwrap();
    assert!(again.deduplicated && !first.deduplicated);
    assert_eq!((again.first_position, again.last_position), (3, 3));
    assert_eq!(store.head().await.unwrap(), 3);
}

/// Retries that meet in one group, for the stores that commit appends in
/// groups (SQLite, PostgreSQL); KurrentDB documents weaker guarantees for
/// copies sent at the same instant (see `kurrentdb.rs`), so it is not in
/// [`conformance_tests!`](crate::conformance_tests).
pub async fn retries_in_one_group_are_kept_apart(store: Arc<dyn EventStore>) {
    // Copies of one command sent at once: one lands, the others answer
    // with its outcome.
    let copies = stream("conformance-copies");
    let req = request(&copies, ExpectedState::Any, 2);
    let outcomes = futures::future::join_all((0..8).map(|_| store.append(req.clone()))).await;
    let outcomes: Vec<AppendOutcome> = outcomes.into_iter().map(|o| o.unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| !o.deduplicated).count(), 1);
    for o in &outcomes {
        assert_eq!(
            (o.first_position, o.last_position, o.last_revision),
            (1, 2, 1)
        );
    }
    assert_eq!(store.head().await.unwrap(), 2);

    // An append refused midway (its second event's id is taken), sent
    // with others, leaves no trace of its command: its retry, with fresh
    // event ids, lands as new, not as a retry of something recorded.
    let taken = req.events[0].id;
    let mut failing = request(&stream("conformance-refused"), ExpectedState::NoStream, 2);
    failing.events[1].id = taken;
    let others: Vec<AppendRequest> = (0..6)
        .map(|i| {
            request(
                &stream(&format!("conformance-beside-{i}")),
                ExpectedState::NoStream,
                1,
            )
        })
        .collect();
    let sent = futures::future::join_all(
        std::iter::once(failing.clone())
            .chain(others)
            .map(|r| store.append(r)),
    )
    .await;
    match &sent[0] {
        Err(StoreError::Invalid(InvalidAppend::EventIdExists { id })) => assert_eq!(*id, taken),
        other => panic!("expected EventIdExists, got {other:?}"),
    }
    assert!(sent[1..].iter().all(|r| r.is_ok()), "{sent:?}");
    let mut retry = failing;
    retry.events = vec![event(1), event(2)];
    let landed = store.append(retry).await.unwrap();
    assert!(
        !landed.deduplicated,
        "the refused append's command was recorded"
    );
    assert_eq!((landed.first_position, landed.last_position), (9, 10));
    assert_eq!(store.head().await.unwrap(), 10);
}

pub async fn appends_are_atomic(store: Arc<dyn EventStore>) {
    let s = stream("conformance-atomic");
    let first = request(&s, ExpectedState::NoStream, 1);
    let taken = first.events[0].id;
    store.append(first).await.unwrap();
    // Three events, the last of which reuses an id already in the log.
    let mut req = request(&s, ExpectedState::Exact(0), 3);
    req.events[2].id = taken;
    match store.append(req).await {
        Err(StoreError::Invalid(InvalidAppend::EventIdExists { id })) => assert_eq!(id, taken),
        other => panic!("expected EventIdExists, got {other:?}"),
    }
    assert_eq!(
        store.head().await.unwrap(),
        1,
        "part of a refused append was written"
    );
    assert_eq!(store.read_stream(&s, 0, 10).await.unwrap().len(), 1);
    // The stream is untouched: the next append still expects revision 0.
    let ok = store
        .append(request(&s, ExpectedState::Exact(0), 3))
        .await
        .unwrap();
    assert_eq!((ok.first_position, ok.last_position), (2, 4));
}

/// Appends sent at once (which a group-committing store commits in one
/// transaction): those refused, whether by their checks or midway through
/// their writes, leave nothing; every other one lands whole.
pub async fn a_failed_append_spares_the_others_sent_with_it(store: Arc<dyn EventStore>) {
    let first = request(&stream("conformance-spared-0"), ExpectedState::NoStream, 1);
    let taken = first.events[0].id;
    store.append(first).await.unwrap();
    let appends = (1..=48).map(|i| {
        let s = stream(&format!("conformance-spared-{i}"));
        let mut req = request(&s, ExpectedState::NoStream, 3);
        match i % 8 {
            // Fails midway: its third event reuses an id already in the log.
            3 => req.events[2].id = taken,
            // Fails its check: the stream does not exist yet.
            5 => req.expected = ExpectedState::Exact(0),
            _ => {}
        }
        let store = store.clone();
        async move { (i, store.append(req).await) }
    });
    let results = futures::future::join_all(appends).await;
    for (i, result) in results {
        let s = stream(&format!("conformance-spared-{i}"));
        let written = store.read_stream(&s, 0, 10).await.unwrap();
        match (i % 8, result) {
            (3, Err(StoreError::Invalid(InvalidAppend::EventIdExists { id }))) => {
                assert_eq!(id, taken);
                assert!(written.is_empty(), "part of append {i} was written");
            }
            (5, Err(StoreError::WrongExpectedVersion { .. })) => {
                assert!(written.is_empty(), "append {i} was written");
            }
            (3 | 5, other) => panic!("append {i} should have failed, got {other:?}"),
            (_, Ok(out)) => {
                assert_eq!(out.last_position - out.first_position, 2);
                assert_eq!(written.len(), 3, "append {i} is not whole");
                assert_eq!(written[0].position, out.first_position);
            }
            (_, Err(e)) => panic!("append {i} failed: {e}"),
        }
    }
    let all = all_events(store.as_ref()).await;
    assert_gapless(&all);
    assert_eq!(all.len(), 1 + 36 * 3);
}

pub async fn invalid_appends_write_nothing(store: Arc<dyn EventStore>) {
    let s = stream("conformance-invalid");
    let check = |req: AppendRequest| {
        let store = store.clone();
        async move {
            match store.append(req).await {
                Err(StoreError::Invalid(e)) => e,
                other => panic!("expected an invalid-append error, got {other:?}"),
            }
        }
    };
    assert_eq!(
        check(request(&s, ExpectedState::Any, 0)).await,
        InvalidAppend::Empty
    );
    let mut big = request(&s, ExpectedState::Any, 1);
    big.events[0].payload = json!({"text": "x".repeat(MAX_PAYLOAD_BYTES)});
    assert!(matches!(
        check(big).await,
        InvalidAppend::PayloadTooLarge { index: 0, .. }
    ));
    let many = request(&s, ExpectedState::Any, MAX_EVENTS_PER_APPEND + 1);
    assert!(matches!(
        check(many).await,
        InvalidAppend::TooManyEvents { .. }
    ));
    let mut bad_type = request(&s, ExpectedState::Any, 2);
    bad_type.events[1].event_type = "Drop Table;".into();
    assert!(matches!(
        check(bad_type).await,
        InvalidAppend::BadEventType { index: 1, .. }
    ));
    let mut twice = request(&s, ExpectedState::Any, 2);
    twice.events[1].id = twice.events[0].id;
    assert!(matches!(
        check(twice).await,
        InvalidAppend::DuplicateEventIdInAppend { .. }
    ));
    let mut fraction = request(&s, ExpectedState::Any, 2);
    fraction.events[1].payload = json!({"nested": [{"rate": 0.5}]});
    assert_eq!(
        check(fraction).await,
        InvalidAppend::FractionalNumber { index: 1 }
    );
    let mut nobody = request(&s, ExpectedState::Any, 1);
    nobody.meta.actor.id = " ".into();
    assert_eq!(check(nobody).await, InvalidAppend::BadActor);
    assert_eq!(store.head().await.unwrap(), 0);
    assert!(all_events(&*store).await.is_empty());
}

pub async fn reads_are_paged(store: Arc<dyn EventStore>) {
    let a = stream("conformance-pa");
    let b = stream("conformance-pb");
    for _ in 0..5 {
        store
            .append(request(&a, ExpectedState::Any, 2))
            .await
            .unwrap();
        store
            .append(request(&b, ExpectedState::Any, 1))
            .await
            .unwrap();
    }
    let page = store.read_all(4, 5).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![4, 5, 6, 7, 8]
    );
    let page = store.read_stream(&a, 3, 4).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![3, 4, 5, 6]
    );
    assert!(page.iter().all(|e| e.stream_id == a));
    assert_eq!(store.read_stream(&b, 0, 100).await.unwrap().len(), 5);
    assert_eq!(
        store.read_all(0, 1).await.unwrap()[0].position,
        1,
        "from 0 reads from the start"
    );
}

/// `read_category` returns the category's events (the stream `token` and
/// the streams `token-…`, not `tokens-…` nor `token_…`) in log order, page
/// by page, and says where to go on from.
pub async fn category_reads_keep_only_the_category(store: Arc<dyn EventStore>) {
    let appends = [
        ("token-a", 2),
        ("other-x", 3),
        ("token", 1),
        ("tokens-b", 1),
        ("token_c", 1),
        ("token.d", 1),
        ("token-a", 1),
        ("other-y", 2),
    ];
    let mut expected = Vec::new();
    for (name, count) in appends {
        let out = store
            .append(request(&stream(name), ExpectedState::Any, count))
            .await
            .unwrap();
        if name == "token" || name.starts_with("token-") {
            expected.extend(out.first_position..=out.last_position);
        }
    }
    let head = store.head().await.unwrap();
    let all = store.read_category("token", 0, 100).await.unwrap();
    assert_eq!(
        all.events.iter().map(|e| e.position).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(all.next, head + 1, "everything up to the head was read");
    // Paged: no page exceeds the limit, the pages join up, and a read
    // from the end finds nothing and stays there.
    let (mut from, mut seen) = (1, Vec::new());
    loop {
        let page = store.read_category("token", from, 2).await.unwrap();
        assert!(page.events.len() <= 2);
        assert!(
            page.events
                .iter()
                .all(|e| e.position >= from && e.position < page.next)
        );
        seen.extend(page.events.iter().map(|e| e.position));
        if page.next == from {
            break;
        }
        from = page.next;
    }
    assert_eq!(seen, expected);
    assert_eq!(from, head + 1);
    let none = store.read_category("nothing", 1, 100).await.unwrap();
    assert!(none.events.is_empty());
}

/// `read_all_decoded` gives what `read_all` gives with each domain
/// payload decoded (`None` for other event types), page by page; a domain
/// payload that does not decode is `Corrupt`, naming its position.
pub async fn decoded_reads_match_the_stored_events(store: Arc<dyn EventStore>) {
    let paid = registre_schema::DomainEvent::DuesPaid(registre_schema::events::DuesPaid {
        member_id: Uuid::from_u128(7),
        year: 2024,
        amount_xof: 50_000,
        paid_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 1).expect("valid date"),
        receipt_ref: "Reçu n° 12 — Ségou".into(),
    });
    let mut req = request(&stream("member-7"), ExpectedState::NoStream, 2);
    req.events[1] = EventData::new("DuesPaid", 1, at(9), paid.to_payload());
    store.append(req).await.unwrap();
    store
        .append(request(&stream("other-1"), ExpectedState::Any, 1))
        .await
        .unwrap();
    let stored = all_events(store.as_ref()).await;
    let decoded = store.read_all_decoded(1, 100).await.unwrap();
    let expected: Vec<_> = stored
        .iter()
        .map(|e| e.clone().decoded().unwrap())
        .collect();
    assert_eq!(decoded, expected);
    assert_eq!(decoded[1].payload, Some(paid));
    assert_eq!(decoded[0].payload, None, "not a domain event type");
    let page = store.read_all_decoded(2, 1).await.unwrap();
    assert_eq!(page, expected[1..2]);

    let mut bad = request(&stream("member-8"), ExpectedState::NoStream, 1);
    bad.events[0] = EventData::new("DuesPaid", 1, at(10), json!({"year": "x"}));
    let out = store.append(bad).await.unwrap();
    match store.read_all_decoded(1, 100).await {
        Err(StoreError::Corrupt { position, .. }) => assert_eq!(position, out.first_position),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // The stored form is untouched and still reads.
    assert_eq!(all_events(store.as_ref()).await.len(), stored.len() + 1);
}

/// Many writers at once, a reader tailing the log all along: the reader
/// sees every acknowledged event exactly once, in position order, and the
/// positions have no gap.
pub async fn concurrent_writers_keep_a_gapless_order(store: Arc<dyn EventStore>) {
    const WRITERS: usize = 64;
    const APPENDS: usize = 20;
    let total = (WRITERS * APPENDS * 2) as Position;

    let tail = {
        let feed = subscribe(store.clone(), 1);
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut feed = feed;
            while (seen.len() as Position) < total {
                match tokio::time::timeout(Duration::from_secs(30), feed.next()).await {
                    Ok(Some(Ok(Feed::Event(e)))) => seen.push(e),
                    Ok(Some(Ok(Feed::CaughtUp(_)))) => {}
                    other => panic!("tail ended early: {other:?}"),
                }
            }
            seen
        })
    };

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let s = stream(&format!("conformance-w{w}"));
            let mut acks = Vec::new();
            for i in 0..APPENDS {
                let expected = if i == 0 {
                    ExpectedState::NoStream
                } else {
                    ExpectedState::Exact(2 * i as u64 - 1)
                };
                let req = request(&s, expected, 2);
                let ids: Vec<Uuid> = req.events.iter().map(|e| e.id).collect();
                let out = store.append(req).await.expect("append");
                acks.push((out, ids));
            }
            acks
        }));
    }
    let mut acked: BTreeMap<Position, Uuid> = BTreeMap::new();
    for w in writers {
        for (out, ids) in w.await.unwrap() {
            assert_eq!(
                out.last_position - out.first_position + 1,
                ids.len() as Position
            );
            for (p, id) in (out.first_position..=out.last_position).zip(ids) {
                assert!(
                    acked.insert(p, id).is_none(),
                    "position {p} acknowledged twice"
                );
            }
        }
    }
    let seen = tail.await.unwrap();
    assert_gapless(&seen);
    assert_eq!(seen.len() as Position, total);
    for e in &seen {
        assert_eq!(
            acked.get(&e.position),
            Some(&e.id),
            "reader and writer disagree at {}",
            e.position
        );
    }
    let stored = all_events(&*store).await;
    assert_eq!(stored, seen);
    let recorded: Vec<_> = stored.iter().map(|e| e.recorded_at).collect();
    assert!(
        recorded.windows(2).all(|w| w[0] <= w[1]),
        "recorded_at decreased"
    );
}

/// Writers race on one stream with exact expectations: every acknowledged
/// append got a revision no one else got, and the stream has no hole.
pub async fn racing_writers_on_one_stream(store: Arc<dyn EventStore>) {
    const WRITERS: usize = 16;
    const WINS: usize = 10;
    let s = stream("conformance-race");
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let store = store.clone();
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (mut wins, mut conflicts) = (Vec::new(), 0);
            while wins.len() < WINS {
                let last = store
                    .read_stream(&s, 0, 10_000)
                    .await
                    .unwrap()
                    .last()
                    .map(|e| e.revision);
                match store.append(request(&s, ExpectedState::of(last), 1)).await {
                    Ok(out) => wins.push(out.last_revision),
                    Err(StoreError::WrongExpectedVersion { .. }) => conflicts += 1,
                    Err(e) => panic!("unexpected error: {e}"),
                }
            }
            (wins, conflicts)
        }));
    }
    let mut revisions = HashSet::new();
    for t in tasks {
        let (wins, _) = t.await.unwrap();
        for r in wins {
            assert!(revisions.insert(r), "revision {r} granted twice");
        }
    }
    let events = store.read_stream(&s, 0, 10_000).await.unwrap();
    assert_eq!(events.len(), WRITERS * WINS);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.revision == i as u64)
    );
}

/// A subscriber that starts while events exist and others keep arriving
/// gets the backlog, a caught-up mark, then the live events: each once.
pub async fn subscription_hands_over_from_catch_up_to_live(store: Arc<dyn EventStore>) {
    let s = stream("conformance-sub");
    for _ in 0..10 {
        store
            .append(request(&s, ExpectedState::Any, 5))
            .await
            .unwrap();
    }
    let mut feed = subscribe(store.clone(), 21);
    let writer = {
        let store = store.clone();
        let s = s.clone();
        tokio::spawn(async move {
            for _ in 0..30 {
                store
                    .append(request(&s, ExpectedState::Any, 3))
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let mut positions = Vec::new();
    let mut caught_up = None;
    while positions.len() < 30 + 90 {
        match tokio::time::timeout(Duration::from_secs(30), feed.next()).await {
            Ok(Some(Ok(Feed::Event(e)))) => positions.push(e.position),
            Ok(Some(Ok(Feed::CaughtUp(p)))) => {
                assert!(caught_up.is_none(), "caught up twice");
                assert_eq!(Some(&p), positions.last(), "caught-up mark out of place");
                caught_up = Some(p);
            }
            other => panic!("subscription ended early: {other:?}"),
        }
    }
    writer.await.unwrap();
    assert!(caught_up.is_some(), "no caught-up mark");
    assert_eq!(positions, (21..=140).collect::<Vec<Position>>());
    // Nothing more arrives: the feed waits.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), feed.next())
            .await
            .is_err(),
        "an event was delivered twice"
    );
}

/// Events another store recorded: two commands on one stream, one on
/// another, with times finer than a second.
fn recorded(start: Position, count: usize) -> Vec<RecordedEvent> {
    let commands = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    (0..count)
        .map(|i| {
            let position = start + i as Position;
            let command = commands[(i * commands.len()) / count];
            let (stream_id, revision) = if command == commands[1] {
                (stream("conformance-import-b"), (i - count / 3) as u64)
            } else if command == commands[0] {
                (stream("conformance-import-a"), i as u64)
            } else {
                (stream("conformance-import-a"), (i - count / 3) as u64)
            };
            RecordedEvent {
                position,
                id: Uuid::now_v7(),
                stream_id,
                revision,
                event_type: "TestHappened".into(),
                schema_version: 1,
                occurred_at: at(i as i64),
                // One time per command, as a group commit records them.
                recorded_at: at(
                    1000 + (commands.iter().position(|c| *c == command).unwrap()) as i64
                ),
                actor: actor(),
                command_id: command,
                correlation_id: command,
                // One cause per command (or none), as an append writes it.
                causation_id: (command != commands[1])
                    .then(|| Uuid::from_u128(u128::from_le_bytes(*command.as_bytes()) ^ 1)),
                payload: json!({"n": i, "lieu": "Kayes"}),
            }
        })
        .collect()
}

/// An import keeps every field of every event and records its commands;
/// one that does not continue the log writes nothing. A backend that
/// cannot keep positions must refuse every import with `Unsupported`.
pub async fn imports_continue_the_log_exactly(store: Arc<dyn EventStore>) {
    // Commands of 2, 2 and 2 events: a-0 a-1 | b-0 b-1 | a-2 a-3.
    let events = recorded(1, 6);
    match store.import(events.clone()).await {
        Err(StoreError::Import(ImportRefused::Unsupported(_))) => {
            assert_eq!(store.head().await.unwrap(), 0, "a refused import wrote");
            return;
        }
        other => assert_eq!(other.unwrap(), 6),
    }
    assert_eq!(all_events(&*store).await, events);
    assert_eq!(store.head().await.unwrap(), 6);
    // A retry of an imported command deduplicates as on the original.
    let first = &events[2];
    let retry = AppendRequest {
        stream_id: first.stream_id.clone(),
        expected: ExpectedState::NoStream,
        meta: CommandMeta {
            command_id: first.command_id,
            actor: actor(),
            correlation_id: first.correlation_id,
            causation_id: None,
        },
        events: vec![event(0)],
    };
    let out = store.append(retry).await.unwrap();
    assert!(out.deduplicated);
    assert_eq!(
        (out.first_position, out.last_position, out.last_revision),
        (3, 4, 1)
    );
    assert_eq!(out.recorded_at, first.recorded_at);
    // The same events again, or a later batch that skips or repeats a
    // revision: refused, nothing written.
    assert!(matches!(
        store.import(events.clone()).await,
        Err(StoreError::Import(ImportRefused::NotNext {
            first: 1,
            head: 6
        }))
    ));
    let mut later = recorded(7, 3);
    for e in &mut later {
        e.stream_id = stream("conformance-import-b");
        e.revision += 5;
        e.recorded_at = at(2000);
    }
    assert!(matches!(
        store.import(later.clone()).await,
        Err(StoreError::Import(ImportRefused::WrongRevision {
            position: 7,
            ..
        }))
    ));
    assert_eq!(store.head().await.unwrap(), 6);
    // Plain appends go on after the import, with its streams' revisions and
    // a time not before the imported ones.
    let a = stream("conformance-import-a");
    let out = store
        .append(request(&a, ExpectedState::Exact(3), 1))
        .await
        .unwrap();
    assert_eq!((out.first_position, out.last_revision), (7, 4));
    assert!(out.recorded_at >= events[5].recorded_at);
    assert_gapless(&all_events(&*store).await);
}
