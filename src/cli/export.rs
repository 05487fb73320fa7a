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
//! RFC 4180) or the Popolo JSON of the association.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use registre_projections::{ReadModel, ReadModels};
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
    },
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

/// The read models folded from the whole log.
async fn fold(store: &dyn EventStore) -> anyhow::Result<ReadModels> {
    let mut models = ReadModels::default();
    let mut next = 1;
    loop {
        let batch = store.read_all(next, MAX_READ_BATCH).await?;
        let Some(last) = batch.last() else {
            return Ok(models);
        };
        next = last.position + 1;
        for e in &batch {
            models.apply(e)?;
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
        } => {
            let models = fold(store).await?;
            let mut bytes = Vec::new();
            let today = chrono::Utc::now().date_naive();
            let rows = csv::write(&models, register.into(), today, &mut bytes)?;
            write_new(&out, force, &bytes)?;
            say!(
                "exported {rows} row(s) at position {} to {}",
                models.position,
                out.display()
            );
            return Ok(());
        }
        ExportKind::Popolo { out, force, name } => {
            let models = fold(store).await?;
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
