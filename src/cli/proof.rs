//! `registre proof`: inclusion and consistency proofs as JSON, with what
//! an outsider needs to check them (hashes in hex, the signed head of that
//! size when one exists, and the event itself for an inclusion proof).
//!
//! Proofs come from the leaf record (the tree as the audit trail recorded
//! it); no lock is taken, so this runs beside a server.

use std::io::Write;

use clap::{Args, Subcommand};
use registre_audit::canonical::canonical_bytes;
use registre_audit::leaf_hash;
use registre_service::audit_trail::AuditDir;
use registre_service::audit_trail::ledger::TreeState;
use registre_service::audit_trail::proof;
use registre_service::store::EventStore;

use super::Tampered;

#[derive(Args)]
pub struct ProofArgs {
    #[command(subcommand)]
    pub kind: ProofKind,
}

#[derive(Subcommand)]
pub enum ProofKind {
    /// Proof that the event at a position is in the log of a given size.
    Inclusion {
        /// Global position of the event (1 is the first).
        #[arg(long)]
        position: u64,
        /// Tree size [default: the latest signed head's, if it covers the
        /// position; else every recorded event]
        #[arg(long)]
        size: Option<u64>,
    },
    /// Proof that the log of size TO extends the log of size FROM.
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
    },
}

pub async fn run(store: &dyn EventStore, dir: &AuditDir, args: ProofArgs) -> anyhow::Result<()> {
    let state = TreeState::load(dir)?;
    let json = match args.kind {
        ProofKind::Inclusion { position, size } => {
            let p = proof::inclusion(&state, position, size)?;
            let mut json = serde_json::to_value(&p)?;
            // The event itself, in canonical form, so the leaf hash can be
            // recomputed; refused if the log no longer holds that event.
            if let Some(event) = store.read_all(position, 1).await?.into_iter().next()
                && event.position == position
            {
                let bytes = canonical_bytes(&event)?;
                if leaf_hash(&bytes) != p.leaf_hash {
                    anyhow::bail!(Tampered(format!(
                        "the event at position {position} is not the event first recorded there"
                    )));
                }
                json["event"] = serde_json::from_slice(&bytes)?;
            }
            json
        }
        ProofKind::Consistency { from, to } => {
            serde_json::to_value(proof::consistency(&state, from, to)?)?
        }
    };
    // A closed pipe (`registre proof ... | head`) is not an error.
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&json)?
    );
    Ok(())
}
