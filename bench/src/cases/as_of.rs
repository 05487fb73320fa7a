//! The as-of case: on a generated history, past states answered the way
//! the server answers an `asOf` query ([`AsOfService`]: a date becomes the
//! last position recorded at or before it, then the nearest checkpoint or
//! cached state is advanced to that position) must equal a replay of the
//! log stopped at the same point, as `registre replay --to` / `--as-of`
//! stops it. Any difference fails the bench; the latencies are printed.
//!
//! Three timings, because the server meets all three:
//! - the checkpoints the server writes in the background
//!   ([`AsOfService::checkpoint_to`] over the whole log);
//! - cold: the first query after a start (a fresh service, checkpoints on
//!   disk, nothing cached), one per point;
//! - warm: the same query again on that service (cached state; a date is
//!   still resolved by binary search on the log).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::SecondsFormat;
use registre_projections::{ReadModel, ReadModels};
use registre_schema::Position;
use registre_service::projector::as_of::{AsOfDate, AsOfService};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, MAX_READ_BATCH};

use super::percentile;

/// Where a query stops.
#[derive(Debug, Clone, Copy)]
enum Point {
    Position(Position),
    Date(AsOfDate),
}

impl Point {
    /// Whether the replay stopped at this point has folded the event at
    /// `position`, recorded at `recorded_at`.
    fn includes(self, e: &registre_schema::RecordedEvent) -> bool {
        match self {
            Point::Position(p) => e.position <= p,
            Point::Date(d) => d.includes(e.recorded_at),
        }
    }
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Point::Position(p) => write!(f, "position {p}"),
            Point::Date(AsOfDate::AtOrBefore(t) | AsOfDate::Before(t)) => {
                write!(f, "date {}", t.to_rfc3339_opts(SecondsFormat::Micros, true))
            }
        }
    }
}

type Digests = Vec<(&'static str, String)>;

/// Runs the case on the history in `db`, with checkpoints under `state`.
pub async fn as_of(db: &Path, state: &Path, points: usize, interval: u64) -> anyhow::Result<()> {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(db).await?);
    let head = store.head().await?;
    if head == 0 {
        bail!("the history is empty");
    }
    let points = pick_points(&*store, head, points.max(2)).await?;
    println!(
        "as of: {} points on {head} events (half positions, half dates), checkpoints every {interval} events",
        points.len()
    );

    let t = Instant::now();
    let expected = replay_stopping_at(&*store, &points).await?;
    println!(
        "  reference: one replay of the log, stopping at each point, in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let dir = AsOfService::dir_in(state);
    let t = Instant::now();
    let last = AsOfService::new(store.clone(), Some(dir.clone()), interval)
        .checkpoint_to(head)
        .await?;
    println!(
        "  checkpoints up to position {last} (the server's background work): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut unequal = Vec::new();
    for (point, (want_position, want)) in points.iter().zip(&expected) {
        // A fresh service: what a query meets first after a start.
        let service = AsOfService::new(store.clone(), Some(dir.clone()), interval);
        for round in 0..2 {
            let t = Instant::now();
            let position = match point {
                Point::Position(p) => *p,
                Point::Date(d) => service.position_at(*d).await?,
            };
            let models = service.at(position).await?;
            let took = t.elapsed();
            if round == 0 { &mut cold } else { &mut warm }.push(took);
            let got = models.digests();
            if models.position != *want_position || got != *want {
                let differing: Vec<&str> = got
                    .iter()
                    .zip(want.iter())
                    .filter(|(a, b)| a != b)
                    .map(|(a, _)| a.0)
                    .collect();
                unequal.push(format!(
                    "{point} ({}): as-of state at position {}, replay at position {want_position}, {}",
                    if round == 0 { "cold" } else { "warm" },
                    models.position,
                    if differing.is_empty() {
                        "same digests".to_string()
                    } else {
                        format!("differing in {}", differing.join(", "))
                    }
                ));
            }
        }
    }
    if !unequal.is_empty() {
        bail!(
            "as-of answers differ from the replay:\n  {}",
            unequal.join("\n  ")
        );
    }
    println!(
        "  every as-of answer equals the replay stopped at the same point ({} queries, digests of all {} read models)",
        cold.len() + warm.len(),
        expected.first().map_or(0, |(_, d)| d.len())
    );
    println!("  {}", latency("cold (first query after a start)", cold));
    println!("  {}", latency("warm (the same query again)", warm));
    Ok(())
}

fn latency(label: &str, mut l: Vec<Duration>) -> String {
    l.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "{label:<34} {:>3} queries  latency p50 {:>9.2} ms  p99 {:>9.2} ms  max {:>9.2} ms",
        l.len(),
        ms(percentile(&l, 0.50)),
        ms(percentile(&l, 0.99)),
        ms(l.last().copied().unwrap_or_default()),
    )
}

/// Spread over the log, never only on checkpoints: positions between
/// them, one on a checkpoint boundary's neighbour and the head; dates taken
/// from when events at other positions were recorded.
async fn pick_points(
    store: &dyn EventStore,
    head: Position,
    n: usize,
) -> anyhow::Result<Vec<Point>> {
    let mut points = Vec::with_capacity(n);
    let positions = n.div_ceil(2);
    for i in 1..=positions as u64 {
        // 7/8 of the way between evenly spaced marks: off the checkpoints.
        let p = (head * (8 * i - 1) / (8 * positions as u64)).clamp(1, head);
        points.push(Point::Position(p));
    }
    if let Some(Point::Position(p)) = points.last_mut() {
        *p = head;
    }
    let dates = n - positions;
    for i in 1..=dates as u64 {
        let at = (head * (4 * i - 1) / (4 * dates as u64)).clamp(1, head);
        let e = store
            .read_all(at, 1)
            .await?
            .into_iter()
            .next()
            .with_context(|| format!("no event at position {at}"))?;
        points.push(Point::Date(AsOfDate::AtOrBefore(e.recorded_at)));
    }
    Ok(points)
}

/// One fold of the log from the start; at each point, the digests of the
/// state as a replay stopped there leaves it (the first event the point
/// does not include ends that replay, as in `registre replay`).
async fn replay_stopping_at(
    store: &dyn EventStore,
    points: &[Point],
) -> anyhow::Result<Vec<(Position, Digests)>> {
    let mut found: Vec<Option<(Position, Digests)>> = vec![None; points.len()];
    let mut models = ReadModels::default();
    let mut next = 1;
    loop {
        let batch = store.read_all(next, MAX_READ_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            for (slot, point) in found.iter_mut().zip(points) {
                if slot.is_none() && !point.includes(e) {
                    *slot = Some((models.position, models.digests()));
                }
            }
            models.apply(e)?;
            next = e.position + 1;
        }
    }
    Ok(found
        .into_iter()
        .map(|f| f.unwrap_or_else(|| (models.position, models.digests())))
        .collect())
}
