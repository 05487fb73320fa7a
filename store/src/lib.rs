//! registre's event log: one interface, several backends.
//!
//! Architecture invariant: the log is append-only. No backend offers a way
//! to change or delete an event; a correction is a new event.
//!
//! Architecture invariant: the global order has no gaps. A reader never sees
//! position `n + 1` before `n` is committed and visible, so a reader that
//! remembers "I have read up to `n`" never misses an event.
//!
//! ## Layout
//! - this file: the [`EventStore`] trait, requests, outcomes, errors, limits.
//! - [`sqlite`]: the embedded default (one file, WAL, group commit).
//! - [`postgres`]: a PostgreSQL schema that several processes can share
//!   (positions assigned in commit order under a row lock, group commit).
//! - `kurrentdb`: a KurrentDB server or cluster (cargo feature `kurrentdb`).
//! - `group`: group commit, shared by SQLite's and PostgreSQL's writer.
//! - [`import`]: checks for copying events with their original positions
//!   and times (`registre copy`).
//! - [`subscription`]: catch-up-then-live reading built on any store.
//! - [`wrap`]: a store around another that changes only some methods
//!   ([`StoreWrapper`]), as the service's metrics and tests' faults do.
//! - `conformance` (feature `test-support`): the behaviour every backend
//!   must show, as test functions that backends' test suites call.

#[cfg(any(test, feature = "test-support"))]
pub mod conformance;
mod group;
pub mod import;
#[cfg(feature = "kurrentdb")]
pub mod kurrentdb;
pub mod postgres;
pub mod sqlite;
pub mod subscription;
pub mod wrap;

use std::fmt;
use std::sync::Arc;

pub(crate) use group::{GroupLimits, WriteJob, answer_all, gather, submit};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use registre_schema::{
    CommandMeta, DecodedEvent, EventData, Position, RecordedEvent, Revision, StreamId,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

pub use import::{ImportRefused, MAX_IMPORT_EVENTS};
pub use subscription::{Feed, subscribe, subscribe_decoded};
pub use wrap::StoreWrapper;

/// Most events one append may carry (a territory import of one edition is
/// about a thousand).
pub const MAX_EVENTS_PER_APPEND: usize = 10_000;
/// Largest payload of one event, as serialized JSON.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Largest total payload of one append.
pub const MAX_APPEND_BYTES: usize = 8 * 1024 * 1024;
/// Longest event type name.
pub const MAX_EVENT_TYPE_LEN: usize = 100;
/// Longest actor id.
pub const MAX_ACTOR_ID_LEN: usize = 200;
/// Most events one read returns.
pub const MAX_READ_BATCH: usize = 10_000;

/// What [`EventStore::read_category`] found.
#[derive(Debug, Clone, Default)]
pub struct CategoryBatch {
    pub events: Vec<RecordedEvent>,
    /// Where to read from next.
    pub next: Position,
}

/// A store's own index of streams checked against its log
/// ([`EventStore::check_stream_index`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamIndexCheck {
    /// The index covers the log up to this position (its watermark).
    pub indexed_through: Position,
    /// Entries the index holds.
    pub entries: u64,
    /// The first disagreement found, if any.
    pub finding: Option<String>,
}

/// What the writer expects the stream to be before its append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "revision", rename_all = "snake_case")]
pub enum ExpectedState {
    /// No check.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must have at least one event.
    StreamExists,
    /// The stream's last event must have this revision.
    Exact(Revision),
}

impl ExpectedState {
    /// Whether a stream whose last revision is `actual` satisfies this.
    pub fn accepts(self, actual: Option<Revision>) -> bool {
        match (self, actual) {
            (ExpectedState::Any, _) => true,
            (ExpectedState::NoStream, None) => true,
            (ExpectedState::StreamExists, Some(_)) => true,
            (ExpectedState::Exact(e), Some(a)) => e == a,
            _ => false,
        }
    }

    /// The expectation that holds for a stream in this state.
    pub fn of(actual: Option<Revision>) -> Self {
        actual.map_or(ExpectedState::NoStream, ExpectedState::Exact)
    }
}

impl fmt::Display for ExpectedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedState::Any => f.write_str("any"),
            ExpectedState::NoStream => f.write_str("no stream"),
            ExpectedState::StreamExists => f.write_str("stream exists"),
            ExpectedState::Exact(r) => write!(f, "revision {r}"),
        }
    }
}

