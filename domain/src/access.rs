//! Access tokens (stream `token-<uuid v5 of the name>`): who may call the
//! API, issued and revoked through the same decide/evolve as every other
//! record, so the rules below hold however a token is asked for.
//!
//! A name's stream holds every token ever issued under that name; at most
//! one of them is active. Only the SHA-256 of a secret is ever decided on
//! or recorded: the secret itself is drawn and shown by the caller.

use registre_schema::Role;
use registre_schema::access::{AccessEvent, AccessTokenIssued, AccessTokenRevoked};
use uuid::Uuid;

use crate::dates::Dated;
use crate::{Aggregate, Context, DomainError};

/// Longest token name (it becomes the actor id of every request made with
/// the token, and actor ids are limited to 200 bytes).
pub const MAX_NAME_LEN: usize = 100;
/// Longest revocation reason, in bytes.
pub const MAX_REASON_LEN: usize = 500;

/// The tokens issued under one name.
pub struct AccessToken;

/// What a name's stream says: its active token, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenName {
    pub active: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub enum AccessCommand {
    /// Issue a token under `name`; it is recorded as issued at the
    /// command's time.
    Issue {
        token_id: Uuid,
        name: String,
        role: Role,
        /// Lowercase hex SHA-256 of the secret.
        secret_sha256: String,
    },
    /// Revoke the active token of `name`.
    Revoke { name: String, reason: String },
}

impl AccessCommand {
    /// The name whose stream the command writes.
    pub fn name(&self) -> &str {
        match self {
            AccessCommand::Issue { name, .. } | AccessCommand::Revoke { name, .. } => name,
        }
    }
}

