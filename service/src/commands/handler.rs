//! The command handler.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use registre_domain::access::AccessToken;
use registre_domain::account::Account;
use registre_domain::body::Body;
use registre_domain::correction::Correction;
use registre_domain::dues::DuesSchedules;
use registre_domain::member::{Member, MemberCommand};
use registre_domain::minutes::Minutes;
use registre_domain::session::Session;
use registre_domain::statutes::StatutesBook;
use registre_domain::territory::Territory;
use registre_domain::{Aggregate, Context};
use registre_schema::{CommandMeta, EventData, LogEvent, RecordedEvent, Revision, StreamId};
use uuid::Uuid;

use super::plan::{Plan, plan};
use super::view::{CommandSpan, View};
use super::{Appended, Command, CommandError, MAX_ATTEMPTS, Outcome};
use crate::store::{
    AppendRequest, EventStore, ExpectedState, MAX_EVENTS_PER_APPEND, MAX_READ_BATCH, StoreError,
};

/// Aggregate states kept in memory, by stream.
const CACHE_CAPACITY: usize = 20_000;

struct Cached {
    revision: Option<Revision>,
    state: Box<dyn Any + Send>,
}

/// Handles commands against one store. Share it (`Arc`) between tasks.
pub struct CommandHandler {
    store: Arc<dyn EventStore>,
    view: tokio::sync::Mutex<Caught>,
    /// Numbers the view's catch-ups in the order they start reading.
    catch_ups: AtomicU64,
    cache: Mutex<HashMap<StreamId, Cached>>,
}

/// The view and how fresh it is.
#[derive(Default)]
struct Caught {
    view: View,
    /// Number of the last catch-up that read the log to its end: the view
    /// holds every event committed before that catch-up started.
    fresh_as_of: u64,
}

/// Decodes a stored event of an aggregate's family; a failure means the
/// log holds what this build cannot read.
fn decode<E: LogEvent>(e: &RecordedEvent) -> Result<E, StoreError> {
    E::decode_ref(&e.event_type, e.schema_version, &e.payload).map_err(|err| StoreError::Corrupt {
        position: e.position,
        event_type: e.event_type.clone(),
        reason: err.to_string(),
    })
}

impl CommandHandler {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        CommandHandler {
            store,
            view: tokio::sync::Mutex::new(Caught::default()),
            catch_ups: AtomicU64::new(0),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Handles one command: `occurred_at` is when it happened in the world.
    pub async fn handle(
        &self,
        meta: CommandMeta,
        occurred_at: DateTime<Utc>,
        command: impl Into<Command>,
    ) -> Result<Outcome, CommandError> {
        let command = command.into();
        let now = Utc::now();
        let Plan {
            stream_id,
            context: ctx,
            first_call,
        } = self
            .with_view(|v| plan(v, &meta, occurred_at, now, &command))
            .await??;
        if let Some(span) = first_call {
            return self.first_call(stream_id, meta.command_id, span).await;
        }
        let (s, m, ctx) = (stream_id, &meta, &ctx);
        match &command {
            Command::Territory(c) => self.execute::<Territory>(s, m, ctx, c).await,
            Command::Member(c @ MemberCommand::Succeed { .. }) => self.succeed(s, m, ctx, c).await,
            Command::Member(c) => self.execute::<Member>(s, m, ctx, c).await,
            Command::Dues(c) => self.execute::<DuesSchedules>(s, m, ctx, c).await,
            Command::Statutes(c) => self.execute::<StatutesBook>(s, m, ctx, c).await,
            Command::Body(c) => self.execute::<Body>(s, m, ctx, c).await,
            Command::Session(c) => self.execute::<Session>(s, m, ctx, c).await,
            Command::Minutes(c) => self.execute::<Minutes>(s, m, ctx, c).await,
            Command::Correction(c) => self.execute::<Correction>(s, m, ctx, c).await,
            Command::Access(c) => self.execute::<AccessToken>(s, m, ctx, c).await,
            Command::Account(c) => self.execute::<Account>(s, m, ctx, c).await,
        }
    }

    /// The outcome of a command id already in the log: its events, read
    /// from the run of positions its append took (one append is one dense
    /// run), never by scanning a stream.
    async fn first_call(
        &self,
        stream_id: StreamId,
        command_id: Uuid,
        span: CommandSpan,
    ) -> Result<Outcome, CommandError> {
        // An append holds at most MAX_EVENTS_PER_APPEND events.
        let count = usize::try_from(span.last.saturating_sub(span.first) + 1)
            .map_or(MAX_EVENTS_PER_APPEND, |n| n.min(MAX_EVENTS_PER_APPEND));
        let events = self.store.read_all(span.first, count).await?;
        Ok(Outcome {
            stream_id,
            already_applied: true,
            events: events
                .into_iter()
                .filter(|e| e.command_id == command_id)
                .map(|e| Appended {
                    position: e.position,
                    id: e.id,
                    event_type: e.event_type,
                })
                .collect(),
        })
    }

    /// Brings the view up to date and runs `f` on it.
    ///
    /// Up to date means: it holds every event committed before this call
    /// started. Callers queue on one lock; a catch-up that started reading
    /// after a caller arrived already serves it, so under load one read of
    /// the log serves every caller that was waiting, instead of each
    /// reading (and decoding) the others' new events again.
    pub async fn with_view<T>(&self, f: impl FnOnce(&View) -> T) -> Result<T, CommandError> {
        let arrived = self.catch_ups.load(Ordering::SeqCst);
        let mut caught = self.view.lock().await;
        if caught.fresh_as_of <= arrived {
            let number = self.catch_ups.fetch_add(1, Ordering::SeqCst) + 1;
            let view = &mut caught.view;
            loop {
                let batch = self
                    .store
                    .read_all_decoded(view.position + 1, MAX_READ_BATCH)
                    .await?;
                for e in &batch {
                    match &e.payload {
                        Some(event) => view.apply(e, event),
                        // The log also holds events outside the governance
                        // domain (access tokens): the view learns only
                        // which command appended them.
                        None => view.note(e),
                    }
                }
                if batch.len() < MAX_READ_BATCH {
                    break;
                }
            }
            caught.fresh_as_of = number;
        }
        Ok(f(&caught.view))
    }

