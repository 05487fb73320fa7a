//! `registre document verify FILE.pdf --key KEY`: an official document
//! checked offline, with the file and the registre's public key alone.
//! The records it states are read from its attachment, each proved in
//! the tree of the signed head it carries.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_audit::StatedRecords;
use registre_service::audit_trail::dir::read_public_key;

use super::Tampered;

#[derive(Args)]
pub struct DocumentArgs {
    #[command(subcommand)]
    pub command: DocumentCommand,
}

#[derive(Subcommand)]
pub enum DocumentCommand {
    /// Check a document's attached records against the public key
    /// (exit status 3 when they do not check).
    Verify {
        /// The PDF, as downloaded or scanned back from the original file.
        file: PathBuf,
        /// The registre's public key file (an auditor's own copy).
        #[arg(long)]
        key: PathBuf,
    },
}

/// The largest PDF read (a Congrès' minutes with 700 members and every
/// proof are about 2 MB).
const MAX_PDF: u64 = 64 << 20;

pub fn run(args: DocumentArgs) -> anyhow::Result<()> {
    match args.command {
        DocumentCommand::Verify { file, key } => verify(&file, &key),
    }
}

fn verify(file: &Path, key: &Path) -> anyhow::Result<()> {
    let key = read_public_key(key)?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_PDF,
        "{} is over 64 MiB: not a registre document",
        file.display()
    );
    let pdf = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let attached = registre_documents::proofs_of(&pdf)
        .map_err(|e| Tampered(format!("{}: {e}", file.display())))?;
    let records = StatedRecords::from_json(&attached)
        .map_err(|e| Tampered(format!("{}: {e}", file.display())))?;
    let verified = records
        .verify(&key)
        .map_err(|e| Tampered(format!("{} ({}): {e}", file.display(), records.reference)))?;
    say!(
        "OK: document {} states {} record(s) of the log, each proved in the tree of {} events signed by key {}",
        verified.reference,
        verified.positions.len(),
        verified.tree_size,
        key.key_id()
    );
    for p in &verified.positions {
        say!("  position {p}");
    }
    say!(
        "The printed text is not covered: compare it with the records, or with the page at /verifier/{}.",
        verified.reference
    );
    Ok(())
}
