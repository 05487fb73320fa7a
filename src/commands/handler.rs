//! The command handler.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use registre_domain::{Aggregate, Context, DomainEvent};
use registre_schema::{CommandMeta, EventData, RecordedEvent, Revision, StreamId};

use super::view::View;
use super::{Command, CommandError, MAX_ATTEMPTS, Outcome};
use crate::store::{AppendRequest, EventStore, ExpectedState, MAX_READ_BATCH, StoreError};

/// Aggregate states kept in memory, by stream.
const CACHE_CAPACITY: usize = 20_000;

struct Cached {
    revision: Option<Revision>,
    state: Box<dyn Any + Send>,
}

/// Handles commands against one store. Share it (`Arc`) between tasks.
pub struct CommandHandler {
    store: Arc<dyn EventStore>,
    view: tokio::sync::Mutex<View>,
    cache: Mutex<HashMap<StreamId, Cached>>,
}

/// Decodes a stored event; a failure means the log holds what this build
/// cannot read.
pub(crate) fn decode(e: &RecordedEvent) -> Result<DomainEvent, StoreError> {
    DomainEvent::decode(&e.event_type, e.schema_version, e.payload.clone()).map_err(|err| {
        StoreError::Corrupt {
            position: e.position,
            event_type: e.event_type.clone(),
            reason: err.to_string(),
        }
    })
}

impl CommandHandler {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        CommandHandler {
            store,
            view: tokio::sync::Mutex::new(View::default()),
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
        super::routes::dispatch(self, meta, occurred_at, command.into()).await
    }

    /// Brings the view up to date and runs `f` on it.
    pub async fn with_view<T>(&self, f: impl FnOnce(&View) -> T) -> Result<T, CommandError> {
        let mut view = self.view.lock().await;
        loop {
            let batch = self
                .store
                .read_all(view.position + 1, MAX_READ_BATCH)
                .await?;
            for e in &batch {
                // The log also holds events that are not the domain's
                // (access tokens): they decide nothing, skip them.
                if !DomainEvent::is_domain_type(&e.event_type) {
                    view.position = e.position;
                    continue;
                }
                let event = decode(e)?;
                view.apply(e, &event);
            }
            if batch.len() < MAX_READ_BATCH {
                break;
            }
        }
        Ok(f(&view))
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
        self.load::<A>(stream).await
    }

    /// Loads an aggregate's state from the cache and the stream's new events.
    async fn load<A>(&self, stream: &StreamId) -> Result<(A::State, Option<Revision>), CommandError>
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
        Ok((state, revision))
    }

    fn remember<A>(&self, stream: &StreamId, state: A::State, revision: Option<Revision>)
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let mut cache = self.cache.lock().expect("cache lock");
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
        decide: impl Fn(&A::State) -> Result<Vec<DomainEvent>, registre_domain::DomainError>,
    ) -> Result<Outcome, CommandError>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        for _ in 0..MAX_ATTEMPTS {
            let (state, revision) = self.load::<A>(&stream).await?;
            let events = decide(&state)?;
            if events.is_empty() {
                self.remember::<A>(&stream, state, revision);
                return Ok(Outcome {
                    stream_id: stream,
                    appended: 0,
                    last_position: None,
                    already_applied: false,
                });
            }
            let data = events
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
            let request = AppendRequest {
                stream_id: stream.clone(),
                expected: ExpectedState::of(revision),
                meta: meta.clone(),
                events: data,
            };
            match self.store.append(request).await {
                Ok(outcome) => {
                    if !outcome.deduplicated {
                        let next = events.iter().fold(state, |s, e| A::evolve(s, e));
                        self.remember::<A>(&stream, next, Some(outcome.last_revision));
                    }
                    return Ok(Outcome {
                        stream_id: stream,
                        appended: if outcome.deduplicated {
                            0
                        } else {
                            events.len()
                        },
                        last_position: Some(outcome.last_position),
                        already_applied: outcome.deduplicated,
                    });
                }
                Err(StoreError::WrongExpectedVersion { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Conflict {
            stream_id: stream,
            attempts: MAX_ATTEMPTS,
        })
    }
}