/// Appends `events` to one stream, all or none.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub stream_id: StreamId,
    pub expected: ExpectedState,
    pub meta: CommandMeta,
    pub events: Vec<EventData>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    pub stream_id: StreamId,
    /// Position of the first event appended.
    pub first_position: Position,
    /// Position of the last event appended.
    pub last_position: Position,
    /// Revision of the stream's last event after the append.
    pub last_revision: Revision,
    pub recorded_at: DateTime<Utc>,
    /// True when the command id was already recorded: nothing was written
    /// and this is the first append's outcome.
    pub deduplicated: bool,
}

/// Why an append was refused before anything was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppend {
    #[error("an append needs at least one event")]
    Empty,
    #[error("{count} events in one append; at most {MAX_EVENTS_PER_APPEND} are accepted")]
    TooManyEvents { count: usize },
    #[error(
        "event {index} has a payload of {bytes} bytes; at most {MAX_PAYLOAD_BYTES} are accepted"
    )]
    PayloadTooLarge { index: usize, bytes: usize },
    #[error("the append's payloads total {bytes} bytes; at most {MAX_APPEND_BYTES} are accepted")]
    AppendTooLarge { bytes: usize },
    #[error("event {index} has an invalid event type: {reason}")]
    BadEventType { index: usize, reason: &'static str },
    #[error("the actor id is empty or longer than {MAX_ACTOR_ID_LEN} bytes")]
    BadActor,
    #[error("event id {id} appears twice in the append")]
    DuplicateEventIdInAppend { id: uuid::Uuid },
    #[error(
        "event {index} has a fractional number in its payload; amounts and counts are integers"
    )]
    FractionalNumber { index: usize },
    #[error("event id {id} is already in the log")]
    EventIdExists { id: uuid::Uuid },
}

/// Errors of every store backend.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the stream first: reload and decide again.
    #[error("concurrency conflict on stream {stream_id}: expected {expected}, found {}", fmt_actual(.actual))]
    WrongExpectedVersion {
        stream_id: StreamId,
        expected: ExpectedState,
        actual: Option<Revision>,
    },
    /// The request is malformed; nothing was written.
    #[error("invalid append: {0}")]
    Invalid(#[from] InvalidAppend),
    /// A stored event cannot be read.
    #[error("corrupt event at position {position} (type {event_type:?}): {reason}")]
    Corrupt {
        position: Position,
        event_type: String,
        reason: String,
    },
    /// An import did not continue the log exactly; nothing was written.
    #[error("import refused: {0}")]
    Import(#[from] ImportRefused),
    /// The store is not a registre store, or of a format this build cannot read.
    #[error("{0}")]
    Format(String),
    /// The store is shutting down or its writer has stopped.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// An error of the underlying database or disk. Its text may hold
    /// internal details: never show it to an API client.
    #[error("storage error: {0}")]
    Backend(String),
}

fn fmt_actual(actual: &Option<Revision>) -> String {
    match actual {
        None => "no stream".into(),
        Some(r) => format!("revision {r}"),
    }
}

/// Checks the limits every backend enforces before writing.
pub fn validate(req: &AppendRequest) -> Result<(), InvalidAppend> {
    if req.events.is_empty() {
        return Err(InvalidAppend::Empty);
    }
    if req.events.len() > MAX_EVENTS_PER_APPEND {
        return Err(InvalidAppend::TooManyEvents {
            count: req.events.len(),
        });
    }
    let actor = &req.meta.actor.id;
    if actor.trim().is_empty() || actor.len() > MAX_ACTOR_ID_LEN {
        return Err(InvalidAppend::BadActor);
    }
    let mut total = 0usize;
    let mut ids = std::collections::HashSet::with_capacity(req.events.len());
    for (index, e) in req.events.iter().enumerate() {
        if let Err(reason) = check_event_type(&e.event_type) {
            return Err(InvalidAppend::BadEventType { index, reason });
        }
        let bytes = payload_len(&e.payload);
        if bytes > MAX_PAYLOAD_BYTES {
            return Err(InvalidAppend::PayloadTooLarge { index, bytes });
        }
        // Payloads are hashed into the audit tree in a canonical form that
        // has no float formatting to disagree on; registre's events carry
        // integers only (amounts in francs CFA, quorum as a fraction).
        if has_fraction(&e.payload) {
            return Err(InvalidAppend::FractionalNumber { index });
        }
        total += bytes;
        if !ids.insert(e.id) {
            return Err(InvalidAppend::DuplicateEventIdInAppend { id: e.id });
        }
    }
    if total > MAX_APPEND_BYTES {
        return Err(InvalidAppend::AppendTooLarge { bytes: total });
    }
    Ok(())
}

fn check_event_type(t: &str) -> Result<(), &'static str> {
    if t.is_empty() || t.len() > MAX_EVENT_TYPE_LEN {
        return Err("empty or longer than 100 bytes");
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        return Err("only ASCII letters, digits, _ and . are allowed");
    }
    Ok(())
}

