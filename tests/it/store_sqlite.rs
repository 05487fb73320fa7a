//! The conformance suite on the embedded store, and what is SQLite's own:
//! the store format check.

use std::sync::Arc;

use registre_service::store::sqlite::Indexing;
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{AppendRequest, EventStore, ExpectedState, StoreError};

use crate::support::{by_system, event_now};

async fn fresh() -> Option<Arc<dyn EventStore>> {
    // The directory must outlive the store: leak it for the test's life.
    let dir = Box::leak(Box::new(crate::support::scratch()));
    let store = SqliteStore::open(dir.path().join("registre.db"))
        .await
        .expect("open a fresh store");
    Some(Arc::new(store))
}

/// Indexing once the log's tail holds `batch` events, never for the time
/// they waited.
fn by_batch(batch: u64) -> Indexing {
    Indexing {
        batch,
        delay: std::time::Duration::from_secs(3600),
    }
}

/// A fresh store indexing as `indexing` says, its file's path, and the
/// directory to keep while the test runs.
async fn store_indexing(
    indexing: Indexing,
) -> (tempfile::TempDir, std::path::PathBuf, SqliteStore) {
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = SqliteStore::open_with(&path, indexing).await.unwrap();
    (dir, path, store)
}

/// A fresh store whose groups index the log's tail once it holds `batch`
/// events, and never for the time it waited.
async fn indexing_every(batch: u64) -> Option<Arc<dyn EventStore>> {
    let dir = Box::leak(Box::new(crate::support::scratch()));
    let store = SqliteStore::open_with(dir.path().join("registre.db"), by_batch(batch))
        .await
        .expect("open a fresh store");
    Some(Arc::new(store))
}

/// The suite again, with every group indexing what it wrote: streams are
/// read from the stream index alone, where the default reads most of a
/// small test's events from the log's tail.
mod conformance_indexed_by_each_group {
    registre_store::conformance_tests!(super::indexing_every(1));
}

/// And with the stream index a few events behind: reads join both.
mod conformance_indexed_in_threes {
    registre_store::conformance_tests!(super::indexing_every(3));
}

crate::store_conformance!();

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

/// A store as builds of an older format left it, holding two events of
/// the stream `test-1`: format 2 had no stream index table, its events
/// carried a unique `(stream_id, revision)` index, and format 1 also had a
/// `streams` table.
async fn older_store(path: &std::path::Path, format: i64) {
    let store = SqliteStore::open(path).await.unwrap();
    store
        .append(test_append(ExpectedState::NoStream))
        .await
        .unwrap();
    store
        .append(test_append(ExpectedState::Exact(0)))
        .await
        .unwrap();
    store.close().await.unwrap();
    crate::support::to_older_format(path, format);
}

fn test_append(expected: ExpectedState) -> AppendRequest {
    one_event("test-1", expected)
}

/// The system's append of one event to `stream`.
fn one_event(stream: &str, expected: ExpectedState) -> AppendRequest {
    by_system(
        stream,
        expected,
        vec![event_now("T", serde_json::json!({}))],
    )
}

/// The system's append of `events` to `stream`, at whatever revision.
fn any_revision(
    stream: &registre_schema::StreamId,
    events: Vec<registre_schema::EventData>,
) -> AppendRequest {
    by_system(stream.as_str(), ExpectedState::Any, events)
}

/// The format, and how many of the tables `streams` (format 1) and
/// `stream_index` (format 3) the file has.
fn format_and_tables(path: &std::path::Path) -> (i64, i64, i64) {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema WHERE name = 'streams'),
                    (SELECT count(*) FROM sqlite_schema WHERE name = 'stream_index')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[tokio::test]
