//! `registre bench`: the figures registre claims, measured on this machine.
//!
//! Every figure is printed by this command, never asserted by a timed test.
//! Each case runs a fixed amount of work on a fresh store in a temporary
//! directory (beside `--dir`, so it measures that disk). `bench all` runs
//! every case on one generated history (1,000,000 events by default).
//!
//! ## Layout
//! - this file: the subcommands, the append cases, replay and size.
//! - [`http`]: a minimal keep-alive HTTP/1.1 client.
//! - [`server`]: start-up and GraphQL load against a spawned `registre serve`.
//! - [`as_of`]: as-of answers against a replay stopped at the same point.

mod as_of;
mod http;
mod server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use registre::commands::CommandHandler;
use registre::projection::rebuild::{Rebuilt, rebuild};
use registre::store::sqlite::{Indexing, SqliteStore};
use registre::store::{AppendRequest, EventStore, ExpectedState};
use registre_domain::member::MemberCommand;
use registre_schema::{Actor, CommandMeta, EventData, Role, StreamId};

use server::{Server, StorePaths};

/// The default dashboard query, a typical dashboard's: member counts
/// by region, the members in arrears for a year, and the ten latest events.
const DASHBOARD_QUERY: &str = "{ memberCounts { total byRegion { code count } } dues(year: 2024, inArrears: true, first: 20) { totalCount nodes { memberName balance } } latestEvents(first: 10) { events { position eventType recordedAt } } }";
/// The default mutation: a dues payment, each request on another member
/// and, without a command id, each one a new command.
const MUTATION: &str = "mutation { recordPayment(memberId: \"MEMBER_ID\", year: 2024, amountXof: 1000, paidOn: \"2024-05-02\", receiptRef: \"BENCH\") { position } }";
/// The default single-entity lookup: one event and a stream's history.
const LOOKUP_QUERY: &str = "{ event(position: 1000) { position eventType payload } stream(id: \"statutes\", first: 20) { revision eventType occurredAt } }";

/// The server's checkpoint interval.
const AS_OF_INTERVAL: u64 = registre::projection::as_of::DEFAULT_INTERVAL;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
    /// Directory for the temporary stores (the disk being measured).
    #[arg(long, global = true, default_value = ".")]
    pub dir: PathBuf,
    /// Events the embedded store may leave out of its stream index before
    /// a group indexes them, in the append cases and the history (the
    /// store's own setting by default): appends' speed against the
    /// pauses and the stream reads' scans.
    #[arg(long, global = true, default_value_t = registre::store::sqlite::INDEX_BATCH,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub index_batch: u64,
}

#[derive(Args, Clone)]
pub struct GraphqlArgs {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Requests per query (at most).
    #[arg(long, default_value_t = 50_000)]
    pub requests: usize,
    /// Seconds per query (at most).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// The dashboard query.
    #[arg(long, default_value = DASHBOARD_QUERY)]
    pub dashboard_query: String,
    /// The single-entity lookup with history.
    #[arg(long, default_value = LOOKUP_QUERY)]
    pub lookup_query: String,
    /// The mutation, measured last (it adds to the history). `MEMBER_ID`
    /// is replaced by active members' ids in turn.
    #[arg(long, default_value = MUTATION)]
    pub mutation: String,
}

