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
//! - [`PostgresStore`]: the store, its URL settings and its schema check.
//! - `Writer`: the task that commits groups of appends.
//! - `plan`: deciding a group of appends, without I/O.
//! - `Readers`: a small pool of read connections with prepared statements.
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
use futures::StreamExt;
use registre_schema::{Actor, DecodedEvent, Position, RecordedEvent, Revision, StreamId};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_postgres::config::Host;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, Client, Config, Row, Statement};
use uuid::Uuid;

use super::{
    AppendOutcome, AppendRequest, EventStore, MAX_READ_BATCH, StoreError, WriteJob, import,
    redact_url,
};

mod plan;
mod tls;

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
/// Most appends committed in one transaction.
const MAX_GROUP: usize = 512;
/// Most events committed in one transaction (an append is never split).
const MAX_GROUP_EVENTS: usize = 20_000;
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

/// Where the store lives: connection settings, TLS and the schema.
#[derive(Clone)]
struct Target {
    config: Config,
    tls: tls::Connector,
    schema: String,
    described: String,
    /// The host TLS errors name (never the password).
    host: String,
}

/// SQL of one schema, with its name quoted in.
struct Sql {
    lock_head: String,
    known_commands: String,
    known_streams: String,
    known_ids: String,
    write: String,
    read_all: String,
    read_stream: String,
    head: String,
    import: String,
    channel: String,
}

impl Sql {
    fn new(schema: &str) -> Sql {
        let s = format!("\"{schema}\"");
        let select_event = format!(
            "SELECT position, id, stream_id, revision, event_type, schema_version, occurred_at,
                recorded_at, actor_id, actor_role, command_id, correlation_id, causation_id,
                payload FROM {s}.events"
        );
        Sql {
            lock_head: format!("SELECT position, recorded_at FROM {s}.log_head FOR UPDATE"),
            known_commands: format!(
                "SELECT command_id, stream_id, first_position, last_position, last_revision,
                    recorded_at FROM {s}.commands WHERE command_id = ANY($1::uuid[])"
            ),
            known_streams: format!(
                "SELECT stream_id, last_revision FROM {s}.streams WHERE stream_id = ANY($1::text[])"
            ),
            known_ids: format!("SELECT id FROM {s}.events WHERE id = ANY($1::uuid[])"),
            // The whole group in one statement: events, streams, commands,
            // the head, and the wake-up sent at commit.
            write: format!(
                "WITH ev AS (
                    INSERT INTO {s}.events (position, id, stream_id, revision, event_type,
                        schema_version, occurred_at, recorded_at, actor_id, actor_role,
                        command_id, correlation_id, causation_id, payload)
                    SELECT e.position, e.id, e.stream_id, e.revision, e.event_type,
                        e.schema_version, e.occurred_at, $14, e.actor_id, e.actor_role,
                        e.command_id, e.correlation_id, e.causation_id, e.payload
                    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[],
                        $6::int[], $7::timestamptz[], $8::text[], $9::text[], $10::uuid[],
                        $11::uuid[], $12::uuid[], $13::text[])
                        AS e(position, id, stream_id, revision, event_type, schema_version,
                            occurred_at, actor_id, actor_role, command_id, correlation_id,
                            causation_id, payload)
                 ), st AS (
                    INSERT INTO {s}.streams (stream_id, last_revision)
                    SELECT * FROM unnest($15::text[], $16::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision
                 ), cm AS (
                    INSERT INTO {s}.commands (command_id, stream_id, first_position,
                        last_position, last_revision, recorded_at)
                    SELECT c.*, $14 FROM unnest($17::uuid[], $18::text[], $19::bigint[],
                        $20::bigint[], $21::bigint[]) AS c
                 ), h AS (
                    UPDATE {s}.log_head SET position = $22, recorded_at = $14
                 )
                 SELECT pg_notify($23, $22::text)"
            ),
            read_all: format!("{select_event} WHERE position >= $1 ORDER BY position LIMIT $2"),
            read_stream: format!(
                "{select_event} WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3"
            ),
            head: format!("SELECT position FROM {s}.log_head"),
            // Like `write`, with each event's and command's own time.
            import: format!(
                "WITH ev AS (
                    INSERT INTO {s}.events (position, id, stream_id, revision, event_type,
                        schema_version, occurred_at, recorded_at, actor_id, actor_role,
                        command_id, correlation_id, causation_id, payload)
                    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[],
                        $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::text[],
                        $10::text[], $11::uuid[], $12::uuid[], $13::uuid[], $14::text[])
                 ), st AS (
                    INSERT INTO {s}.streams (stream_id, last_revision)
                    SELECT * FROM unnest($15::text[], $16::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision
                 ), cm AS (
                    INSERT INTO {s}.commands (command_id, stream_id, first_position,
                        last_position, last_revision, recorded_at)
                    SELECT * FROM unnest($17::uuid[], $18::text[], $19::bigint[],
                        $20::bigint[], $21::bigint[], $22::timestamptz[])
                 ), h AS (
                    UPDATE {s}.log_head SET position = $23, recorded_at = $24
                 )
                 SELECT pg_notify($25, $23::text)"
            ),
            channel: channel(schema),
        }
    }
}

