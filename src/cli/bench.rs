//! `registre bench`: the figures registre claims, measured on this machine.
//!
//! Every figure is printed by this command, never asserted by a timed test.
//! Each case runs a fixed amount of work on a fresh store in a temporary
//! directory (beside `--dir`, so it measures that disk).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use registre::store::sqlite::SqliteStore;
use registre::store::{AppendRequest, EventStore, ExpectedState};
use registre_schema::{Actor, CommandMeta, EventData, Role, StreamId};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
    /// Directory for the temporary stores (the disk being measured).
    #[arg(long, global = true, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// This disk's fsync rate, then raw appends of pre-built events with 1,
    /// 8 and 64 concurrent writers.
    Append {
        /// Appends per case (shared among the writers).
        #[arg(long, default_value_t = 20_000)]
        appends: usize,
        /// Events in each append.
        #[arg(long, default_value_t = 1)]
        events_per_append: usize,
        /// Writer counts to measure.
        #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
        writers: Vec<usize>,
    },
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("registre-bench-")
        .tempdir_in(&args.dir)
        .with_context(|| format!("cannot create a directory in {}", args.dir.display()))?;
    match args.what {
        BenchWhat::Append {
            appends,
            events_per_append,
            writers,
        } => {
            let rate = fsync_rate(dir.path())?;
            println!("disk: {rate:.0} fsyncs/s (4 KiB write + fdatasync, one thread)");
            println!(
                "raw append, {events_per_append} event(s) per append, {appends} appends per case (sqlite store):"
            );
            for (i, w) in writers.into_iter().enumerate() {
                let path = dir.path().join(format!("append-{i}.db"));
                let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await?);
                let r = raw_append(store, w.max(1), appends, events_per_append).await?;
                println!("  {r}");
            }
        }
    }
    Ok(())
}

/// The floor under every durable append: how often this disk completes a
/// small write plus fdatasync.
fn fsync_rate(dir: &Path) -> anyhow::Result<f64> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let block = [0u8; 4096];
    let n = 300;
    let start = Instant::now();
    for _ in 0..n {
        f.write_all(&block)?;
        f.sync_data()?;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(path)?;
    Ok(rate)
}

pub struct Figures {
    pub label: String,
    pub commands: usize,
    pub events: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let mut l = self.latencies.clone();
        l.sort_unstable();
        let pct = |p: f64| {
            l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        write!(
            f,
            "{:<12} {:>9.0} commands/s {:>9.0} events/s   latency p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.label,
            self.commands as f64 / secs,
            self.events as f64 / secs,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            l.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        )
    }
}

/// `writers` tasks share `appends` appends of pre-built events, each writer
/// on its own stream with an exact expected revision.
async fn raw_append(
    store: Arc<dyn EventStore>,
    writers: usize,
    appends: usize,
    events_per_append: usize,
) -> anyhow::Result<Figures> {
    let actor = Actor {
        id: "bench".into(),
        role: Role::System,
    };
    let per_writer = appends.div_ceil(writers);
    // Build every request first so the clock measures the store alone.
    let mut prepared = Vec::with_capacity(writers);
    for w in 0..writers {
        let stream = StreamId::new(format!("bench-{w}"))?;
        let requests: Vec<AppendRequest> = (0..per_writer)
            .map(|n| AppendRequest {
                stream_id: stream.clone(),
                expected: if n == 0 {
                    ExpectedState::NoStream
                } else {
                    ExpectedState::Exact((n * events_per_append - 1) as u64)
                },
                meta: CommandMeta::new(actor.clone()),
                events: (0..events_per_append)
                    .map(|i| {
                        EventData::new(
                            "DuesPaid",
                            1,
                            chrono::Utc::now(),
                            serde_json::json!({
                                "member_id": "0192f0c4-7a1e-7cc2-9d1e-3b5a2f1c9e01",
                                "year": 2024, "amount_xof": 150000, "index": i,
                                "receipt": format!("R-{w}-{n}-{i}")
                            }),
                        )
                    })
                    .collect(),
            })
            .collect();
        prepared.push(requests);
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(writers);
    for requests in prepared {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests.len());
            for req in requests {
                let t = Instant::now();
                store.append(req).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(appends);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = start.elapsed();
    Ok(Figures {
        label: format!("{writers} writer{}", if writers == 1 { "" } else { "s" }),
        commands: latencies.len(),
        events: latencies.len() * events_per_append,
        elapsed,
        latencies,
    })
}