#[derive(Args, Clone, Default)]
pub struct PostgresArg {
    /// Also run the append cases on this PostgreSQL database
    /// (`postgres://USER@HOST:PORT/DATABASE`), each in a fresh schema that
    /// is dropped afterwards.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
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
        #[command(flatten)]
        postgres: PostgresArg,
    },
    /// Durable appends of real domain commands (dues payments) through the
    /// command handler, with 1, 8 and 64 concurrent writers.
    Commands {
        /// Commands per case (shared among the writers).
        #[arg(long, default_value_t = 10_000)]
        commands: usize,
        #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
        writers: Vec<usize>,
        #[command(flatten)]
        postgres: PostgresArg,
    },
    /// Generate a history and report its speed and size on disk.
    History {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Keep the history in this new database file (for `--history` of
        /// `replay` and `startup`) instead of a temporary directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Generate a history, then rebuild every read model from it, in a
    /// process of its own: events/s, peak memory, memory per million
    /// events.
    Replay {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Replay this history (made by `bench history --out`) instead of
        /// generating one.
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Generate a history, then time `registre serve` to `/readyz`
    /// without and with saved read models.
    Startup {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Start on this history (made by `bench history --out`) instead of
        /// generating one; it must have no saved state or audit directory
        /// beside it yet (they are left there afterwards).
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Generate a history, start the server and load its GraphQL API.
    Graphql {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        #[command(flatten)]
        load: GraphqlArgs,
    },
    /// Generate a history, then answer as-of queries at past positions
    /// and dates as the server does, cold and warm: each must equal a
    /// replay stopped there (the bench fails otherwise); latencies.
    AsOf {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Points of the log to query (half positions, half dates).
        #[arg(long, default_value_t = 20)]
        points: usize,
        /// Events between checkpoints (the server's by default).
        #[arg(long, default_value_t = AS_OF_INTERVAL)]
        interval: u64,
    },
    /// Stream reads on the embedded store while part of the log is not in
    /// its stream index yet (read from the index, then by a scan of the
    /// log's tail): latency with tails of 0 to 16,384 events.
    StreamReads {
        /// Events in the log before the tail, all indexed.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Reads per tail size, of streams taken in turn.
        #[arg(long, default_value_t = 2_000)]
        reads: usize,
    },
    /// Every case, on one history.
    All {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Commands per durable-append case.
        #[arg(long, default_value_t = 10_000)]
        commands: usize,
        /// Appends per raw-append case.
        #[arg(long, default_value_t = 20_000)]
        appends: usize,
        #[command(flatten)]
        postgres: PostgresArg,
        #[command(flatten)]
        load: GraphqlArgs,
    },
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("registre-bench-")
        .tempdir_in(&args.dir)
        .with_context(|| format!("cannot create a directory in {}", args.dir.display()))?;
    let d = dir.path();
    let indexing = Indexing {
        batch: args.index_batch,
        ..Indexing::default()
    };
    match args.what {
        BenchWhat::Append {
            appends,
            events_per_append,
            writers,
            postgres,
        } => {
            print_fsync_rate(d)?;
            for backend in Backend::chosen(&postgres, indexing) {
                append_cases(d, &backend, appends, events_per_append, &writers).await?;
            }
        }
        BenchWhat::Commands {
            commands,
            writers,
            postgres,
        } => {
            for backend in Backend::chosen(&postgres, indexing) {
                command_cases(d, &backend, commands, &writers).await?;
            }
        }
        BenchWhat::History { events, seed, out } => match out {
            Some(out) => {
                anyhow::ensure!(!out.exists(), "{} already exists", out.display());
                let db = history(d, events, seed, indexing).await?;
                copy_store(&db, &out)?;
            }
            None => {
                history(d, events, seed, indexing).await?;
            }
        },
        BenchWhat::Replay { events, history: h } => match h {
            Some(db) => replay(&existing(db)?).await?,
            None => replay_apart(d, &history(d, events, 1, indexing).await?)?,
        },
        BenchWhat::Startup { events, history: h } => {
            let db = match h {
                Some(db) => {
                    let paths = StorePaths::beside(&db);
                    for dir in [&paths.state, &paths.audit] {
                        anyhow::ensure!(
                            !dir.exists(),
                            "{} exists: the first start-up would not be without saved state",
                            dir.display()
                        );
                    }
                    existing(db)?
                }
                None => history(d, events, 1, indexing).await?,
            };
            drop(startup(d, &db).await?);
        }
        BenchWhat::AsOf {
            events,
            points,
            interval,
        } => {
            let db = history(d, events, 1, indexing).await?;
            as_of::as_of(&db, &d.join("as-of-state"), points, interval).await?;
        }
        BenchWhat::Graphql { events, load } => {
            let db = history(d, events, 1, indexing).await?;
            let token = issue_token(&db).await?;
            let paths = StorePaths::beside(&db);
            let (server, _) = Server::start(&paths, &d.join("serve.log")).await?;
            graphql(&server, &token, &load).await?;
        }
        BenchWhat::StreamReads { events, reads } => stream_reads(d, events, reads).await?,
        BenchWhat::All {
            events,
            commands,
            appends,
            postgres,
            load,
        } => {
            let started = Instant::now();
            print_machine();
            print_fsync_rate(d)?;
            for backend in Backend::chosen(&postgres, indexing) {
                append_cases(d, &backend, appends, 1, &[1, 8, 64]).await?;
                command_cases(d, &backend, commands, &[1, 8, 64]).await?;
            }
            stream_reads(d, 200_000, 2_000).await?;
            let db = history(d, events, 1, indexing).await?;
            replay_apart(d, &db)?;
            as_of::as_of(&db, &d.join("as-of-state"), 20, AS_OF_INTERVAL).await?;
            let token = issue_token(&db).await?;
            let server = startup(d, &db).await?;
            graphql(&server, &token, &load).await?;
            drop(server);
            println!("all cases in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| proc_kb(&m, "MemTotal:"))
        .unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} cores, {:.1} GiB memory, load average {}",
        mem as f64 / 1024.0 / 1024.0,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// Where the append cases write.
enum Backend {
    /// A fresh SQLite file per case, under `--dir`.
    Sqlite(Indexing),
    /// A fresh schema per case in this PostgreSQL database.
    Postgres(String),
}

impl Backend {
    /// The default store, then PostgreSQL when a URL was given.
    fn chosen(arg: &PostgresArg, indexing: Indexing) -> Vec<Backend> {
        let mut v = vec![Backend::Sqlite(indexing)];
        v.extend(arg.postgres.clone().map(Backend::Postgres));
        v
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite store",
            Backend::Postgres(_) => "postgres store",
        }
    }

    /// A new empty store for the case `case`.
    async fn fresh(&self, dir: &Path, case: &str) -> anyhow::Result<CaseStore> {
        match self {
            Backend::Sqlite(indexing) => Ok(CaseStore {
                store: Arc::new(
                    SqliteStore::open_with(dir.join(format!("{case}.db")), *indexing).await?,
                ),
                schema: None,
            }),
            Backend::Postgres(url) => {
                let (base, query) = url.split_once('?').unwrap_or((url, ""));
                let mut params: Vec<&str> = query
                    .split('&')
                    .filter(|p| !p.is_empty() && !p.starts_with("schema="))
                    .collect();
                let driver_url = if params.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", params.join("&"))
                };
                let schema = format!(
                    "bench_{}_{}_{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp(),
                    case.replace('-', "_")
                );
                let with_schema = format!("schema={schema}");
                params.push(&with_schema);
                let store = registre::store::open(&format!("{base}?{}", params.join("&"))).await?;
                Ok(CaseStore {
                    store,
                    schema: Some((driver_url, schema)),
                })
            }
        }
    }
}

/// A case's store; a PostgreSQL schema made for it is dropped by `finish`.
struct CaseStore {
    store: Arc<dyn EventStore>,
    schema: Option<(String, String)>,
}

impl CaseStore {
    async fn finish(self) -> anyhow::Result<()> {
        drop(self.store);
        if let Some((url, schema)) = self.schema {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .context("connecting to drop a benchmark schema")?;
            let driver = tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await
                .with_context(|| format!("dropping the benchmark schema {schema}"))?;
            drop(client);
            let _ = driver.await;
        }
        Ok(())
    }
}

fn print_fsync_rate(dir: &Path) -> anyhow::Result<()> {
    let rate = fsync_rate(dir)?;
    println!("disk: {rate:.0} fsyncs/s (4 KiB write + fdatasync, one thread)");
    Ok(())
}

async fn append_cases(
    dir: &Path,
    backend: &Backend,
    appends: usize,
    events_per_append: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    println!(
        "raw append, {events_per_append} event(s) per append, {appends} appends per case ({}):",
        backend.name()
    );
    for (i, w) in writers.iter().enumerate() {
        let case = backend.fresh(dir, &format!("append-{i}")).await?;
        let r = raw_append(case.store.clone(), (*w).max(1), appends, events_per_append).await;
        case.finish().await?;
        println!("  {}", r?);
    }
    Ok(())
}

/// Durable appends through the command handler: each writer records dues
/// payments for its own share of the members, one command at a time.
async fn command_cases(
    dir: &Path,
    backend: &Backend,
    commands: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    let case = backend.fresh(dir, "commands").await?;
    let result = command_cases_on(case.store.clone(), backend, commands, writers).await;
    case.finish().await?;
    result
}

async fn command_cases_on(
    store: Arc<dyn EventStore>,
    backend: &Backend,
    commands: usize,
    writers: &[usize],
) -> anyhow::Result<()> {
    let handler = Arc::new(CommandHandler::new(store));
    let t = Instant::now();
    let seeded = registre::demo::seed(
        &handler,
        7,
        registre::demo::DemoSize {
            communes: 701,
            years: 2,
        },
    )
    .await?;
    println!(
        "command handler: seeded the demo ({} commands, {} events) in {:.1} s",
        seeded.commands,
        seeded.events,
        t.elapsed().as_secs_f64()
    );
    let mut members: Vec<uuid::Uuid> = handler
        .with_view(|v| {
            v.members
                .iter()
                .filter(|(_, m)| m.status.is_member())
                .map(|(id, _)| *id)
                .collect()
        })
        .await?;
    members.sort();
    println!(
        "durable append through the command handler (recordPayment), {commands} commands per case ({}):",
        backend.name()
    );
    for (case, &writers) in writers.iter().enumerate() {
        let writers = writers.clamp(1, members.len().max(1));
        let per_writer = commands.div_ceil(writers);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let mine: Vec<uuid::Uuid> = members.iter().skip(w).step_by(writers).copied().collect();
            let handler = handler.clone();
            tasks.push(tokio::spawn(async move {
                let actor = Actor {
                    id: "secretariat-permanent".into(),
                    role: Role::Secretariat,
                };
                let mut latencies = Vec::with_capacity(per_writer);
                let mut events = 0usize;
                let paid_on = chrono::NaiveDate::from_ymd_opt(2024, 5, 2).expect("valid date");
                let when = chrono::DateTime::from_naive_utc_and_offset(
                    paid_on.and_hms_opt(10, 0, 0).expect("valid time"),
                    chrono::Utc,
                );
                for n in 0..per_writer {
                    let command = MemberCommand::RecordPayment {
                        member_id: mine[n % mine.len()],
                        year: 2024,
                        amount_xof: 1_000,
                        paid_on,
                        receipt_ref: format!("B-{case}-{w}-{n}"),
                    };
                    let t = Instant::now();
                    let outcome = handler
                        .handle(CommandMeta::new(actor.clone()), when, command)
                        .await?;
                    latencies.push(t.elapsed());
                    events += outcome.appended;
                }
                anyhow::Ok((latencies, events))
            }));
        }
        let mut latencies = Vec::new();
        let mut events = 0;
        for t in tasks {
            let (l, e) = t.await??;
            latencies.extend(l);
            events += e;
        }
        let f = Figures {
            label: format!("{writers} writer{}", if writers == 1 { "" } else { "s" }),
            commands: latencies.len(),
            events,
            elapsed: start.elapsed(),
            latencies,
        };
        println!("  {f}");
    }
    Ok(())
}

/// Generates a history of `events` events into `dir/history.db`; prints
/// its speed and size on disk.
async fn history(
    dir: &Path,
    events: usize,
    seed: u64,
    indexing: Indexing,
) -> anyhow::Result<PathBuf> {
    let db = dir.join("history.db");
    let store = Arc::new(SqliteStore::open_with(&db, indexing).await?);
    let handler = CommandHandler::new(store.clone() as Arc<dyn EventStore>);
    let t = Instant::now();
    let r = registre::history::generate(&handler, seed, events).await?;
    let secs = t.elapsed().as_secs_f64();
    drop(handler);
    // Closed, its last events indexed, before it is measured and copied.
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await?,
        Err(_) => anyhow::bail!("the history's store is still in use"),
    }
    println!(
        "history: {} events ({} commands through the handler, {} raw appends, years to {}) in {secs:.1} s, {:.0} events/s",
        r.events,
        r.commands,
        r.appends,
        r.last_year,
        r.events as f64 / secs
    );
    let size = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let db_bytes = size(db.clone());
    let wal = size(PathBuf::from(format!("{}-wal", db.display())));
    println!(
        "size: {:.1} MB database + {:.1} MB WAL = {:.0} bytes per event",
        db_bytes as f64 / 1e6,
        wal as f64 / 1e6,
        (db_bytes + wal) as f64 / r.events.max(1) as f64
    );
    Ok(db)
}

/// A history database given on the command line, which must exist (the
/// store would otherwise create an empty one).
fn existing(db: PathBuf) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(db.is_file(), "no history database at {}", db.display());
    Ok(db)
}

/// Copies the history into `to` (`VACUUM INTO`: a consistent copy, even
/// while the generating store's threads are still closing).
fn copy_store(db: &Path, to: &Path) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .with_context(|| format!("cannot copy the history to {}", to.display()))?;
    println!("history kept in {}", to.display());
    Ok(())
}