fn channel(schema: &str) -> String {
    format!("registre_head.{schema}")
}

fn schema_ddl(schema: &str) -> String {
    let s = format!("\"{schema}\"");
    format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE {s}.store_format (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    application text    NOT NULL,
    format      integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {s}.store_format (application, format) VALUES ('{APPLICATION}', {STORE_FORMAT});
-- The last assigned position. Writers lock this row until they commit:
-- positions are handed out in commit order (see the module doc).
CREATE TABLE {s}.log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position    bigint  NOT NULL,
    recorded_at timestamptz
);
INSERT INTO {s}.log_head (position) VALUES (0);
CREATE TABLE {s}.events (
    position       bigint  PRIMARY KEY,
    id             uuid    NOT NULL UNIQUE,
    stream_id      text    NOT NULL,
    revision       bigint  NOT NULL,
    event_type     text    NOT NULL,
    schema_version integer NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    actor_id       text    NOT NULL,
    actor_role     text    NOT NULL,
    command_id     uuid    NOT NULL,
    correlation_id uuid    NOT NULL,
    causation_id   uuid,
    payload        text    NOT NULL, -- the JSON text exactly as written
    UNIQUE (stream_id, revision)
);
CREATE TABLE {s}.streams (
    stream_id     text   PRIMARY KEY,
    last_revision bigint NOT NULL
);
CREATE TABLE {s}.commands (
    command_id     uuid   PRIMARY KEY,
    stream_id      text   NOT NULL,
    first_position bigint NOT NULL,
    last_position  bigint NOT NULL,
    last_revision  bigint NOT NULL,
    recorded_at    timestamptz NOT NULL
);
-- The log is append-only; these refuse edits made through SQL by mistake.
-- (Deliberate tampering is what the audit tree detects.)
CREATE FUNCTION {s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'registre % are append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER commands_append_only BEFORE UPDATE OR DELETE ON {s}.commands
    FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change();
CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON {s}.commands
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change();
"
    )
}

/// Splits `?schema=NAME` off a URL: the rest goes to the driver, which
/// refuses options it does not know.
fn split_schema(url: &str) -> Result<(String, String), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), DEFAULT_SCHEMA.to_owned()));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_owned()),
            None => rest.push(pair),
        }
    }
    let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
    check_schema_name(&schema)?;
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, schema))
}

/// Schema names are plain lower-case identifiers, so they can be quoted
/// into SQL without escaping and mean the same quoted or not.
fn check_schema_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SCHEMA_LEN
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("pg_")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Format(format!(
            "invalid schema name {name:?}: use 1 to {MAX_SCHEMA_LEN} lower-case ASCII letters, digits and _, not starting with a digit or pg_"
        )))
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