    /// An aggregate's current state (for commands that span two streams).
    pub(crate) async fn load_state<A>(
        &self,
        stream: &StreamId,
    ) -> Result<(A::State, Option<Revision>), CommandError>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let (state, revision, _) = self.load::<A>(stream, true).await?;
        Ok((state, revision))
    }

    /// Loads an aggregate's state: from the cache alone unless `verify`
    /// (the third value says whether the stream was read), else from the
    /// cache and the stream's new events.
    ///
    /// A cached state may be stale when another process appended to the
    /// stream; an append decided on it carries the cached revision, so the
    /// store refuses it and the command is decided again on a read state.
    async fn load<A>(
        &self,
        stream: &StreamId,
        verify: bool,
    ) -> Result<(A::State, Option<Revision>, bool), CommandError>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let cached = {
            let cache = self.cache.lock().expect("cache lock");
            cache.get(stream).and_then(|c| {
                c.state
                    .downcast_ref::<A::State>()
                    .map(|s| (s.clone(), c.revision))
            })
        };
        if !verify && let Some((state, revision)) = cached {
            return Ok((state, revision, false));
        }
        let (mut state, mut revision) = cached.unwrap_or_default();
        loop {
            let from = revision.map_or(0, |r| r + 1);
            let batch = self.store.read_stream(stream, from, MAX_READ_BATCH).await?;
            for e in &batch {
                state = A::evolve(state, &decode(e)?);
                revision = Some(e.revision);
            }
            if batch.len() < MAX_READ_BATCH {
                break;
            }
        }
        Ok((state, revision, true))
    }

    fn remember<A>(&self, stream: &StreamId, state: A::State, revision: Option<Revision>)
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let mut cache = self.cache.lock().expect("cache lock");
        // Tasks finish out of order: never replace a later state.
        if let Some(c) = cache.get(stream)
            && c.revision > revision
        {
            return;
        }
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(stream) {
            // Crude but bounded: states are cheap to refold from the store.
            cache.clear();
        }
        cache.insert(
            stream.clone(),
            Cached {
                revision,
                state: Box::new(state),
            },
        );
    }

    /// Load, decide, append; on a conflict, reload and decide again.
    pub(crate) async fn execute<A>(
        &self,
        stream: StreamId,
        meta: &CommandMeta,
        ctx: &Context,
        command: &A::Command,
    ) -> Result<Outcome, CommandError>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        self.execute_events::<A>(stream, meta, ctx, |state| A::decide(state, command, ctx))
            .await
    }

    /// Like [`execute`](Self::execute) with any decision over the state.
    pub(crate) async fn execute_events<A>(
        &self,
        stream: StreamId,
        meta: &CommandMeta,
        ctx: &Context,
        decide: impl Fn(&A::State) -> Result<Vec<A::Event>, registre_domain::DomainError>,
    ) -> Result<Outcome, CommandError>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let mut conflicts = 0;
        let mut verify = false;
        while conflicts < MAX_ATTEMPTS {
            let (state, revision, read) = self.load::<A>(&stream, verify).await?;
            let events = match decide(&state) {
                Ok(events) if !events.is_empty() => events,
                // A refusal or a no-op must rest on the stream as it is,
                // not on a cached state another process may have outdated.
                _ if !read => {
                    verify = true;
                    continue;
                }
                Err(e) => return Err(e.into()),
                Ok(_) => {
                    self.remember::<A>(&stream, state, revision);
                    return Ok(Outcome {
                        stream_id: stream,
                        already_applied: false,
                        events: Vec::new(),
                    });
                }
            };
            let data: Vec<EventData> = events
                .iter()
                .map(|e| {
                    EventData::new(
                        e.event_type(),
                        e.schema_version(),
                        ctx.occurred_at,
                        e.to_payload(),
                    )
                })
                .collect();
            let ids: Vec<Uuid> = data.iter().map(|d| d.id).collect();
            let request = AppendRequest {
                stream_id: stream.clone(),
                expected: ExpectedState::of(revision),
                meta: meta.clone(),
                events: data,
            };
            match self.store.append(request).await {
                Ok(outcome) if outcome.deduplicated => {
                    let span = CommandSpan {
                        first: outcome.first_position,
                        last: outcome.last_position,
                    };
                    return self.first_call(stream, meta.command_id, span).await;
                }
                Ok(outcome) => {
                    let next = events.iter().fold(state, |s, e| A::evolve(s, e));
                    self.remember::<A>(&stream, next, Some(outcome.last_revision));
                    return Ok(Outcome {
                        stream_id: stream,
                        already_applied: false,
                        events: (outcome.first_position..)
                            .zip(events.iter().zip(&ids))
                            .map(|(position, (e, id))| Appended {
                                position,
                                id: *id,
                                event_type: e.event_type().to_owned(),
                            })
                            .collect(),
                    });
                }
                Err(StoreError::WrongExpectedVersion { .. }) => {
                    // A stale cache is not a race lost: only conflicts on
                    // a state just read count against the bound.
                    if read {
                        conflicts += 1;
                    }
                    verify = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Conflict {
            stream_id: stream,
            attempts: MAX_ATTEMPTS,
        })
    }
}
