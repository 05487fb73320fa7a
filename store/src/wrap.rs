//! Stores that wrap another store to change one or two of its methods.
//!
//! A wrapper (metrics around appends, a test's store that fails on cue)
//! implements [`StoreWrapper`]: it names its [`inner`](StoreWrapper::inner)
//! store and writes only the methods it changes; every other method is
//! forwarded to the inner store, and the wrapper is an [`EventStore`]
//! through the one impl below. Forwarding covers the methods the trait
//! gives default bodies too (`read_all_decoded`, `read_category`,
//! `check_stream_index`, `import`), so that a backend's own version of
//! them is kept rather than replaced by the trait's default.
//!
//! The log is read three ways (`read_all`, `read_all_decoded`,
//! `read_category`): a wrapper that changes how the log is read changes
//! each of them it means to, since they no longer go through `read_all`.

use async_trait::async_trait;
use registre_schema::{DecodedEvent, Position, RecordedEvent, Revision, StreamId};
use tokio::sync::watch;

use crate::{
    AppendOutcome, AppendRequest, CategoryBatch, EventStore, StoreError, StreamIndexCheck,
};

/// An [`EventStore`] made of another one: each method forwards to
/// [`inner`](StoreWrapper::inner) unless the wrapper writes its own. The
/// methods mean what [`EventStore`]'s do.
#[async_trait]
pub trait StoreWrapper: Send + Sync + 'static {
    /// The store every method the wrapper does not write goes to.
    fn inner(&self) -> &dyn EventStore;

    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.inner().append(req).await
    }

    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner().read_stream(stream_id, from, limit).await
    }

    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner().read_all(from, limit).await
    }

    async fn read_all_decoded(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        self.inner().read_all_decoded(from, limit).await
    }

    async fn read_category(
        &self,
        category: &str,
        from: Position,
        limit: usize,
    ) -> Result<CategoryBatch, StoreError> {
        self.inner().read_category(category, from, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner().head().await
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.inner().watch_head()
    }

    fn describe(&self) -> String {
        self.inner().describe()
    }

    async fn check_stream_index(&self) -> Result<Option<StreamIndexCheck>, StoreError> {
        self.inner().check_stream_index().await
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Position, StoreError> {
        self.inner().import(events).await
    }
}

#[async_trait]
impl<W: StoreWrapper> EventStore for W {
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        StoreWrapper::append(self, req).await
    }

    async fn read_stream(
        &self,
        stream_id: &StreamId,
        from: Revision,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        StoreWrapper::read_stream(self, stream_id, from, limit).await
    }

    async fn read_all(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        StoreWrapper::read_all(self, from, limit).await
    }

    async fn read_all_decoded(
        &self,
        from: Position,
        limit: usize,
    ) -> Result<Vec<DecodedEvent>, StoreError> {
        StoreWrapper::read_all_decoded(self, from, limit).await
    }

    async fn read_category(
        &self,
        category: &str,
        from: Position,
        limit: usize,
    ) -> Result<CategoryBatch, StoreError> {
        StoreWrapper::read_category(self, category, from, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        StoreWrapper::head(self).await
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        StoreWrapper::watch_head(self)
    }

    fn describe(&self) -> String {
        StoreWrapper::describe(self)
    }

    async fn check_stream_index(&self) -> Result<Option<StreamIndexCheck>, StoreError> {
        StoreWrapper::check_stream_index(self).await
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Position, StoreError> {
        StoreWrapper::import(self, events).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use registre_schema::{Actor, CommandMeta, EventData};

    use super::*;
    use crate::ExpectedState;
    use crate::sqlite::SqliteStore;

    /// Counts appends; everything else is the inner store's.
    struct CountingAppends {
        inner: SqliteStore,
        appends: AtomicUsize,
    }

    #[async_trait]
    impl StoreWrapper for CountingAppends {
        fn inner(&self) -> &dyn EventStore {
            &self.inner
        }

        async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
            self.appends.fetch_add(1, Ordering::SeqCst);
            self.inner.append(req).await
        }
    }

    #[tokio::test]
    async fn a_wrapper_changes_what_it_writes_and_keeps_the_inner_stores_own_methods() {
        let dir = tempfile::tempdir().unwrap();
        let wrapper = CountingAppends {
            inner: SqliteStore::open(dir.path().join("w.db")).await.unwrap(),
            appends: AtomicUsize::new(0),
        };
        let store: &dyn EventStore = &wrapper;
        let req = AppendRequest {
            stream_id: StreamId::new("wrapped-1").unwrap(),
            expected: ExpectedState::NoStream,
            meta: CommandMeta::new(Actor::system()),
            events: vec![EventData::new(
                "Tested",
                1,
                chrono::Utc::now(),
                serde_json::json!({}),
            )],
        };
        let out = store.append(req).await.unwrap();
        assert_eq!(wrapper.appends.load(Ordering::SeqCst), 1);
        assert_eq!(store.head().await.unwrap(), out.last_position);
        assert_eq!(store.read_all(0, 10).await.unwrap().len(), 1);
        assert_eq!(
            store
                .read_category("wrapped", 0, 10)
                .await
                .unwrap()
                .events
                .len(),
            1
        );
        // The methods the trait gives a default are the backend's own: the
        // embedded store checks its stream index and names its file.
        assert!(store.check_stream_index().await.unwrap().is_some());
        assert!(store.describe().contains("w.db"), "{}", store.describe());
    }
}
