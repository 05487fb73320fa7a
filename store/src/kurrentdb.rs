//! The KurrentDB store (formerly EventStoreDB), behind the cargo feature
//! `kurrentdb`: registre's log kept in a KurrentDB server or cluster.
//!
//! ## Mapping
//! - A registre stream `commune-…` is the KurrentDB stream
//!   `registre-commune-…` (the prefix is configurable, so one server can
//!   hold several logs, and never starts with `$`: no registre name can
//!   reach a KurrentDB system stream).
//! - Expected states map one to one: Any, NoStream, StreamExists and
//!   `Exact(n)` = `StreamRevision(n)`; a refusal is KurrentDB's
//!   `WrongExpectedVersion`, whose current revision becomes `actual`.
//! - registre's event id is KurrentDB's event id, the event type its type,
//!   the payload its JSON data. The other envelope fields (schema version,
//!   occurred_at to the microsecond, actor, command, correlation and
//!   causation ids, and the append's size) are in the event's custom
//!   metadata, correlation and causation under KurrentDB's conventional
//!   `$correlationId` and `$causationId`.
//! - `recorded_at` is KurrentDB's creation time, to the microsecond, made
//!   never to decrease along the log and shared by an append's events (as
//!   on every backend).
//!
//! ## The global order
//! KurrentDB's `$all` is one sequential log, but its positions are byte
//! offsets (commit, prepare), while registre's are 1, 2, 3… with no gap.
//! registre's position `n` is the `n`-th event of `$all` filtered to the
//! prefix: a [`LogIndex`] in memory maps each to its `$all` position. At
//! start the store reads the filtered `$all` once to build the index, then
//! a catch-up subscription to the filtered `$all` extends it as events are
//! committed, by any writer, and wakes readers. `read_all(from)` seeks to
//! the `$all` position of `from - 1` and reads on. Since positions are
//! counted from the log itself, every registre instance on one server
//! computes the same ones, and a reader never sees `n + 1` before `n`
//! (this relies on `$all` being read in log order on the leader, which
//! KurrentDB guarantees).
//!
//! Limits of this design, stated plainly:
//! - Memory and start-up grow with the log: some 100 bytes per event in
//!   the index, and one full read of registre's events at start
//!   (a million events: about 100 MB and one long read).
//! - Positions stay stable only if no registre event is ever removed:
//!   never delete, truncate (`$tb`, `$maxAge`, `$maxCount`) or scavenge
//!   a registre stream. registre never does; an operator must not either.
//!   A read that finds the log changed under it reports corruption.
//! - `head()` and reads show what this instance's subscription has
//!   indexed: an event another instance has just appended may appear a
//!   few milliseconds later. An instance's own append is acknowledged only
//!   once indexed, so it reads its own writes.
//!
//! ## Retries
//! An append whose command id is already recorded returns the first
//! outcome with `deduplicated: true`. The command id is looked up in the
//! index (every command this instance has seen), then, if the index may
//! lag (a retry sent to another instance), in the last events of the
//! target stream. With `NoStream` or an exact revision, a retry of an
//! append that succeeded always fails KurrentDB's check, and registre then
//! finds the earlier append: that is guaranteed. With `Any` or
//! `StreamExists`, two attempts of one command sent at the same instant to
//! two instances can both be written (KurrentDB's own deduplication by
//! event id catches it only when the event ids are the same and within its
//! idempotency window); the index then keeps the first as the command's
//! outcome. When KurrentDB itself recognises a retry (same event ids,
//! same expected revision, within its idempotency window) before this
//! instance has indexed the first attempt, the outcome is the first one
//! but reads `deduplicated: false`.
//!
//! An append's events are delivered one by one by the subscription; each
//! event's metadata says how many events its append holds, so an append is
//! acknowledged (and a retry answered) only once all of them are indexed.
//!
//! An event id already in the log is refused (`EventIdExists`) by looking
//! it up in the index; KurrentDB itself does not enforce unique ids.
//!
//! ## Layout
//! - this file: connecting, the indexing subscription, the [`EventStore`]
//!   implementation (all the I/O).
//! - [`mapping`]: names, expected states, metadata and errors: pure.
//! - [`index`]: the position index: pure.