async fn an_older_store_is_upgraded_by_its_first_write_and_keeps_its_revisions() {
    let stream = registre_schema::StreamId::new("test-1").unwrap();
    for format in [1, 2] {
        let dir = crate::support::scratch();
        let path = dir.path().join("registre.db");
        older_store(&path, format).await;

        // Opened and read, it is left as it was (an auditor's `verify`
        // beside a server of the older build changes nothing).
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.read_all(1, 10).await.unwrap().len(), 2);
        assert_eq!(store.read_stream(&stream, 1, 10).await.unwrap().len(), 1);
        assert_eq!(
            format_and_tables(&path),
            (format, i64::from(format == 1), 0)
        );

        // The first write upgrades it, even one that is refused; the
        // revisions are read from the events all the same.
        match store.append(test_append(ExpectedState::Exact(0))).await {
            Err(StoreError::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, Some(1)),
            other => panic!("a stale revision was not refused (format {format}): {other:?}"),
        }
        assert_eq!(
            format_and_tables(&path),
            (registre_service::store::sqlite::STORE_FORMAT, 0, 1),
            "format {format} not upgraded"
        );
        let third = store
            .append(test_append(ExpectedState::Exact(1)))
            .await
            .unwrap();
        assert_eq!((third.last_revision, third.last_position), (2, 3));
        assert_eq!(store.read_all(1, 10).await.unwrap().len(), 3);
        assert_eq!(
            store
                .read_stream(&stream, 0, 10)
                .await
                .unwrap()
                .iter()
                .map(|e| (e.revision, e.position))
                .collect::<Vec<_>>(),
            [(0, 1), (1, 2), (2, 3)]
        );
        // Opened again, it is read through the stream index, which its
        // closing filled with the events it had before.
        store.close().await.unwrap();
        assert_eq!(indexed(&path), (3, 3));
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.read_stream(&stream, 0, 10).await.unwrap().len(), 3);
        match store.append(test_append(ExpectedState::Exact(1))).await {
            Err(StoreError::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, Some(2)),
            other => panic!("a stale revision was not refused (format {format}): {other:?}"),
        }
    }
}

