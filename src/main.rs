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
    /// TOML settings file (keys: store, listen, log, state_dir).
    #[arg(long, global = true, env = "REGISTRE_CONFIG")]
    config: Option<PathBuf>,
    /// Event store URL [default: sqlite:./registre.db]
    #[arg(long, global = true, env = "REGISTRE_STORE")]
    store: Option<String>,
    /// Where the read models are saved [default: PATH.state/ beside a
    /// sqlite:PATH store, else ./registre-state/]
    #[arg(long, global = true, env = "REGISTRE_STATE_DIR")]
    state_dir: Option<PathBuf>,
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
    /// Rebuild every read model from the log alone and print its digest.
    Replay(cli::replay::ReplayArgs),
    /// Print the log as JSON lines, for auditors.
    Log(cli::log::LogArgs),
    /// Measure append rates and this disk's fsync floor.
    Bench(cli::bench::BenchArgs),
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
    let state_dir = config::pick(
        cli.state_dir.clone(),
        file.state_dir.clone(),
        config::default_state_dir(&store_url),
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
            Command::Serve(args) => cli::serve::run(open().await?, args, &file, state_dir).await,
            Command::Replay(args) => cli::replay::run(open().await?, args, &state_dir).await,
            Command::Log(args) => cli::log::run(open().await?, args).await,
            Command::StressAppend(args) => cli::stress::run(open().await?, args).await,
            // The benchmarks make their own stores.
            Command::Bench(args) => cli::bench::run(args).await,
        }
    })
}
