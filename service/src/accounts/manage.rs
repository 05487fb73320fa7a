//! Opening accounts, setting their passwords and disabling them: commands
//! of the account aggregate (registre-domain's `account`), submitted like
//! any other record, with the password's hash written to the credentials
//! file beside them.

use chrono::Utc;
use registre_domain::account::AccountCommand;
use registre_schema::access::{ACCOUNT_CATEGORY, account_stream};
use registre_schema::{Actor, CommandMeta, Role};
use uuid::Uuid;

use super::book::{AccountBook, AccountRecord};
use super::credentials::{CredentialError, CredentialFile};
use super::password::{self, PasswordError};
use crate::commands::{Command, CommandError, CommandHandler};
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

/// Events read from a name's stream at a time.
const ACCOUNT_BATCH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Refused by the account rules, or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("aucun compte actif ne porte le nom {0:?}")]
    Unknown(String),
}

/// An account to open.
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    /// The one region it is limited to (its code), if any.
    pub region: Option<&'a str>,
}

/// Opens an account with its first password.
pub async fn open_account(
    commands: &CommandHandler,
    credentials: &CredentialFile,
    account: NewAccount<'_>,
    password: &str,
    actor: Actor,
) -> Result<Uuid, AccountError> {
    let NewAccount {
        name,
        full_name,
        role,
        region,
    } = account;
    let phc = hash(password).await?;
    let account_id = Uuid::now_v7();
    // The hash is kept first, under an id no account has yet: if the
    // command is refused, it is forgotten and nothing else changed.
    credentials.set(account_id, &phc)?;
    let command = AccountCommand::Open {
        account_id,
        name: name.into(),
        full_name: full_name.into(),
        role,
        region: region.map(str::to_owned),
    };
    if let Err(e) = submit(commands, actor, command).await {
        credentials.remove(account_id)?;
        return Err(e);
    }
    Ok(account_id)
}

/// Sets a new password for the active account under `name`.
pub async fn reset_password(
    commands: &CommandHandler,
    store: &dyn EventStore,
    credentials: &CredentialFile,
    name: &str,
    password: &str,
    actor: Actor,
) -> Result<(), AccountError> {
    let account = active_account(store, name)
        .await?
        .ok_or_else(|| AccountError::Unknown(name.into()))?;
    let phc = hash(password).await?;
    let previous = credentials.get(account.account_id)?;
    credentials.set(account.account_id, &phc)?;
    let command = AccountCommand::SetPassword { name: name.into() };
    if let Err(e) = submit(commands, actor, command).await {
        match previous {
            Some(old) => credentials.set(account.account_id, &old)?,
            None => credentials.remove(account.account_id)?,
        }
        return Err(e);
    }
    Ok(())
}

/// Gives the active account under `name` another role.
pub async fn change_role(
    commands: &CommandHandler,
    name: &str,
    role: Role,
    actor: Actor,
) -> Result<(), AccountError> {
    let command = AccountCommand::ChangeRole {
        name: name.into(),
        role,
    };
    submit(commands, actor, command).await
}

/// Disables the active account under `name` and forgets its password.
pub async fn disable_account(
    commands: &CommandHandler,
    store: &dyn EventStore,
    credentials: &CredentialFile,
    name: &str,
    reason: &str,
    actor: Actor,
) -> Result<(), AccountError> {
    let account = active_account(store, name).await?;
    let command = AccountCommand::Disable {
        name: name.into(),
        reason: reason.into(),
    };
    submit(commands, actor, command).await?;
    if let Some(a) = account {
        credentials.remove(a.account_id)?;
    }
    Ok(())
}

/// The account that may sign in under `name`, read from its stream alone,
/// whole. An event of it that cannot be read is an error, never skipped:
/// a disabling of a newer format must not leave the account open.
pub async fn active_account(
    store: &dyn EventStore,
    name: &str,
) -> Result<Option<AccountRecord>, StoreError> {
    let Ok(stream) = account_stream(name) else {
        return Ok(None);
    };
    let mut book = AccountBook::default();
    let mut from = 0;
    loop {
        let events = store.read_stream(&stream, from, ACCOUNT_BATCH).await?;
        for e in &events {
            book.apply(e).map_err(|reason| StoreError::Corrupt {
                position: e.position,
                event_type: e.event_type.clone(),
                reason,
            })?;
        }
        match events.last() {
            Some(last) if events.len() == ACCOUNT_BATCH => from = last.revision + 1,
            _ => return Ok(book.active(name).cloned()),
        }
    }
}

/// Every account ever opened (reads the account streams).
pub async fn list_accounts(store: &dyn EventStore) -> Result<AccountBook, StoreError> {
    let mut book = AccountBook::default();
    let mut from = 1;
    loop {
        let batch = store
            .read_category(ACCOUNT_CATEGORY, from, MAX_READ_BATCH)
            .await?;
        for e in &batch.events {
            if let Err(reason) = book.apply(e) {
                tracing::error!(%reason, "skipping an unreadable account event");
            }
        }
        if batch.next <= from {
            return Ok(book);
        }
        from = batch.next;
    }
}

async fn hash(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    Ok(
        tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(|_| PasswordError::Hashing)??,
    )
}

async fn submit(
    commands: &CommandHandler,
    actor: Actor,
    command: AccountCommand,
) -> Result<(), AccountError> {
    commands
        .handle(
            CommandMeta::new(actor),
            Utc::now(),
            Command::Account(command),
        )
        .await?;
    Ok(())
}
