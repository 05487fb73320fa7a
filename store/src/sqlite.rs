//! The embedded default store: one SQLite file in WAL mode.
//!
//! One writer thread owns the only write connection and commits appends in
//! groups: every append that arrives while the previous group is being
//! written waits in the queue, and the next transaction takes them all, so
//! 64 concurrent writers share one fsync instead of queueing for 64. Each
//! append keeps its own atomicity and concurrency check: its checks only
//! read, so a refused append writes nothing and the rest of its group
//! commits; a write that fails midway, or a check that fails on anything
//! but a stale revision, abandons the group, which is committed again with
//! a savepoint around each append (see `GroupMode`).
//!
//! An append is acknowledged after its group's COMMIT returned with
//! `synchronous = FULL`, which in WAL mode fsyncs the log file: an
//! acknowledged event survives `kill -9` and power loss.
//!
//! Readers use their own read-only connections; in WAL mode they read a
//! snapshot and never block the writer, nor does the writer block them.
//! Positions are assigned inside the one write transaction and become
//! visible all at once at commit, so no reader can see a gap.
//!
//! Streams are indexed in batches, not by each append: the events table
//! is keyed by position alone, and a `stream_index` table says where each
//! stream's events are, up to a watermark. A group that finds at least
//! `INDEX_BATCH` events past the watermark, or events older than
//! `INDEX_DELAY`, indexes them all in one sorted statement; when appends
//! stop, the checkpointer does, and so does the writer when the store
//! closes. A stream is read from the index and from a scan of the events
//! past the watermark, in one statement. The writer's check of each
//! append's expected revision is what keeps a revision from being taken
//! twice; the index's primary key refuses one too, later.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use registre_schema::{Actor, DecodedEvent, Position, RecordedEvent, Revision, Role, StreamId};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

mod read_only;

use read_only::ReadMode;

use super::{
    AppendOutcome, AppendRequest, CategoryBatch, EventStore, InvalidAppend, MAX_READ_BATCH,
    StoreError, StreamIndexCheck, WriteJob, import,
};

