//! Catch-up-then-live reading, the same for every backend.
//!
//! A subscription never takes events from a side channel: it always reads
//! the log itself, by position, and uses the store's head watch only to
//! know when to read again. So the hand-over from catching up to following
//! live cannot lose or repeat an event: there is only one source.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use registre_schema::{Position, RecordedEvent};

use super::{EventStore, StoreError};

/// Events read per round trip while catching up.
const BATCH: usize = 1000;
/// How often a caught-up subscriber reads the log even if not woken.
const POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// What a subscription yields.
// Nearly every item is an event; boxing them to shrink the rare CaughtUp
// would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Feed<P = serde_json::Value> {
    Event(RecordedEvent<P>),
    /// Sent once, the first time the subscriber has read everything that
    /// was committed: the position it has read up to.
    CaughtUp(Position),
}

struct State<P> {
    store: Arc<dyn EventStore>,
    /// How a batch is read: as stored, or decoded for a fold.
    read: Reader<P>,
    next: Position,
    buffer: VecDeque<RecordedEvent<P>>,
    head: tokio::sync::watch::Receiver<Position>,
    caught_up: bool,
    done: bool,
    /// The next batch, already being read while the consumer works
    /// through this one (catching up, reading and folding overlap).
    ahead: Option<(Position, ReadAhead<P>)>,
}

type Batch<P> = Result<Vec<RecordedEvent<P>>, StoreError>;
type ReadAhead<P> = tokio::task::JoinHandle<Batch<P>>;
type Reader<P> = fn(Arc<dyn EventStore>, Position, usize) -> BoxFuture<'static, Batch<P>>;

impl<P> Drop for State<P> {
    fn drop(&mut self) {
        if let Some((_, task)) = self.ahead.take() {
            task.abort();
        }
    }
}

/// Every event from position `from` on (1 is the first), then every new
/// event as it is committed. Ends after the first error.
pub fn subscribe(
    store: Arc<dyn EventStore>,
    from: Position,
) -> BoxStream<'static, Result<Feed, StoreError>> {
    subscribe_with(store, from, |store, from, limit| {
        Box::pin(async move { store.read_all(from, limit).await })
    })
}

/// Like [`subscribe`], each event's payload decoded for a fold
/// ([`EventStore::read_all_decoded`]): what the projection runner follows.
pub fn subscribe_decoded(
    store: Arc<dyn EventStore>,
    from: Position,
) -> BoxStream<'static, Result<Feed<Option<registre_schema::DomainEvent>>, StoreError>> {
    subscribe_with(store, from, |store, from, limit| {
        Box::pin(async move { store.read_all_decoded(from, limit).await })
    })
}

fn subscribe_with<P: Send + 'static>(
    store: Arc<dyn EventStore>,
    from: Position,
    read: Reader<P>,
) -> BoxStream<'static, Result<Feed<P>, StoreError>> {
    let state = State {
        head: store.watch_head(),
        store,
        read,
        next: from.max(1),
        buffer: VecDeque::new(),
        caught_up: false,
        done: false,
        ahead: None,
    };
    futures::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let item = s.next_item().await;
        if item.is_err() {
            s.done = true;
        }
        Some((item, s))
    })
    .boxed()
}

impl<P: Send + 'static> State<P> {
    async fn next_item(&mut self) -> Result<Feed<P>, StoreError> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                if event.position != self.next {
                    // The global order must have no gaps; a hole here means
                    // the log was damaged, and going on would hide it.
                    return Err(StoreError::Corrupt {
                        position: self.next,
                        event_type: String::new(),
                        reason: format!(
                            "gap in the global order: expected position {}, found {}",
                            self.next, event.position
                        ),
                    });
                }
                self.next += 1;
                return Ok(Feed::Event(event));
            }
            // Mark the current head as seen before reading, so a commit that
            // lands after the read still wakes us.
            self.head.borrow_and_update();
            let events = match self.ahead.take() {
                Some((from, task)) if from == self.next => {
                    let read = task
                        .await
                        .map_err(|e| StoreError::Backend(format!("reading ahead: {e}")))??;
                    // That read ran before the head was marked seen: if it
                    // found nothing, a commit since would wake no one, so
                    // look again now.
                    if read.is_empty() {
                        (self.read)(self.store.clone(), self.next, BATCH).await?
                    } else {
                        read
                    }
                }
                stale => {
                    if let Some((_, task)) = stale {
                        task.abort();
                    }
                    (self.read)(self.store.clone(), self.next, BATCH).await?
                }
            };
            if !events.is_empty() {
                // A full batch means more is likely committed: read it now.
                if events.len() == BATCH {
                    let from = self.next + BATCH as Position;
                    let read = (self.read)(self.store.clone(), from, BATCH);
                    self.ahead = Some((from, tokio::spawn(read)));
                }
                self.buffer.extend(events);
                continue;
            }
            if !self.caught_up {
                self.caught_up = true;
                return Ok(Feed::CaughtUp(self.next - 1));
            }
            // The head watch only sees this process's appends; the poll
            // also picks up other processes writing the same store (the
            // `registre` command line, a second instance).
            tokio::select! {
                changed = self.head.changed() => {
                    if changed.is_err() {
                        return Err(StoreError::Unavailable("the store was closed".into()));
                    }
                }
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
