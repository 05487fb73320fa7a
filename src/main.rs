//! The `registre` command line: parses settings, opens the store and hands
//! over to one module of [`cli`] per subcommand.

mod cli;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use registre::config::{self, FileSettings};
use registre::store;

#[derive(Parser)]
#[command(name = "registre", version, about = "Event-sourced governance records")]
struct Cli {
    /// TOML settings file (keys: store, listen, log).
    #[arg(long, global = true, env = "REGISTRE_CONFIG")]
    config: Option<PathBuf>,
    /// Event store URL [default: sqlite:./registre.db]
    #[arg(long, global = true, env = "REGISTRE_STORE")]
    store: Option<String>,
    /// Log filter, e.g. `info` or `registre=debug` [default: info]
    #[arg(long, global = true, env = "REGISTRE_LOG")]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(cli::serve::ServeArgs),
    /// Print the log as JSON lines, for auditors.
    Log(cli::log::LogArgs),
    /// Ask a running server whether it is ready (exit 0 when it is).
    Probe(cli::probe::ProbeArgs),
    /// Measure append rates and this disk's fsync floor.
    Bench(cli::bench::BenchArgs),
    /// Manage territorial reference lists.
    Territory(cli::territory::TerritoryArgs),
    /// Seed an empty store with a realistic demo history.
    Demo(cli::demo::DemoArgs),
    /// Issue, list and revoke API tokens.
    Token(cli::token::TokenArgs),
    /// Append generated events from many writers and print each
    /// acknowledgement as it arrives (used by the crash tests).
    #[command(hide = true)]
    StressAppend(cli::stress::StressArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileSettings::load(cli.config.as_deref())?;
    let filter = config::pick(cli.log.clone(), file.log.clone(), "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter)
                .with_context(|| format!("invalid log filter {filter:?}"))?,
        )
        .with_writer(std::io::stderr)
        .init();
    let store_url = config::pick(
        cli.store.clone(),
        file.store.clone(),
        config::DEFAULT_STORE.into(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let open = || async {
            store::open(&store_url)
                .await
                .with_context(|| format!("opening the store {}", store::redact_url(&store_url)))
        };
        match cli.command {
            Command::Serve(args) => cli::serve::run(open().await?, args, &file).await,
            Command::Log(args) => cli::log::run(open().await?, args).await,
            Command::StressAppend(args) => cli::stress::run(open().await?, args).await,
            Command::Probe(args) => cli::probe::run(args),
            // The benchmarks make their own stores.
            Command::Bench(args) => cli::bench::run(args).await,
            Command::Territory(args) => cli::territory::run(open().await?, args).await,
            Command::Demo(args) => cli::demo::run(open().await?, args).await,
            Command::Token(args) => cli::token::run(open().await?, args).await,
        }
    })
}
