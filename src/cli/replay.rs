//! `registre replay`: rebuilds every read model from the log alone,
//! offline, and prints a digest per model, the position reached and the
//! speed. `--to` and `--as-of` stop early; `--check` compares with the
//! models the server saved and fails on any difference.
//!
//! It reads the store it is pointed at and nothing else, so an auditor
//! runs it on a copy of the store.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use registre::projection::load_saved;
use registre::store::{EventStore, MAX_READ_BATCH};
use registre_projections::{ReadModel, ReadModels};
use registre_schema::{Position, RecordedEvent};

#[derive(Args)]
pub struct ReplayArgs {
    /// Stop after this global position.
    #[arg(long, conflicts_with_all = ["as_of", "check"])]
    pub to: Option<Position>,
    /// Stop at this date (RFC 3339 date: the whole day, UTC; or date-time),
    /// compared with when events were recorded.
    #[arg(long, value_parser = parse_as_of, conflicts_with = "check")]
    pub as_of: Option<AsOf>,
    /// Compare with the read models the server saved (in the state
    /// directory); exit non-zero on any difference.
    #[arg(long)]
    pub check: bool,
}

/// Where a replay stops by date: the same reading as the API's `asOf`.
pub use registre::projection::as_of::AsOfDate as AsOf;

fn parse_as_of(s: &str) -> Result<AsOf, String> {
    AsOf::parse(s)
}

/// The result of a replay.
struct Replayed {
    models: ReadModels,
    events: u64,
    elapsed: Duration,
    fold: Duration,
}

/// Folds the log from the start while `keep` says so.
async fn replay(
    store: &Arc<dyn EventStore>,
    keep: impl Fn(&RecordedEvent) -> bool,
) -> anyhow::Result<Replayed> {
    let started = Instant::now();
    let mut fold = Duration::ZERO;
    let mut models = ReadModels::default();
    let mut events = 0u64;
    let mut next: Position = 1;
    'read: loop {
        let batch = store.read_all(next, MAX_READ_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        let t = Instant::now();
        for e in &batch {
            if !keep(e) {
                fold += t.elapsed();
                break 'read;
            }
            models.apply(e)?;
            events += 1;
            next = e.position + 1;
        }
        fold += t.elapsed();
    }
    Ok(Replayed {
        models,
        events,
        elapsed: started.elapsed(),
        fold,
    })
}

fn rate(events: u64, d: Duration) -> u64 {
    (events as f64 / d.as_secs_f64().max(1e-9)) as u64
}

pub async fn run(
    store: Arc<dyn EventStore>,
    args: ReplayArgs,
    state_dir: &Path,
) -> anyhow::Result<()> {
    let saved = if args.check {
        let saved = load_saved::<ReadModels>(state_dir)
            .await?
            .with_context(|| {
                format!(
                    "no saved read models in {} (set --state-dir)",
                    state_dir.display()
                )
            })?;
        Some(saved)
    } else {
        None
    };
    let stop_at = saved.as_ref().map(|(_, p)| *p).or(args.to);
    let as_of = args.as_of;
    let r = replay(&store, |e| {
        stop_at.is_none_or(|p| e.position <= p) && as_of.is_none_or(|a| a.includes(e.recorded_at))
    })
    .await?;
    let position = r.models.position;
    println!(
        "position {position}: {} events in {:.3} s, {} events/s (folding alone: {} events/s)",
        r.events,
        r.elapsed.as_secs_f64(),
        rate(r.events, r.elapsed),
        rate(r.events, r.fold),
    );
    let replayed = r.models.digests();
    let Some((saved, saved_position)) = saved else {
        for (name, digest) in replayed {
            println!("{name:<16} {digest}");
        }
        return Ok(());
    };
    if position != saved_position {
        bail!(
            "the log ends at position {position}, before the saved read models ({saved_position})"
        );
    }
    let mut differ = Vec::new();
    for ((name, mine), (_, theirs)) in replayed.iter().zip(saved.digests()) {
        let verdict = if *mine == theirs { "same" } else { "DIFFERS" };
        println!("{name:<16} {mine} {verdict}");
        if *mine != theirs {
            differ.push(*name);
        }
    }
    if !differ.is_empty() {
        bail!(
            "saved read models at position {saved_position} differ from the replay: {}",
            differ.join(", ")
        );
    }
    println!("saved read models at position {saved_position} match the replay");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn as_of_takes_a_whole_day_or_an_instant() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = parse_as_of("2024-03-01").unwrap();
        assert!(day.includes(t("2024-03-01T23:59:59Z")));
        assert!(!day.includes(t("2024-03-02T00:00:00Z")));
        let instant = parse_as_of("2024-03-01T12:00:00+01:00").unwrap();
        assert!(instant.includes(t("2024-03-01T11:00:00Z")));
        assert!(!instant.includes(t("2024-03-01T11:00:01Z")));
        assert!(parse_as_of("yesterday").is_err());
    }
}
