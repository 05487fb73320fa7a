//! Concurrent writers: many appends at once keep one global order without
//! gaps or repeats, and writers racing on one stream's revision see exactly
//! one of them win. Run on several threads, as the macro's tests are.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use registre_schema::Position;
use uuid::Uuid;

use super::{all_events, assert_gapless, request, stream};
use crate::{EventStore, ExpectedState, Feed, StoreError, subscribe};

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