pub mod index;
pub mod mapping;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use ::kurrentdb as kdb;
use async_trait::async_trait;
use registre_schema::{Position, RecordedEvent, Revision, StreamId};
use tokio::sync::watch;
use uuid::Uuid;

use self::index::{CommandRecord, LogIndex, Place, Seek, Seen, SeenCommand};
use self::mapping::{
    DEFAULT_PREFIX, RawEvent, backend_error, command_of, created_micros, decode_event,
    encode_event, error_kind, store_error, stream_id_of, stream_name, stream_state,
    validate_prefix,
};
use super::{
    AppendOutcome, AppendRequest, EventStore, ExpectedState, InvalidAppend, MAX_READ_BATCH,
    StoreError, redact_url, validate,
};

/// Events read per round trip while building the index.
const LOAD_BATCH: usize = 4096;
/// Most events of a stream's tail searched for a retried command.
const TAIL_SCAN: usize = 256;
/// How long an append waits for its events to come back through the
/// subscription before saying so.
const INDEX_WAIT: Duration = Duration::from_secs(30);
/// Pause before resubscribing after the subscription dropped.
const RESUBSCRIBE_DELAY: Duration = Duration::from_secs(1);

/// See the module documentation.
pub struct KurrentDbStore {
    client: kdb::Client,
    prefix: String,
    described: String,
    index: Arc<RwLock<LogIndex>>,
    head: watch::Receiver<Position>,
    indexer: tokio::task::JoinHandle<()>,
}

impl Drop for KurrentDbStore {
    fn drop(&mut self) {
        self.indexer.abort();
    }
}

/// rustls finds several crypto providers in this build (the KurrentDB
/// client's and its HTTP client's) and would refuse to pick one: pick
/// aws-lc-rs, the gRPC stack's, once per process.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means a provider is already installed: keep it.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

