//! `registre territory import FILE.csv --scheme S --edition E`: registers a
//! reference list of territorial units. Re-importing an edition adds only
//! what is new (nothing, for the same file); a malformed row refuses the
//! whole file with its line number.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_domain::territory::TerritoryCommand;
use registre_schema::{Actor, CommandMeta};
use registre_service::commands::CommandHandler;
use registre_service::store::EventStore;
use registre_service::territory_csv;

#[derive(Args)]
pub struct TerritoryArgs {
    #[command(subcommand)]
    pub command: TerritoryCommandArgs,
}

#[derive(Subcommand)]
pub enum TerritoryCommandArgs {
    /// Import a CSV list (one row per commune with its cercle and region).
    Import {
        file: PathBuf,
        /// Coding scheme of the codes, e.g. ocha-pcode.
        #[arg(long)]
        scheme: String,
        /// Edition of the scheme, e.g. 2015.
        #[arg(long)]
        edition: String,
    },
}

pub async fn run(store: Arc<dyn EventStore>, args: TerritoryArgs) -> anyhow::Result<()> {
    let TerritoryCommandArgs::Import {
        file,
        scheme,
        edition,
    } = args.command;
    let f = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
    let units = territory_csv::parse(f).with_context(|| format!("reading {}", file.display()))?;
    let handler = CommandHandler::new(store);
    let outcome = handler
        .handle(
            CommandMeta::new(Actor::system()),
            chrono::Utc::now(),
            TerritoryCommand::Import {
                scheme,
                edition,
                units,
            },
        )
        .await
        .map_err(|e| match e {
            registre_service::commands::CommandError::Rejected(d) => {
                anyhow::anyhow!("{} ({}): {d}", d.message_fr(), d.code())
            }
            other => other.into(),
        })?;
    say!(
        "{} unit(s) registered in {}",
        outcome.events.len(),
        outcome.stream_id
    );
    Ok(())
}