/// 1 to 100 ASCII letters, digits, '-', '_' or '.', starting with a letter
/// or digit: a name is an actor id and part of log lines.
pub fn check_name(name: &str) -> Result<(), DomainError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidTokenName {
            name: name.chars().take(MAX_NAME_LEN).collect(),
        })
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Aggregate for AccessToken {
    type State = TokenName;
    type Command = AccessCommand;
    type Event = AccessEvent;

    fn dates(_: &AccessCommand) -> Vec<Dated> {
        vec![]
    }

    fn decide_dated(
        state: &TokenName,
        command: &AccessCommand,
        ctx: &Context,
    ) -> Result<Vec<AccessEvent>, DomainError> {
        // Whoever runs `registre` on the server manages tokens; no caller
        // of the API may, whatever command an adapter would build.
        if ctx.actor.role != Role::System {
            return Err(DomainError::OperatorOnly);
        }
        check_name(command.name())?;
        match command {
            AccessCommand::Issue {
                token_id,
                name,
                role,
                secret_sha256,
            } => {
                if *role == Role::System {
                    return Err(DomainError::TokenRoleNotIssued { role: *role });
                }
                if !is_sha256_hex(secret_sha256) {
                    return Err(DomainError::InvalidHash);
                }
                if state.active.is_some() {
                    return Err(DomainError::TokenNameTaken { name: name.clone() });
                }
                Ok(vec![AccessEvent::Issued(AccessTokenIssued {
                    token_id: *token_id,
                    name: name.clone(),
                    role: *role,
                    secret_sha256: secret_sha256.clone(),
                    issued_at: ctx.occurred_at,
                })])
            }
            AccessCommand::Revoke { name, reason } => {
                if reason.len() > MAX_REASON_LEN {
                    return Err(DomainError::TooLong {
                        field: "reason",
                        max: MAX_REASON_LEN,
                    });
                }
                let Some(token_id) = state.active else {
                    return Err(DomainError::UnknownToken { name: name.clone() });
                };
                Ok(vec![AccessEvent::Revoked(AccessTokenRevoked {
                    token_id,
                    reason: reason.clone(),
                })])
            }
        }
    }

    fn evolve(state: TokenName, event: &AccessEvent) -> TokenName {
        match event {
            AccessEvent::Issued(e) => TokenName {
                active: Some(e.token_id),
            },
            AccessEvent::Revoked(e) if state.active == Some(e.token_id) => TokenName::default(),
            AccessEvent::Revoked(_) => state,
            // Accounts live in streams of their own and never reach this one.
            AccessEvent::AccountOpened(_)
            | AccessEvent::AccountRoleChanged(_)
            | AccessEvent::AccountPasswordSet(_)
            | AccessEvent::AccountDisabled(_) => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// A name's stream, its commands typed by the operator.
    fn given_tokens(history: Vec<AccessEvent>) -> Given<AccessToken> {
        given::<AccessToken>(history).with_ctx(|c| c.actor = registre_schema::Actor::system())
    }

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn issue(n: u128, name: &str, role: Role) -> AccessCommand {
        AccessCommand::Issue {
            token_id: id(n),
            name: name.into(),
            role,
            secret_sha256: HASH.into(),
        }
    }

    fn issued(n: u128, name: &str) -> AccessEvent {
        AccessEvent::Issued(AccessTokenIssued {
            token_id: id(n),
            name: name.into(),
            role: Role::Auditor,
            secret_sha256: HASH.into(),
            issued_at: ctx().occurred_at,
        })
    }

    fn revoked(n: u128) -> AccessEvent {
        AccessEvent::Revoked(AccessTokenRevoked {
            token_id: id(n),
            reason: "fin de mission".into(),
        })
    }

    fn revoke(name: &str) -> AccessCommand {
        AccessCommand::Revoke {
            name: name.into(),
            reason: "fin de mission".into(),
        }
    }

    #[test]
    fn a_name_holds_one_active_token_at_a_time() {
        given_tokens(vec![])
            .when(issue(1, "controle", Role::Auditor))
            .then_events(vec![issued(1, "controle")]);
        given_tokens(vec![issued(1, "controle")])
            .when(issue(2, "controle", Role::Auditor))
            .then_error("TOKEN_NAME_TAKEN");
        // Once revoked, the name may be issued again.
        given_tokens(vec![issued(1, "controle"), revoked(1)])
            .when(issue(2, "controle", Role::Auditor))
            .then_events(vec![issued(2, "controle")]);
    }

    #[test]
    fn only_the_active_token_is_revoked() {
        given_tokens(vec![issued(1, "controle")])
            .when(revoke("controle"))
            .then_events(vec![revoked(1)]);
        given_tokens(vec![])
            .when(revoke("controle"))
            .then_error("UNKNOWN_TOKEN");
        given_tokens(vec![issued(1, "controle"), revoked(1)])
            .when(revoke("controle"))
            .then_error("UNKNOWN_TOKEN");
        let long = AccessCommand::Revoke {
            name: "controle".into(),
            reason: "x".repeat(MAX_REASON_LEN + 1),
        };
        given_tokens(vec![issued(1, "controle")])
            .when(long)
            .then_error_naming("FIELD_TOO_LONG", "reason");
    }

    #[test]
    fn only_the_operator_manages_tokens() {
        given_tokens(vec![])
            .with_ctx(|c| c.actor.role = Role::Secretariat)
            .when(issue(1, "controle", Role::Auditor))
            .then_error("OPERATOR_ONLY");
        given_tokens(vec![issued(1, "controle")])
            .with_ctx(|c| c.actor.role = Role::Secretariat)
            .when(revoke("controle"))
            .then_error("OPERATOR_ONLY");
    }

    #[test]
    fn names_roles_and_hashes_are_checked() {
        for bad in ["", "a b", "-x", "é", &"a".repeat(MAX_NAME_LEN + 1)] {
            given_tokens(vec![])
                .when(issue(1, bad, Role::Auditor))
                .then_error("INVALID_TOKEN_NAME");
        }
        given_tokens(vec![])
            .when(issue(1, &"a".repeat(MAX_NAME_LEN), Role::Dashboard))
            .then_events(vec![AccessEvent::Issued(AccessTokenIssued {
                token_id: id(1),
                name: "a".repeat(MAX_NAME_LEN),
                role: Role::Dashboard,
                secret_sha256: HASH.into(),
                issued_at: ctx().occurred_at,
            })]);
        given_tokens(vec![])
            .when(issue(1, "robot", Role::System))
            .then_error("TOKEN_ROLE_NOT_ISSUED");
        let mut upper = issue(1, "controle", Role::Auditor);
        if let AccessCommand::Issue { secret_sha256, .. } = &mut upper {
            *secret_sha256 = HASH.to_uppercase();
        }
        given_tokens(vec![]).when(upper).then_error("INVALID_HASH");
    }
}
