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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn retries_in_one_group_are_kept_apart() {
        if let Some(store) = fresh().await {
            registre::store::conformance::retries_in_one_group_are_kept_apart(store).await;
        }
    }
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
async fn a_format_1_store_is_upgraded_by_its_first_write_and_keeps_its_revisions() {
    use registre::store::{AppendRequest, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let stream = StreamId::new("test-1").unwrap();
    let append = |expected| AppendRequest {
        stream_id: stream.clone(),
        expected,
        meta: CommandMeta::new(Actor::system()),
        events: vec![EventData::new(
            "T",
            1,
            chrono::Utc::now(),
            serde_json::json!({}),
        )],
    };
    let store = SqliteStore::open(&path).await.unwrap();
    store.append(append(ExpectedState::NoStream)).await.unwrap();
    store.append(append(ExpectedState::Exact(0))).await.unwrap();
    drop(store);
    // What format 1 had besides: each stream's last revision in a table.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE streams (stream_id TEXT PRIMARY KEY, last_revision INTEGER NOT NULL)
             STRICT, WITHOUT ROWID;
         INSERT INTO streams VALUES ('test-1', 1);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let format_and_tables = || -> (i64, i64) {
        conn.query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema WHERE name = 'streams')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };

    // Opened and read, it is left as it was (an auditor's `verify` beside
    // a server of the older build changes nothing).
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.read_all(1, 10).await.unwrap().len(), 2);
    assert_eq!(format_and_tables(), (1, 1));

    // The first write upgrades it, even one that is refused; the revisions
    // now come from the events themselves.
    match store.append(append(ExpectedState::Exact(0))).await {
        Err(StoreError::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, Some(1)),
        other => panic!("a stale revision was not refused: {other:?}"),
    }
    assert_eq!(
        format_and_tables(),
        (registre::store::sqlite::STORE_FORMAT, 0),
        "not upgraded"
    );
    let third = store.append(append(ExpectedState::Exact(1))).await.unwrap();
    assert_eq!((third.last_revision, third.last_position), (2, 3));
    assert_eq!(store.read_all(1, 10).await.unwrap().len(), 3);
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

/// Two processes (here: two store handles) appending to one file, as the
/// `registre token` command does while a server runs: positions stay
/// consecutive and a subscriber of one handle sees the other's events.
#[tokio::test]
async fn two_writers_on_one_file_keep_the_order_and_wake_subscribers() {
    use futures::StreamExt;
    use registre::store::{AppendRequest, ExpectedState, Feed};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let a: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let req = |stream: &str| AppendRequest {
        stream_id: StreamId::new(stream).unwrap(),
        expected: ExpectedState::Any,
        meta: CommandMeta::new(Actor::system()),
        events: vec![EventData::new(
            "Tested",
            1,
            chrono::Utc::now(),
            serde_json::json!({}),
        )],
    };
    assert_eq!(a.append(req("x-1")).await.unwrap().first_position, 1);
    let mut feed = registre::store::subscribe(a.clone(), 2);
    assert_eq!(feed.next().await.unwrap().unwrap(), Feed::CaughtUp(1));
    assert_eq!(b.append(req("x-2")).await.unwrap().first_position, 2);
    // `a` appended nothing since: it must not reuse position 2.
    assert_eq!(a.append(req("x-3")).await.unwrap().first_position, 3);
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next())
        .await
        .expect("the subscriber of `a` sees `b`'s event")
        .unwrap()
        .unwrap();
    let Feed::Event(e) = got else {
        panic!("{got:?}")
    };
    assert_eq!((e.position, e.stream_id.as_str()), (2, "x-2"));
}

/// The writer keeps the last revision of the streams it wrote, so that an
/// append's check need not read them: an append made meanwhile through
/// another handle (another process) must still be seen.
#[tokio::test]
async fn a_stream_moved_by_another_handle_is_checked_against_the_file() {
    use registre::store::{AppendRequest, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let a = SqliteStore::open(&path).await.unwrap();
    let b = SqliteStore::open(&path).await.unwrap();
    let req = |expected| AppendRequest {
        stream_id: StreamId::new("member-1").unwrap(),
        expected,
        meta: CommandMeta::new(Actor::system()),
        events: vec![EventData::new(
            "Tested",
            1,
            chrono::Utc::now(),
            serde_json::json!({}),
        )],
    };
    assert_eq!(
        a.append(req(ExpectedState::NoStream))
            .await
            .unwrap()
            .last_revision,
        0
    );
    assert_eq!(
        b.append(req(ExpectedState::Exact(0)))
            .await
            .unwrap()
            .last_revision,
        1
    );
    // `a` last wrote revision 0; the stream is at 1 now.
    let err = a.append(req(ExpectedState::Exact(0))).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::WrongExpectedVersion {
                actual: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    let outcome = a.append(req(ExpectedState::Exact(1))).await.unwrap();
    assert_eq!((outcome.last_revision, outcome.last_position), (2, 3));
}

/// SQLite starts its WAL over only when a write begins with every frame
/// copied into the database, which a checkpoint running beside a steady
/// stream of commits never achieves by itself: the store must see to it,
/// or the WAL grows by every page ever written.
#[tokio::test]
async fn the_wal_stays_small_under_a_steady_stream_of_appends() {
    use registre::store::{AppendRequest, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let receipt = "R".repeat(2_000);
    let mut writers = Vec::new();
    for w in 0..16 {
        let store = store.clone();
        let receipt = receipt.clone();
        writers.push(tokio::spawn(async move {
            let stream = StreamId::new(format!("member-{w}")).unwrap();
            for n in 0..400u64 {
                let events = (0..4)
                    .map(|i| {
                        EventData::new(
                            "DuesPaid",
                            1,
                            chrono::Utc::now(),
                            serde_json::json!({ "n": n, "i": i, "receipt": receipt }),
                        )
                    })
                    .collect();
                store
                    .append(AppendRequest {
                        stream_id: stream.clone(),
                        expected: ExpectedState::Any,
                        meta: CommandMeta::new(Actor::system()),
                        events,
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    // Taken while the store is open: its last checkpoint, on closing,
    // would empty the WAL anyway.
    let wal = std::fs::metadata(dir.path().join("registre.db-wal"))
        .unwrap()
        .len();
    let db = std::fs::metadata(&path).unwrap().len();
    // 25,600 events of over 2 KB: a WAL that never started over would
    // hold every page written, more than the whole database.
    assert!(db > 50 << 20, "database of {db} bytes");
    assert!(
        wal < db / 2,
        "WAL of {wal} bytes beside a database of {db} bytes"
    );
}
