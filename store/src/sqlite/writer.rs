//! The one thread that writes: it takes the appends queued while the
//! previous group committed and commits them in one transaction.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::Utc;
use registre_schema::{Position, Revision};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::{mpsc, watch};

use super::append::{
    Checked, GroupMode, GroupTx, WriteFailed, Writes, append_one, check_append, write_append,
};
use super::backend;
use super::checkpoint::{WAL_SIZE_LIMIT, wal_checkpoint};
use super::format::{
    APPLICATION_ID, SCHEMA, STORE_FORMAT, STREAM_INDEX_SCHEMA, not_a_store, read_header,
    report_upgrade, upgrade_format,
};
use super::readers::plan_once;
use super::revisions::{KNOWN_STREAMS, Known, Revisions};
use super::stream_index::{
    IndexFailure, IndexHold, Indexing, index_idle, index_tail, indexed_through,
};
use crate::{AppendOutcome, AppendRequest, GroupLimits, StoreError, WriteJob, answer_all, gather};

/// Most appends, and most events (an append is never split), committed in
/// one transaction.
const GROUP: GroupLimits = GroupLimits {
    appends: 1024,
    events: 20_000,
};

/// Appends waiting for the writer before senders wait too.
pub(super) const QUEUE_DEPTH: usize = 4096;

/// Opens the write connection, creating or checking the store format.
/// The last value is the store's format; an older one is upgraded by the
/// store's first write (see `upgrade_format`).
pub(super) fn open_writer(path: &Path) -> Result<(Connection, Position, i64, i64), StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Format(format!("cannot open {}: {e}", path.display())))?;
    // Read the header before changing anything: a file that is not ours
    // must be left exactly as it was.
    let header = read_header(&conn).map_err(|e| not_a_store(path, e.to_string()))?;
    let fresh = header.check(path)?;
    let format = header.format;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(backend)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(backend)?;
    // FULL: in WAL mode, every COMMIT fsyncs the WAL before it returns.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    // Checkpoints run on their own thread (see `checkpointer`), so that a
    // commit does not wait for the WAL to be copied into the database file
    // (but for the frames the writer copies itself between two groups).
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .map_err(backend)?;
    // A WAL that grew during a burst (or while a long read kept it) is cut
    // back when it starts over, instead of keeping its largest size.
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
        .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(32);
    plan_once(&conn)?;
    if fresh {
        let sql = format!(
            "BEGIN IMMEDIATE; {SCHEMA} {STREAM_INDEX_SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {STORE_FORMAT}; COMMIT;"
        );
        conn.execute_batch(&sql).map_err(backend)?;
    }
    // The last row by primary key: recorded_at never decreases along
    // positions, so it holds the latest time too (`max(recorded_at)` would
    // read the whole table, the largest part of a start-up on a big log).
    // `read_only::open` reads the last position the same way.
    let (last_position, last_recorded) = conn
        .query_row(
            "SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or((0, 0));
    let format = if fresh { STORE_FORMAT } else { format };
    Ok((conn, last_position as Position, last_recorded, format))
}

/// The one thread that writes.
pub(super) struct Writer {
    pub(super) conn: Connection,
    pub(super) last_position: Position,
    pub(super) last_recorded: i64,
    /// The store is of an older format, which the next group upgrades.
    pub(super) upgrade: bool,
    pub(super) head: Arc<watch::Sender<Position>>,
    /// Tells the checkpointer that the WAL grew; full means it already knows.
    pub(super) committed: std::sync::mpsc::SyncSender<()>,
    /// Set by the checkpointer when it could not catch up with the writer.
    pub(super) catch_up: Arc<AtomicBool>,
    pub(super) revisions: Revisions,
    pub(super) indexing: Indexing,
    /// When a commit first left events out of the stream index.
    pub(super) unindexed_since: Option<Instant>,
    pub(super) hold: Arc<IndexHold>,
    /// This thread committed a group: it indexes the tail when it ends.
    pub(super) wrote: bool,
}