fn has_fraction(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => !(n.is_i64() || n.is_u64()),
        serde_json::Value::Array(a) => a.iter().any(has_fraction),
        serde_json::Value::Object(o) => o.values().any(has_fraction),
        _ => false,
    }
}

/// Serialized length of a payload, counted without allocating it.
fn payload_len(v: &serde_json::Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Counter(0);
    // Writing a Value to an infallible writer cannot fail.
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Reads a stored payload's JSON text for a fold
/// ([`EventStore::read_all_decoded`]): the domain event it holds, parsed
/// straight from the text, or `None` for an event type outside the domain.
pub(crate) fn decode_payload_text(
    event_type: &str,
    schema_version: u16,
    text: &str,
) -> Result<Option<registre_schema::DomainEvent>, String> {
    registre_schema::DomainEvent::decode_str_if_domain(event_type, schema_version, text)
        .map_err(|e| e.to_string())
}

/// The interface every backend implements.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends all events of the request to its stream, or none.
    ///
    /// Returns only once the events are durable. A request whose command id
    /// is already recorded writes nothing and returns the first outcome with
    /// `deduplicated: true`.
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError>;

    /// Events of one stream from revision `from` on, at most `limit`.
    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Events of the global log from position `from` on, at most `limit`.
    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Like [`read_all`](EventStore::read_all), with each domain event's
    /// payload decoded: what a fold of the whole log reads.
    ///
    /// Backends that store payloads as JSON text override this to parse
    /// the text straight into the domain event; the default decodes the
    /// `Value` that `read_all` built. A payload that cannot be decoded is
    /// [`StoreError::Corrupt`].
    async fn read_all_decoded(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        self.read_all(from, limit)
            .await?
            .into_iter()
            .map(|e| {
                let (position, event_type) = (e.position, e.event_type.clone());
                e.decoded().map_err(|err| StoreError::Corrupt {
                    position,
                    event_type,
                    reason: err.to_string(),
                })
            })
            .collect()
    }

    /// Events of the global log from position `from` on whose stream is of
    /// `category` (the part of the stream id before the first `-`), at
    /// most `limit`, with the position to read from next: every event of
    /// the category before `next` has been returned. `next == from` means
    /// nothing more is committed yet.
    ///
    /// Backends that can find a category without reading the other
    /// events override this; the default reads everything and keeps the
    /// category's events, which is correct but no faster.
    async fn read_category(
        &self,
        category: &str,
        from: Position,
        limit: usize,
    ) -> Result<CategoryBatch, StoreError> {
        let batch = self.read_all(from, limit).await?;
        let next = batch.last().map_or(from, |e| e.position + 1);
        Ok(CategoryBatch {
            events: batch
                .into_iter()
                .filter(|e| e.stream_id.category() == category)
                .collect(),
            next,
        })
    }

    /// Position of the last committed event (0 for an empty log).
    async fn head(&self) -> Result<Position, StoreError>;

    /// Wakes whoever waits for new events. Its value is a lower bound of
    /// the head; readers must read the log itself, never trust this value
    /// to hold every event.
    fn watch_head(&self) -> watch::Receiver<Position>;

    /// A description fit for logs (no password).
    fn describe(&self) -> String;

    /// Checks the store's own index of streams against its log, for
    /// `registre verify`: an index kept apart from the log, as the
    /// embedded store's `stream_index` table, can be edited apart from it,
    /// and streams are read (and revisions checked) through it. `None`
    /// when the backend keeps no such index: PostgreSQL's and an older
    /// embedded store's are indexes of the events table itself, which the
    /// database maintains, and KurrentDB's is the server's.
    async fn check_stream_index(&self) -> Result<Option<StreamIndexCheck>, StoreError> {
        Ok(None)
    }

    /// Appends events another store recorded, keeping their positions,
    /// ids, revisions, times, actors and command ids (`registre copy`):
    /// all or none, and only if they continue this log exactly (see
    /// [`import`]). Returns the head after the import. Plain appends are
    /// the only other way in; a backend that assigns positions itself
    /// cannot keep them and refuses.
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Position, StoreError> {
        let _ = events;
        Err(ImportRefused::Unsupported(self.describe()).into())
    }
}