impl Target {
    fn parse(url: &str) -> Result<Target, StoreError> {
        let described = redact_url(url);
        let (driver_url, schema) = split_schema(url)?;
        let tls_error = |e: tls::TlsError| StoreError::Format(e.to_string());
        let (driver_url, tls) = tls::TlsOptions::split(&driver_url).map_err(tls_error)?;
        let mut config: Config = driver_url.parse().map_err(|e| {
            StoreError::Format(format!("invalid PostgreSQL URL {described:?}: {e}"))
        })?;
        config.ssl_mode(tls.driver_mode());
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        if config.get_application_name().is_none() {
            config.application_name("registre");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Ok(Target {
            config,
            tls: tls.connector().map_err(tls_error)?,
            schema,
            described,
            host,
        })
    }

    /// Why a connection failed: what TLS refused, in French, or the
    /// driver's words (the URL in them without its password).
    fn refused(&self, e: tokio_postgres::Error) -> StoreError {
        match tls::explain(&e, &self.host) {
            Some(refusal) => StoreError::Format(refusal.to_string()),
            None => StoreError::Unavailable(format!("cannot connect to {}: {e}", self.described)),
        }
    }

    /// A new connection, its driver running on its own task.
    async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.refused(e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "PostgreSQL connection closed");
            }
        });
        Ok(client)
    }
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

/// Creates the schema on first open, or checks that it is a registre store
/// of a format this build reads. Leaves anything else untouched.
async fn prepare_schema(client: &mut Client, target: &Target) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    match create_or_check(&tx, target).await {
        Ok(()) => tx.commit().await.map_err(backend),
        Err(e) => {
            // Roll back now rather than on drop, so no catalog lock
            // outlives the refusal.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn create_or_check(
    tx: &tokio_postgres::Transaction<'_>,
    target: &Target,
) -> Result<(), StoreError> {
    let schema = &target.schema;
    // Two processes opening a fresh database at once: one creates, the
    // other waits and then finds the schema made.
    tx.execute(
        "SELECT pg_advisory_xact_lock(1380271921, hashtext($1))",
        &[schema],
    )
    .await
    .map_err(backend)?;
    let objects: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1",
            &[schema],
        )
        .await
        .map_err(backend)?
        .get(0);
    let not_ours = |detail: String| {
        StoreError::Format(format!(
            "schema {schema:?} of {} is not a registre store ({detail}); name another with ?schema=NAME",
            target.described
        ))
    };
    if objects == 0 {
        tx.batch_execute(&schema_ddl(schema))
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => StoreError::Format(format!(
                    "cannot create the registre schema {schema:?} in {}: {}",
                    target.described,
                    db.message()
                )),
                None => backend(e),
            })?;
    } else {
        let has_format: bool = tx
            .query_one(
                "SELECT to_regclass(format('%I.store_format', $1::text)) IS NOT NULL",
                &[schema],
            )
            .await
            .map_err(backend)?
            .get(0);
        if !has_format {
            return Err(not_ours(format!(
                "it holds {objects} other objects and no format record"
            )));
        }
        let row = tx
            .query_opt(
                &format!("SELECT application, format FROM \"{schema}\".store_format"),
                &[],
            )
            .await
            .map_err(|e| not_ours(format!("unreadable format record: {e}")))?
            .ok_or_else(|| not_ours("empty format record".into()))?;
        let application: String = row.try_get(0).map_err(|e| not_ours(e.to_string()))?;
        let format: i32 = row.try_get(1).map_err(|e| not_ours(e.to_string()))?;
        if application != APPLICATION {
            return Err(not_ours(format!("its format record names {application:?}")));
        }
        if format > STORE_FORMAT {
            return Err(StoreError::Format(format!(
                "schema {schema:?} of {} was written by a newer registre (store format {format}); this build reads format {STORE_FORMAT} at most",
                target.described
            )));
        }
    }
    Ok(())
}

/// The write connection and its prepared statements.
struct WriteConn {
    client: Client,
    lock_head: Statement,
    known_commands: Statement,
    known_streams: Statement,
    known_ids: Statement,
    write: Statement,
}

