//! The PostgreSQL store: the same log as the embedded one, on a server that
//! several registre processes can share.
//!
//! ## A global order without gaps
//!
//! The classic bug of SQL event stores: positions come from a sequence taken
//! at insert, but become visible at commit. Writer A takes 7, writer B takes
//! 8 and commits first; a tailing reader sees 8, remembers "read up to 8",
//! and never sees 7 when A commits a moment later.
//!
//! Here positions are not taken from a sequence. The one-row table
//! `log_head` holds the last assigned position, and every writing
//! transaction begins with `SELECT ... FROM log_head FOR UPDATE`: it holds
//! that row lock until it commits or rolls back. So positions are handed
//! out in commit order: a transaction reads the head only after the previous
//! writer's commit is visible (PostgreSQL makes a transaction visible before
//! it releases its locks), writes `head + 1 ..= head + n`, and moves the
//! head in the same transaction. A rolled-back writer never moved the head,
//! so the next one reuses its numbers: no hole either. This holds across
//! connections and across registre processes, since the lock lives in the
//! database. Under the same lock the concurrency check (expected state), the
//! duplicate-command check and the duplicate-event-id check are exact: no
//! other writer can change the log between the check and the write.
//!
//! The cost is that writers are serialised. The alternative, a two-phase
//! scheme exposing only positions below the oldest transaction in flight,
//! lets writers run in parallel but makes every reader compute a horizon and
//! every position depend on transaction ids; for a registry of a few hundred
//! communes the lock is the simpler and safer choice. Its cost is paid back
//! by group commit: within one process, one writer task owns the write
//! connection and commits every append that queued up while the previous
//! group was committing in one transaction (one lock, one WAL flush). The
//! transaction takes two round trips whatever the group's size: BEGIN, the
//! lock and the reads of what the log holds of the group's command ids,
//! streams and event ids go together; each append is then decided in memory
//! in order, as if alone (`plan`); the accepted ones are written by one
//! statement sent together with COMMIT. Should PostgreSQL refuse that
//! statement, the group is retried one append per transaction, so only the
//! faulty append fails.
//!
//! ## Waking readers
//!
//! The appending transaction calls `pg_notify` with the new head; a
//! background connection LISTENs and, on a notification or every
//! [`POLL_EVERY`] regardless, reads `log_head` and advances the head watch.
//! The notification only says "look again": subscriptions always read the
//! log itself by position, so a lost notification delays a reader by at
//! most one poll and never loses an event.
//!
//! ## Layout
//! - [`PostgresStore`]: the store, its opening and its [`EventStore`] impl.
//! - `target`: the URL's settings and the making of connections.
//! - `format`: the schema's tables and statements; creating or checking it.
//! - `writer`: the task that commits groups of appends.
//! - `plan`: deciding a group of appends, without I/O.
//! - `imports`: imports, in a transaction of their own.
//! - `readers`: a small pool of read connections; decoding rows.
//! - `listen`: the LISTEN/poll task behind [`EventStore::watch_head`].
//! - `tls`: the URL's `sslmode` and `sslrootcert`, and the TLS connector.
//!
//! Tables live in one PostgreSQL schema (`registre` unless the URL says
//! `?schema=NAME`), created on first open, with a format record; a schema
//! holding anything else, or written by a newer format, is refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use registre_schema::{DecodedEvent, Position, RecordedEvent, Revision, StreamId};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_postgres::{Client, Row};

use super::{
    AppendOutcome, AppendRequest, EventStore, GroupLimits, MAX_READ_BATCH, StoreError, WriteJob,
};

mod format;
mod imports;
mod listen;
mod plan;
mod readers;
mod target;
mod tls;
mod writer;

use format::{Sql, prepare_schema};
use imports::import_events;
use listen::listen;
use readers::{Readers, decode_row_with, decode_rows};
use target::Target;
use writer::{WriteConn, Writer, advance};

/// The store format this build writes and reads.
pub const STORE_FORMAT: i32 = 1;
/// What the format record says the schema belongs to.
const APPLICATION: &str = "registre";
/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "registre";
/// Longest schema name accepted (the notification channel adds a prefix
/// and PostgreSQL names stop at 63 bytes).
const MAX_SCHEMA_LEN: usize = 48;
/// How often the head is read even without a notification.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
/// Most appends, and most events (an append is never split), committed in
/// one transaction.
const GROUP: GroupLimits = GroupLimits {
    appends: 512,
    events: 20_000,
};
/// Appends waiting for the writer before senders wait too.
const QUEUE_DEPTH: usize = 4096;
/// Most read connections open at once.
const MAX_READERS: usize = 8;