/// `PRAGMA application_id` of a registre store ("REG1").
const APPLICATION_ID: i64 = 0x5245_4731;
/// `PRAGMA user_version`: the store format this build writes and reads.
///
/// Format 1 also kept each stream's last revision in a `streams` table,
/// one more row written per append on a page of its own. Format 2 read it
/// from a `(stream_id, revision)` unique index on the events, which every
/// append wrote: a page of its own for each append to another stream, the
/// largest part of the writer's work. Format 3 indexes streams in sorted
/// batches, off most appends' path (see `index_tail`). A store of an
/// older format is read as it is, and upgraded by its first write (see
/// `upgrade_format`).
pub const STORE_FORMAT: i64 = 3;
/// Most appends committed in one transaction.
const MAX_GROUP: usize = 1024;
/// Most events committed in one transaction (an append is never split).
const MAX_GROUP_EVENTS: usize = 20_000;
/// Appends waiting for the writer before senders wait too.
const QUEUE_DEPTH: usize = 4096;
/// Idle read connections kept open.
const READER_POOL: usize = 8;
/// How much of the database file a reader maps (address space, not
/// memory: pages are shared with the OS cache); SQLite caps it at its
/// build's limit (2 GiB by default), and reads pages beyond it as before.
/// A mapped file must never shrink under a reader: the log is append-only
/// (triggers refuse deletes) and registre never runs `VACUUM` on it.
const READER_MMAP_BYTES: i64 = 0x7fff_0000;
/// WAL length (frames, i.e. pages, since the WAL last started over) above
/// which the writer finishes a checkpoint that copied all it found, and the
/// most that checkpoint may have left it to copy (see `checkpointer`).
const CATCH_UP_FRAMES: i64 = 1024;
/// Size the WAL file is cut back to when it restarts after a burst.
const WAL_SIZE_LIMIT: i64 = 64 << 20;
/// Most streams whose last revision the writer keeps in memory.
const KNOWN_STREAMS: usize = 200_000;
/// Events a group may leave out of the stream index: the group that finds
/// that many indexes them all. A batch writes each stream's index page
/// once for all its events, where appends one by one wrote it for each; a
/// stream's read scans what is not indexed yet (0.4 ms more for 8,192
/// events in `bench stream-reads`). BENCHMARKS.md weighs 4,096 to 16,384.
pub const INDEX_BATCH: u64 = 8192;
/// Longest an event stays out of the stream index: past it, the next
/// group indexes the tail, and when no group comes, the checkpointer does.
pub const INDEX_DELAY: Duration = Duration::from_secs(1);
/// After the stream index refused the log's tail (a log edited behind
/// registre's back), how long before it is tried again.
const INDEX_RETRY: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    id             BLOB    NOT NULL UNIQUE,
    stream_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL, -- microseconds since 1970, UTC
    recorded_at    INTEGER NOT NULL, -- microseconds since 1970, UTC
    actor_id       TEXT    NOT NULL,
    actor_role     TEXT    NOT NULL,
    command_id     BLOB    NOT NULL,
    correlation_id BLOB    NOT NULL,
    causation_id   BLOB,
    payload        TEXT    NOT NULL  -- JSON
) STRICT;
CREATE TABLE commands (
    command_id     BLOB    PRIMARY KEY,
    stream_id      TEXT    NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    last_revision  INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- The log is append-only; these refuse edits made through SQL by mistake.
-- (Deliberate tampering is what the audit tree detects.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'registre events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'registre events are append-only'); END;
";

/// The stream index of format 3, created with a new store or by the
/// upgrade of an older one: where each stream's events are. Every event up
/// to `indexed_through` has its entry; those after it, the log's tail, are
/// found by scanning the tail (see `index_tail`). Entries are never edited
/// either, and the watermark only moves forward.
const STREAM_INDEX_SCHEMA: &str = "
CREATE TABLE stream_index (
    stream_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    PRIMARY KEY (stream_id, revision)
) STRICT, WITHOUT ROWID;
CREATE TABLE stream_index_state (
    only            INTEGER PRIMARY KEY CHECK (only = 1),
    indexed_through INTEGER NOT NULL
) STRICT;
INSERT INTO stream_index_state VALUES (1, 0);
CREATE TRIGGER stream_index_no_update BEFORE UPDATE ON stream_index
BEGIN SELECT RAISE(ABORT, 'the stream index is append-only'); END;
CREATE TRIGGER stream_index_no_delete BEFORE DELETE ON stream_index
BEGIN SELECT RAISE(ABORT, 'the stream index is append-only'); END;
CREATE TRIGGER stream_index_forward BEFORE UPDATE ON stream_index_state
WHEN NEW.indexed_through < OLD.indexed_through
BEGIN SELECT RAISE(ABORT, 'the stream index never moves back'); END;
";

const SELECT_EVENT: &str = "SELECT position, id, stream_id, revision, event_type, schema_version,
    occurred_at, recorded_at, actor_id, actor_role, command_id, correlation_id, causation_id,
    payload FROM events";

/// The log from a position (`?1`), at most `?2` events.
fn log_sql() -> String {
    format!("{SELECT_EVENT} WHERE position >= ?1 ORDER BY position LIMIT ?2")
}

/// A stream (`?1`) from a revision (`?2`), at most `?3` events: the
/// indexed events, then those of the log's tail. The two parts are read
/// in one statement, hence one snapshot, so that none is read twice or
/// missed while a group indexes the tail; each comes in revision order,
/// and SQLite merges them.
fn stream_sql() -> String {
    format!(
        "SELECT e.position, e.id, i.stream_id, i.revision, e.event_type, e.schema_version,
            e.occurred_at, e.recorded_at, e.actor_id, e.actor_role, e.command_id,
            e.correlation_id, e.causation_id, e.payload
         FROM stream_index AS i JOIN events AS e ON e.position = i.position
         WHERE i.stream_id = ?1 AND i.revision >= ?2
            AND e.stream_id = i.stream_id AND e.revision = i.revision
         UNION ALL
         {SELECT_EVENT} WHERE position > {INDEXED_THROUGH} AND stream_id = ?1 AND revision >= ?2
         ORDER BY 4, 1 LIMIT ?3"
    )
}

/// [`stream_sql`] for a store opened at an older format: its events carry
/// their own `(stream_id, revision)` index, which its upgrade keeps, so
/// this stays right after this process or another upgrades it.
fn inline_stream_sql() -> String {
    format!("{SELECT_EVENT} WHERE stream_id = ?1 AND revision >= ?2 ORDER BY revision LIMIT ?3")
}

/// The stream index's watermark, as an SQL expression.
const INDEXED_THROUGH: &str = "(SELECT indexed_through FROM stream_index_state WHERE only = 1)";

/// Stream ids in `[?1, ?2)` at positions `?3` to `?4`, at most `?5` events.
fn category_sql() -> String {
    format!(
        "{SELECT_EVENT} WHERE stream_id >= ?1 AND stream_id < ?2 \
         AND position BETWEEN ?3 AND ?4 ORDER BY position LIMIT ?5"
    )
}

/// The last committed position, 0 for an empty log. Kept prepared: each
/// category read asks first, and the token registry reads its category
/// after every commit.
fn read_head(c: &Connection) -> Result<Position, StoreError> {
    c.prepare_cached("SELECT coalesce(max(position), 0) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
        .map(|p| p as Position)
        .map_err(backend)
}

/// The embedded store.
pub struct SqliteStore {
    path: PathBuf,
    /// The writer's queue; none when the store was opened read-only.
    queue: Option<mpsc::Sender<WriteJob<Payloads>>>,
    readers: Arc<ReaderPool>,
    head: watch::Receiver<Position>,
    /// Shared with the writer thread, so imports can wake readers too.
    head_tx: Arc<watch::Sender<Position>>,
    /// The store was of an older format when opened: streams are read
    /// through its events' own index (see `inline_stream_sql`).
    inline_streams: bool,
    /// The writer, then the checkpointer, which ends after it (none when
    /// opened read-only).
    threads: Vec<std::thread::JoinHandle<()>>,
}

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

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, Indexing::default()).await
    }

    /// Opens the store at `path`, indexing streams as `indexing` says;
    /// tests index sooner, to read streams on both sides of the watermark.
    pub async fn open_with(path: impl AsRef<Path>, indexing: Indexing) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let p = path.clone();
        let (conn, last_position, last_recorded, format) =
            tokio::task::spawn_blocking(move || open_writer(&p))
                .await
                .map_err(|e| StoreError::Backend(format!("opening the store: {e}")))??;
        let (head_tx, head_rx) = watch::channel(last_position);
        let head_tx = Arc::new(head_tx);
        let writer_head = head_tx.clone();
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        let (committed, checkpoint_rx) = std::sync::mpsc::sync_channel(1);
        let catch_up = Arc::new(AtomicBool::new(false));
        let checkpoint_conn = open_reader(&path, Access::ReadWrite)?;
        let wanted = catch_up.clone();
        let hold = Arc::new(IndexHold::default());
        let writer_hold = hold.clone();
        let checkpointer = std::thread::Builder::new()
            .name("registre-sqlite-checkpointer".into())
            .spawn(move || {
                checkpointer(
                    checkpoint_conn,
                    checkpoint_rx,
                    &wanted,
                    indexing.delay,
                    &hold,
                )
            })
            .map_err(|e| StoreError::Backend(format!("starting the checkpointer thread: {e}")))?;
        let writer = std::thread::Builder::new()
            .name("registre-sqlite-writer".into())
            .spawn(move || {
                Writer {
                    conn,
                    last_position,
                    last_recorded,
                    upgrade: format < STORE_FORMAT,
                    head: writer_head,
                    committed,
                    catch_up,
                    revisions: Revisions {
                        by_stream: HashMap::new(),
                        complete_after: last_position,
                    },
                    indexing,
                    unindexed_since: None,
                    hold: writer_hold,
                    wrote: false,
                }
                .run(rx)
            })
            .map_err(|e| StoreError::Backend(format!("starting the writer thread: {e}")))?;
        Ok(SqliteStore {
            inline_streams: format < 3,
            threads: vec![writer, checkpointer],
            readers: Arc::new(ReaderPool {
                path: path.clone(),
                mode: ReadMode::Shared,
                idle: Mutex::new(Vec::new()),
            }),
            path,
            queue: Some(queue),
            head: head_rx,
            head_tx,
        })
    }

    /// Opens the existing store at `path` to read it only: no writer, no
    /// checkpoint, no upgrade, nothing written to the file, so that it
    /// can be read on read-only media (see [`read_only`]). Appends and
    /// imports are refused.
    pub async fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let p = path.clone();
        let opened = tokio::task::spawn_blocking(move || read_only::open(&p))
            .await
            .map_err(|e| StoreError::Backend(format!("opening the store: {e}")))??;
        let (head_tx, head_rx) = watch::channel(opened.last_position);
        Ok(SqliteStore {
            inline_streams: opened.format < 3,
            threads: Vec::new(),
            readers: Arc::new(ReaderPool {
                path: path.clone(),
                mode: opened.mode,
                idle: Mutex::new(vec![opened.conn]),
            }),
            path,
            queue: None,
            head: head_rx,
            head_tx: Arc::new(head_tx),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the store once the appends already submitted are answered,
    /// and waits for its threads: when it returns, the log's tail is
    /// indexed if this store appended, and the WAL is copied into the
    /// database file. Dropping the store closes it too, without waiting.
    pub async fn close(self) -> Result<(), StoreError> {
        let SqliteStore { queue, threads, .. } = self;
        drop(queue);
        tokio::task::spawn_blocking(move || threads.into_iter().try_for_each(|t| t.join()))
            .await
            .map_err(|e| StoreError::Backend(format!("closing the store: {e}")))?
            .map_err(|_| StoreError::Backend("a store thread panicked".into()))
    }

    /// The global log from `from` on, each row read by `decode`.
    async fn read_log<P: Send + 'static>(
        &self,
        from: Position,
        limit: usize,
        decode: Decode<P>,
    ) -> Result<Vec<RecordedEvent<P>>, StoreError> {
        let limit = limit.min(MAX_READ_BATCH);
        // Growing a batch of thousands of events would copy it, and a
        // batch sized for the most a read may return would allocate (and
        // map, and unmap) megabytes for the few events a live reader
        // usually finds: size it for what is committed, positions having
        // no gaps (more, committed meanwhile, just grow it).
        let committed = (*self.head.borrow()).saturating_add(1).saturating_sub(from);
        let capacity = limit.min(usize::try_from(committed).unwrap_or(limit));
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        self.read(move |c| {
            query_events_with(c, &log_sql(), params![from, limit as i64], decode, capacity)
        })
        .await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || pool.with(f))
            .await
            .map_err(|e| StoreError::Backend(format!("reader task: {e}")))?
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Opens the write connection, creating or checking the store format.
/// The last value is the store's format; an older one is upgraded by the
/// store's first write (see `upgrade_format`).
fn open_writer(path: &Path) -> Result<(Connection, Position, i64, i64), StoreError> {
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

/// What the first page of a store's file says.
struct Header {
    application_id: i64,
    format: i64,
    /// Tables, indexes and triggers in the file.
    objects: i64,
}

impl Header {
    /// Whether the file is empty (a new store); an error if it is not
    /// a registre store this build can read.
    fn check(&self, path: &Path) -> Result<bool, StoreError> {
        let Header {
            application_id,
            format,
            objects,
        } = *self;
        if application_id == 0 && format == 0 && objects == 0 {
            return Ok(true);
        }
        if application_id != APPLICATION_ID {
            return Err(not_a_store(
                path,
                format!("SQLite application id {application_id:#x}"),
            ));
        }
        if format > STORE_FORMAT {
            return Err(StoreError::Format(format!(
                "{} was written by a newer registre (store format {format}); this build reads format {STORE_FORMAT} at most",
                path.display()
            )));
        }
        Ok(false)
    }
}

fn read_header(conn: &Connection) -> rusqlite::Result<Header> {
    conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                (SELECT user_version FROM pragma_user_version),
                (SELECT count(*) FROM sqlite_schema)",
        [],
        |r| {
            Ok(Header {
                application_id: r.get(0)?,
                format: r.get(1)?,
                objects: r.get(2)?,
            })
        },
    )
}

fn not_a_store(path: &Path, detail: String) -> StoreError {
    StoreError::Format(format!(
        "{} is not a registre store ({detail})",
        path.display()
    ))
}

/// The last revision of streams the writer wrote, as committed, so that
/// an append's check need not read the stream index and the log's tail.
/// Valid only while nothing else appends: it is dropped whenever the log's
/// tail is not where the writer left it. Were it ever wrong, the event
/// written would be refused when its group's tail is indexed, too late to
/// refuse the append: this check and the one reading the store are what
/// keep a revision from being taken twice.
struct Revisions {
    by_stream: HashMap<String, Revision>,
    /// Every event after this position was written by the writer, its
    /// stream's revision kept in `by_stream`: once the stream index's
    /// watermark has passed it, a stream not in `by_stream` has no event
    /// in the log's tail, and the index alone says where it stands.
    complete_after: Position,
}

impl Revisions {
    /// What the writer knows of `stream`, the stream index's watermark
    /// being at `through`.
    fn known(&self, stream: &str, through: Position) -> Known {
        match self.by_stream.get(stream) {
            Some(r) => Known::At(*r),
            None if through >= self.complete_after => Known::NotInTail,
            None => Known::Unknown,
        }
    }

    /// Drops what the writer knew, which the log may have left behind up
    /// to `position`.
    fn forget(&mut self, position: Position) {
        self.by_stream.clear();
        self.complete_after = self.complete_after.max(position);
    }

    /// Drops what the writer knew of `stream`, which the log may have left
    /// behind up to `position`.
    fn forget_stream(&mut self, stream: &str, position: Position) {
        self.by_stream.remove(stream);
        self.complete_after = self.complete_after.max(position);
    }
}

/// The one thread that writes.
struct Writer {
    conn: Connection,
    last_position: Position,
    last_recorded: i64,
    /// The store is of an older format, which the next group upgrades.
    upgrade: bool,
    head: Arc<watch::Sender<Position>>,
    /// Tells the checkpointer that the WAL grew; full means it already knows.
    committed: std::sync::mpsc::SyncSender<()>,
    /// Set by the checkpointer when it could not catch up with the writer.
    catch_up: Arc<AtomicBool>,
    revisions: Revisions,
    indexing: Indexing,
    /// When a commit first left events out of the stream index.
    unindexed_since: Option<Instant>,
    hold: Arc<IndexHold>,
    /// This thread committed a group: it indexes the tail when it ends.
    wrote: bool,
}

impl Writer {
    fn run(mut self, mut queue: mpsc::Receiver<WriteJob<Payloads>>) {
        let mut group: Vec<WriteJob<Payloads>> = Vec::with_capacity(MAX_GROUP);
        while let Some(first) = queue.blocking_recv() {
            let mut events = first.req.events.len();
            group.push(first);
            // Take what queued up while the previous group was committing.
            while group.len() < MAX_GROUP && events < MAX_GROUP_EVENTS {
                match queue.try_recv() {
                    Ok(job) => {
                        events += job.req.events.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            let results = self.commit_group(&group);
            advance(&self.head, self.last_position);
            let _ = self.committed.try_send(());
            for (job, result) in group.drain(..).zip(results) {
                job.answer(result);
            }
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

/// The transaction of one group, begun and committed by statements
/// prepared once. rusqlite's `Transaction` parses `BEGIN` and `COMMIT`
/// again for every transaction: with the tail query, which was not kept
/// prepared either, that was some 22k instructions a group, a tenth of the
/// writer's in a callgrind run of 64 writers.
struct GroupTx<'c> {
    conn: &'c Connection,
}

impl<'c> GroupTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        if !conn.is_autocommit() {
            // A rollback that failed when a group was dropped: every later
            // BEGIN would fail too.
            conn.execute_batch("ROLLBACK")?;
        }
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(GroupTx { conn })
    }

    /// Commits; should COMMIT fail and leave the transaction open, the
    /// drop that follows rolls it back.
    fn commit(self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([]).map(|_| ())
    }
}

impl std::ops::Deref for GroupTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for GroupTx<'_> {
    /// A group abandoned (or whose COMMIT failed) writes nothing.
    fn drop(&mut self) {
        if !self.conn.is_autocommit()
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!(error = %e, "rolling back an append group failed");
        }
    }
}

/// The statements every append runs, taken from the statement cache once
/// a group: taking them for each append (hashing the SQL text, moving the
/// statement in and out of the cache) was about a tenth of the writer's
/// instructions.
struct Writes<'c> {
    command: rusqlite::CachedStatement<'c>,
    event: rusqlite::CachedStatement<'c>,
}