fn proc_kb(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| proc_kb(&s, key))
        .unwrap_or(0)
}

/// Rebuilds every read model from the log: speed, peak memory, and the
/// resident memory the models hold.
///
/// Memory is the process's anonymous memory (`RssAnon`): the readers map
/// the database file, and its pages, which the OS cache holds anyway,
/// would otherwise count as the models'. The peak is sampled every 5 ms.
async fn replay(db: &Path) -> anyhow::Result<()> {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(db).await?);
    let before = status_kb("RssAnon:");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = std::thread::spawn({
        let done = done.clone();
        move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_kb("RssAnon:"));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        }
    });
    let rebuilt = rebuild(&store, |_| true).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(0).max(status_kb("RssAnon:"));
    let Rebuilt {
        models,
        events,
        elapsed,
        fold,
    } = rebuilt?;
    let held = status_kb("RssAnon:").saturating_sub(before);
    println!(
        "replay: {events} events in {:.2} s, {:.0} events/s (folding the decoded events alone {:.0} events/s); peak anonymous memory {:.0} MB",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        events as f64 / fold.as_secs_f64().max(1e-9),
        peak as f64 / 1024.0
    );
    println!(
        "read models: {:.0} MB resident after the replay, {:.0} MB per million events",
        held as f64 / 1024.0,
        held as f64 / 1024.0 / (events.max(1) as f64 / 1e6)
    );
    drop(models);
    Ok(())
}

