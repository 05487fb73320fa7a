//! The stream index, written in sorted batches off most appends' path:
//! when a batch is due, indexing the log's tail, and checking the index
//! against the log.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use registre_schema::Position;
use rusqlite::{Connection, OptionalExtension};

use super::append::GroupTx;
use super::backend;
use super::format::STORE_FORMAT;
use super::rows::read_head;
use crate::{StoreError, StreamIndexCheck};

/// Events a group may leave out of the stream index: the group that finds
/// that many indexes them all. A batch writes each stream's index page
/// once for all its events, where appends one by one wrote it for each; a
/// stream's read scans what is not indexed yet. BENCHMARKS.md weighs
/// 4,096 to 16,384.
pub const INDEX_BATCH: u64 = 8192;

/// Longest an event stays out of the stream index: past it, the next
/// group indexes the tail, and when no group comes, the checkpointer does.
pub const INDEX_DELAY: Duration = Duration::from_secs(1);

/// After the stream index refused the log's tail (a log edited behind
/// registre's back), how long before it is tried again.
const INDEX_RETRY: Duration = Duration::from_secs(60);

/// The stream index's watermark, as an SQL expression.
pub(super) const INDEXED_THROUGH: &str =
    "(SELECT indexed_through FROM stream_index_state WHERE only = 1)";

/// When the embedded store indexes streams (see `index_tail`).
#[derive(Clone, Copy, Debug)]
pub struct Indexing {
    /// Events a group may leave out of the stream index.
    pub batch: u64,
    /// Longest an event stays out of it.
    pub delay: Duration,
}

impl Default for Indexing {
    fn default() -> Self {
        Indexing {
            batch: INDEX_BATCH,
            delay: INDEX_DELAY,
        }
    }
}

/// Indexes the log's tail, in the caller's write transaction: every event
/// after the watermark gets its stream index entry, in one statement that
/// sorts them by stream, and the watermark moves to the log's head.
/// Returns how many events it indexed.
///
/// Sorted, a batch writes each index page it touches once: the events of
/// one stream land on that stream's last page together. The index's
/// primary key refuses a second event at a stream's revision; the writer's
/// check should never let one through, so a refusal means the log was
/// edited behind registre's back, and the statement changes nothing.
///
/// The entries and the watermark are written together or not at all (a
/// savepoint): entries past the watermark would be read twice.
pub(super) fn index_tail(conn: &Connection) -> Result<usize, IndexFailure> {
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("SAVEPOINT index_tail").map_err(IndexFailure::Torn)?;
    let written = indexed_through(conn)
        .and_then(|through| run(&index_tail_sql(through == 0)))
        .and_then(|indexed| {
            run("UPDATE stream_index_state
             SET indexed_through = coalesce((SELECT max(position) FROM events), 0)
             WHERE only = 1")
            .map(|_| indexed)
        });
    match written {
        Ok(indexed) => run("RELEASE index_tail")
            .map(|_| indexed)
            .map_err(IndexFailure::Torn),
        Err(e) => {
            let undone = !conn.is_autocommit()
                && run("ROLLBACK TO index_tail")
                    .and_then(|_| run("RELEASE index_tail"))
                    .is_ok();
            Err(if undone {
                IndexFailure::Undone(e)
            } else {
                IndexFailure::Torn(e)
            })
        }
    }
}

/// The statement that indexes the tail, sorted by stream.
///
/// A store upgraded from format 2 keeps its events' own `(stream_id,
/// revision)` index, and SQLite, which knows no more of the tail than that
/// it is a range of positions, would rather scan that whole index in its
/// order than read the range and sort it: a cost that grows with the
/// whole log for every batch, however short its tail. So the events are
/// read by position (`NOT INDEXED` still reads a range of row ids), unless
/// the tail is the whole log (the upgrade's first batch), which the old
/// index hands over in order, sooner than reading them by position and
/// sorting them would. BENCHMARKS.md has the figures.
fn index_tail_sql(whole_log: bool) -> String {
    let events = if whole_log {
        "events"
    } else {
        "events NOT INDEXED"
    };
    format!(
        "INSERT INTO stream_index (stream_id, revision, position)
         SELECT stream_id, revision, position FROM {events}
         WHERE position > {INDEXED_THROUGH} ORDER BY stream_id, revision"
    )
}

/// How indexing the log's tail failed.
pub(super) enum IndexFailure {
    /// Nothing of it is left; the transaction goes on.
    Undone(rusqlite::Error),
    /// The transaction is gone, or may hold part of it: it must not
    /// commit.
    Torn(rusqlite::Error),
}

/// When the stream index may be tried again after it failed, shared by
/// the writer and the checkpointer: a log the index refuses is not sorted
/// again by every group and every pause.
#[derive(Default)]
pub(super) struct IndexHold(Mutex<Option<Instant>>);

impl IndexHold {
    pub(super) fn open(&self) -> bool {
        let until = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        until.is_none_or(|t| Instant::now() >= t)
    }

    pub(super) fn failed(&self, e: &rusqlite::Error) {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            tracing::error!(
                error = %e,
                "the stream index refused the log's tail (a revision taken twice: was the log edited?); streams are read from the log meanwhile"
            );
        } else {
            tracing::warn!(error = %e, "indexing the log's tail failed; it will be retried");
        }
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + INDEX_RETRY);
    }
}

