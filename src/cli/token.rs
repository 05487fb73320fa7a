//! `registre token`: issue, list and revoke API bearer tokens.
//!
//! Tokens are events of the log (see `registre_schema::access`): issuing
//! one from here while a server runs on the same store takes effect there
//! within a second, and so does a revocation.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_schema::Role;
use registre_service::auth;
use registre_service::commands::CommandHandler;
use registre_service::store::EventStore;

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue a token and print its secret (shown this once only).
    Create {
        /// secretariat, auditor or dashboard.
        #[arg(long)]
        role: Role,
        /// Unique name; recorded as the actor of every request made with it.
        #[arg(long)]
        name: String,
    },
    /// List every token issued: name, role, when, and whether revoked.
    List,
    /// Revoke the active token of this name.
    Revoke {
        name: String,
        /// Why (recorded in the log).
        #[arg(long, default_value = "revoked by the operator")]
        reason: String,
    },
}

impl TokenArgs {
    /// Whether the command only reads the store (`list`).
    pub fn reads_only(&self) -> bool {
        matches!(self.command, TokenCommand::List)
    }
}

pub async fn run(store: Arc<dyn EventStore>, args: TokenArgs) -> anyhow::Result<()> {
    let commands = CommandHandler::new(store.clone());
    match args.command {
        TokenCommand::Create { role, name } => {
            let (secret, token) =
                auth::issue_token(&commands, &name, role, auth::operator()).await?;
            eprintln!(
                "token {:?} ({}) issued; its secret is shown this once, keep it safe:",
                token.name, token.role
            );
            // Shown once: a failed write (even to a closed pipe) must
            // fail the command, or the token would stand with no one
            // holding its secret.
            writeln!(std::io::stdout(), "{}", secret.expose()).with_context(|| {
                format!("token {name:?} was issued but its secret could not be written: revoke it and issue another")
            })?;
        }
        TokenCommand::List => {
            let book = auth::list_tokens(store.as_ref()).await?;
            say!("{:<32} {:<12} {:<26} revoked", "name", "role", "issued");
            for t in book.all() {
                let revoked = match &t.revoked {
                    None => "-".to_owned(),
                    Some((at, reason)) => format!("{} ({reason})", at.to_rfc3339()),
                };
                say!(
                    "{:<32} {:<12} {:<26} {revoked}",
                    t.name,
                    t.role.as_str(),
                    t.issued_at.to_rfc3339()
                );
            }
        }
        TokenCommand::Revoke { name, reason } => {
            auth::revoke_token(&commands, &name, &reason, auth::operator()).await?;
            eprintln!("token {name:?} revoked");
        }
    }
    Ok(())
}