/// [`replay`] in a process of its own (this binary's `bench replay
/// --history`), as `registre replay` and a start-up replay run: not in the
/// process that has just generated the history, whose leftovers the
/// replay would otherwise be measured with: about 120 MB of the
/// generator's heap in the peak memory, and at times a slower fold (in
/// one profile the kernel zeroing pages for it took 18 % of the samples,
/// against under 1 % in a fresh process).
fn replay_apart(dir: &Path, db: &Path) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding this binary")?;
    let status = std::process::Command::new(exe)
        .args(["--log", "warn", "bench", "--dir"])
        .arg(dir)
        .args(["replay", "--history"])
        .arg(db)
        .stdin(std::process::Stdio::null())
        .status()
        .context("spawning the replay")?;
    anyhow::ensure!(status.success(), "the replay failed: {status}");
    Ok(())
}

async fn issue_token(db: &Path) -> anyhow::Result<String> {
    let store = SqliteStore::open(db).await?;
    let (secret, _) = registre::auth::issue_token(
        &store,
        "bench",
        Role::Secretariat,
        registre::auth::operator(),
    )
    .await?;
    Ok(secret.expose().to_string())
}

/// Time to `/readyz`: first with no saved read models (and a fresh audit
/// trail over the whole log), then, after a clean stop that saves them,
/// with saved read models. Returns the second server, still running.
async fn startup(dir: &Path, db: &Path) -> anyhow::Result<Server> {
    let paths = StorePaths::beside(db);
    let (mut first, cold) = Server::start(&paths, &dir.join("serve-1.log")).await?;
    println!(
        "start-up to /readyz without saved read models: {:.2} s",
        cold.as_secs_f64()
    );
    first.stop()?;
    let (second, warm) = Server::start(&paths, &dir.join("serve-2.log")).await?;
    println!(
        "start-up to /readyz with saved read models: {:.2} s",
        warm.as_secs_f64()
    );
    Ok(second)
}