/// The PostgreSQL store.
pub struct PostgresStore {
    /// The URL without its password, for logs.
    described: String,
    queue: mpsc::Sender<WriteJob>,
    readers: Arc<Readers>,
    head: watch::Receiver<Position>,
    head_tx: Arc<watch::Sender<Position>>,
    listener: tokio::task::AbortHandle,
    /// The connection imports use, opened on the first one.
    importer: tokio::sync::Mutex<Option<Client>>,
}

impl PostgresStore {
    /// The rows of the global log from `from` on, at most `limit`.
    async fn read_log(&self, from: Position, limit: usize) -> Result<Vec<Row>, StoreError> {
        let limit = limit.min(MAX_READ_BATCH) as i64;
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        self.readers
            .with(async |c| c.client.query(&c.read_all, &[&from, &limit]).await)
            .await
    }

    /// Opens the store a `postgres://` or `postgresql://` URL names,
    /// creating its schema on first use.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let target = Target::parse(url)?;
        let mut client = target.connect().await?;
        prepare_schema(&mut client, &target).await?;
        let sql = Arc::new(Sql::new(&target.schema));
        let first_head = client
            .query_one(&sql.head, &[])
            .await
            .map_err(backend)?
            .try_get::<_, i64>(0)
            .map_err(backend)? as Position;
        let (head_tx, head_rx) = watch::channel(first_head);
        let head_tx = Arc::new(head_tx);
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        let writer = Writer {
            target: target.clone(),
            sql: sql.clone(),
            conn: Some(WriteConn::prepare(client, &sql).await?),
            head: head_tx.clone(),
        };
        tokio::spawn(writer.run(rx));
        let listener =
            tokio::spawn(listen(target.clone(), sql.clone(), head_tx.clone())).abort_handle();
        Ok(PostgresStore {
            described: format!("{} (schema {})", target.described, target.schema),
            readers: Arc::new(Readers {
                target,
                sql,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(MAX_READERS),
            }),
            queue,
            head: head_rx,
            head_tx,
            listener,
            importer: tokio::sync::Mutex::new(None),
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // The writer stops when its queue closes; the listener would poll
        // for as long as a head receiver lives.
        self.listener.abort();
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        super::submit(&self.queue, req, |_| Ok(())).await
    }

    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream_id.as_str();
        let limit = limit.min(MAX_READ_BATCH) as i64;
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let rows = self
            .readers
            .with(async |c| {
                c.client
                    .query(&c.read_stream, &[&stream, &from, &limit])
                    .await
            })
            .await?;
        decode_rows(rows)
    }

    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        decode_rows(self.read_log(from, limit).await?)
    }

    async fn read_all_decoded(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        self.read_log(from, limit)
            .await?
            .iter()
            .map(|row| decode_row_with(row, super::decode_payload_text))
            .collect()
    }

    async fn head(&self) -> Result<Position, StoreError> {
        let row = self
            .readers
            .with(async |c| c.client.query_one(&c.head, &[]).await)
            .await?;
        let head: i64 = row.try_get(0).map_err(backend)?;
        Ok(head as Position)
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }

    fn describe(&self) -> String {
        self.described.clone()
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Position, StoreError> {
        let mut importer = self.importer.lock().await;
        if importer.as_ref().is_none_or(|c| c.is_closed()) {
            *importer = Some(self.readers.target.connect().await?);
        }
        let client = importer.as_mut().expect("connection just made");
        let result = import_events(client, &self.readers.sql, &events).await;
        match &result {
            Ok(head) => advance(&self.head_tx, *head),
            // The transaction may be half-way: start afresh next time.
            Err(StoreError::Backend(_)) => *importer = None,
            Err(_) => {}
        }
        result
    }
}

fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
        None => StoreError::Backend(e.to_string()),
    }
}

/// The time as stored: PostgreSQL keeps microseconds, so the outcome of an
/// append must say exactly what a later read will return.
fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_keep_microseconds_exactly() {
        let t = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(to_micros(t).timestamp_subsec_nanos(), 123_456_000);
        let before_2000 = DateTime::from_timestamp(-86_400, 999_999_999).unwrap();
        assert_eq!(
            to_micros(before_2000).timestamp_micros(),
            before_2000.timestamp_micros()
        );
    }
}
