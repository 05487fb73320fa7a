//! The log, read only: what auditors and the secretariat may see of the
//! raw events. Nothing here can append.

use std::sync::Arc;

use futures::stream::{BoxStream, StreamExt};
use registre_schema::{Position, RecordedEvent, Revision, StreamId};

use crate::store::{self, EventStore, Feed, StoreError};

/// Longest event type name the log holds: a longer one names no event.
pub const MAX_EVENT_TYPE_LEN: usize = store::MAX_EVENT_TYPE_LEN;

/// A read-only view of the event log.
#[derive(Clone)]
pub struct LogReader {
    store: Arc<dyn EventStore>,
}

impl LogReader {
    pub(super) fn new(store: Arc<dyn EventStore>) -> Self {
        LogReader { store }
    }

    /// The position of the last event (0 for an empty log).
    pub async fn head(&self) -> Result<Position, StoreError> {
        self.store.head().await
    }

    /// At most `limit` events in log order from position `from`.
    pub async fn read(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_all(from, limit).await
    }

    /// The event at `position`, if there is one.
    pub async fn event(&self, position: Position) -> Result<Option<RecordedEvent>, StoreError> {
        if position == 0 {
            return Ok(None);
        }
        let mut found = self.store.read_all(position, 1).await?;
        Ok(found.pop().filter(|e| e.position == position))
    }

    /// At most `limit` events of one stream from revision `from`.
    pub async fn stream(
        &self,
        id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_stream(id, from, limit).await
    }

    /// The log from `from` on, then each event as it is committed, with no
    /// gap and no repeat.
    pub fn follow(&self, from: Position) -> BoxStream<'static, Result<RecordedEvent, StoreError>> {
        store::subscribe(self.store.clone(), from)
            .filter_map(|item| {
                futures::future::ready(match item {
                    Ok(Feed::Event(e)) => Some(Ok(e)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
            })
            .boxed()
    }
}
