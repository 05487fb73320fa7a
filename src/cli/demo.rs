//! `registre demo`: seeds an empty store with a realistic history.

use std::sync::Arc;

use clap::Args;
use registre_service::commands::CommandHandler;
use registre_service::demo::{self, DemoSize};
use registre_service::store::EventStore;

#[derive(Args)]
pub struct DemoArgs {
    /// Seed of the generator: the same seed gives the same history.
    #[arg(long, default_value_t = 2001)]
    pub seed: u64,
    /// Member communes to admit (at most 701).
    #[arg(long, default_value_t = 300)]
    pub communes: usize,
    /// Years of dues, ending with 2024.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(i32).range(2..=20))]
    pub years: i32,
}

pub async fn run(store: Arc<dyn EventStore>, args: DemoArgs) -> anyhow::Result<()> {
    let handler = CommandHandler::new(store);
    let started = std::time::Instant::now();
    let report = demo::seed(
        &handler,
        args.seed,
        DemoSize {
            communes: args.communes,
            years: args.years,
        },
    )
    .await?;
    say!(
        "demo: {} commands, {} events in {:.1} s",
        report.commands,
        report.events,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
