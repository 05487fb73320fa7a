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
    /// True when the runner stopped on an error.
    pub failed: bool,
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
    let mut feed = subscribe_decoded(store, start + 1).ready_chunks(APPLY_BATCH);
    let mut saved_at = (start, Instant::now());
    let mut live = false;
    while let Some(items) = feed.next().await {
        let mut caught_up = false;
        let position = {
            let mut guard = shared.write().unwrap_or_else(|p| p.into_inner());
            for item in items {
                match item? {
                    Feed::Event(e) => {
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
                    Feed::CaughtUp(_) => caught_up = true,
                }
            }
            guard.position
        };
        progress.send_modify(|p| {
            p.position = position;
            p.caught_up |= caught_up;
        });
        if let Some(dir) = &dir {
            // While catching up, saving every SAVE_EVERY_EVENTS would write
            // the growing model again and again (a rebuild of a million
            // events saved twenty times): save by time, then once caught up.
            let due = (live && position - saved_at.0 >= SAVE_EVERY_EVENTS)
                || (position > saved_at.0 && saved_at.1.elapsed() >= SAVE_EVERY)
                || (caught_up && position > saved_at.0);
            live |= caught_up;
            if due {
                save(&shared, dir).await?;
                saved_at = (position, Instant::now());
            }
        }
    }
    Ok(())
}

/// Serializes under the read lock, writes outside it.
async fn save<M: ReadModel>(
    shared: &Arc<RwLock<Shared<M>>>,
    dir: &std::path::Path,
) -> Result<(), RunnerError> {
    let (bytes, position) = {
        let guard = shared.read().unwrap_or_else(|p| p.into_inner());
        (
            snapshot::encode(&guard.model, guard.position)?,
            guard.position,
        )
    };
    snapshot::write::<M>(dir, bytes).await?;
    tracing::debug!(model = M::NAME, position, "read model saved");
    Ok(())
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
    save(&projector.shared, dir).await
}
