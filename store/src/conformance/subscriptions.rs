//! Subscriptions: a reader that starts on an existing log catches up, then
//! receives live appends, with no event lost or delivered twice at the
//! hand-over.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use registre_schema::Position;

use super::{request, stream};
use crate::{EventStore, ExpectedState, Feed, subscribe};

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