async fn graphql(server: &Server, token: &str, a: &GraphqlArgs) -> anyhow::Result<()> {
    let limit = Duration::from_secs(a.seconds);
    println!(
        "GraphQL over loopback, {} connections, at most {} requests or {} s per query:",
        a.connections, a.requests, a.seconds
    );
    use server::Texts::{Distinct, Members, Same};
    let mut cases = vec![
        (
            "dashboard, same text (cached)",
            a.dashboard_query.clone(),
            Same,
        ),
        (
            "dashboard, distinct texts (computed)",
            a.dashboard_query.clone(),
            Distinct,
        ),
        ("lookup", a.lookup_query.clone(), Same),
    ];
    let members = Arc::new(active_members(server.addr, token).await?);
    anyhow::ensure!(
        !members.is_empty(),
        "no active member to record payments for"
    );
    cases.push((
        "mutation (recordPayment, members in turn)",
        a.mutation.clone(),
        Members(members),
    ));
    for (label, query, texts) in cases {
        let r = server::load(
            server.addr,
            token,
            label,
            &query,
            texts,
            a.connections,
            a.requests,
            limit,
        )
        .await?;
        println!("  {r}");
    }
    Ok(())
}

/// Ids of up to 500 active members, asked over GraphQL.
async fn active_members(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = http::Conn::connect(addr).await?;
    let body = serde_json::to_vec(&serde_json::json!({
        "query": "{ members(status: ACTIVE, first: 500) { nodes { id } } }"
    }))?;
    let r = conn.request("POST", "/graphql", Some(token), &body).await?;
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    Ok(v["data"]["members"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Streams of the stream-reads case: as many as the AMM's members.
const READ_STREAMS: usize = 701;

/// Appends `events` one-event appends round-robin over the member streams
/// `member-0`…, 64 in flight.
async fn fill(store: &Arc<SqliteStore>, events: usize, from: usize) -> anyhow::Result<()> {
    let actor = Actor {
        id: "bench".into(),
        role: Role::System,
    };
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..64 {
        let store = store.clone();
        let actor = actor.clone();
        tasks.spawn(async move {
            for n in (from + w..from + events).step_by(64) {
                store
                    .append(AppendRequest {
                        stream_id: StreamId::new(format!("member-{}", n % READ_STREAMS))?,
                        expected: ExpectedState::Any,
                        meta: CommandMeta::new(actor.clone()),
                        events: vec![EventData::new(
                            "DuesPaid",
                            1,
                            chrono::Utc::now(),
                            serde_json::json!({
                                "member_id": "0192f0c4-7a1e-7cc2-9d1e-3b5a2f1c9e01",
                                "year": 2024, "amount_xof": 150000, "receipt": format!("R-{n}")
                            }),
                        )],
                    })
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// Latency of a stream's read (its last 20 events) with tails of growing
/// size past the stream index's watermark.
async fn stream_reads(dir: &Path, events: usize, reads: usize) -> anyhow::Result<()> {
    let db = dir.join("stream-reads.db");
    // Indexed only when closed: the tail is what this case appends.
    let unindexed = Indexing {
        batch: u64::MAX,
        delay: Duration::from_secs(24 * 3600),
    };
    let store = Arc::new(SqliteStore::open_with(&db, unindexed).await?);
    fill(&store, events, 0).await?;
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await?,
        Err(_) => anyhow::bail!("the stream-reads store is still in use"),
    }
    let store = Arc::new(SqliteStore::open_with(&db, unindexed).await?);
    println!(
        "stream reads ({events} events indexed over {READ_STREAMS} streams, the last 20 events of a stream):"
    );
    let mut tail = 0;
    for target in [0, 1_024, 4_096, 8_192, 16_384] {
        fill(&store, target - tail, events + tail).await?;
        tail = target;
        let mut latencies = Vec::with_capacity(reads);
        for n in 0..reads {
            let stream = StreamId::new(format!("member-{}", (n * 7) % READ_STREAMS))?;
            let last = (events + tail) / READ_STREAMS;
            let t = Instant::now();
            let got = store
                .read_stream(&stream, last.saturating_sub(20) as u64, 20)
                .await?;
            latencies.push(t.elapsed());
            anyhow::ensure!(!got.is_empty(), "{stream} read nothing");
        }
        latencies.sort();
        println!(
            "  tail of {tail:>6} events   p50 {:>6.3} ms  p99 {:>6.3} ms",
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        );
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
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
    // Build every request first so the clock measures the store alone,
    // round by round across the writers: ids (UUIDv7) are then minted in
    // about the order they are appended, as they are in a live system,
    // instead of each writer's ids forming a run of their own that every
    // group would insert into at 64 places.
    let streams = (0..writers)
        .map(|w| StreamId::new(format!("bench-{w}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut prepared: Vec<Vec<AppendRequest>> = (0..writers)
        .map(|_| Vec::with_capacity(per_writer))
        .collect();
    for n in 0..per_writer {
        for (w, stream) in streams.iter().enumerate() {
            prepared[w].push(AppendRequest {
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
            });
        }
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
