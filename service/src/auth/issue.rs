//! Issuing, revoking and listing tokens: the first two are commands of the
//! token aggregate (registre-domain's `access`), submitted like any other;
//! the list is a fold of the log.

use chrono::Utc;
use registre_domain::access::AccessCommand;
use registre_schema::{Actor, CommandMeta, Role};
use uuid::Uuid;

use super::book::{Principal, TokenBook};
use super::secret::{self, Secret};
use crate::commands::{Command, CommandError, CommandHandler};
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Refused by the token rules, or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("the operating system's random generator failed: {0}")]
    Random(getrandom::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The actor of commands typed by whoever runs `registre` on the server.
pub fn operator() -> Actor {
    Actor {
        id: "operator".into(),
        role: Role::System,
    }
}

/// Issues a token and returns its secret, the one time it is ever shown.
pub async fn issue_token(
    commands: &CommandHandler,
    name: &str,
    role: Role,
    actor: Actor,
) -> Result<(Secret, Principal), AuthError> {
    let secret = Secret::generate().map_err(AuthError::Random)?;
    let token_id = Uuid::now_v7();
    let command = AccessCommand::Issue {
        token_id,
        name: name.into(),
        role,
        secret_sha256: secret::to_hex(&secret.sha256()),
    };
    submit(commands, actor, command).await?;
    let principal = Principal {
        token_id,
        name: name.into(),
        role,
    };
    Ok((secret, principal))
}

/// Revokes the active token of this name.
pub async fn revoke_token(
    commands: &CommandHandler,
    name: &str,
    reason: &str,
    actor: Actor,
) -> Result<(), AuthError> {
    let command = AccessCommand::Revoke {
        name: name.into(),
        reason: reason.into(),
    };
    submit(commands, actor, command).await
}

async fn submit(
    commands: &CommandHandler,
    actor: Actor,
    command: AccessCommand,
) -> Result<(), AuthError> {
    commands
        .handle(
            CommandMeta::new(actor),
            Utc::now(),
            Command::Access(command),
        )
        .await?;
    Ok(())
}

/// Every token ever issued, oldest first (reads the whole log).
pub async fn list_tokens(store: &dyn EventStore) -> Result<TokenBook, AuthError> {
    let mut book = TokenBook::default();
    loop {
        let events = store.read_all(book.position + 1, MAX_READ_BATCH).await?;
        if events.is_empty() {
            return Ok(book);
        }
        for e in &events {
            if let Err(err) = book.apply(e) {
                tracing::error!(%err, "skipping an unreadable token event");
            }
        }
    }
}
