//! Every read model rebuilt from the log in one pass: what `registre
//! replay` and `registre bench replay` run.
//!
//! The log is read in batches with each payload decoded on the reading
//! (blocking) thread, straight from its stored text into the domain
//! event, and the next batches are read while this one is folded.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use registre_projections::{ReadModel, ReadModels};
use registre_schema::{DecodedEvent, Position};
use tokio::task::JoinHandle;

use super::RunnerError;
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

/// Batches read at once, ahead of the fold.
const READ_AHEAD: usize = 2;

/// Reads in flight; those left when the rebuild ends (the log's end, a
/// refused event, an error) are stopped rather than read for nothing.
struct Ahead(VecDeque<(Position, Reading)>);

type Reading = JoinHandle<Result<Vec<DecodedEvent>, StoreError>>;

impl Drop for Ahead {
    fn drop(&mut self) {
        for (_, task) in &self.0 {
            task.abort();
        }
    }
}

/// The models a rebuild reached, and what it took.
pub struct Rebuilt {
    pub models: ReadModels,
    /// Events folded.
    pub events: u64,
    pub elapsed: Duration,
    /// Time spent folding decoded events, reading and decoding excluded.
    pub fold: Duration,
}

/// Folds the log from position 1 while `keep` says so: the first event it
/// refuses ends the rebuild, so it must refuse every later one too (a bound
/// on the position or on `recorded_at`, which never decreases).
pub async fn rebuild(
    store: &Arc<dyn EventStore>,
    keep: impl Fn(&DecodedEvent) -> bool,
) -> Result<Rebuilt, RunnerError> {
    let started = Instant::now();
    let mut fold = Duration::ZERO;
    let mut models = ReadModels::default();
    let mut events = 0u64;
    let read = |from: Position| {
        let store = store.clone();
        tokio::spawn(async move { store.read_all_decoded(from, MAX_READ_BATCH).await })
    };
    // Positions have no gaps, so where each batch starts is known before
    // the one before it arrives: READ_AHEAD batches are read at once.
    let mut ahead = Ahead(VecDeque::with_capacity(READ_AHEAD));
    let mut next: Position = 1;
    for _ in 0..READ_AHEAD {
        ahead.0.push_back((next, read(next)));
        next += MAX_READ_BATCH as Position;
    }
    while let Some((from, reading)) = ahead.0.pop_front() {
        let batch = reading
            .await
            .map_err(|e| StoreError::Backend(format!("the log reader stopped: {e}")))??;
        let Some(last) = batch.last() else {
            break;
        };
        // Sorted positions from `from` to `from + len - 1`: no hole inside
        // the batch either, so the next batch cannot overlap this one.
        let end = from + batch.len() as Position - 1;
        if batch[0].position != from || last.position != end {
            return Err(StoreError::Corrupt {
                position: from,
                event_type: String::new(),
                reason: format!(
                    "gap in the global order: positions {from} to {end} read as {} to {}",
                    batch[0].position, last.position
                ),
            }
            .into());
        }
        let kept = keep(last);
        if kept {
            if batch.len() < MAX_READ_BATCH {
                // Short: the end of the log as it stood (or a backend that
                // gave less than asked). What was read ahead started past
                // it, so read on from right after it until a read is
                // empty: nothing appended since is skipped.
                for (_, task) in ahead.0.drain(..) {
                    task.abort();
                }
                next = last.position + 1;
            }
            ahead.0.push_back((next, read(next)));
            next += MAX_READ_BATCH as Position;
        }
        let t = Instant::now();
        if kept {
            for e in &batch {
                models.apply_decoded(e)?;
            }
            events += batch.len() as u64;
        } else {
            for e in batch.iter().take_while(|e| keep(e)) {
                models.apply_decoded(e)?;
                events += 1;
            }
        }
        fold += t.elapsed();
        if !kept {
            break;
        }
    }
    Ok(Rebuilt {
        models,
        events,
        elapsed: started.elapsed(),
        fold,
    })
}
