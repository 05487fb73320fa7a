//! Issuing, revoking and listing tokens: appends to and reads of the log.

use chrono::Utc;
use registre_schema::access::{
    ACCESS_SCHEMA_VERSION, ACCESS_TOKEN_ISSUED, ACCESS_TOKEN_REVOKED, AccessTokenIssued,
    AccessTokenRevoked, token_stream,
};
use registre_schema::{Actor, CommandMeta, EventData, Role};
use uuid::Uuid;

use super::book::{TokenBook, TokenRecord};
use super::secret::{self, Secret};
use crate::store::{AppendRequest, EventStore, ExpectedState, MAX_READ_BATCH, StoreError};

/// Longest token name (it becomes an actor id, limited to 200 bytes).
pub const MAX_NAME_LEN: usize = 100;
/// Longest revocation reason.
pub const MAX_REASON_LEN: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "invalid token name {0:?}: 1 to 100 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"
    )]
    InvalidName(String),
    #[error("tokens are issued for the roles secretariat, auditor and dashboard, not {0}")]
    InvalidRole(Role),
    #[error("the revocation reason is longer than {MAX_REASON_LEN} bytes")]
    ReasonTooLong,
    #[error("an active token named {0:?} already exists; revoke it first")]
    NameTaken(String),
    #[error("no active token named {0:?}")]
    NotFound(String),
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

fn check_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidName(
            name.chars().take(MAX_NAME_LEN).collect(),
        ))
    }
}

/// The tokens of one name's stream, and the state of that stream.
async fn read_name(
    store: &dyn EventStore,
    name: &str,
) -> Result<(TokenBook, ExpectedState), AuthError> {
    check_name(name)?;
    let stream = token_stream(name).map_err(|_| AuthError::InvalidName(name.into()))?;
    let mut book = TokenBook::default();
    let mut last = None;
    loop {
        let from = last.map_or(0, |r| r + 1);
        let events = store.read_stream(&stream, from, MAX_READ_BATCH).await?;
        if events.is_empty() {
            break;
        }
        for e in &events {
            last = Some(e.revision);
            if let Err(err) = book.apply(e) {
                tracing::error!(%err, "skipping an unreadable token event");
            }
        }
    }
    Ok((book, ExpectedState::of(last)))
}

/// Issues a token and returns its secret, the one time it is ever shown.
pub async fn issue_token(
    store: &dyn EventStore,
    name: &str,
    role: Role,
    actor: Actor,
) -> Result<(Secret, TokenRecord), AuthError> {
    if role == Role::System {
        return Err(AuthError::InvalidRole(role));
    }
    let (book, expected) = read_name(store, name).await?;
    if book.active(name).is_some() {
        return Err(AuthError::NameTaken(name.into()));
    }
    let secret = Secret::generate().map_err(AuthError::Random)?;
    let now = Utc::now();
    let payload = AccessTokenIssued {
        token_id: Uuid::now_v7(),
        name: name.into(),
        role,
        secret_sha256: secret::to_hex(&secret.sha256()),
        issued_at: now,
    };
    let token_id = payload.token_id;
    let req = AppendRequest {
        stream_id: token_stream(name).map_err(|_| AuthError::InvalidName(name.into()))?,
        // The revision read above: a concurrent issue of the same name
        // makes this append fail instead of creating a second active token.
        expected,
        meta: CommandMeta::new(actor),
        events: vec![event(ACCESS_TOKEN_ISSUED, &payload)],
    };
    let out = store.append(req).await.map_err(|e| match e {
        StoreError::WrongExpectedVersion { .. } => AuthError::NameTaken(name.into()),
        other => AuthError::Store(other),
    })?;
    let record = TokenRecord {
        token_id,
        name: name.into(),
        role,
        issued_at: now,
        revoked: None,
        stream_id: out.stream_id,
        stream_revision: out.last_revision,
    };
    Ok((secret, record))
}

/// Revokes the active token of this name.
pub async fn revoke_token(
    store: &dyn EventStore,
    name: &str,
    reason: &str,
    actor: Actor,
) -> Result<TokenRecord, AuthError> {
    if reason.len() > MAX_REASON_LEN {
        return Err(AuthError::ReasonTooLong);
    }
    let (book, expected) = read_name(store, name).await?;
    let Some(token) = book.active(name).cloned() else {
        return Err(AuthError::NotFound(name.into()));
    };
    let payload = AccessTokenRevoked {
        token_id: token.token_id,
        reason: reason.into(),
    };
    let req = AppendRequest {
        stream_id: token.stream_id.clone(),
        expected,
        meta: CommandMeta::new(actor),
        events: vec![event(ACCESS_TOKEN_REVOKED, &payload)],
    };
    store.append(req).await.map_err(|e| match e {
        // Someone else revoked (or re-issued) it meanwhile.
        StoreError::WrongExpectedVersion { .. } => AuthError::NotFound(name.into()),
        other => AuthError::Store(other),
    })?;
    Ok(token)
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

fn event(event_type: &str, payload: &impl serde::Serialize) -> EventData {
    EventData::new(
        event_type,
        ACCESS_SCHEMA_VERSION,
        Utc::now(),
        // Serializing these plain structs cannot fail.
        serde_json::to_value(payload).unwrap_or_default(),
    )
}
