//! The projection runner: keeps a read model up to date with the log.
//!
//! Architecture invariant: read models are rebuilt from the log alone. The
//! runner feeds every event, in position order, to the model's pure
//! `apply`, and nothing else changes the model.
//!
//! Architecture invariant: a saved read model and the position it has read
//! up to are one file, written whole or not at all (write a temporary file,
//! fsync, rename, fsync the directory). After a crash the runner resumes
//! from the saved position with the state of exactly that position, so no
//! event is lost or applied twice.
//!
//! Faults (a full disk, a lost store) do not stop the runner: saving is an
//! optimisation, so a failed save is retried later while the model keeps
//! folding in memory, and a failed read of the log is retried from the
//! last position applied. Both back off ([`crate::health::Backoff`]) and
//! show in [`Progress::fault`] until an attempt succeeds. Only an event
//! the model cannot apply stops it.

pub mod as_of;
pub mod rebuild;
mod snapshot;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use registre_projections::{ProjectionError, ReadModel};
use registre_schema::Position;
use tokio::sync::watch;

use crate::health::{Backoff, Fault};
use crate::store::{EventStore, Feed, StoreError, subscribe_decoded};

pub use snapshot::SnapshotError;

/// Save the model after this many new events...
const SAVE_EVERY_EVENTS: u64 = 50_000;
/// ...or after this long, whichever comes first (when anything changed).
const SAVE_EVERY: Duration = Duration::from_secs(30);
/// Events applied under one write lock.
const APPLY_BATCH: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// The state of a runner, as queries see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Last position applied.
    pub position: Position,
    /// True once the runner has read everything committed at some point
    /// after it started.
    pub caught_up: bool,
    /// True when the runner stopped on an error retrying cannot heal.
    pub failed: bool,
    /// The fault the runner is retrying after (reading the log, or saving).
    pub fault: Option<Fault>,
}

struct Shared<M> {
    model: M,
    position: Position,
}

/// A read model kept up to date in memory, saved now and then.
pub struct Projector<M: ReadModel> {
    shared: Arc<RwLock<Shared<M>>>,
    progress: watch::Receiver<Progress>,
}

impl<M: ReadModel> Clone for Projector<M> {
    fn clone(&self) -> Self {
        Projector {
            shared: self.shared.clone(),
            progress: self.progress.clone(),
        }
    }
}

impl<M: ReadModel> Projector<M> {
    /// Loads the saved model from `dir` (if any, and if of this version),
    /// then starts following the log from there on a background task.
    pub async fn start(
        store: Arc<dyn EventStore>,
        dir: Option<PathBuf>,
    ) -> Result<Projector<M>, RunnerError> {
        let saved = match &dir {
            Some(dir) => snapshot::load::<M>(dir).await?,
            None => None,
        };
        let (model, position) = saved.unwrap_or_default();
        let shared = Arc::new(RwLock::new(Shared { model, position }));
        let (tx, rx) = watch::channel(Progress {
            position,
            caught_up: false,
            failed: false,
            fault: None,
        });
        let task_shared = shared.clone();
        tokio::spawn(async move {
            if let Err(e) = follow(store, task_shared, dir, &tx).await {
                tracing::error!(model = M::NAME, error = %e, "read model stopped");
                tx.send_modify(|p| p.failed = true);
            }
        });
        Ok(Projector {
            shared,
            progress: rx,
        })
    }

    /// Reads the model.
    pub fn read<T>(&self, f: impl FnOnce(&M, Position) -> T) -> T {
        let guard = self.shared.read().unwrap_or_else(|p| p.into_inner());
        f(&guard.model, guard.position)
    }

    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Waits until the model has applied `position` (read your writes).
    /// Fails if the runner stopped or `timeout` passed.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), WaitError> {
        let mut rx = self.progress.clone();
        let wait = rx.wait_for(|p| p.position >= position || p.failed);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(p)) if !p.failed => Ok(()),
            Ok(_) => Err(WaitError::Stopped),
            Err(_) => Err(WaitError::TimedOut),
        }
    }
}