/// The stream index's watermark and its number of entries.
fn indexed(path: &std::path::Path) -> (i64, i64) {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT (SELECT indexed_through FROM stream_index_state),
                    (SELECT count(*) FROM stream_index)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[tokio::test]
async fn events_cannot_be_edited_through_sql() {
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .append(one_event("test-1", ExpectedState::Any))
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
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let store = SqliteStore::open(&path).await.unwrap();
    for _ in 0..2 {
        store
            .append(by_system(
                "test-1",
                ExpectedState::Any,
                vec![event_now("DuesPaid", serde_json::json!({"a": 1}))],
            ))
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
    use registre_service::store::{ExpectedState, Feed};

    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let a: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let req = |stream: &str| {
        by_system(
            stream,
            ExpectedState::Any,
            vec![event_now("Tested", serde_json::json!({}))],
        )
    };
    assert_eq!(a.append(req("x-1")).await.unwrap().first_position, 1);
    let mut feed = registre_service::store::subscribe(a.clone(), 2);
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
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let a = SqliteStore::open(&path).await.unwrap();
    let b = SqliteStore::open(&path).await.unwrap();
    let req = |expected| {
        by_system(
            "member-1",
            expected,
            vec![event_now("Tested", serde_json::json!({}))],
        )
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
    use registre_schema::{EventData, StreamId};

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
                store.append(any_revision(&stream, events)).await.unwrap();
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

/// Streams are read from the stream index and the log's tail together:
/// whatever the watermark, every page of every stream holds what the log
/// holds for it, in order.
#[tokio::test]
async fn stream_reads_join_the_index_and_the_tail() {
    use registre_schema::{EventData, StreamId};
    let (_dir, path, store) = store_indexing(by_batch(7)).await;
    let streams: Vec<StreamId> = ["member-a", "member-b", "session-c"]
        .iter()
        .map(|s| StreamId::new(*s).unwrap())
        .collect();
    // Watermarks seen with a tail after them.
    let mut watermarks = std::collections::BTreeSet::new();
    for n in 0..40usize {
        let stream = &streams[(n * 7 + n / 3) % streams.len()];
        let events = (0..1 + n % 3)
            .map(|i| {
                EventData::new(
                    "T",
                    1,
                    chrono::Utc::now(),
                    serde_json::json!({"n": n, "i": i}),
                )
            })
            .collect();
        store.append(any_revision(stream, events)).await.unwrap();
        let (through, entries) = indexed(&path);
        assert_eq!(
            entries, through,
            "the index holds exactly what is below its watermark"
        );
        if through > 0 && through < store.head().await.unwrap() as i64 {
            watermarks.insert(through);
        }
        let log = store.read_all(1, 1000).await.unwrap();
        for s in &streams {
            let want: Vec<(u64, u64)> = log
                .iter()
                .filter(|e| &e.stream_id == s)
                .map(|e| (e.revision, e.position))
                .collect();
            assert!(want.iter().enumerate().all(|(i, (r, _))| *r == i as u64));
            for from in 0..=want.len() as u64 {
                for limit in [1, 2, 5, 1000] {
                    let got: Vec<(u64, u64)> = store
                        .read_stream(s, from, limit)
                        .await
                        .unwrap()
                        .iter()
                        .map(|e| (e.revision, e.position))
                        .collect();
                    let expected: Vec<_> = want
                        .iter()
                        .skip(from as usize)
                        .take(limit)
                        .copied()
                        .collect();
                    assert_eq!(
                        got, expected,
                        "{s} from {from}, {limit} at a time, after {n}"
                    );
                }
            }
        }
    }
    // The index moved in batches, and the reads above crossed it, at
    // many watermarks with a tail beyond them.
    assert!(watermarks.len() > 5, "{watermarks:?}");
}

/// A store left at rest holds no unindexed tail for long: the
/// checkpointer indexes it once appends stop, and closing the store
/// indexes what is left; a store only read is not written to.
#[tokio::test]
async fn the_tail_is_indexed_when_appends_stop_and_when_the_store_closes() {
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let idle = Indexing {
        batch: 1_000,
        delay: std::time::Duration::from_millis(50),
    };
    let store = SqliteStore::open_with(&path, idle).await.unwrap();
    // One append: no later group can index it, only the checkpointer.
    store
        .append(test_append(ExpectedState::NoStream))
        .await
        .unwrap();
    // Waited for, not timed: the test fails only if it never happens.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while indexed(&path) != (1, 1) {
        assert!(
            std::time::Instant::now() < deadline,
            "the idle tail was never indexed: {:?}",
            indexed(&path)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    store.close().await.unwrap();

    let never = by_batch(1_000);
    let store = SqliteStore::open_with(&path, never).await.unwrap();
    for revision in [0, 1] {
        store
            .append(test_append(ExpectedState::Exact(revision)))
            .await
            .unwrap();
    }
    assert_eq!(indexed(&path), (1, 1), "indexed before it was due");
    store.close().await.unwrap();
    assert_eq!(indexed(&path), (3, 3), "closing left a tail");

    // Read only: nothing written, not even on closing.
    let before = std::fs::read(&path).unwrap();
    let store = SqliteStore::open_with(&path, idle).await.unwrap();
    assert_eq!(store.read_all(1, 10).await.unwrap().len(), 3);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    store.close().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// A log edited behind registre's back so that a stream's revision is
/// taken twice cannot be indexed: the stream index refuses it, the store
/// says so in its log and goes on, appending and reading streams from the
/// log's tail.
#[tokio::test]
async fn a_tail_the_index_refuses_leaves_appends_and_reads_working() {
    let (_dir, path, store) = store_indexing(by_batch(1)).await;
    store
        .append(test_append(ExpectedState::NoStream))
        .await
        .unwrap();
    assert_eq!(indexed(&path), (1, 1));
    // A copy of event 1 at position 2, with a new id: revision 0 twice.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO events SELECT 2, randomblob(16), stream_id, revision, event_type,
                schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
                correlation_id, causation_id, payload FROM events WHERE position = 1;",
        )
        .unwrap();
    let third = store.append(test_append(ExpectedState::Any)).await.unwrap();
    assert_eq!((third.last_position, third.last_revision), (3, 1));
    assert_eq!(indexed(&path), (1, 1), "the index took a revision twice");
    let stream = registre_schema::StreamId::new("test-1").unwrap();
    let read: Vec<(u64, u64)> = store
        .read_stream(&stream, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.revision, e.position))
        .collect();
    assert_eq!(read, [(0, 1), (0, 2), (1, 3)]);
}

/// The writer answers for a stream it never wrote from the stream index
/// alone only while the log's tail is all its own: a stream begun through
/// another handle (another process), still in the tail, must be seen.
#[tokio::test]
async fn a_stream_begun_by_another_handle_is_seen_in_the_tail() {
    let dir = crate::support::scratch();
    let path = dir.path().join("registre.db");
    let every_group = by_batch(1);
    let never = by_batch(1_000);
    let req = one_event;
    let refused = |r: Result<_, StoreError>| match r {
        Err(StoreError::WrongExpectedVersion { actual, .. }) => actual,
        other => panic!("a revision taken twice: {other:?}"),
    };
    // First with nothing indexed, then with `a` indexing each group:
    // either way, `a` must not take `member-x` for a new stream.
    for (n, indexing) in [never, every_group].into_iter().enumerate() {
        let a = SqliteStore::open_with(&path, indexing).await.unwrap();
        let b = SqliteStore::open_with(&path, never).await.unwrap();
        let (mine, theirs) = (format!("member-a{n}"), format!("member-x{n}"));
        a.append(req(&mine, ExpectedState::NoStream)).await.unwrap();
        b.append(req(&theirs, ExpectedState::NoStream))
            .await
            .unwrap();
        assert_eq!(
            refused(a.append(req(&theirs, ExpectedState::NoStream)).await),
            Some(0)
        );
        // A stream no one wrote is still new.
        let new = a
            .append(req(&format!("member-c{n}"), ExpectedState::NoStream))
            .await
            .unwrap();
        assert_eq!(new.last_revision, 0);
        a.close().await.unwrap();
        b.close().await.unwrap();
    }
    assert_eq!(indexed(&path), (6, 6));
}