impl Writer {
    pub(super) fn run(mut self, mut queue: mpsc::Receiver<WriteJob<Payloads>>) {
        let mut group: Vec<WriteJob<Payloads>> = Vec::with_capacity(GROUP.appends);
        while let Some(first) = queue.blocking_recv() {
            gather(first, &mut queue, GROUP, &mut group);
            let results = self.commit_group(&group);
            advance(&self.head, self.last_position);
            let _ = self.committed.try_send(());
            answer_all(&mut group, results);
            if self.catch_up.swap(false, Ordering::AcqRel) {
                // This thread writes nothing now, so (unless an import or
                // another process is writing) this checkpoint copies every
                // frame no reader still needs, and the next group starts
                // the WAL over, if no reader still holds an older snapshot.
                if let Err(e) = wal_checkpoint(&self.conn) {
                    tracing::warn!(error = %e, "WAL checkpoint failed; it will be retried");
                }
            }
        }
        // Closing: leave no tail to scan to the next process that opens
        // the store (a store only read is not written to).
        if self.wrote {
            index_idle(&self.conn, &self.hold);
        }
    }

    /// Whether a group leaving `tail` events out of the stream index
    /// indexes them.
    fn index_due(&self, tail: u64) -> bool {
        let now = Instant::now();
        tail > 0
            && self.hold.open()
            && (tail >= self.indexing.batch
                || self
                    .unindexed_since
                    .is_some_and(|t| now.duration_since(t) >= self.indexing.delay))
    }

    fn commit_group(
        &mut self,
        group: &[WriteJob<Payloads>],
    ) -> Vec<Result<AppendOutcome, StoreError>> {
        // Most groups commit without a savepoint per append (see
        // `GroupMode`); one that hits a failed write is rolled back whole
        // and committed again with them, so the other appends still land.
        match self.try_commit_group(group, GroupMode::Plain) {
            Ok(results) => results,
            // With savepoints a failed write is that append's own result.
            Err(WriteFailed) => self
                .try_commit_group(group, GroupMode::Savepoints)
                .unwrap_or_else(|WriteFailed| {
                    let failed = || Err(StoreError::Backend("append group failed".into()));
                    group.iter().map(|_| failed()).collect()
                }),
        }
    }