impl<M: ReadModel> Projector<M> {
    /// Waits until the runner has once read everything committed.
    pub async fn wait_caught_up(&self, timeout: Duration) -> Result<(), WaitError> {
        let mut rx = self.progress.clone();
        let wait = rx.wait_for(|p| p.caught_up || p.failed);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(p)) if !p.failed => Ok(()),
            Ok(_) => Err(WaitError::Stopped),
            Err(_) => Err(WaitError::TimedOut),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    #[error("the read model stopped")]
    Stopped,
    #[error("the read model did not catch up in time")]
    TimedOut,
}

async fn follow<M: ReadModel>(
    store: Arc<dyn EventStore>,
    shared: Arc<RwLock<Shared<M>>>,
    dir: Option<PathBuf>,
    progress: &watch::Sender<Progress>,
) -> Result<(), RunnerError> {
    let start = shared.read().unwrap_or_else(|p| p.into_inner()).position;
    let mut saver = dir.map(|dir| Saver::new(dir, start));
    let mut backoff = Backoff::default();
    let mut read_fault: Option<Fault> = None;
    let publish = |read_fault: Option<Fault>, saver: &Option<Saver>| {
        let fault = read_fault.or(saver.as_ref().and_then(|s| s.fault));
        progress.send_if_modified(|p| std::mem::replace(&mut p.fault, fault) != fault);
    };
    loop {
        let from = shared.read().unwrap_or_else(|p| p.into_inner()).position + 1;
        let mut feed = subscribe_decoded(store.clone(), from).ready_chunks(APPLY_BATCH);
        let failure = loop {
            let retry_at = saver.as_ref().and_then(|s| s.retry_at);
            let items = tokio::select! {
                items = feed.next() => items,
                () = sleep_until(retry_at) => {
                    if let Some(saver) = &mut saver {
                        saver.retry(&shared).await;
                    }
                    publish(read_fault, &saver);
                    continue;
                }
            };
            let Some(items) = items else {
                break StoreError::Unavailable("the log's feed ended".into());
            };
            let (position, caught_up, failure) = apply(&shared, items)?;
            progress.send_modify(|p| {
                p.position = position;
                p.caught_up |= caught_up;
            });
            if let Some(saver) = &mut saver {
                saver.after_batch(&shared, position, caught_up).await;
            }
            if let Some(failure) = failure {
                break failure;
            }
            if read_fault.take().is_some() {
                backoff.reset();
            }
            publish(read_fault, &saver);
        };
        // Corrupt or refused events stop the model; faults are retried.
        let fault = Fault::of_store(&failure).ok_or(failure)?;
        tracing::warn!(
            model = M::NAME,
            reason = fault.reason(),
            "reading the log failed; retrying"
        );
        read_fault = Some(fault);
        publish(read_fault, &saver);
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// Applies a batch of the feed: the position reached, whether the feed
/// said it caught up, and the store error that ended the batch early.
fn apply<M: ReadModel>(
    shared: &RwLock<Shared<M>>,
    items: Vec<Result<Feed<Option<registre_schema::DomainEvent>>, StoreError>>,
) -> Result<(Position, bool, Option<StoreError>), RunnerError> {
    let mut guard = shared.write().unwrap_or_else(|p| p.into_inner());
    let mut caught_up = false;
    for item in items {
        match item {
            Ok(Feed::Event(e)) => {
                if e.position != guard.position + 1 {
                    return Err(ProjectionError::OutOfOrder {
                        after: guard.position,
                        got: e.position,
                    }
                    .into());
                }
                guard.model.apply_decoded(&e)?;
                guard.position = e.position;
            }
            Ok(Feed::CaughtUp(_)) => caught_up = true,
            Err(e) => return Ok((guard.position, caught_up, Some(e))),
        }
    }
    Ok((guard.position, caught_up, None))
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// When the model is saved, and the retries of a failed save.
struct Saver {
    dir: PathBuf,
    /// Position and time of the last save (or of the start).
    saved: (Position, Instant),
    /// True once the runner has caught up.
    live: bool,
    /// The fault of the last save, until one succeeds.
    fault: Option<Fault>,
    /// When to try again after a failed save.
    retry_at: Option<Instant>,
    backoff: Backoff,
}

impl Saver {
    fn new(dir: PathBuf, start: Position) -> Saver {
        Saver {
            dir,
            saved: (start, Instant::now()),
            live: false,
            fault: None,
            retry_at: None,
            backoff: Backoff::default(),
        }
    }

    async fn after_batch<M: ReadModel>(
        &mut self,
        shared: &Arc<RwLock<Shared<M>>>,
        position: Position,
        caught_up: bool,
    ) {
        // While catching up, saving every SAVE_EVERY_EVENTS would write
        // the growing model again and again (a rebuild of a million
        // events saved twenty times): save by time, then once caught up.
        // After a failed save, only the retry timer saves.
        let saved = self.saved;
        let due = (self.live && position - saved.0 >= SAVE_EVERY_EVENTS)
            || (position > saved.0 && saved.1.elapsed() >= SAVE_EVERY)
            || (caught_up && position > saved.0);
        self.live |= caught_up;
        if due && self.retry_at.is_none() {
            self.save(shared).await;
        }
    }

    async fn retry<M: ReadModel>(&mut self, shared: &Arc<RwLock<Shared<M>>>) {
        self.retry_at = None;
        self.save(shared).await;
    }

    async fn save<M: ReadModel>(&mut self, shared: &Arc<RwLock<Shared<M>>>) {
        match save(shared, &self.dir).await {
            Ok(position) => {
                if self.fault.take().is_some() {
                    tracing::info!(model = M::NAME, position, "read model saved again");
                }
                self.saved = (position, Instant::now());
                self.backoff.reset();
            }
            Err(e) => {
                let fault = match &e {
                    RunnerError::Snapshot(SnapshotError::Io { source, .. }) => Fault::of_io(source),
                    _ => Fault::Io,
                };
                let delay = self.backoff.next_delay();
                tracing::warn!(model = M::NAME, error = %e, reason = fault.reason(),
                    retry_in = ?delay, "saving the read model failed; it keeps up in memory");
                self.fault = Some(fault);
                self.retry_at = Some(Instant::now() + delay);
            }
        }
    }
}

/// Serializes under the read lock, writes outside it; the position saved.
async fn save<M: ReadModel>(
    shared: &Arc<RwLock<Shared<M>>>,
    dir: &std::path::Path,
) -> Result<Position, RunnerError> {
    let (bytes, position) = {
        let guard = shared.read().unwrap_or_else(|p| p.into_inner());
        (
            snapshot::encode(&guard.model, guard.position)?,
            guard.position,
        )
    };
    snapshot::write::<M>(dir, bytes).await?;
    tracing::debug!(model = M::NAME, position, "read model saved");
    Ok(position)
}

/// The model saved in `dir` and the position it describes, if a usable
/// one of this model's version is there (what `replay --check` compares).
pub async fn load_saved<M: ReadModel>(
    dir: &std::path::Path,
) -> Result<Option<(M, Position)>, SnapshotError> {
    snapshot::load::<M>(dir).await
}

/// Saves the model now (for a clean shutdown).
pub async fn save_now<M: ReadModel>(
    projector: &Projector<M>,
    dir: &std::path::Path,
) -> Result<(), RunnerError> {
    save(&projector.shared, dir).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use async_trait::async_trait;
    use registre_projections::LogSummary;
    use registre_schema::{Actor, CommandMeta, DecodedEvent, EventData, RecordedEvent, StreamId};

    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{AppendRequest, CategoryBatch, ExpectedState, StoreWrapper};

    /// Generous: these tests wait for outcomes, never for durations.
    const DEADLINE: Duration = Duration::from_secs(60);

    /// A store whose reads of the log fail while `down` is set, as a lost
    /// database connection does.
    struct Flaky {
        inner: SqliteStore,
        down: AtomicBool,
    }

    impl Flaky {
        fn connection(&self) -> Result<(), StoreError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(StoreError::Backend("connection closed".into()));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl StoreWrapper for Flaky {
        fn inner(&self) -> &dyn EventStore {
            &self.inner
        }
        async fn read_all(
            &self,
            from: Position,
            limit: usize,
        ) -> Result<Vec<RecordedEvent>, StoreError> {
            self.connection()?;
            self.inner.read_all(from, limit).await
        }
        async fn read_all_decoded(
            &self,
            from: Position,
            limit: usize,
        ) -> Result<Vec<DecodedEvent>, StoreError> {
            self.connection()?;
            self.inner.read_all_decoded(from, limit).await
        }
        async fn read_category(
            &self,
            category: &str,
            from: Position,
            limit: usize,
        ) -> Result<CategoryBatch, StoreError> {
            self.connection()?;
            self.inner.read_category(category, from, limit).await
        }
        fn describe(&self) -> String {
            "flaky".into()
        }
    }

    async fn append(store: &dyn EventStore, n: usize) -> Position {
        let req = AppendRequest {
            stream_id: StreamId::new(format!("test-{}", uuid::Uuid::now_v7())).unwrap(),
            expected: ExpectedState::NoStream,
            meta: CommandMeta::new(Actor::system()),
            events: (0..n)
                .map(|_| EventData::new("Tested", 1, chrono::Utc::now(), serde_json::json!({})))
                .collect(),
        };
        store.append(req).await.unwrap().last_position
    }

    /// Polls `f` until it holds, failing after [`DEADLINE`].
    async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !f() {
            assert!(Instant::now() < deadline, "never happened: {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_failed_save_keeps_the_model_folding_and_is_retried_until_it_succeeds() {
        // Given a log and a state dir where the saved file cannot be
        // written (the temporary file's name is taken by a directory)
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn EventStore> =
            Arc::new(SqliteStore::open(dir.path().join("p.db")).await.unwrap());
        append(store.as_ref(), 3).await;
        let state = dir.path().join("state");
        let taken = state.join("log_summary.v1.snap.tmp");
        std::fs::create_dir_all(taken.join("in-the-way")).unwrap();
        // When the model catches up and tries to save
        let p = Projector::<LogSummary>::start(store.clone(), Some(state.clone()))
            .await
            .unwrap();
        p.wait_caught_up(DEADLINE).await.unwrap();
        // Then it reports the fault, does not stop, and keeps folding
        eventually("the save fault is reported", || {
            p.progress().fault.is_some()
        })
        .await;
        let last = append(store.as_ref(), 2).await;
        p.wait_for(last, DEADLINE).await.unwrap();
        assert_eq!(p.read(|m, _| m.events), 5);
        assert!(!p.progress().failed);
        // When the obstacle goes away, a retry saves the model and the
        // fault clears, with no new event to prompt it
        std::fs::remove_dir_all(&taken).unwrap();
        let saved = state.join("log_summary.v1.snap");
        eventually("the model is saved again", || {
            p.progress().fault.is_none() && saved.is_file()
        })
        .await;
        let (saved, at) = load_saved::<LogSummary>(&state).await.unwrap().unwrap();
        assert_eq!((saved.events, at), (5, last));
    }

    #[tokio::test]
    async fn a_lost_store_is_reported_and_followed_again_once_back() {
        // Given a model following a store
        let dir = tempfile::tempdir().unwrap();
        let flaky = Arc::new(Flaky {
            inner: SqliteStore::open(dir.path().join("f.db")).await.unwrap(),
            down: AtomicBool::new(false),
        });
        let store: Arc<dyn EventStore> = flaky.clone();
        append(store.as_ref(), 2).await;
        let p = Projector::<LogSummary>::start(store.clone(), None)
            .await
            .unwrap();
        p.wait_caught_up(DEADLINE).await.unwrap();
        // When its reads fail while events are appended
        flaky.down.store(true, Ordering::SeqCst);
        let last = append(store.as_ref(), 3).await;
        eventually("the lost store is reported", || {
            p.progress().fault == Some(Fault::StoreUnavailable)
        })
        .await;
        assert!(!p.progress().failed);
        // Then, once the store answers again, it reads on from where it
        // was, each event once, and the fault clears
        flaky.down.store(false, Ordering::SeqCst);
        p.wait_for(last, DEADLINE).await.unwrap();
        eventually("the fault clears", || p.progress().fault.is_none()).await;
        assert_eq!(p.read(|m, position| (m.events, position)), (5, last));
    }
}
