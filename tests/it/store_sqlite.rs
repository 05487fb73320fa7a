//! The conformance suite on the embedded store, and what is SQLite's own:
//! the store format check.

use std::sync::Arc;

use registre::store::sqlite::SqliteStore;
use registre::store::{EventStore, StoreError};

async fn fresh() -> Option<Arc<dyn EventStore>> {
    // The directory must outlive the store: leak it for the test's life.
    let dir = Box::leak(Box::new(crate::support::scratch()));
    let store = SqliteStore::open(dir.path().join("registre.db"))
        .await
        .expect("open a fresh store");
    Some(Arc::new(store))
}

mod conformance {
    use super::fresh;
    registre::conformance_tests!(fresh());
}

#[tokio::test]
async fn a_file_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = crate::support::scratch();
    let path = dir.path().join("notes.txt");
    let text = "minutes of the congress\n".repeat(100);
    std::fs::write(&path, &text).unwrap();
    let err = SqliteStore::open(&path).await.err().expect("must refuse");
    assert!(matches!(err, StoreError::Format(_)));
    assert!(err.to_string().contains("is not a registre store"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "the file was changed"
    );

    // Another application's SQLite database.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    let err = SqliteStore::open(&other).await.err().expect("must refuse");
    assert!(err.to_string().contains("is not a registre store"), "{err}");
}

#[tokio::test]
async fn a_store_from_a_newer_format_is_refused() {
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    drop(SqliteStore::open(&path).await.unwrap());
    // Give the writer thread time to close its connection.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = SqliteStore::open(&path).await.err().expect("must refuse");
    let msg = err.to_string();
    assert!(
        msg.contains("newer registre") && msg.contains("format 99"),
        "{msg}"
    );
}

#[tokio::test]
async fn events_cannot_be_edited_through_sql() {
    use registre::store::{AppendRequest, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .append(AppendRequest {
            stream_id: StreamId::new("test-1").unwrap(),
            expected: ExpectedState::Any,
            meta: CommandMeta::new(Actor::system()),
            events: vec![EventData::new(
                "T",
                1,
                chrono::Utc::now(),
                serde_json::json!({}),
            )],
        })
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let update = conn.execute("UPDATE events SET payload = '{}'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM events", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn a_corrupt_payload_is_reported_with_its_position_and_type() {
    use registre::store::{AppendRequest, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = SqliteStore::open(&path).await.unwrap();
    for _ in 0..2 {
        store
            .append(AppendRequest {
                stream_id: StreamId::new("test-1").unwrap(),
                expected: ExpectedState::Any,
                meta: CommandMeta::new(Actor::system()),
                events: vec![EventData::new(
                    "DuesPaid",
                    1,
                    chrono::Utc::now(),
                    serde_json::json!({"a": 1}),
                )],
            })
            .await
            .unwrap();
    }
    // Damage the second event behind registre's back.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_update; UPDATE events SET payload = '{not json' WHERE position = 2;",
    )
    .unwrap();
    match store.read_all(1, 10).await {
        Err(StoreError::Corrupt {
            position,
            event_type,
            ..
        }) => {
            assert_eq!((position, event_type.as_str()), (2, "DuesPaid"))
        }
        other => panic!("expected a corrupt-event error, got {other:?}"),
    }
}