impl KurrentDbStore {
    /// Connects to the server a connection string names
    /// (`kurrentdb://`, `kurrentdb+discover://`, `esdb://`…) with the
    /// default stream prefix `registre-`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_prefix(url, DEFAULT_PREFIX).await
    }

    /// Connects, keeping registre's streams under `prefix`.
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        validate_prefix(prefix)?;
        install_crypto_provider();
        let described = redact_url(url);
        let settings: kdb::ClientSettings =
            url.parse().map_err(|e: kdb::ClientSettingsParseError| {
                // The client's message quotes the whole connection string.
                let why = scrub(&e.to_string(), url);
                StoreError::Format(format!(
                    "invalid KurrentDB connection string {described:?}: {why}"
                ))
            })?;
        let client = kdb::Client::new(settings).map_err(|_| {
            StoreError::Backend(format!("cannot create a KurrentDB client for {described}"))
        })?;
        let mut index = LogIndex::new();
        load(&client, prefix, &mut index).await?;
        let (head_tx, head) = watch::channel(index.head());
        let index = Arc::new(RwLock::new(index));
        let indexer = tokio::spawn(follow(
            client.clone(),
            prefix.to_owned(),
            index.clone(),
            head_tx,
        ));
        Ok(KurrentDbStore {
            client,
            prefix: prefix.to_owned(),
            described,
            index,
            head,
            indexer,
        })
    }

    fn index(&self) -> std::sync::RwLockReadGuard<'_, LogIndex> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the subscription has indexed every event of a command.
    async fn wait_for_command(&self, command_id: Uuid) -> Result<CommandRecord, StoreError> {
        let mut head = self.head.clone();
        let deadline = tokio::time::Instant::now() + INDEX_WAIT;
        loop {
            head.borrow_and_update();
            if let Some(record) = self.index().command(&command_id) {
                return Ok(record.clone());
            }
            match tokio::time::timeout_at(deadline, head.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    return Err(StoreError::Unavailable("the store was closed".into()));
                }
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        "KurrentDB accepted the append but its subscription has not delivered \
                         it yet; retry with the same command id"
                            .into(),
                    ));
                }
            }
        }
    }

    /// Whether the last events of the stream hold this command.
    async fn command_in_tail(&self, name: &str, command_id: Uuid) -> Result<bool, StoreError> {
        let options = kdb::ReadStreamOptions::default()
            .backwards()
            .position(kdb::StreamPosition::End)
            .max_count(TAIL_SCAN)
            .requires_leader(true);
        let mut events = match self.client.read_stream(name, &options).await {
            Ok(s) => s,
            Err(kdb::Error::ResourceNotFound) => return Ok(false),
            Err(e) => return Err(backend_error(&e)),
        };
        loop {
            match events.next().await {
                Ok(Some(e)) => {
                    let Some(e) = e.event else { continue };
                    if command_of(&e.custom_metadata).is_some_and(|(c, _)| c == command_id) {
                        return Ok(true);
                    }
                }
                Ok(None) | Err(kdb::Error::ResourceNotFound) => return Ok(false),
                Err(e) => return Err(backend_error(&e)),
            }
        }
    }

    /// The first outcome of an earlier append of this command, if any:
    /// from the index, then, with `scan_tail`, from the stream's last
    /// events (for a command another instance wrote and this one has not
    /// indexed yet).
    async fn earlier(
        &self,
        req: &AppendRequest,
        name: &str,
        scan_tail: bool,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        let command_id = req.meta.command_id;
        let known = self.index().command(&command_id).cloned();
        let record = match known {
            Some(r) => r,
            None if scan_tail && self.command_in_tail(name, command_id).await? => {
                self.wait_for_command(command_id).await?
            }
            None => return Ok(None),
        };
        Ok(Some(outcome(record, true)))
    }

    fn decode(
        &self,
        e: &kdb::RecordedEvent,
        position: Position,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<RecordedEvent, StoreError> {
        decode_event(&self.prefix, raw(e), position, recorded_at)
    }

    fn filter(&self) -> kdb::SubscriptionFilter {
        filter(&self.prefix)
    }
}

/// A message without the connection string's password.
fn scrub(message: &str, url: &str) -> String {
    let mut out = message.replace(url, &redact_url(url));
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|p| !p.is_empty());
    if let Some(password) = password {
        out = out.replace(password, "***");
    }
    out
}

fn outcome(r: CommandRecord, deduplicated: bool) -> AppendOutcome {
    AppendOutcome {
        stream_id: r.stream_id,
        first_position: r.first_position,
        last_position: r.last_position,
        last_revision: r.last_revision,
        recorded_at: r.recorded_at,
        deduplicated,
    }
}

fn raw(e: &kdb::RecordedEvent) -> RawEvent<'_> {
    RawEvent {
        stream_name: e.stream_id(),
        revision: e.revision,
        id: e.id,
        event_type: &e.event_type,
        data: &e.data,
        custom_metadata: &e.custom_metadata,
    }
}

fn filter(prefix: &str) -> kdb::SubscriptionFilter {
    kdb::SubscriptionFilter::on_stream_name().add_prefix(prefix)
}

/// What the index keeps of an event of `$all`.
fn seen(prefix: &str, e: &kdb::RecordedEvent) -> Seen {
    let command = command_of(&e.custom_metadata)
        .zip(stream_id_of(prefix, e.stream_id()))
        .map(|((id, append_size), stream_id)| SeenCommand {
            id,
            stream_id,
            append_size,
        });
    Seen {
        at: e.position,
        event_id: e.id,
        command,
        revision: e.revision,
        created_micros: created_micros(&e.metadata).unwrap_or_else(|| e.created.timestamp_micros()),
    }
}