    fn try_commit_group(
        &mut self,
        group: &[WriteJob<Payloads>],
        mode: GroupMode,
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, WriteFailed> {
        let mut results = Vec::with_capacity(group.len());
        let fail_all = |msg: String| {
            Ok(group
                .iter()
                .map(|_| Err(StoreError::Backend(msg.clone())))
                .collect())
        };
        let tx = match GroupTx::begin(&self.conn) {
            Ok(tx) => tx,
            Err(e) => return fail_all(e.to_string()),
        };
        let upgraded = match self.upgrade.then(|| upgrade_format(&tx)) {
            None => false,
            Some(Ok(upgraded)) => upgraded,
            Some(Err(e)) => return fail_all(e.to_string()),
        };
        // Another process (the command line, a second instance) may have
        // appended since our last commit: read the tail again under the
        // write lock instead of trusting what this thread last wrote. The
        // last row by primary key is one index probe, and recorded_at never
        // decreases along positions.
        match tx
            .prepare_cached(
                "SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                    .optional()
            }) {
            Ok(None) => self.revisions.forget(0),
            Ok(Some((p, r))) => {
                if p as Position != self.last_position {
                    // Another connection appended (an import, another
                    // process): what this thread knew may be stale.
                    self.revisions.forget(p as Position);
                }
                self.last_position = self.last_position.max(p as Position);
                self.last_recorded = self.last_recorded.max(r);
            }
            Err(e) => return fail_all(e.to_string()),
        }
        let through = match indexed_through(&tx) {
            Ok(p) => p,
            Err(e) => return fail_all(e.to_string()),
        };

        let now = Utc::now().timestamp_micros().max(self.last_recorded);
        let mut position = self.last_position;
        // Savepoint statements are prepared once and kept, like the
        // appends' own, instead of parsed again for every append.
        let run = |sql: &str| -> Result<(), StoreError> {
            tx.prepare_cached(sql)
                .and_then(|mut s| s.execute([]))
                .map(|_| ())
                .map_err(backend)
        };
        let mut writes = match Writes::prepare(&tx) {
            Ok(w) => w,
            Err(e) => return fail_all(e.to_string()),
        };
        // Revisions written by this group, known for good once it commits.
        let mut written: HashMap<&str, Revision> = HashMap::new();
        for job in group {
            let before = position;
            let stream = job.req.stream_id.as_str();
            let known = written
                .get(stream)
                .map_or_else(|| self.revisions.known(stream, through), |r| Known::At(*r));
            let result = match mode {
                GroupMode::Plain => match check_append(&tx, &job.req, known) {
                    Ok(Checked::Fresh(actual)) => {
                        match write_append(&tx, &mut writes, job, actual, &mut position, now) {
                            Ok(outcome) => Ok(outcome),
                            // Half written, perhaps: the transaction drops
                            // (rolls back) and the group is done again.
                            Err(_) => return Err(WriteFailed),
                        }
                    }
                    Ok(Checked::Done(outcome)) => Ok(outcome),
                    // Checks only read: a refused append wrote nothing.
                    Err(e @ StoreError::WrongExpectedVersion { .. }) => Err(e),
                    // A failed read may have made SQLite roll back the
                    // transaction itself, so that later appends would run
                    // outside it: the group is done again with savepoints,
                    // whose closing fails in that case and abandons it.
                    Err(_) => return Err(WriteFailed),
                },
                GroupMode::Savepoints => {
                    if let Err(e) = run("SAVEPOINT append") {
                        return fail_all(e.to_string());
                    }
                    let result = append_one(&tx, &mut writes, job, known, &mut position, now);
                    let closed = match result {
                        Ok(_) => run("RELEASE append"),
                        Err(_) => run("ROLLBACK TO append").and_then(|()| run("RELEASE append")),
                    };
                    // An append whose savepoint cannot be closed may be half
                    // written: the whole group rolls back (the transaction
                    // drops).
                    if let Err(e) = closed {
                        return fail_all(e.to_string());
                    }
                    result
                }
            };
            match &result {
                Ok(outcome) if !outcome.deduplicated => {
                    written.insert(stream, outcome.last_revision);
                }
                Ok(_) => {}
                Err(_) => {
                    position = before;
                    // Read the stream's revision afresh next time.
                    self.revisions.forget_stream(stream, self.last_position);
                }
            }
            results.push(result);
        }
        // Back into the cache before the transaction ends.
        drop(writes);
        let tail = position.saturating_sub(through);
        let mut indexed = false;
        if self.index_due(tail) {
            match index_tail(&tx) {
                Ok(_) => indexed = true,
                Err(IndexFailure::Undone(e)) => self.hold.failed(&e),
                // Whatever it left must not commit: the group is done
                // again, without indexing.
                Err(IndexFailure::Torn(e)) => {
                    self.hold.failed(&e);
                    return Err(WriteFailed);
                }
            }
        }
        match tx.commit() {
            Ok(()) => {
                self.wrote = true;
                if indexed || tail == 0 {
                    self.unindexed_since = None;
                } else {
                    self.unindexed_since.get_or_insert_with(Instant::now);
                }
                if self.upgrade {
                    self.upgrade = false;
                    if upgraded {
                        report_upgrade();
                    }
                }
                self.last_position = position;
                self.last_recorded = now;
                if self.revisions.by_stream.len() + written.len() > KNOWN_STREAMS {
                    self.revisions.forget(position);
                }
                self.revisions
                    .by_stream
                    .extend(written.into_iter().map(|(s, r)| (s.to_owned(), r)));
                Ok(results)
            }
            Err(e) => {
                tracing::error!(error = %e, "commit of an append group failed");
                self.revisions.forget(self.last_position);
                Ok(results
                    .into_iter()
                    .map(|_| Err(StoreError::Backend(format!("commit failed: {e}"))))
                    .collect())
            }
        }
    }
}

/// Moves the head watch forward, never back (an import on its own
/// connection and the writer thread report heads in either order).
pub(super) fn advance(head: &watch::Sender<Position>, to: Position) {
    head.send_if_modified(|h| {
        let moved = to > *h;
        if moved {
            *h = to;
        }
        moved
    });
}

/// The JSON text of each event's payload, in order.
pub(super) type Payloads = Vec<String>;

/// Encodes an append's payloads on the caller's thread: the one writer
/// thread is what limits concurrent appends, and encoding was a sizeable
/// part of its time.
pub(super) fn encode_payloads(req: &AppendRequest) -> Result<Payloads, StoreError> {
    req.events
        .iter()
        .map(|e| serde_json::to_string(&e.payload))
        .collect::<Result<_, _>>()
        .map_err(|err| StoreError::Backend(format!("encoding a payload: {err}")))
}