/// URL schemes of KurrentDB connection strings.
const KURRENTDB_SCHEMES: [&str; 4] = [
    "kurrentdb://",
    "kurrentdb+discover://",
    "esdb://",
    "esdb+discover://",
];

/// Opens the store a URL names: `sqlite:PATH` (the default backend),
/// `postgres://USER@HOST:PORT/DATABASE[?schema=NAME]` (also `postgresql://`),
/// or a KurrentDB connection string (`kurrentdb://…`, `esdb://…`) in a build
/// with the `kurrentdb` feature.
pub async fn open(url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        return Ok(Arc::new(sqlite::SqliteStore::open(path).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(postgres::PostgresStore::open(url).await?));
    }
    if KURRENTDB_SCHEMES.iter().any(|s| url.starts_with(s)) {
        return open_kurrentdb(url).await;
    }
    Err(StoreError::Format(format!(
        "unsupported store URL {:?}: expected sqlite:PATH, postgres://… or kurrentdb://…",
        redact_url(url)
    )))
}

/// Opens the existing store a URL names to read it only. The embedded
/// store opens without its writer, and reads on read-only media
/// (`SqliteStore::open_read_only`); the other backends open as [`open`]
/// does.
pub async fn open_read_only(url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        return Ok(Arc::new(sqlite::SqliteStore::open_read_only(path).await?));
    }
    open(url).await
}

#[cfg(feature = "kurrentdb")]
async fn open_kurrentdb(url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    Ok(Arc::new(
        self::kurrentdb::KurrentDbStore::connect(url).await?,
    ))
}

#[cfg(not(feature = "kurrentdb"))]
async fn open_kurrentdb(url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    Err(StoreError::Format(format!(
        "{:?} names a KurrentDB store, but this registre was built without the `kurrentdb` \
         feature: rebuild with `cargo build --features kurrentdb`",
        redact_url(url)
    )))
}

/// A URL without its password, for logs and error messages: the one
/// before `@` and the one a `password=` query parameter gives (the
/// PostgreSQL driver reads both).
pub fn redact_url(url: &str) -> String {
    let url = &redact_password_parameter(url);
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***{}", &url[..scheme_end], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn redact_password_parameter(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<&str> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***",
            _ => pair,
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_states_accept_what_they_say() {
        use ExpectedState::*;
        assert!(Any.accepts(None) && Any.accepts(Some(3)));
        assert!(NoStream.accepts(None) && !NoStream.accepts(Some(0)));
        assert!(!StreamExists.accepts(None) && StreamExists.accepts(Some(0)));
        assert!(Exact(2).accepts(Some(2)) && !Exact(2).accepts(Some(1)) && !Exact(0).accepts(None));
        assert_eq!(ExpectedState::of(None), NoStream);
        assert_eq!(ExpectedState::of(Some(4)), Exact(4));
    }

    #[cfg(not(feature = "kurrentdb"))]
    #[tokio::test]
    async fn a_kurrentdb_url_without_the_feature_names_the_feature() {
        for url in [
            "kurrentdb://admin:s3cret@db:2113",
            "esdb://db:2113?tls=false",
        ] {
            let err = open(url).await.err().expect("refused");
            let msg = err.to_string();
            assert!(matches!(err, StoreError::Format(_)), "{msg}");
            assert!(msg.contains("`kurrentdb` feature"), "{msg}");
            assert!(!msg.contains("s3cret"), "{msg}");
        }
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://reg:s3cret@db:5432/registre"),
            "postgres://reg:***@db:5432/registre"
        );
        assert_eq!(redact_url("sqlite:./registre.db"), "sqlite:./registre.db");
        assert_eq!(
            redact_url("postgres://reg@db/registre?sslmode=require&password=s3cr@t&schema=x"),
            "postgres://reg:***@db/registre?sslmode=require&password=***&schema=x"
        );
    }
}
