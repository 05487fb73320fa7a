//! `registre bench`: the figures registre claims, measured on this machine.
//!
//! Every figure is printed by this command, never asserted by a timed test.
//! Each case runs a fixed amount of work on a fresh store in a temporary
//! directory (beside `--dir`, so it measures that disk). `bench all` runs
//! every case on one generated history (1,000,000 events by default).
//!
//! ## Layout
//! - this file: the arguments, the subcommands and `bench all`'s list.
//! - [`machine`]: the machine's cores, memory and load; the disk's fsyncs.
//! - [`backend`]: a fresh SQLite or PostgreSQL store per case.
//! - [`figures`]: throughput and latency percentiles, as printed.
//! - [`append`]: raw appends of pre-built events.
//! - [`commands`]: durable appends through the command handler.
//! - [`stream_reads`]: a stream's reads past the index's watermark.
//! - [`history`]: the generated history, its speed and size.
//! - [`replay`]: rebuilding every read model, in a process of its own.
//! - [`startup`]: time to `/readyz` without and with saved read models.
//! - [`graphql`]: GraphQL load against a running server.
//! - [`pages`]: the web application's server time and page weight.
//! - [`slow_link`]: a cold first load in Chromium over an emulated slow link.
//! - [`http`]: a minimal keep-alive HTTP/1.1 client.
//! - [`server`]: a spawned `registre serve` and its request load.
//! - [`as_of`]: as-of answers against a replay stopped at the same point.

mod append;
mod as_of;
mod backend;
mod commands;
mod documents;
mod figures;
mod graphql;
mod history;
mod http;
mod machine;
mod pages;
mod replay;
mod server;
mod slow_link;
mod startup;
mod stream_reads;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_service::store::sqlite::Indexing;

use append::append_cases;
use backend::Backend;
use commands::command_cases;
use figures::percentile;
use graphql::{graphql, issue_token};
use history::{copy_store, existing, history};
use machine::{print_fsync_rate, print_machine};
use replay::{replay, replay_apart};
use server::{Server, StorePaths};
use startup::startup;
use stream_reads::stream_reads;

/// The default dashboard query, a typical dashboard's: member counts
/// by region, the members in arrears for a year, and the ten latest events.
const DASHBOARD_QUERY: &str = "{ memberCounts { total byRegion { code count } } dues(year: 2024, inArrears: true, first: 20) { totalCount nodes { memberName balance } } latestEvents(first: 10) { events { position eventType recordedAt } } }";
/// The default mutation: a dues payment, each request on another member
/// and, without a command id, each one a new command under a receipt
/// number of its own.
const MUTATION: &str = "mutation { recordPayment(memberId: \"MEMBER_ID\", year: 2024, amountXof: 1000, paidOn: \"2024-05-02\", receiptRef: \"BENCH-REQUEST_N\") { position } }";
/// The default single-entity lookup: one event and a stream's history.
const LOOKUP_QUERY: &str = "{ event(position: 1000) { position eventType payload } stream(id: \"statutes\", first: 20) { revision eventType occurredAt } }";

/// The server's checkpoint interval.
const AS_OF_INTERVAL: u64 = registre_service::projector::as_of::DEFAULT_INTERVAL;

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
    #[arg(long, global = true, default_value_t = registre_service::store::sqlite::INDEX_BATCH,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub index_batch: u64,
}

/// Cold loads in Chromium over an emulated slow link.
#[derive(Args, Clone)]
pub struct BrowserArgs {
    /// Cold loads per page (0: none).
    #[arg(long, default_value_t = 5)]
    pub browser_runs: usize,
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    pub chromedriver: PathBuf,
    #[arg(long, default_value = "/usr/bin/chromium")]
    pub chromium: PathBuf,
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
    /// is replaced by active members' ids in turn, `REQUEST_N` by the
    /// request's number.
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
    /// Generate a history, start the server, sign in and time the web
    /// application's main pages; weigh their first load.
    Pages {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Requests per page.
        #[arg(long, default_value_t = 300)]
        requests: usize,
        #[command(flatten)]
        browser: BrowserArgs,
    },
    /// Generate a history, start the server, then issue and download
    /// receipts of different payments and the minutes of the largest
    /// sessions; typeset the minutes of a Congrès of 700 present alone.
    Documents {
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Receipts (of different payments) downloaded.
        #[arg(long, default_value_t = 200)]
        receipts: usize,
        /// Minutes (of different sessions) downloaded, and typesettings of
        /// the 700.
        #[arg(long, default_value_t = 10)]
        minutes: usize,
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
        BenchWhat::Pages {
            events,
            requests,
            browser,
        } => {
            let db = history(d, events, 1, indexing).await?;
            pages::open_account(&db).await?;
            let token = issue_token(&db).await?;
            let paths = StorePaths::beside(&db);
            let (server, _) = Server::start(&paths, &d.join("serve.log")).await?;
            pages::pages(&server, &token, requests).await?;
            if browser.browser_runs > 0 {
                pages::slow_link(&server, &browser).await?;
            }
        }
        BenchWhat::Documents {
            events,
            receipts,
            minutes,
        } => {
            let db = history(d, events, 1, indexing).await?;
            let token = issue_token(&db).await?;
            let paths = StorePaths::beside(&db);
            let (server, _) = Server::start(&paths, &d.join("serve.log")).await?;
            documents::documents(&server, &token, receipts, minutes).await?;
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
            pages::open_account(&db).await?;
            let server = startup(d, &db).await?;
            graphql(&server, &token, &load).await?;
            pages::pages(&server, &token, 300).await?;
            documents::documents(&server, &token, 200, 10).await?;
            drop(server);
            println!("all cases in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}
