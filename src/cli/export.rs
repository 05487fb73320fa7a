//! `registre export`: archival exports.
//!
//! `export log` writes the JSON Lines archival format
//! (`registre-log-export-v1`, see the `registre-audit` crate): every event
//! with its position, canonical form and leaf hash, then the signed heads,
//! ending with one that covers every event. `registre verify --export FILE
//! --key PUBLIC_KEY` checks it with nothing else.
//!
//! `export csv --register R` and `export popolo` fold the log into the
//! read models and write a register for spreadsheets (UTF-8 with BOM,
//! RFC 4180) or the Popolo JSON of the association: as they stand, as
//! recorded by a day (`--recorded-by`) or as in force on a day
//! (`--in-force-on`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use registre_projections::{ReadModel, ReadModels, in_force};
use registre_schema::DecodedEvent;
use registre_service::audit_trail::AuditDir;
use registre_service::audit_trail::export::write_export;
use registre_service::exports::csv::Register;
use registre_service::exports::{csv, popolo};
use registre_service::store::{EventStore, MAX_READ_BATCH};

use super::Tampered;
use super::verify::describe_head;

#[derive(Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub kind: ExportKind,
}

#[derive(Subcommand)]
pub enum ExportKind {
    /// The whole log as JSON Lines with leaf hashes and signed tree heads.
    Log {
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// One register as CSV (UTF-8 with BOM, for spreadsheets).
    Csv {
        #[arg(long, value_enum)]
        register: RegisterArg,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        when: When,
    },
    /// The association as Popolo JSON (organizations, memberships, posts,
    /// motions, vote events).
    Popolo {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        force: bool,
        /// The association's name.
        #[arg(long, default_value = "Association des Municipalités du Mali")]
        name: String,
        #[command(flatten)]
        when: When,
    },
}

/// Which registers to write: as they stand now (neither), or one of the
/// two kinds of "as of".
#[derive(Args, Clone, Copy)]
pub struct When {
    /// As recorded by the end of this day (YYYY-MM-DD): what the
    /// secretariat had entered by then (tel qu'enregistré à cette date).
    #[arg(long, conflicts_with = "in_force_on")]
    pub recorded_by: Option<NaiveDate>,
    /// As the world was on this day (YYYY-MM-DD), as the log knows it
    /// now: every change effective by then, whenever recorded (en
    /// vigueur à cette date).
    #[arg(long)]
    pub in_force_on: Option<NaiveDate>,
}

impl When {
    /// Whether the event belongs to the registers asked for.
    fn keeps(self, e: &DecodedEvent) -> bool {
        match (self.recorded_by, self.in_force_on) {
            (Some(day), _) => e.recorded_at.date_naive() <= day,
            (None, Some(day)) => e
                .payload
                .as_ref()
                .is_some_and(|p| in_force::belongs_to(p, e.occurred_at, day)),
            (None, None) => true,
        }
    }

    /// The day arrears and standing are judged on.
    fn day(self) -> NaiveDate {
        self.recorded_by
            .or(self.in_force_on)
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RegisterArg {
    Membership,
    Dues,
    Resolutions,
    Officers,
}

impl From<RegisterArg> for Register {
    fn from(r: RegisterArg) -> Self {
        match r {
            RegisterArg::Membership => Register::Membership,
            RegisterArg::Dues => Register::Dues,
            RegisterArg::Resolutions => Register::Resolutions,
            RegisterArg::Officers => Register::Officers,
        }
    }
}

/// The read models folded from the log's events `when` keeps.
async fn fold(store: &dyn EventStore, when: When) -> anyhow::Result<ReadModels> {
    let mut models = ReadModels::default();
    let mut next = 1;
    loop {
        let batch = store.read_all_decoded(next, MAX_READ_BATCH).await?;
        let Some(last) = batch.last() else {
            return Ok(models);
        };
        next = last.position + 1;
        for e in batch.iter().filter(|e| when.keeps(e)) {
            models.apply_decoded(e)?;
        }
    }
}

/// Writes `bytes` to `out` through a temporary file, refusing to replace
/// an existing file without `force`.
fn write_new(out: &Path, force: bool, bytes: &[u8]) -> anyhow::Result<()> {
    if out.exists() && !force {
        anyhow::bail!(
            "{} exists; refusing to overwrite it (use --force)",
            out.display()
        );
    }
    let tmp = out.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))
}

pub async fn run(store: &dyn EventStore, dir: &AuditDir, args: ExportArgs) -> anyhow::Result<()> {
    let (out, force) = match args.kind {
        ExportKind::Log { out, force } => (out, force),
        ExportKind::Csv {
            register,
            out,
            force,
            when,
        } => {
            let models = fold(store, when).await?;
            let mut bytes = Vec::new();
            let rows = csv::write(&models, register.into(), when.day(), &mut bytes)?;
            write_new(&out, force, &bytes)?;
            say!(
                "exported {rows} row(s) at position {} to {}",
                models.position,
                out.display()
            );
            return Ok(());
        }
        ExportKind::Popolo {
            out,
            force,
            name,
            when,
        } => {
            let models = fold(store, when).await?;
            let doc = popolo::document(&models, &name);
            write_new(&out, force, &serde_json::to_vec_pretty(&doc)?)?;
            say!(
                "exported the Popolo document at position {} to {}",
                models.position,
                out.display()
            );
            return Ok(());
        }
    };
    match write_export(store, dir, &out, force).await {
        Ok(s) => {
            say!(
                "exported {} event(s) and {} signed head(s) to {}",
                s.events,
                s.heads,
                out.display()
            );
            say!(
                "sealed by: {}{}",
                describe_head(&s.sealed_by),
                if s.signed_now { " (signed now)" } else { "" }
            );
            if s.left_out > 0 {
                say!(
                    "note: a running server holds the audit key; the {} event(s) after its \
                     latest signed head are not in this export (it signs every minute)",
                    s.left_out
                );
            }
            Ok(())
        }
        Err(f) if f.is_tampering() => Err(Tampered(f.to_string()).into()),
        Err(f) => Err(f.into()),
    }
}
