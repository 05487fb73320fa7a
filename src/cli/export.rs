//! `registre export`: archival exports.
//!
//! `export log` writes the JSON Lines archival format
//! (`registre-log-export-v1`, see the `registre-audit` crate): every event
//! with its position, canonical form and leaf hash, then the signed heads,
//! ending with one that covers every event. `registre verify --export FILE
//! --key PUBLIC_KEY` checks it with nothing else.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use registre::audit::AuditDir;
use registre::audit::export::write_export;
use registre::store::EventStore;

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
}

pub async fn run(store: &dyn EventStore, dir: &AuditDir, args: ExportArgs) -> anyhow::Result<()> {
    let ExportKind::Log { out, force } = args.kind;
    match write_export(store, dir, &out, force).await {
        Ok(s) => {
            println!(
                "exported {} event(s) and {} signed head(s) to {}",
                s.events,
                s.heads,
                out.display()
            );
            println!(
                "sealed by: {}{}",
                describe_head(&s.sealed_by),
                if s.signed_now { " (signed now)" } else { "" }
            );
            if s.left_out > 0 {
                println!(
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