/// Indexes the log's tail in a transaction of its own, if the store is of
/// this format and has a tail: what the writer does when it closes, and
/// the checkpointer when appends have stopped for a while.
pub(super) fn index_idle(conn: &Connection, hold: &IndexHold) {
    if !hold.open() {
        return;
    }
    let tail_waits = |c: &Connection| -> rusqlite::Result<bool> {
        let format: i64 = c
            .prepare_cached("SELECT user_version FROM pragma_user_version")?
            .query_row([], |r| r.get(0))?;
        if format != STORE_FORMAT {
            return Ok(false);
        }
        let head: Option<i64> = c
            .prepare_cached("SELECT max(position) FROM events")?
            .query_row([], |r| r.get(0))?;
        Ok(head.unwrap_or(0) as Position > indexed_through(c)?)
    };
    // Looked at before taking the write lock, which would wait for a
    // group, and again under it.
    let indexed = tail_waits(conn).and_then(|waits| {
        if !waits {
            return Ok(());
        }
        let tx = GroupTx::begin(conn)?;
        if !tail_waits(&tx)? {
            return Ok(());
        }
        // A failure dropped the transaction, which rolled back.
        match index_tail(&tx) {
            Ok(_) => tx.commit(),
            Err(IndexFailure::Undone(e) | IndexFailure::Torn(e)) => Err(e),
        }
    });
    if let Err(e) = indexed {
        hold.failed(&e);
    }
}

/// The stream index's watermark.
pub(super) fn indexed_through(conn: &Connection) -> rusqlite::Result<Position> {
    conn.prepare_cached(&format!("SELECT {INDEXED_THROUGH}"))?
        .query_row([], |r| r.get::<_, Option<i64>>(0))
        .map(|p| p.unwrap_or(0) as Position)
}

/// Checks the stream index against the log in one read transaction: its
/// watermark is one row and not past the log's end; every event up to it
/// has its entry; every entry matches an event up to it. Together these
/// make the entries and those events one to one. An event without its
/// entry, or one past a watermark raised beyond the log, would be left
/// out of its stream's reads, and its revision could be taken again; an
/// entry past the watermark would be read twice.
pub(super) fn check_stream_index(c: &Connection) -> Result<Option<StreamIndexCheck>, StoreError> {
    let tx = c.unchecked_transaction().map_err(backend)?;
    let indexed: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream_index')",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if !indexed {
        return Ok(None);
    }
    let entries: i64 = tx
        .query_row("SELECT count(*) FROM stream_index", [], |r| r.get(0))
        .map_err(backend)?;
    let watermark: Option<i64> = tx
        .query_row(
            "SELECT indexed_through FROM stream_index_state WHERE only = 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    let head = read_head(&tx)?;
    let check = |through: Position, finding: Option<String>| {
        Ok(Some(StreamIndexCheck {
            indexed_through: through,
            entries: entries as u64,
            finding,
        }))
    };
    let Some(through) = watermark else {
        return check(0, Some("the stream index has lost its watermark".into()));
    };
    let through = Position::try_from(through).unwrap_or(0);
    if through > head {
        return check(
            through,
            Some(format!(
                "the stream index's watermark, position {through}, is past the log's last event, {head}"
            )),
        );
    }
    let bound = through as i64;
    let unindexed: Option<i64> = tx
        .query_row(
            "SELECT min(e.position) FROM events AS e WHERE e.position <= ?1
             AND NOT EXISTS (SELECT 1 FROM stream_index AS i WHERE i.stream_id = e.stream_id
                AND i.revision = e.revision AND i.position = e.position)",
            [bound],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if let Some(p) = unindexed {
        return check(
            through,
            Some(format!(
                "the event at position {p} has no entry of its own in the stream index"
            )),
        );
    }
    let stray: Option<(String, i64, i64, bool)> = tx
        .query_row(
            "SELECT i.stream_id, i.revision, i.position, i.position > ?1 FROM stream_index AS i
             WHERE i.position > ?1
                OR NOT EXISTS (SELECT 1 FROM events AS e WHERE e.position = i.position
                    AND e.stream_id = i.stream_id AND e.revision = i.revision)
             ORDER BY i.position LIMIT 1",
            [bound],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(backend)?;
    let finding = stray.map(|(stream, revision, position, past)| {
        let entry = format!(
            "the stream index holds an entry for {stream:?} revision {revision} at position {position}"
        );
        if past {
            format!("{entry}, past its watermark {through}")
        } else {
            format!("{entry}, where no such event is")
        }
    });
    check(through, finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    /// A store upgraded from format 2 keeps its events' `(stream_id,
    /// revision)` index; a batch must still read the tail by position, not
    /// scan that index whole (see `index_tail_sql`).
    #[tokio::test]
    async fn an_upgraded_store_indexes_its_tail_by_position() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("upgraded.db");
        SqliteStore::open(&path)
            .await
            .expect("store")
            .close()
            .await
            .expect("close");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE UNIQUE INDEX events_by_stream ON events (stream_id, revision)")
            .expect("the old index");
        let plan = |sql: &str| -> String {
            let mut stmt = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("plan");
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .expect("query");
            rows.map(|r| r.expect("row")).collect::<Vec<_>>().join("\n")
        };
        let batch = plan(&index_tail_sql(false));
        assert!(batch.contains("INTEGER PRIMARY KEY"), "{batch}");
        assert!(!batch.contains("events_by_stream"), "{batch}");
        // What the plain statement does here, hence `NOT INDEXED`.
        let whole = plan(&index_tail_sql(true));
        assert!(whole.contains("events_by_stream"), "{whole}");
    }
}
