//! `registre members import FILE.csv` and `registre payments import
//! FILE.csv`: the secretariat's spreadsheets into the log, all or nothing
//! (see `registre_service::spreadsheets` for the columns). Each refused
//! line is printed with its reason in French; a file imported again adds
//! nothing.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_schema::Actor;
use registre_service::application::{Application, ImportError};
use registre_service::auth::{TokenBook, TokenRegistry};
use registre_service::spreadsheets::{Refusal, Sheet, members, payments};
use registre_service::store::EventStore;

#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a CSV file saved by a spreadsheet (comma or semicolon,
    /// UTF-8); `registre members import --help` lists the columns.
    Import {
        file: PathBuf,
        /// Coding scheme of the communes' codes.
        #[arg(long, default_value = "ocha-pcode")]
        scheme: String,
        /// Edition of the scheme.
        #[arg(long, default_value = "2015")]
        edition: String,
    },
}

/// What a file holds.
#[derive(Clone, Copy)]
pub enum Register {
    Members,
    Payments,
}

fn said(r: &Refusal) -> String {
    match r.line {
        0 => format!("{} ({})", r.message.french, r.code),
        n => format!("ligne {n} : {} ({})", r.message.french, r.code),
    }
}

fn refused(refusals: &[Refusal]) -> anyhow::Error {
    for r in refusals {
        eprintln!("{}", said(r));
    }
    anyhow::anyhow!(
        "{} ligne(s) refusée(s) : rien n'a été importé",
        refusals.len()
    )
}

pub async fn run(
    store: Arc<dyn EventStore>,
    register: Register,
    args: ImportArgs,
) -> anyhow::Result<()> {
    let ImportCommand::Import {
        file,
        scheme,
        edition,
    } = args.command;
    let f = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
    let required: &[&str] = match register {
        Register::Members => &members::REQUIRED,
        Register::Payments => &payments::REQUIRED,
    };
    let sheet = Sheet::read(f, required).map_err(|r| refused(&[r]))?;
    let lines = match register {
        Register::Members => members::lines(&sheet, &scheme, &edition),
        Register::Payments => payments::lines(&sheet, &scheme, &edition),
    }
    .map_err(|r| refused(&r))?;
    let app = Application::new(store, TokenRegistry::from_book(TokenBook::default()));
    let total = lines.len();
    match app.import_lines(Actor::system(), lines).await {
        Ok(done) => {
            say!(
                "{total} ligne(s) lue(s) : {} importée(s), {} déjà importée(s) auparavant",
                done.written,
                done.already
            );
            // A running server shows them once its registers reach this
            // position (`minPosition` in a query waits for it).
            if let Some(position) = done.last_position {
                say!("journal écrit jusqu'à la position {position}");
            }
            Ok(())
        }
        Err(ImportError::Refused(r)) => Err(refused(&r)),
        Err(ImportError::Command(e)) => Err(anyhow::Error::from(e)
            .context("import interrompu : relancez-le, il reprendra où il s'est arrêté")),
    }
}