impl WriteConn {
    async fn prepare(client: Client, sql: &Sql) -> Result<WriteConn, StoreError> {
        let (lock_head, known_commands, known_streams, known_ids, write) = futures::try_join!(
            client.prepare(&sql.lock_head),
            client.prepare(&sql.known_commands),
            client.prepare(&sql.known_streams),
            client.prepare(&sql.known_ids),
            client.prepare(&sql.write),
        )
        .map_err(backend)?;
        Ok(WriteConn {
            client,
            lock_head,
            known_commands,
            known_streams,
            known_ids,
            write,
        })
    }
}

/// The task that writes: commits queued appends in groups.
struct Writer {
    target: Target,
    sql: Arc<Sql>,
    conn: Option<WriteConn>,
    head: Arc<watch::Sender<Position>>,
}

impl Writer {
    async fn run(mut self, mut queue: mpsc::Receiver<WriteJob>) {
        let mut group: Vec<WriteJob> = Vec::with_capacity(MAX_GROUP);
        while let Some(first) = queue.recv().await {
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
            let results = self.commit(&group).await;
            for (job, result) in group.drain(..).zip(results) {
                job.answer(result);
            }
        }
    }

    /// The write connection, made anew if the last one was lost.
    async fn connection(&mut self) -> Result<&mut WriteConn, StoreError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            let client = self.target.connect().await?;
            self.conn = Some(WriteConn::prepare(client, &self.sql).await?);
        }
        Ok(self.conn.as_mut().expect("connection just made"))
    }

    /// Commits a group; if PostgreSQL refuses its one write (say, a time it
    /// cannot represent), commits each append alone so only the faulty one
    /// fails.
    async fn commit(&mut self, group: &[WriteJob]) -> Vec<Result<AppendOutcome, StoreError>> {
        let reqs: Vec<&AppendRequest> = group.iter().map(|j| &j.req).collect();
        match self.commit_reqs(&reqs).await {
            Err(Refused(e)) if reqs.len() > 1 => {
                tracing::warn!(error = %e, "an append group was refused; committing one by one");
                let mut results = Vec::with_capacity(reqs.len());
                for req in reqs {
                    results.push(match self.commit_reqs(&[req]).await {
                        Ok(mut r) => r.pop().expect("one result per append"),
                        Err(Refused(e)) => Err(e),
                        Err(Failed(e)) => Err(e),
                    });
                }
                results
            }
            Ok(results) => results,
            Err(Refused(e) | Failed(e)) => reqs.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    async fn commit_reqs(
        &mut self,
        reqs: &[&AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, GroupError> {
        let channel = self.sql.channel.clone();
        let conn = self.connection().await.map_err(Failed)?;
        match commit_group(conn, &channel, reqs).await {
            Ok((results, head)) => {
                advance(&self.head, head);
                Ok(results)
            }
            Err(Failed(e)) => {
                // The connection may be inside a transaction or broken:
                // start afresh (closing it rolls back whatever was open).
                tracing::error!(error = %e, "commit of an append group failed");
                self.conn = None;
                Err(Failed(e))
            }
            Err(refused) => Err(refused),
        }
    }
}

/// Why a group was not committed.
enum GroupError {
    /// PostgreSQL refused the group's write and rolled it back; the
    /// connection is clean.
    Refused(StoreError),
    /// Anything else; the outcome may be unknown.
    Failed(StoreError),
}
use GroupError::{Failed, Refused};

/// Moves the head watch forward, never back (a poll may read an older head
/// than a commit just reported).
fn advance(head: &watch::Sender<Position>, to: Position) {
    head.send_if_modified(|h| {
        if to > *h {
            *h = to;
            true
        } else {
            false
        }
    });
}

/// One transaction for the whole group: lock the head, read what the log
/// holds of the group's ids, decide every append, write them all in one
/// statement, commit. Two round trips, whatever the group's size.
/// Returns each append's result and the head after commit.
async fn commit_group(
    conn: &WriteConn,
    channel: &str,
    reqs: &[&AppendRequest],
) -> Result<(Vec<Result<AppendOutcome, StoreError>>, Position), GroupError> {
    let failed = |e| Failed(backend(e));
    let c = &conn.client;
    let mut command_ids: Vec<Uuid> = reqs.iter().map(|r| r.meta.command_id).collect();
    command_ids.sort_unstable();
    command_ids.dedup();
    let mut streams: Vec<&str> = reqs.iter().map(|r| r.stream_id.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let event_ids: Vec<Uuid> = reqs
        .iter()
        .flat_map(|r| r.events.iter().map(|e| e.id))
        .collect();
    // Sent together, run in order: the reads come after the lock is
    // granted, so they see every commit that came before ours.
    let by_command: [&(dyn ToSql + Sync); 1] = [&command_ids];
    let by_stream: [&(dyn ToSql + Sync); 1] = [&streams];
    let by_id: [&(dyn ToSql + Sync); 1] = [&event_ids];
    let (begun, head, commands, known_streams, ids) = futures::join!(
        c.batch_execute("BEGIN"),
        c.query_one(&conn.lock_head, &[]),
        c.query(&conn.known_commands, &by_command),
        c.query(&conn.known_streams, &by_stream),
        c.query(&conn.known_ids, &by_id),
    );
    begun.map_err(failed)?;
    let head = head.map_err(failed)?;
    let start: i64 = head.try_get(0).map_err(failed)?;
    let last_recorded: Option<DateTime<Utc>> = head.try_get(1).map_err(failed)?;
    let mut known = plan::Known::default();
    for row in commands.map_err(failed)? {
        let outcome = earlier_outcome(&row).map_err(Failed)?;
        known
            .commands
            .insert(row.try_get(0).map_err(failed)?, outcome);
    }
    for row in known_streams.map_err(failed)? {
        let revision: i64 = row.try_get(1).map_err(failed)?;
        known
            .streams
            .insert(row.try_get(0).map_err(failed)?, revision as Revision);
    }
    for row in ids.map_err(failed)? {
        known.ids.insert(row.try_get(0).map_err(failed)?);
    }
    // recorded_at never goes back along the log, even if this machine's
    // clock is behind another instance's.
    let now = to_micros(Utc::now()).max(last_recorded.unwrap_or_default());
    let (results, rows, end) = plan::plan(reqs, known, start as Position, now);
    if rows.is_empty() {
        // Nothing to write (retries, conflicts): just release the lock.
        c.batch_execute("ROLLBACK").await.map_err(failed)?;
        return Ok((results, start as Position));
    }
    let (stream_ids, stream_revisions): (Vec<&str>, Vec<i64>) =
        rows.streams.iter().map(|(s, r)| (s.as_str(), *r)).unzip();
    let end = end as i64;
    let params: [&(dyn ToSql + Sync); 23] = [
        &rows.position,
        &rows.id,
        &rows.stream_id,
        &rows.revision,
        &rows.event_type,
        &rows.schema_version,
        &rows.occurred_at,
        &rows.actor_id,
        &rows.actor_role,
        &rows.command_id,
        &rows.correlation_id,
        &rows.causation_id,
        &rows.payload,
        &now,
        &stream_ids,
        &stream_revisions,
        &rows.cmd_id,
        &rows.cmd_stream,
        &rows.cmd_first,
        &rows.cmd_last,
        &rows.cmd_revision,
        &end,
        &channel,
    ];
    let (written, committed) =
        futures::join!(c.execute(&conn.write, &params), c.batch_execute("COMMIT"),);
    match written {
        Ok(_) => {}
        // The statement failed inside the server: the transaction was
        // aborted, and the COMMIT that followed rolled it back.
        Err(e) if e.as_db_error().is_some() && committed.is_ok() => {
            return Err(Refused(backend(e)));
        }
        Err(e) => return Err(failed(e)),
    }
    committed.map_err(|e| {
        Failed(StoreError::Backend(format!(
            "commit failed, its outcome is unknown (retry with the same command id): {}",
            backend(e)
        )))
    })?;
    Ok((results, end as Position))
}

/// One import in one transaction, under the head lock like any append, so
/// it is ordered with every writer of every process.
async fn import_events(
    client: &mut Client,
    sql: &Sql,
    events: &[RecordedEvent],
) -> Result<Position, StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    let head = tx.query_one(&sql.lock_head, &[]).await.map_err(backend)?;
    let (streams, ids, commands) = import::keys(events);
    let mut base = import::Base {
        head: head.try_get::<_, i64>(0).map_err(backend)? as Position,
        last_recorded: head.try_get(1).map_err(backend)?,
        ..import::Base::default()
    };
    for row in tx
        .query(&sql.known_streams, &[&streams])
        .await
        .map_err(backend)?
    {
        let revision: i64 = row.try_get(1).map_err(backend)?;
        base.streams
            .insert(row.try_get(0).map_err(backend)?, revision as Revision);
    }
    for row in tx.query(&sql.known_ids, &[&ids]).await.map_err(backend)? {
        base.ids.insert(row.try_get(0).map_err(backend)?);
    }
    for row in tx
        .query(&sql.known_commands, &[&commands])
        .await
        .map_err(backend)?
    {
        base.commands.insert(row.try_get(0).map_err(backend)?);
    }
    let plan = match import::plan(events, base) {
        Ok(plan) => plan,
        Err(refused) => {
            // Release the head lock now rather than when the drop's
            // rollback reaches the server.
            let _ = tx.rollback().await;
            return Err(refused.into());
        }
    };
    let col = |f: fn(&RecordedEvent) -> i64| events.iter().map(f).collect::<Vec<i64>>();
    let positions = col(|e| e.position as i64);
    let revisions = col(|e| e.revision as i64);
    let ev_ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let stream_ids: Vec<&str> = events.iter().map(|e| e.stream_id.as_str()).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let versions: Vec<i32> = events.iter().map(|e| i32::from(e.schema_version)).collect();
    let occurred: Vec<DateTime<Utc>> = events.iter().map(|e| e.occurred_at).collect();
    let recorded: Vec<DateTime<Utc>> = events.iter().map(|e| e.recorded_at).collect();
    let actors: Vec<&str> = events.iter().map(|e| e.actor.id.as_str()).collect();
    let roles: Vec<&str> = events.iter().map(|e| e.actor.role.as_str()).collect();
    let command_ids: Vec<Uuid> = events.iter().map(|e| e.command_id).collect();
    let correlations: Vec<Uuid> = events.iter().map(|e| e.correlation_id).collect();
    let causations: Vec<Option<Uuid>> = events.iter().map(|e| e.causation_id).collect();
    let payloads = events
        .iter()
        .map(|e| serde_json::to_string(&e.payload))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| StoreError::Backend(format!("encoding a payload: {e}")))?;
    let (st_ids, st_revisions): (Vec<&str>, Vec<i64>) = plan
        .streams
        .iter()
        .map(|(s, r)| (s.as_str(), *r as i64))
        .unzip();
    let cm = &plan.commands;
    let cm_ids: Vec<Uuid> = cm.iter().map(|c| c.command_id).collect();
    let cm_streams: Vec<&str> = cm.iter().map(|c| c.stream_id.as_str()).collect();
    let cm_first: Vec<i64> = cm.iter().map(|c| c.first_position as i64).collect();
    let cm_last: Vec<i64> = cm.iter().map(|c| c.last_position as i64).collect();
    let cm_revision: Vec<i64> = cm.iter().map(|c| c.last_revision as i64).collect();
    let cm_recorded: Vec<DateTime<Utc>> = cm.iter().map(|c| c.recorded_at).collect();
    let end = plan.head as i64;
    let last_recorded = recorded.last().copied();
    let params: [&(dyn ToSql + Sync); 25] = [
        &positions,
        &ev_ids,
        &stream_ids,
        &revisions,
        &types,
        &versions,
        &occurred,
        &recorded,
        &actors,
        &roles,
        &command_ids,
        &correlations,
        &causations,
        &payloads,
        &st_ids,
        &st_revisions,
        &cm_ids,
        &cm_streams,
        &cm_first,
        &cm_last,
        &cm_revision,
        &cm_recorded,
        &end,
        &last_recorded,
        &sql.channel,
    ];
    tx.execute(&sql.import, &params).await.map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(plan.head)
}

/// The outcome a recorded command had, as a retry receives it.
fn earlier_outcome(row: &Row) -> Result<AppendOutcome, StoreError> {
    let stream: String = row.try_get(1).map_err(backend)?;
    let get = |i: usize| row.try_get::<_, i64>(i).map_err(backend);
    Ok(AppendOutcome {
        stream_id: StreamId::new(stream).map_err(|e| StoreError::Backend(e.to_string()))?,
        first_position: get(2)? as Position,
        last_position: get(3)? as Position,
        last_revision: get(4)? as Revision,
        recorded_at: row.try_get(5).map_err(backend)?,
        deduplicated: true,
    })
}

/// Read connections, opened on demand and kept while idle.
struct Readers {
    target: Target,
    sql: Arc<Sql>,
    idle: Mutex<Vec<ReadConn>>,
    permits: Semaphore,
}

struct ReadConn {
    client: Client,
    read_all: Statement,
    read_stream: Statement,
    head: Statement,
}

impl Readers {
    async fn with<T>(
        &self,
        f: impl AsyncFnOnce(&ReadConn) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the store is closed".into()))?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) if !c.client.is_closed() => c,
            _ => {
                let client = self.target.connect().await?;
                let (read_all, read_stream, head) = futures::try_join!(
                    client.prepare(&self.sql.read_all),
                    client.prepare(&self.sql.read_stream),
                    client.prepare(&self.sql.head),
                )
                .map_err(backend)?;
                ReadConn {
                    client,
                    read_all,
                    read_stream,
                    head,
                }
            }
        };
        let result = f(&conn).await.map_err(backend);
        // A connection is kept only once its query finished: one dropped
        // mid-query (cancelled caller) is dropped with it.
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
        result
    }
}

/// Decodes one event row; anything malformed is reported with the event's
/// position and type.
fn decode_row(row: &Row) -> Result<RecordedEvent, StoreError> {
    decode_row_with(row, |_, _, text| {
        serde_json::from_str(text).map_err(|e| format!("payload is not valid JSON: {e}"))
    })
}

/// Decodes one row, its payload text read by `payload` (given the event
/// type and schema version).
fn decode_row_with<P>(
    row: &Row,
    payload: impl FnOnce(&str, u16, &str) -> Result<P, String>,
) -> Result<RecordedEvent<P>, StoreError> {
    let position: i64 = row.try_get(0).map_err(backend)?;
    let event_type: String = row.try_get(4).unwrap_or_else(|_| "?".into());
    let corrupt = |reason: String| StoreError::Corrupt {
        position: position as Position,
        event_type: event_type.clone(),
        reason,
    };
    let stream: &str = row
        .try_get(2)
        .map_err(|e| corrupt(format!("stream id: {e}")))?;
    let revision: i64 = row
        .try_get(3)
        .map_err(|e| corrupt(format!("revision: {e}")))?;
    let schema_version: i32 = row
        .try_get(5)
        .map_err(|e| corrupt(format!("schema version: {e}")))?;
    let role: String = row
        .try_get(9)
        .map_err(|e| corrupt(format!("actor role: {e}")))?;
    let schema_version =
        u16::try_from(schema_version).map_err(|_| corrupt("schema version out of range".into()))?;
    let text: &str = row
        .try_get(13)
        .map_err(|e| corrupt(format!("payload: {e}")))?;
    Ok(RecordedEvent {
        position: position as Position,
        id: row
            .try_get(1)
            .map_err(|e| corrupt(format!("event id: {e}")))?,
        stream_id: StreamId::new(stream).map_err(|e| corrupt(e.to_string()))?,
        revision: u64::try_from(revision).map_err(|_| corrupt("negative revision".into()))?,
        schema_version,
        occurred_at: row
            .try_get(6)
            .map_err(|e| corrupt(format!("occurred_at: {e}")))?,
        recorded_at: row
            .try_get(7)
            .map_err(|e| corrupt(format!("recorded_at: {e}")))?,
        actor: Actor {
            id: row.try_get(8).map_err(|e| corrupt(format!("actor: {e}")))?,
            role: role.parse().map_err(corrupt)?,
        },
        command_id: row
            .try_get(10)
            .map_err(|e| corrupt(format!("command id: {e}")))?,
        correlation_id: row
            .try_get(11)
            .map_err(|e| corrupt(format!("correlation id: {e}")))?,
        causation_id: row
            .try_get(12)
            .map_err(|e| corrupt(format!("causation id: {e}")))?,
        payload: payload(&event_type, schema_version, text).map_err(corrupt)?,
        event_type,
    })
}

fn decode_rows(rows: Vec<Row>) -> Result<Vec<RecordedEvent>, StoreError> {
    rows.iter().map(decode_row).collect()
}

/// Follows the head: on every notification, and every [`POLL_EVERY`]
/// whether or not one came, reads `log_head` and advances the watch.
/// Reconnects after a lost connection; stops when the store is dropped.
async fn listen(target: Target, sql: Arc<Sql>, head: Arc<watch::Sender<Position>>) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (client, mut notified) = match listening(&target, &sql).await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for new events; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            tokio::select! {
                note = notified.recv() => if note.is_none() { break },
                _ = tick.tick() => {}
            }
            match client.query_one(&sql.head, &[]).await {
                Ok(row) => match row.try_get::<_, i64>(0) {
                    Ok(p) => advance(&head, p as Position),
                    Err(e) => tracing::warn!(error = %e, "unreadable log head"),
                },
                Err(_) => break,
            }
        }
    }
}