impl<'c> Writes<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Writes {
            command: conn.prepare_cached(
                "INSERT INTO commands (command_id, stream_id, first_position, last_position,
                    last_revision, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (command_id) DO NOTHING",
            )?,
            event: conn.prepare_cached(
                "INSERT INTO events (position, id, stream_id, revision, event_type,
                    schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
                    correlation_id, causation_id, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
        })
    }
}

/// How a group's appends are kept apart inside its one transaction.
#[derive(Clone, Copy)]
enum GroupMode {
    /// No savepoints. An append's revision check only reads, and a command
    /// already recorded is found by a command record that is not added,
    /// so an append refused for a stale revision, or answered as a retry,
    /// leaves nothing behind; a write that fails midway (an event id
    /// already in the log, a disk error) could leave part of an append,
    /// and it, like any other failed check, abandons the group. Each
    /// savepoint costs two statements and a copy of every page it touches
    /// (SQLite's sub-journal).
    Plain,
    /// A savepoint around each append: a failed write rolls back that
    /// append alone.
    Savepoints,
}

/// A write failed in a group committed without savepoints.
struct WriteFailed;

/// What the writer knows of a stream's last revision before reading it.
#[derive(Clone, Copy)]
enum Known {
    /// Its last revision, as this thread wrote it.
    At(Revision),
    /// It has no event in the log's tail: the stream index says.
    NotInTail,
    /// Nothing: the stream index and the log's tail say.
    Unknown,
}

