//! The read models as they stood at any point of the log.
//!
//! An as-of query names a global position, or a date (the last position
//! recorded at or before it, found by binary search on `recorded_at`,
//! which never decreases along the log). The answer is the nearest state
//! at or before that position, a cached recent answer or a periodic
//! checkpoint, then the log replayed up to the position: at most one
//! checkpoint interval of events on a log of any length.
//!
//! Checkpoints are the whole [`ReadModels`] at every multiple of the
//! interval (100,000 events by default), one file each under the state
//! directory (`as-of/ReadModels.v<V>.<position>.snap`, same format and
//! atomic write as the live read models). They are written as they are
//! passed: by [`AsOfService::checkpoint_to`] (run now and then by the
//! server, so that a 1M-event log is covered in the background), and by
//! any query whose replay crosses a missing one. A checkpoint that cannot
//! be read is ignored and rebuilt: the log is always enough.
//!
//! Architecture invariant: an as-of state is a fold of the log up to the
//! position and nothing else, so it equals `registre replay --to P` (and
//! `--as-of D`, which stops at the same position).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use registre_projections::{ProjectionError, ReadModel, ReadModels, in_force};
use registre_schema::Position;
use tokio::sync::Semaphore;

use super::snapshot;
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

/// Events between two checkpoints.
pub const DEFAULT_INTERVAL: u64 = 100_000;
/// Recent as-of states kept in memory.
const CACHE: usize = 4;
/// As-of computations at once (each may replay an interval and hold a
/// copy of the read models).
const CONCURRENT: usize = 2;

/// A point in the log, by date: how `registre replay --as-of` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOfDate {
    /// Events recorded before this instant (the day after a bare date).
    Before(DateTime<Utc>),
    /// Events recorded at or before this instant.
    AtOrBefore(DateTime<Utc>),
}

impl AsOfDate {
    /// An RFC 3339 date-time (at or before it), or a bare date (the whole
    /// day, UTC).
    pub fn parse(s: &str) -> Result<AsOfDate, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(AsOfDate::AtOrBefore(t.with_timezone(&Utc)));
        }
        let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("{s:?} is not an RFC 3339 date or date-time"))?;
        let next = day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or("date out of range")?;
        Ok(AsOfDate::Before(next.and_utc()))
    }

    /// Whether an event recorded at `t` is part of the state.
    pub fn includes(self, t: DateTime<Utc>) -> bool {
        match self {
            AsOfDate::Before(b) => t < b,
            AsOfDate::AtOrBefore(b) => t <= b,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AsOfError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error("position {asked} is beyond the end of the log ({head})")]
    BeyondHead { asked: Position, head: Position },
}

/// Recent states kept in memory, by what they answer.
type Kept<K> = Mutex<VecDeque<(K, Arc<ReadModels>)>>;

/// Answers as-of queries. Cheap to clone.
#[derive(Clone)]
pub struct AsOfService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn EventStore>,
    dir: Option<PathBuf>,
    interval: u64,
    cache: Kept<Position>,
    /// Recent states of the world on a day, by the log's head they read.
    in_force: Kept<(Position, NaiveDate)>,
    permits: Semaphore,
}

impl AsOfService {
    /// Checkpoints go under `dir` (none: memory only, for tests and tools).
    pub fn new(store: Arc<dyn EventStore>, dir: Option<PathBuf>, interval: u64) -> Self {
        AsOfService {
            inner: Arc::new(Inner {
                store,
                dir,
                interval: interval.max(1),
                cache: Mutex::new(VecDeque::new()),
                in_force: Mutex::new(VecDeque::new()),
                permits: Semaphore::new(CONCURRENT),
            }),
        }
    }

    /// The checkpoint directory under a state directory.
    pub fn dir_in(state_dir: &Path) -> PathBuf {
        state_dir.join("as-of")
    }