/// Reads registre's events of `$all` into the index.
async fn load(client: &kdb::Client, prefix: &str, index: &mut LogIndex) -> Result<(), StoreError> {
    loop {
        let from = index
            .last_at()
            .map_or(kdb::StreamPosition::Start, kdb::StreamPosition::Position);
        let options = kdb::ReadAllOptions::default()
            .forwards()
            .position(from)
            .filter(filter(prefix))
            .max_count(LOAD_BATCH)
            .requires_leader(true);
        let mut events = client
            .read_all(&options)
            .await
            .map_err(|e| backend_error(&e))?;
        let mut added = 0;
        while let Some(e) = events.next().await.map_err(|e| backend_error(&e))? {
            if let Some(e) = &e.event
                && e.stream_id().starts_with(prefix)
                && index.push(seen(prefix, e)).is_some()
            {
                added += 1;
            }
        }
        if added == 0 {
            return Ok(());
        }
    }
}

/// The catch-up subscription that extends the index, for the store's life.
async fn follow(
    client: kdb::Client,
    prefix: String,
    index: Arc<RwLock<LogIndex>>,
    head: watch::Sender<Position>,
) {
    loop {
        let from = index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .last_at()
            .map_or(kdb::StreamPosition::Start, kdb::StreamPosition::Position);
        let options = kdb::SubscribeToAllOptions::default()
            .position(from)
            .filter(filter(&prefix));
        let mut subscription = client.subscribe_to_all(&options).await;
        loop {
            match subscription.next_subscription_event().await {
                Ok(kdb::SubscriptionEvent::EventAppeared(e)) => {
                    let Some(e) = &e.event else { continue };
                    if !e.stream_id().starts_with(&prefix) {
                        continue;
                    }
                    let pushed = index
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(seen(&prefix, e));
                    if let Some(p) = pushed {
                        head.send_replace(p);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(
                        error = %error_kind(&e),
                        "the KurrentDB subscription dropped; resubscribing"
                    );
                    break;
                }
            }
        }
        tokio::time::sleep(RESUBSCRIBE_DELAY).await;
    }
}

#[async_trait]
impl EventStore for KurrentDbStore {
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        validate(&req)?;
        let name = stream_name(&self.prefix, &req.stream_id)?;
        // A retry of an append that succeeded fails KurrentDB's check when
        // it expects no stream or an exact revision, and is looked for
        // then; with the other expectations, look before writing.
        let scan_tail = matches!(
            req.expected,
            ExpectedState::Any | ExpectedState::StreamExists
        );
        if let Some(earlier) = self.earlier(&req, &name, scan_tail).await? {
            return Ok(earlier);
        }
        {
            let index = self.index();
            if let Some(e) = req.events.iter().find(|e| index.contains_event(&e.id)) {
                return Err(InvalidAppend::EventIdExists { id: e.id }.into());
            }
        }
        let events = req
            .events
            .iter()
            // `validate` caps an append far below u32::MAX events.
            .map(|e| encode_event(e, &req.meta, req.events.len() as u32))
            .collect::<Result<Vec<_>, _>>()?;
        let options =
            kdb::AppendToStreamOptions::default().stream_state(stream_state(req.expected));
        match self
            .client
            .append_to_stream(name.as_str(), &options, events)
            .await
        {
            Ok(_) => {}
            Err(e @ kdb::Error::WrongExpectedVersion { .. }) => {
                if let Some(earlier) = self.earlier(&req, &name, true).await? {
                    return Ok(earlier);
                }
                return Err(store_error(&e, &req.stream_id, req.expected));
            }
            Err(e) => return Err(store_error(&e, &req.stream_id, req.expected)),
        }
        let record = self.wait_for_command(req.meta.command_id).await?;
        Ok(outcome(record, false))
    }

    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let limit = limit.min(MAX_READ_BATCH);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let name = stream_name(&self.prefix, stream_id)?;
        let options = kdb::ReadStreamOptions::default()
            .forwards()
            .position(kdb::StreamPosition::Position(from))
            .max_count(limit)
            .requires_leader(true);
        let mut events = match self.client.read_stream(name.as_str(), &options).await {
            Ok(s) => s,
            Err(kdb::Error::ResourceNotFound) => return Ok(Vec::new()),
            Err(e) => return Err(backend_error(&e)),
        };
        let mut out = Vec::new();
        loop {
            let e = match events.next().await {
                Ok(Some(e)) => e,
                Ok(None) | Err(kdb::Error::ResourceNotFound) => break,
                Err(e) => return Err(backend_error(&e)),
            };
            let Some(e) = &e.event else { continue };
            // An event another instance has just appended and this one has
            // not indexed yet ends the page: the reader comes back for it.
            let Some((position, recorded_at)) = self.index().lookup_event(&e.id) else {
                break;
            };
            out.push(self.decode(e, position, recorded_at)?);
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from = from.max(1);
        let (seek, head) = {
            let index = self.index();
            (index.seek(from), index.head())
        };
        let mut cursor = match seek {
            Seek::Beyond => return Ok(Vec::new()),
            _ if from > head => return Ok(Vec::new()),
            Seek::Start => kdb::StreamPosition::Start,
            Seek::After(at) => kdb::StreamPosition::Position(at),
        };
        let want = (head - from + 1).min(limit.min(MAX_READ_BATCH) as u64) as usize;
        let mut out: Vec<RecordedEvent> = Vec::with_capacity(want);
        while out.len() < want {
            let options = kdb::ReadAllOptions::default()
                .forwards()
                .position(cursor)
                .filter(self.filter())
                .max_count(want - out.len() + 1)
                .requires_leader(true);
            let mut events = self
                .client
                .read_all(&options)
                .await
                .map_err(|e| backend_error(&e))?;
            let mut progressed = false;
            while let Some(e) = events.next().await.map_err(|e| backend_error(&e))? {
                let Some(e) = &e.event else { continue };
                if !e.stream_id().starts_with(&self.prefix) {
                    continue;
                }
                if matches!(cursor, kdb::StreamPosition::Position(c) if e.position <= c) {
                    continue;
                }
                cursor = kdb::StreamPosition::Position(e.position);
                progressed = true;
                let position = from + out.len() as Position;
                let place = self.index().place(e.position, position);
                let recorded_at = match place {
                    Place::Take(recorded_at) => recorded_at,
                    Place::Before => continue,
                    Place::NotIndexedYet => return Ok(out),
                    Place::Missing | Place::Unknown => {
                        return Err(StoreError::Corrupt {
                            position,
                            event_type: e.event_type.clone(),
                            reason: format!(
                                "KurrentDB's $all no longer matches the position index at {} \
                                 ({place:?}): was a registre stream deleted, truncated or \
                                 scavenged?",
                                e.position
                            ),
                        });
                    }
                };
                out.push(self.decode(e, position, recorded_at)?);
                if out.len() == want {
                    break;
                }
            }
            if !progressed {
                break;
            }
        }
        Ok(out)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        Ok(self.index().head())
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }

    fn describe(&self) -> String {
        format!("{} (streams {}*)", self.described, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bad_prefix_is_refused_before_connecting() {
        let err = KurrentDbStore::connect_with_prefix("kurrentdb://localhost:2113", "$all-")
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::Format(_)), "{err}");
        assert!(err.to_string().contains("prefix"), "{err}");
    }

    #[tokio::test]
    async fn a_bad_connection_string_is_refused_without_its_password() {
        for url in [
            "kurrentdb://admin:s3cret@db:2113?tls=maybe",
            "esdb://admin:s3cret@db:2113?nodePreference=nearest",
            // The client quotes this one whole in its error.
            "kurrentdb://admin:s3cret@db1:99999",
        ] {
            let err = crate::open(url).await.err().expect("refused");
            let msg = err.to_string();
            assert!(matches!(err, StoreError::Format(_)), "{msg}");
            assert!(msg.contains("invalid KurrentDB connection string"), "{msg}");
            assert!(!msg.contains("s3cret"), "{msg}");
        }
    }
}