/// What the checks of an append found.
enum Checked {
    /// The command is already recorded: its first outcome, nothing to write.
    Done(AppendOutcome),
    /// To be written after the stream's last revision (`None`: no stream).
    Fresh(Option<Revision>),
}

fn append_one(
    conn: &Connection,
    writes: &mut Writes<'_>,
    job: &WriteJob<Payloads>,
    known: Known,
    position: &mut Position,
    now: i64,
) -> Result<AppendOutcome, StoreError> {
    match check_append(conn, &job.req, known)? {
        Checked::Done(outcome) => Ok(outcome),
        Checked::Fresh(actual) => write_append(conn, writes, job, actual, position, now),
    }
}

/// The check of an append, which only reads: does the stream stand where
/// the append expects it? `known` is the stream's last revision when the
/// writer knows it. A command already recorded is found here only when
/// the check fails (a retry whose stream has moved on since); otherwise
/// `write_append` finds it, by the command record it cannot add.
fn check_append(
    conn: &Connection,
    req: &AppendRequest,
    known: Known,
) -> Result<Checked, StoreError> {
    // A refusal is confirmed against the index and the whole tail: should
    // the writer's memory ever be wrong, a valid append is still not
    // turned away for it.
    let stream = req.stream_id.as_str();
    let actual = match known {
        Known::At(r) if req.expected.accepts(Some(r)) => Some(r),
        Known::NotInTail => match indexed_revision(conn, stream)? {
            r if req.expected.accepts(r) => r,
            _ => last_revision(conn, stream)?,
        },
        _ => last_revision(conn, stream)?,
    };
    if !req.expected.accepts(actual) {
        if let Some(earlier) = recorded_command(conn, req)? {
            return Ok(Checked::Done(earlier));
        }
        return Err(StoreError::WrongExpectedVersion {
            stream_id: req.stream_id.clone(),
            expected: req.expected,
            actual,
        });
    }
    Ok(Checked::Fresh(actual))
}

