//! `registre territory import FILE.csv --scheme S --edition E`: registers a
//! reference list of territorial units. Re-importing an edition adds only
//! what is new (nothing, for the same file); a malformed row refuses the
//! whole file with its line number.
//!
//! `registre territory reorganise --kind split --from-edition 2015 --from
//! ML01 --to-edition 2023 --to ML11 --to ML12 --effective-from 2023-01-01
//! --reference "..."`: records that units of one edition became units of
//! another (the successors imported first).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use registre_domain::territory::TerritoryCommand;
use registre_schema::events::{ReorganisationKind, TerritorialUnitKey};
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
    /// Record a reorganisation: units of one edition became units of
    /// another.
    Reorganise {
        /// split, merge, rename, transfer or creation.
        #[arg(long, value_parser = kind)]
        kind: ReorganisationKind,
        /// Coding scheme of both editions.
        #[arg(long, default_value = "ocha-pcode")]
        scheme: String,
        #[arg(long)]
        from_edition: String,
        /// A predecessor's code (repeat for each).
        #[arg(long = "from", required = true)]
        predecessors: Vec<String>,
        #[arg(long)]
        to_edition: String,
        /// A successor's code (repeat for each).
        #[arg(long = "to", required = true)]
        successors: Vec<String>,
        /// The day the new units take effect.
        #[arg(long)]
        effective_from: NaiveDate,
        /// The law or decree that reorganised them.
        #[arg(long)]
        reference: String,
    },
}

fn kind(text: &str) -> Result<ReorganisationKind, String> {
    Ok(match text {
        "split" => ReorganisationKind::Split,
        "merge" => ReorganisationKind::Merge,
        "rename" => ReorganisationKind::Rename,
        "transfer" => ReorganisationKind::Transfer,
        "creation" => ReorganisationKind::Creation,
        _ => return Err("one of split, merge, rename, transfer, creation".into()),
    })
}

pub async fn run(store: Arc<dyn EventStore>, args: TerritoryArgs) -> anyhow::Result<()> {
    let importing = matches!(args.command, TerritoryCommandArgs::Import { .. });
    let command = match args.command {
        TerritoryCommandArgs::Import {
            file,
            scheme,
            edition,
        } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            let units =
                territory_csv::parse(f).with_context(|| format!("reading {}", file.display()))?;
            TerritoryCommand::Import {
                scheme,
                edition,
                units,
            }
        }
        TerritoryCommandArgs::Reorganise {
            kind,
            scheme,
            from_edition,
            predecessors,
            to_edition,
            successors,
            effective_from,
            reference,
        } => {
            let keys = |edition: &str, codes: Vec<String>| {
                codes
                    .into_iter()
                    .map(|code| TerritorialUnitKey {
                        scheme: scheme.clone(),
                        edition: edition.to_owned(),
                        code,
                    })
                    .collect()
            };
            TerritoryCommand::RecordReorganisation {
                reorganisation_id: uuid::Uuid::now_v7(),
                kind,
                effective_from,
                predecessors: keys(&from_edition, predecessors),
                successors: keys(&to_edition, successors),
                legal_reference: reference,
            }
        }
    };
    let handler = CommandHandler::new(store);
    let outcome = handler
        .handle(
            CommandMeta::new(Actor::system()),
            chrono::Utc::now(),
            command,
        )
        .await
        .map_err(|e| match e {
            registre_service::commands::CommandError::Rejected(d) => {
                anyhow::anyhow!("{} ({}): {d}", d.message_fr(), d.code())
            }
            other => other.into(),
        })?;
    let what = match importing {
        true => "unit(s) registered",
        false => "reorganisation(s) recorded",
    };
    say!("{} {what} in {}", outcome.events.len(), outcome.stream_id);
    Ok(())
}