    /// The last position recorded at or before `date` (0 if none).
    pub async fn position_at(&self, date: AsOfDate) -> Result<Position, AsOfError> {
        let store = &self.inner.store;
        // Invariant: positions <= lo are included, > hi are not.
        let (mut lo, mut hi) = (0, store.head().await?);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let included = match store.read_all(mid, 1).await?.first() {
                Some(e) => date.includes(e.recorded_at),
                None => false,
            };
            if included {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(lo)
    }

    /// The read models after the event at `position` (0: empty).
    pub async fn at(&self, position: Position) -> Result<Arc<ReadModels>, AsOfError> {
        let head = self.inner.store.head().await?;
        if position > head {
            return Err(AsOfError::BeyondHead {
                asked: position,
                head,
            });
        }
        if let Some(hit) = self.cached(position) {
            return Ok(hit);
        }
        let _permit = self.inner.permits.acquire().await.ok();
        if let Some(hit) = self.cached(position) {
            return Ok(hit);
        }
        let base = self.nearest_below(position).await;
        let models = Arc::new(self.advance(base, position).await?);
        let mut cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() == CACHE {
            cache.pop_front();
        }
        cache.push_back((position, models.clone()));
        Ok(models)
    }

    /// The registers as the world was on `day`, as the whole log knows it
    /// now (see `registre_projections::in_force`), with the log's head they
    /// read. A fold of the whole log, kept for the next question about the
    /// same day while the log does not grow.
    pub async fn in_force_on(
        &self,
        day: NaiveDate,
    ) -> Result<(Position, Arc<ReadModels>), AsOfError> {
        let head = self.inner.store.head().await?;
        let key = (head, day);
        let hit = |s: &Self| {
            let cache = s.inner.in_force.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, m)| m.clone())
        };
        if let Some(models) = hit(self) {
            return Ok((head, models));
        }
        let _permit = self.inner.permits.acquire().await.ok();
        if let Some(models) = hit(self) {
            return Ok((head, models));
        }
        let mut models = ReadModels::default();
        let mut at = 0;
        while at < head {
            let want = (head - at).min(MAX_READ_BATCH as u64) as usize;
            let batch = self.inner.store.read_all_decoded(at + 1, want).await?;
            let Some(last) = batch.last() else { break };
            at = last.position;
            for e in &batch {
                let belongs = e
                    .payload
                    .as_ref()
                    .is_some_and(|p| in_force::belongs_to(p, e.occurred_at, day));
                if belongs {
                    models.apply_decoded(e)?;
                }
            }
        }
        let models = Arc::new(models);
        let mut cache = self
            .inner
            .in_force
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() == CACHE {
            cache.pop_front();
        }
        cache.push_back((key, models.clone()));
        Ok((head, models))
    }

    /// Writes every missing checkpoint up to `position` (the background
    /// work of the server). Returns the last checkpoint position.
    pub async fn checkpoint_to(&self, position: Position) -> Result<Position, AsOfError> {
        let last = position / self.inner.interval * self.inner.interval;
        if last == 0 {
            return Ok(0);
        }
        let _permit = self.inner.permits.acquire().await.ok();
        let base = self.nearest_below(last).await;
        if base.0 < last {
            self.advance(base, last).await?;
        }
        Ok(last)
    }

    /// Where an answer for `position` would start replaying the log: the
    /// latest cached state or readable checkpoint at or before it. An
    /// answer replays the events after it, at most one interval once the
    /// checkpoints are written.
    pub async fn replay_start(&self, position: Position) -> Position {
        self.nearest_below(position).await.0
    }

    fn cached(&self, position: Position) -> Option<Arc<ReadModels>> {
        let cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .find(|(p, _)| *p == position)
            .map(|(_, m)| m.clone())
    }

    /// The best start for `position`: the latest cached state or readable
    /// checkpoint at or before it, else the empty models.
    async fn nearest_below(&self, position: Position) -> (Position, ReadModels) {
        let cached = {
            let cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .iter()
                .filter(|(p, _)| *p <= position)
                .max_by_key(|(p, _)| *p)
                .map(|(p, m)| (*p, m.clone()))
        };
        let mut best = cached.map(|(p, m)| (p, (*m).clone()));
        let mut k = position / self.inner.interval;
        let floor = best.as_ref().map_or(0, |(p, _)| *p);
        // Walk down the checkpoints above the cached state until one loads.
        while k > 0 && k * self.inner.interval > floor {
            if let Some(found) = self.load(k * self.inner.interval).await {
                best = Some(found);
                break;
            }
            k -= 1;
        }
        best.unwrap_or_default()
    }

    /// Replays the log from `base` up to `to`, writing the checkpoints it
    /// passes that are missing.
    async fn advance(
        &self,
        (mut at, mut models): (Position, ReadModels),
        to: Position,
    ) -> Result<ReadModels, AsOfError> {
        let interval = self.inner.interval;
        while at < to {
            let want = (to - at).min(MAX_READ_BATCH as u64) as usize;
            // Stop each batch at the next checkpoint, to save it there.
            let next_mark = (at / interval + 1) * interval;
            let want = want.min((next_mark - at) as usize);
            let batch = self.inner.store.read_all_decoded(at + 1, want).await?;
            if batch.is_empty() {
                return Err(AsOfError::BeyondHead {
                    asked: to,
                    head: at,
                });
            }
            for e in &batch {
                models.apply_decoded(e)?;
            }
            at = batch.last().map_or(at, |e| e.position);
            if at % interval == 0 {
                self.save(at, &models).await;
            }
        }
        Ok(models)
    }

    fn file(&self, position: Position) -> Option<PathBuf> {
        let dir = self.inner.dir.as_ref()?;
        Some(dir.join(format!(
            "{}.v{}.{position:012}.snap",
            ReadModels::NAME,
            ReadModels::VERSION
        )))
    }

    async fn load(&self, position: Position) -> Option<(Position, ReadModels)> {
        let path = self.file(position)?;
        let read = tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path).ok()?;
            match snapshot::decode::<ReadModels>(&bytes) {
                Ok(found) => Some(found),
                Err(reason) => {
                    tracing::warn!(path = %path.display(), %reason,
                        "as-of checkpoint unusable; replaying past it");
                    None
                }
            }
        })
        .await
        .ok()
        .flatten()?;
        let (models, at) = read;
        (at == position).then_some((at, models))
    }

    /// Best effort: a checkpoint that cannot be written only costs time.
    async fn save(&self, position: Position, models: &ReadModels) {
        let Some(path) = self.file(position) else {
            return;
        };
        if path.exists() {
            return;
        }
        let bytes = match snapshot::encode(models, position) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "as-of checkpoint not written");
                return;
            }
        };
        if let Err((path, e)) = snapshot::write_to(&path, bytes).await {
            tracing::warn!(path = %path.display(), error = %e, "as-of checkpoint not written");
        } else {
            tracing::debug!(position, "as-of checkpoint written");
        }
    }
}