/// The first outcome of the append's command, if it is already recorded.
fn recorded_command(
    conn: &Connection,
    req: &AppendRequest,
) -> Result<Option<AppendOutcome>, StoreError> {
    let command_id = req.meta.command_id.as_bytes().as_slice();
    let earlier = conn
        .prepare_cached(
            "SELECT stream_id, first_position, last_position, last_revision, recorded_at
             FROM commands WHERE command_id = ?1",
        )
        .map_err(backend)?
        .query_row([command_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    let Some((stream, first, last, revision, recorded)) = earlier else {
        return Ok(None);
    };
    Ok(Some(AppendOutcome {
        stream_id: StreamId::new(stream).map_err(|e| StoreError::Backend(e.to_string()))?,
        first_position: first as Position,
        last_position: last as Position,
        last_revision: revision as Revision,
        recorded_at: micros_to_time(recorded)
            .ok_or_else(|| StoreError::Backend("command record with an impossible time".into()))?,
        deduplicated: true,
    }))
}

/// The greater of the stream's last indexed revision and its last one in
/// the log's tail.
fn last_revision_sql() -> String {
    format!(
        "SELECT max(r) FROM (
            SELECT max(revision) AS r FROM stream_index WHERE stream_id = ?1
            UNION ALL
            SELECT max(revision) FROM events WHERE position > {INDEXED_THROUGH} AND stream_id = ?1)"
    )
}

/// A stream's last revision, `None` for a stream with no events: one probe
/// of the stream index and a scan of the log's tail. The writer asks only
/// for streams it does not know (see `Writer::revisions`).
fn last_revision(conn: &Connection, stream: &str) -> Result<Option<Revision>, StoreError> {
    revision_by(conn, &last_revision_sql(), stream)
}

/// A stream's last indexed revision: one probe of the stream index.
fn indexed_revision(conn: &Connection, stream: &str) -> Result<Option<Revision>, StoreError> {
    revision_by(
        conn,
        "SELECT max(revision) FROM stream_index WHERE stream_id = ?1",
        stream,
    )
}

fn revision_by(conn: &Connection, sql: &str, stream: &str) -> Result<Option<Revision>, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_row([stream], |r| r.get::<_, Option<i64>>(0)))
        .map(|r| r.map(|r| r as Revision))
        .map_err(backend)
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
fn index_tail(conn: &Connection) -> Result<usize, IndexFailure> {
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
/// order than read the range and sort it: about 60 ms per million events
/// of the log for every batch, however short its tail (measured with
/// SQLite's shell on the 1M-event history; a 64-writer burst indexes a
/// batch every 0.15 s or so). So the events are read by
/// position (`NOT INDEXED` still reads a range of row ids), unless the
/// tail is the whole log (the upgrade's first batch), which the old index
/// hands over in order: on a million events, the whole upgrading command
/// took 0.4 s that way, where reading them by position and sorting them
/// alone took 1.6 s.
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
enum IndexFailure {
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
struct IndexHold(Mutex<Option<Instant>>);

impl IndexHold {
    fn open(&self) -> bool {
        let until = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        until.is_none_or(|t| Instant::now() >= t)
    }

    fn failed(&self, e: &rusqlite::Error) {
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
fn index_idle(conn: &Connection, hold: &IndexHold) {
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
fn indexed_through(conn: &Connection) -> rusqlite::Result<Position> {
    conn.prepare_cached(&format!("SELECT {INDEXED_THROUGH}"))?
        .query_row([], |r| r.get::<_, Option<i64>>(0))
        .map(|p| p.unwrap_or(0) as Position)
}

/// Writes a checked append after the stream's revision `actual`, unless
/// its command is already recorded: then it writes nothing and answers
/// with the command's first outcome.
fn write_append(
    conn: &Connection,
    writes: &mut Writes<'_>,
    job: &WriteJob<Payloads>,
    actual: Option<Revision>,
    position: &mut Position,
    now: i64,
) -> Result<AppendOutcome, StoreError> {
    let req = &job.req;
    if job.prepared.len() != req.events.len() {
        // Never so when `submit` made the job; writing fewer events than
        // asked would be worse than refusing the append.
        return Err(StoreError::Backend(
            "an append's payloads do not match its events".into(),
        ));
    }
    let command_id = req.meta.command_id.as_bytes().as_slice();
    let stream = req.stream_id.as_str();
    let count = req.events.len() as Position;
    let first_position = *position + 1;
    let first_revision = actual.map_or(0, |r| r + 1);
    let last_revision = first_revision + count - 1;
    // The command record first, which also tells whether the command is
    // already recorded: one statement where a lookup and an insert were
    // two. Refusing the duplicate key writes nothing.
    let recorded = writes
        .command
        .execute(params![
            command_id,
            stream,
            first_position as i64,
            (*position + count) as i64,
            last_revision as i64,
            now
        ])
        .map_err(backend)?;
    if recorded == 0 {
        return recorded_command(conn, req)?.ok_or_else(|| {
            StoreError::Backend("a command record was refused but is not there".into())
        });
    }
    let insert = &mut writes.event;
    let meta = &req.meta;
    let causation = meta.causation_id.as_ref().map(|c| c.as_bytes().as_slice());
    for (revision, (e, payload)) in (first_revision..).zip(req.events.iter().zip(&job.prepared)) {
        *position += 1;
        insert
            .execute(params![
                *position as i64,
                e.id.as_bytes().as_slice(),
                stream,
                revision as i64,
                e.event_type,
                e.schema_version,
                e.occurred_at.timestamp_micros(),
                now,
                meta.actor.id,
                meta.actor.role.as_str(),
                command_id,
                meta.correlation_id.as_bytes().as_slice(),
                causation,
                payload,
            ])
            .map_err(|err| match err.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    StoreError::Invalid(InvalidAppend::EventIdExists { id: e.id })
                }
                _ => backend(err),
            })?;
    }
    Ok(AppendOutcome {
        stream_id: req.stream_id.clone(),
        first_position,
        last_position: *position,
        last_revision,
        recorded_at: micros_to_time(now).unwrap_or_default(),
        deduplicated: false,
    })
}

/// Moves the head watch forward, never back (an import on its own
/// connection and the writer thread report heads in either order).
fn advance(head: &watch::Sender<Position>, to: Position) {
    head.send_if_modified(|h| {
        let moved = to > *h;
        if moved {
            *h = to;
        }
        moved
    });
}

/// Brings a store of an older format to this build's, inside the caller's
/// write transaction: a store is upgraded by its first write, never by a
/// read (`verify`, `export`, `copy --from` leave the file as it was). The
/// format is read again under the write lock, since another process may
/// have upgraded it since it was opened. Returns whether it upgraded.
///
/// Format 1 also kept each stream's last revision in a `streams` table;
/// the table is derived from the events, so dropping it loses nothing.
/// Builds of format 1 then refuse the file as a newer format.
fn upgrade_format(conn: &Connection) -> Result<bool, StoreError> {
    let format: i64 = conn
        .prepare_cached("SELECT user_version FROM pragma_user_version")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    match format {
        1 | 2 => {
            conn.execute_batch(&format!(
                "DROP TABLE IF EXISTS streams; {STREAM_INDEX_SCHEMA} PRAGMA user_version = {STORE_FORMAT};"
            ))
            .map_err(backend)?;
            Ok(true)
        }
        f if f > STORE_FORMAT => Err(StoreError::Format(format!(
            "the store was upgraded to format {f} by a newer registre; this build writes format {STORE_FORMAT}"
        ))),
        _ => Ok(false),
    }
}

/// Said once the transaction that upgraded the store has committed.
fn report_upgrade() {
    tracing::info!(
        "store format upgraded to {STORE_FORMAT}: streams are indexed in batches, in a table of their own"
    );
}

/// Writes an import in one transaction on its own connection. SQLite's
/// write lock orders it with the writer thread, which reads the log's tail
/// again under that lock before each group.
fn import_events(path: &Path, events: &[RecordedEvent]) -> Result<Position, StoreError> {
    let mut conn = open_reader(path, Access::ReadWrite)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    // An import may be the write that starts the WAL over (see
    // `open_writer`).
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
        .map_err(backend)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let upgraded = upgrade_format(&tx)?;
    // The last row holds the latest time (see `open_writer`): one probe,
    // where `max(recorded_at)` read the whole table for every batch.
    let (head, last_recorded) = tx
        .query_row(
            "SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, Some(r.get::<_, i64>(1)?))),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or((0, None));
    let (streams, ids, commands) = import::keys(events);
    let mut base = import::Base {
        head: head as Position,
        last_recorded: last_recorded.and_then(micros_to_time),
        ..import::Base::default()
    };
    {
        for s in streams {
            if let Some(r) = last_revision(&tx, s)? {
                base.streams.insert(s.to_owned(), r);
            }
        }
        let mut by_id = tx
            .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
            .map_err(backend)?;
        for id in ids {
            if by_id.exists([id.as_bytes().as_slice()]).map_err(backend)? {
                base.ids.insert(id);
            }
        }
        let mut by_command = tx
            .prepare_cached("SELECT 1 FROM commands WHERE command_id = ?1")
            .map_err(backend)?;
        for c in commands {
            if by_command
                .exists([c.as_bytes().as_slice()])
                .map_err(backend)?
            {
                base.commands.insert(c);
            }
        }
    }
    let plan = import::plan(events, base)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (position, id, stream_id, revision, event_type,
                    schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
                    correlation_id, causation_id, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(backend)?;
        for e in events {
            let payload = serde_json::to_string(&e.payload)
                .map_err(|err| StoreError::Backend(format!("encoding a payload: {err}")))?;
            insert
                .execute(params![
                    e.position as i64,
                    e.id.as_bytes().as_slice(),
                    e.stream_id.as_str(),
                    e.revision as i64,
                    e.event_type,
                    e.schema_version,
                    e.occurred_at.timestamp_micros(),
                    e.recorded_at.timestamp_micros(),
                    e.actor.id,
                    e.actor.role.as_str(),
                    e.command_id.as_bytes().as_slice(),
                    e.correlation_id.as_bytes().as_slice(),
                    e.causation_id.as_ref().map(|c| c.as_bytes().as_slice()),
                    payload,
                ])
                .map_err(backend)?;
        }
        let mut command = tx
            .prepare_cached(
                "INSERT INTO commands (command_id, stream_id, first_position, last_position,
                    last_revision, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?;
        for c in &plan.commands {
            command
                .execute(params![
                    c.command_id.as_bytes().as_slice(),
                    c.stream_id,
                    c.first_position as i64,
                    c.last_position as i64,
                    c.last_revision as i64,
                    c.recorded_at.timestamp_micros(),
                ])
                .map_err(backend)?;
        }
    }
    // An import is a batch already: indexed with it, as a whole. The
    // import's plan refused any revision taken twice, so a refusal here
    // means a log edited behind registre's back: the import is refused.
    index_tail(&tx).map_err(|(IndexFailure::Undone(e) | IndexFailure::Torn(e))| backend(e))?;
    tx.commit().map_err(backend)?;
    if upgraded {
        report_upgrade();
    }
    Ok(plan.head)
}

fn micros_to_time(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// The JSON text of each event's payload, in order.
type Payloads = Vec<String>;

/// Encodes an append's payloads on the caller's thread: the one writer
/// thread is what limits concurrent appends, and encoding took about 8 %
/// of its time in a profile of 64 concurrent writers.
fn encode_payloads(req: &AppendRequest) -> Result<Payloads, StoreError> {
    req.events
        .iter()
        .map(|e| serde_json::to_string(&e.payload))
        .collect::<Result<_, _>>()
        .map_err(|err| StoreError::Backend(format!("encoding a payload: {err}")))
}

/// Copies the WAL back into the database file after commits, off the
/// writer's path. PASSIVE checkpoints never block the writer or readers;
/// the thread ends with the writer (its sender is dropped).
///
/// Under a steady stream of commits a checkpoint never catches up: the
/// writer adds frames while it copies. SQLite starts the WAL over only
/// when a write begins with every frame copied, so the WAL would grow
/// without end, and each commit would write into new pages of the file,
/// which costs far more than overwriting ones already there (allocating
/// blocks, and an `fdatasync` that must also record the file's new size).
/// So when the WAL holds more than `CATCH_UP_FRAMES` and a checkpoint
/// copied all but at most that many of the frames it found, the
/// checkpointer asks the writer to finish the job between two groups: a
/// short pause, for the frames committed while this checkpoint ran. A
/// checkpoint held back further (a reader keeping an old snapshot) asks
/// nothing: the backlog is copied here, off the writer's path, once the
/// reader is done.
///
/// When commits stop for `idle`, it also indexes what they left out of the
/// stream index (see `index_idle`), so that reads of a store at rest scan
/// no tail.
fn checkpointer(
    conn: Connection,
    committed: std::sync::mpsc::Receiver<()>,
    catch_up: &AtomicBool,
    idle: Duration,
    hold: &IndexHold,
) {
    use std::sync::mpsc::RecvTimeoutError;
    // Commits came since the tail was last looked at.
    let mut since_index = false;
    loop {
        let next = if since_index {
            committed.recv_timeout(idle)
        } else {
            committed.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match next {
            Ok(()) => {
                since_index = true;
                // Let commits accumulate: one checkpoint for many groups.
                std::thread::sleep(Duration::from_millis(50));
                match wal_checkpoint(&conn) {
                    Ok(wal) if wal.finished_but_long() => catch_up.store(true, Ordering::Release),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed; it will be retried")
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                since_index = false;
                index_idle(&conn, hold);
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// What a checkpoint reports, as the WAL stood when it began.
struct WalState {
    /// Another checkpoint was running: this one did nothing.
    busy: bool,
    /// Frames since the WAL last started over.
    frames: i64,
    /// Of those, frames copied into the database file.
    copied: i64,
}

impl WalState {
    /// A long WAL that this checkpoint copied all but a little of.
    fn finished_but_long(&self) -> bool {
        !self.busy && self.frames > CATCH_UP_FRAMES && self.frames - self.copied <= CATCH_UP_FRAMES
    }
}

/// A PASSIVE checkpoint: it copies what no reader still needs, and never
/// waits.
fn wal_checkpoint(conn: &Connection) -> rusqlite::Result<WalState> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(WalState {
            busy: r.get::<_, i64>(0)? != 0,
            frames: r.get(1)?,
            copied: r.get(2)?,
        })
    })
}

/// How a connection other than the writer's opens the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// The checkpointer and imports.
    ReadWrite,
    /// Readers.
    Read(ReadMode),
}

fn open_reader(path: &Path, access: Access) -> Result<Connection, StoreError> {
    let c = match access {
        Access::ReadWrite => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
        Access::Read(mode) => read_only::connect(path, mode),
    }
    .map_err(backend)?;
    c.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(backend)?;
    c.set_prepared_statement_cache_capacity(16);
    plan_once(&c)?;
    if access != Access::ReadWrite {
        // Readers map the database file instead of copying each page they
        // read through `pread`: a replay reads every page of the log.
        c.pragma_update(None, "mmap_size", READER_MMAP_BYTES)
            .map_err(backend)?;
    }
    Ok(c)
}

/// Plans each statement without looking at the values bound to it
/// (SQLite's query planner stability guarantee).
///
/// Without it SQLite 3.50 plans a bound `LIMIT ?` for the value it has
/// and expires the statement whenever a value is bound to that parameter,
/// so every read of the log, of a stream or of a category (each binds its
/// batch's `LIMIT`) was parsed and planned anew: about 20 µs a read, most
/// of a small read's cost. registre runs no `ANALYZE`, so `LIMIT` is the
/// only bound value SQLite would look at, and it changes no plan here.
fn plan_once(c: &Connection) -> Result<(), StoreError> {
    c.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(|_| ())
        .map_err(backend)
}

/// Idle read-only connections, opened on demand.
struct ReaderPool {
    path: PathBuf,
    mode: ReadMode,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_reader(&self.path, Access::Read(self.mode))?,
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < READER_POOL {
            idle.push(conn);
        }
        result
    }
}

/// Reads one row of `SELECT_EVENT`, given the stream id of the row read
/// before it, if any (see [`StreamId::parse_after`]).
type Decode<P> =
    fn(&rusqlite::Row<'_>, &mut Option<StreamId>) -> Result<RecordedEvent<P>, StoreError>;

/// Decodes one row of `SELECT_EVENT`; anything malformed is reported with
/// the event's position and type.
fn decode_row(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
) -> Result<RecordedEvent, StoreError> {
    decode_row_with(row, last, |_, _, text| {
        serde_json::from_str(text).map_err(|e| format!("payload is not valid JSON: {e}"))
    })
}

/// Like [`decode_row`], with the payload decoded for a fold: the text is
/// parsed straight into the domain event, no `Value` in between.
fn decode_row_for_fold(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
) -> Result<DecodedEvent, StoreError> {
    decode_row_with(row, last, super::decode_payload_text)
}

/// Decodes one row, its payload text read by `payload` (given the event
/// type and schema version).
fn decode_row_with<P>(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
    payload: impl FnOnce(&str, u16, &str) -> Result<P, String>,
) -> Result<RecordedEvent<P>, StoreError> {
    let position: i64 = row.get(0).map_err(backend)?;
    let event_type: String = row.get(4).unwrap_or_else(|_| "?".into());
    let corrupt = |reason: String| StoreError::Corrupt {
        position: position as Position,
        event_type: event_type.clone(),
        reason,
    };
    // Blobs and most text are borrowed from the row; the event type and
    // the actor's id are copied into the event's own strings.
    let get_uuid = |i: usize, what: &str| -> Result<Uuid, StoreError> {
        let blob = row
            .get_ref(i)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(|e| corrupt(format!("{what}: {e}")))?;
        Uuid::from_slice(blob).map_err(|e| corrupt(format!("{what}: {e}")))
    };
    let get_time = |i: usize, what: &str| -> Result<DateTime<Utc>, StoreError> {
        let micros: i64 = row.get(i).map_err(|e| corrupt(format!("{what}: {e}")))?;
        micros_to_time(micros).ok_or_else(|| corrupt(format!("{what} out of range")))
    };
    let stream = row
        .get_ref(2)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(|e| corrupt(format!("stream id: {e}")))?;
    let revision: i64 = row.get(3).map_err(|e| corrupt(format!("revision: {e}")))?;
    let schema_version: i64 = row
        .get(5)
        .map_err(|e| corrupt(format!("schema version: {e}")))?;
    let schema_version =
        u16::try_from(schema_version).map_err(|_| corrupt("schema version out of range".into()))?;
    let actor_id: String = row.get(8).map_err(|e| corrupt(format!("actor: {e}")))?;
    let role = row
        .get_ref(9)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(|e| corrupt(format!("actor role: {e}")))?;
    let causation = row
        .get_ref(12)
        .and_then(|v| v.as_blob_or_null().map_err(Into::into))
        .map_err(|e| corrupt(format!("causation id: {e}")))?;
    let text = row
        .get_ref(13)
        .map_err(|e| corrupt(format!("payload: {e}")))?
        .as_str()
        .map_err(|e| corrupt(format!("payload: {e}")))?;
    Ok(RecordedEvent {
        position: position as Position,
        id: get_uuid(1, "event id")?,
        stream_id: StreamId::parse_after(stream, last).map_err(|e| corrupt(e.to_string()))?,
        revision: u64::try_from(revision).map_err(|_| corrupt("negative revision".into()))?,
        schema_version,
        occurred_at: get_time(6, "occurred_at")?,
        recorded_at: get_time(7, "recorded_at")?,
        actor: Actor {
            id: actor_id,
            role: role.parse::<Role>().map_err(corrupt)?,
        },
        command_id: get_uuid(10, "command id")?,
        correlation_id: get_uuid(11, "correlation id")?,
        causation_id: causation
            .map(Uuid::from_slice)
            .transpose()
            .map_err(|e| corrupt(format!("causation id: {e}")))?,
        payload: payload(&event_type, schema_version, text).map_err(corrupt)?,
        event_type,
    })
}

fn query_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, StoreError> {
    query_events_with(conn, sql, params, decode_row, 0)
}

fn query_events_with<P>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    decode: Decode<P>,
    capacity: usize,
) -> Result<Vec<RecordedEvent<P>>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut rows = stmt.query(params).map_err(backend)?;
    let mut out = Vec::with_capacity(capacity);
    let mut last = None;
    while let Some(row) = rows.next().map_err(backend)? {
        out.push(decode(row, &mut last)?);
    }
    Ok(out)
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        match &self.queue {
            Some(queue) => super::submit(queue, req, encode_payloads).await,
            None => Err(read_only::refused()),
        }
    }

    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream_id.as_str().to_owned();
        let limit = limit.min(MAX_READ_BATCH) as i64;
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let sql = if self.inline_streams {
            inline_stream_sql()
        } else {
            stream_sql()
        };
        self.read(move |c| query_events(c, &sql, params![stream, from, limit]))
            .await
    }

    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_log(from, limit, decode_row).await
    }

    async fn read_all_decoded(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        self.read_log(from, limit, decode_row_for_fold).await
    }

    async fn read_category(
        &self,
        category: &str,
        from: Position,
        limit: usize,
    ) -> Result<CategoryBatch, StoreError> {
        // Stream ids allow no character between '-' and '.', nor below
        // '-': the range [category, category.) holds exactly the stream
        // `category` and the streams `category-…`. SQLite walks the
        // positions asked for and keeps the rows in that range.
        let (lo, hi) = (category.to_owned(), format!("{category}."));
        let want = category.to_owned();
        let limit = limit.clamp(1, MAX_READ_BATCH);
        let first = i64::try_from(from).unwrap_or(i64::MAX);
        self.read(move |c| {
            // The head first: every position up to it is committed, so the
            // events read below it are all there is.
            let head = read_head(c)?;
            let mut events = query_events(
                c,
                &category_sql(),
                params![lo, hi, first, head as i64, limit as i64],
            )?;
            let next = match events.last() {
                Some(e) if events.len() == limit => e.position + 1,
                _ => from.max(head + 1),
            };
            events.retain(|e| e.stream_id.category() == want);
            Ok(CategoryBatch { events, next })
        })
        .await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.read(read_head).await
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Position, StoreError> {
        if self.queue.is_none() {
            return Err(read_only::refused());
        }
        let path = self.path.clone();
        let head = tokio::task::spawn_blocking(move || import_events(&path, &events))
            .await
            .map_err(|e| StoreError::Backend(format!("import task: {e}")))??;
        advance(&self.head_tx, head);
        Ok(head)
    }

    async fn check_stream_index(&self) -> Result<Option<StreamIndexCheck>, StoreError> {
        self.read(check_stream_index).await
    }
}

/// Checks the stream index against the log in one read transaction: its
/// watermark is one row and not past the log's end; every event up to it
/// has its entry; every entry matches an event up to it. Together these
/// make the entries and those events one to one. An event without its
/// entry, or one past a watermark raised beyond the log, would be left
/// out of its stream's reads, and its revision could be taken again; an
/// entry past the watermark would be read twice.
fn check_stream_index(c: &Connection) -> Result<Option<StreamIndexCheck>, StoreError> {
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
    use rusqlite::StatementStatus;

    use super::*;

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

    /// Each read binds new bounds to a cached statement; none of them may
    /// send SQLite back to parsing and planning it (see `plan_once`).
    #[tokio::test]
    async fn reads_of_the_log_are_planned_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plan.db");
        drop(SqliteStore::open(&path).await.expect("store"));
        let conn = open_reader(&path, Access::Read(ReadMode::Shared)).expect("reader");
        for sql in [log_sql(), stream_sql(), category_sql()] {
            let mut stmt = conn.prepare_cached(&sql).expect("prepare");
            for n in 1..=3_i64 {
                let bounds: Vec<Box<dyn rusqlite::ToSql>> = match stmt.parameter_count() {
                    2 => vec![Box::new(n), Box::new(n * 10)],
                    3 => vec![Box::new("member-x"), Box::new(n), Box::new(n * 10)],
                    _ => vec![
                        Box::new("member"),
                        Box::new("member."),
                        Box::new(n),
                        Box::new(n * 100),
                        Box::new(n * 10),
                    ],
                };
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(bounds.iter()))
                    .expect("query");
                assert!(rows.next().expect("step").is_none());
            }
            assert_eq!(
                stmt.get_status(StatementStatus::RePrepare),
                0,
                "re-planned at each read: {sql}"
            );
        }
    }

    /// A stream's last revision and its events are found by probes of the
    /// stream index and a scan of the log's tail alone, never of the
    /// whole log.
    #[tokio::test]
    async fn streams_are_read_from_the_stream_index_and_the_tail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plan.db");
        drop(SqliteStore::open(&path).await.expect("store"));
        let conn = open_reader(&path, Access::Read(ReadMode::Shared)).expect("reader");
        for (sql, bounds) in [(last_revision_sql(), 1), (stream_sql(), 3)] {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .and_then(|mut s| {
                    let bound: Vec<Box<dyn rusqlite::ToSql>> =
                        vec![Box::new("member-x"), Box::new(0_i64), Box::new(10_i64)];
                    s.query_map(rusqlite::params_from_iter(bound.iter().take(bounds)), |r| {
                        r.get::<_, String>(3)
                    })?
                    .collect()
                })
                .expect("plan");
            let has = |step: &str| plan.iter().any(|p| p.contains(step));
            assert!(
                has("SEARCH stream_index USING PRIMARY KEY (stream_id=?")
                    || has("SEARCH i USING PRIMARY KEY (stream_id=?"),
                "{plan:?}"
            );
            assert!(
                has("SEARCH events USING INTEGER PRIMARY KEY (rowid>?)"),
                "{plan:?}"
            );
            assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{plan:?}");
        }
    }
}
