//! `registre audit`: the audit directory's operator tasks.
//!
//! - `public-key` prints the public key text to give auditors;
//! - `sign` records every event not yet in the leaf record and signs a
//!   tree head, offline: it takes the audit directory's lock, so it refuses
//!   to run beside a server (which does the same on its own).

use std::sync::Arc;

use clap::{Args, Subcommand};
use registre_service::audit_trail::{AuditDir, AuditError, Ledger};
use registre_service::store::EventStore;

use super::Tampered;
use super::verify::describe_head;

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub task: AuditTask,
}

#[derive(Subcommand)]
pub enum AuditTask {
    /// Print the public key that checks this instance's signed tree heads.
    PublicKey,
    /// Record events not yet in the leaf record and sign a tree head
    /// (creates the audit directory and key the first time).
    Sign,
}

pub fn public_key(dir: &AuditDir) -> anyhow::Result<()> {
    dir.require()?;
    say!("{}", dir.public_key()?.to_text());
    Ok(())
}

pub async fn sign(store: Arc<dyn EventStore>, dir: &AuditDir) -> anyhow::Result<()> {
    let mut ledger = match Ledger::open(dir) {
        Err(AuditError::Tampered(f)) => anyhow::bail!(Tampered(format!(
            "the audit record does not match its signed heads: {f}"
        ))),
        other => other?,
    };
    let before = ledger.size();
    ledger.catch_up(&*store).await?;
    let head = ledger.sign(chrono::Utc::now())?;
    say!("recorded {} new event(s)", ledger.size() - before);
    say!("signed head: {}", describe_head(&head));
    Ok(())
}
