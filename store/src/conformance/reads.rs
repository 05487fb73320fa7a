//! Reads: the log and streams read in pages, category reads keeping only
//! their category, and decoded reads matching the stored events, so that
//! every way of reading the log agrees with the others.

use std::sync::Arc;

use registre_schema::EventData;
use serde_json::json;
use uuid::Uuid;

use super::{all_events, at, request, stream};
use crate::{EventStore, ExpectedState, StoreError};

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
