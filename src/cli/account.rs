//! `registre account`: the web application's personal accounts.
//!
//! Opening, role changes, password resets and disabling are events of the
//! log (see `registre_domain::account`), so a server running on the same
//! store sees them at its next request. The password is read from the
//! terminal without echo (asked twice), or as the first line of standard
//! input when that is not a terminal; its argon2id hash goes to the
//! credentials file, never to the log.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_schema::DomainEvent;
use registre_schema::Role;
use registre_schema::events::territory::TerritorialLevel;
use registre_service::accounts::{self, CredentialFile};
use registre_service::auth;
use registre_service::commands::CommandHandler;
use registre_service::store::{EventStore, MAX_READ_BATCH};

#[derive(Args)]
pub struct AccountArgs {
    #[command(subcommand)]
    pub command: AccountCommand,
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Open an account; its password is asked for.
    Create {
        /// The name typed to sign in: lowercase letters, digits, '.', '-', '_'.
        #[arg(long)]
        name: String,
        /// The person's name, shown on the pages and in the log.
        #[arg(long)]
        full_name: String,
        /// secretariat, auditor or dashboard.
        #[arg(long)]
        role: Role,
        /// Limit the account to one region, by its code (ML01 for Kayes):
        /// a regional coordination sees and acts within it alone.
        #[arg(long)]
        region: Option<String>,
    },
    /// Set a new password for an account; it is asked for.
    ResetPassword { name: String },
    /// Give an account another role.
    SetRole {
        name: String,
        #[arg(long)]
        role: Role,
    },
    /// Disable an account: it can no longer sign in, its sessions end.
    Disable {
        name: String,
        /// Why (recorded in the log).
        #[arg(long)]
        reason: String,
    },
    /// List every account: name, person, role, opened, disabled.
    List,
}

impl AccountArgs {
    pub fn reads_only(&self) -> bool {
        matches!(self.command, AccountCommand::List)
    }
}

pub async fn run(
    store: Arc<dyn EventStore>,
    credentials: &CredentialFile,
    args: AccountArgs,
) -> anyhow::Result<()> {
    let commands = CommandHandler::new(store.clone());
    let operator = auth::operator();
    match args.command {
        AccountCommand::Create {
            name,
            full_name,
            role,
            region,
        } => {
            if let Some(code) = &region {
                anyhow::ensure!(
                    region_known(store.as_ref(), code).await?,
                    "aucune région de code « {code} » dans les listes territoriales du registre \
                     (importez-les d'abord : registre territory import)"
                );
            }
            let password = read_password()?;
            let account = accounts::NewAccount {
                name: &name,
                full_name: &full_name,
                role,
                region: region.as_deref(),
            };
            accounts::open_account(&commands, credentials, account, &password, operator)
                .await
                .map_err(explain)?;
            eprintln!("compte {name:?} ouvert ({role})");
        }
        AccountCommand::ResetPassword { name } => {
            let password = read_password()?;
            accounts::reset_password(
                &commands,
                store.as_ref(),
                credentials,
                &name,
                &password,
                operator,
            )
            .await
            .map_err(explain)?;
            eprintln!("mot de passe du compte {name:?} changé");
        }
        AccountCommand::SetRole { name, role } => {
            accounts::change_role(&commands, &name, role, operator)
                .await
                .map_err(explain)?;
            eprintln!("compte {name:?} : rôle {role}");
        }
        AccountCommand::Disable { name, reason } => {
            accounts::disable_account(
                &commands,
                store.as_ref(),
                credentials,
                &name,
                &reason,
                operator,
            )
            .await
            .map_err(explain)?;
            eprintln!("compte {name:?} désactivé");
        }
        AccountCommand::List => {
            let book = accounts::list_accounts(store.as_ref()).await?;
            say!(
                "{:<24} {:<28} {:<12} {:<26} disabled",
                "name",
                "full name",
                "role",
                "opened"
            );
            for a in book.all() {
                let disabled = match &a.disabled {
                    None => "-".to_owned(),
                    Some((at, reason)) => format!("{} ({reason})", at.to_rfc3339()),
                };
                say!(
                    "{:<24} {:<28} {:<12} {:<26} {disabled}",
                    a.name,
                    a.full_name,
                    a.role.as_str(),
                    a.opened_at.to_rfc3339()
                );
            }
        }
    }
    Ok(())
}

/// Whether a region of this code is in a territorial list of the store: a
/// mistyped code would give an account that sees nothing.
async fn region_known(store: &dyn EventStore, code: &str) -> anyhow::Result<bool> {
    let mut from = 1;
    loop {
        let batch = store
            .read_category("territory", from, MAX_READ_BATCH)
            .await?;
        let found = batch.events.iter().any(|e| {
            matches!(
                DomainEvent::decode_ref(&e.event_type, e.schema_version, &e.payload),
                Ok(DomainEvent::TerritorialUnitRegistered(u))
                    if u.level == TerritorialLevel::Region && u.unit.code == code
            )
        });
        if found {
            return Ok(true);
        }
        if batch.next <= from {
            return Ok(false);
        }
        from = batch.next;
    }
}

/// A refusal of the account rules in the operator's language, with its
/// code; anything else as it is.
fn explain(e: accounts::AccountError) -> anyhow::Error {
    use registre_service::commands::CommandError;
    match e {
        accounts::AccountError::Command(CommandError::Rejected(d)) => {
            anyhow::anyhow!("{} (code {})", d.message_fr(), d.code())
        }
        other => other.into(),
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mot de passe : ")?;
        let again = rpassword::prompt_password("Le même, encore : ")?;
        anyhow::ensure!(first == again, "les deux mots de passe diffèrent");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