/// A connection that LISTENs on the store's channel, and the receiver of
/// its notifications.
async fn listening(target: &Target, sql: &Sql) -> Result<(Client, mpsc::Receiver<()>), StoreError> {
    let (client, mut connection) = target
        .config
        .connect(target.tls.clone())
        .await
        .map_err(|e| target.refused(e))?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(_) = message {
                // Full means a wake-up is already pending: enough.
                let _ = tx.try_send(());
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN \"{}\"", sql.channel))
        .await
        .map_err(backend)?;
    Ok((client, rx))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_comes_off_the_url() {
        let (url, schema) = split_schema("postgres://u:p@h:5432/db?schema=amm_2025").unwrap();
        assert_eq!(
            (url.as_str(), schema.as_str()),
            ("postgres://u:p@h:5432/db", "amm_2025")
        );
        let (url, schema) =
            split_schema("postgresql://h/db?sslmode=disable&schema=x&connect_timeout=3").unwrap();
        assert_eq!(url, "postgresql://h/db?sslmode=disable&connect_timeout=3");
        assert_eq!(schema, "x");
        let (url, schema) = split_schema("postgres://h/db").unwrap();
        assert_eq!(
            (url.as_str(), schema.as_str()),
            ("postgres://h/db", DEFAULT_SCHEMA)
        );
    }

    #[test]
    fn schema_names_that_could_escape_quoting_are_refused() {
        for bad in [
            "",
            "Registre",
            "a\"; DROP TABLE x; --",
            "1st",
            "pg_temp",
            "with space",
            &"x".repeat(MAX_SCHEMA_LEN + 1),
        ] {
            let url = format!("postgres://h/db?schema={bad}");
            assert!(
                matches!(split_schema(&url), Err(StoreError::Format(_))),
                "{bad:?} accepted"
            );
        }
        assert!(check_schema_name("registre_test_01").is_ok());
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let err = Target::parse("postgres://reg:s3cret@db/x?nonsense=1")
            .err()
            .expect("must refuse");
        let msg = err.to_string();
        assert!(msg.contains("invalid PostgreSQL URL"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }

    #[test]
    fn every_sslmode_is_accepted_and_a_bad_one_refused_in_french() {
        for mode in ["disable", "prefer", "require"] {
            let url = format!("postgres://reg:s3cret@db/x?sslmode={mode}&schema=s");
            let target = Target::parse(&url).unwrap_or_else(|e| panic!("{mode}: {e}"));
            assert_eq!(target.schema, "s");
            assert_eq!(target.host, "db");
        }
        let err = Target::parse("postgres://reg:s3cret@db/x?sslmode=always")
            .err()
            .expect("must refuse");
        let msg = err.to_string();
        assert!(msg.contains("(PG_SSLMODE_INVALID)"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }

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
