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
//!
//! # Layout
//!
//! - `format`: the tables, the file's header and format, upgrades.
//! - `writer`: the writer thread, its group commit and its connection.
//! - `append`: one append in a group's transaction, checked and written.
//! - `revisions`: streams' last revisions, kept by the writer and read.
//! - `stream_index`: indexing the log's tail in batches; the index check.
//! - `checkpoint`: the checkpointer thread, copying the WAL back.
//! - `readers`: the pool of read connections and how they open.
//! - `rows`: the SQL texts of reads and the decoding of their rows.
//! - `import`: imports, in one transaction of their own.
//! - `read_only`: opening a store on read-only media.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use registre_schema::{DecodedEvent, Position, RecordedEvent, Revision, StreamId};
use rusqlite::{Connection, params};
use tokio::sync::{mpsc, watch};

mod append;
mod checkpoint;
mod format;
mod import;
mod read_only;
mod readers;
mod revisions;
mod rows;
mod stream_index;
mod writer;

pub use format::STORE_FORMAT;
pub use stream_index::{INDEX_BATCH, INDEX_DELAY, Indexing};

use checkpoint::checkpointer;
use import::import_events;
use read_only::ReadMode;
use readers::{Access, ReaderPool, open_reader};
use revisions::Revisions;
use rows::{
    Decode, category_sql, decode_row, decode_row_for_fold, inline_stream_sql, log_sql,
    query_events, query_events_with, read_head, stream_sql,
};
use stream_index::{IndexHold, check_stream_index};
use writer::{Payloads, QUEUE_DEPTH, Writer, advance, encode_payloads, open_writer};

use super::{
    AppendOutcome, AppendRequest, CategoryBatch, EventStore, MAX_READ_BATCH, StoreError,
    StreamIndexCheck, WriteJob,
};

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

#[cfg(test)]
mod tests {
    use super::revisions::last_revision_sql;
    use super::*;

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
