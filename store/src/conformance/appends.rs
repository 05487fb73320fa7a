//! Appends: what one writer may expect of a store. Events read back as
//! written, the expected state enforced, retries of a command answered
//! from the log, an append all or nothing, invalid appends refused before
//! anything is written, and a refused append sparing those committed with
//! it.

use std::sync::Arc;

use registre_schema::Position;
use serde_json::json;

use super::{all_events, assert_gapless, event, request, stream};
use crate::{
    AppendOutcome, AppendRequest, EventStore, ExpectedState, InvalidAppend, MAX_EVENTS_PER_APPEND,
    MAX_PAYLOAD_BYTES, StoreError,
};

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
