//! The set of tokens, as a pure fold of the token events.
//!
//! The CLI (listing, issuing, revoking) and the server (authenticating)
//! fold the same events with the same code, so they cannot disagree.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use registre_schema::access::{
    ACCESS_TOKEN_ISSUED, ACCESS_TOKEN_REVOKED, AccessTokenIssued, AccessTokenRevoked,
    TOKEN_CATEGORY,
};
use registre_schema::{Actor, Position, RecordedEvent, Revision, Role, StreamId};
use uuid::Uuid;

use super::secret;

/// One issued token, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
    pub issued_at: DateTime<Utc>,
    /// When and why it was revoked; `None` while it is active.
    pub revoked: Option<(DateTime<Utc>, String)>,
    pub stream_id: StreamId,
    /// Revision of the last event of its stream seen so far.
    pub stream_revision: Revision,
}

/// Who a valid token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
}

impl Principal {
    /// The actor recorded in the events this caller's commands append.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.name.clone(),
            role: self.role,
        }
    }
}

/// A token event that cannot be folded. The fold skips it and goes on;
/// whoever folds decides how loudly to report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable token event at position {position}: {reason}")]
pub struct BadTokenEvent {
    pub position: Position,
    pub reason: String,
}

/// Every token seen so far, in the order they were issued.
#[derive(Debug, Default, Clone)]
pub struct TokenBook {
    tokens: Vec<TokenRecord>,
    by_id: HashMap<Uuid, usize>,
    // Keyed by the SHA-256 of the secret. A hash lookup is not constant
    // time, but what it could leak by timing is a prefix of SHA-256(secret)
    // for a guessed secret, which says nothing usable about a 256-bit
    // random secret (finding a preimage of a hash prefix does not yield the
    // secret itself), so a constant-time comparison would protect nothing.
    by_hash: HashMap<[u8; 32], usize>,
    /// Position of the last event folded.
    pub position: Position,
}

impl TokenBook {
    /// Folds one event of the log. Events of other streams are ignored.
    pub fn apply(&mut self, e: &RecordedEvent) -> Result<(), BadTokenEvent> {
        self.position = self.position.max(e.position);
        if e.stream_id.category() != TOKEN_CATEGORY {
            return Ok(());
        }
        let bad = |reason: String| BadTokenEvent {
            position: e.position,
            reason,
        };
        match e.event_type.as_str() {
            ACCESS_TOKEN_ISSUED => {
                let p: AccessTokenIssued =
                    serde_json::from_value(e.payload.clone()).map_err(|x| bad(x.to_string()))?;
                let hash = secret::from_hex(&p.secret_sha256)
                    .ok_or_else(|| bad("secret_sha256 is not 64 hex digits".into()))?;
                if self.by_id.contains_key(&p.token_id) {
                    return Err(bad(format!("token {} issued twice", p.token_id)));
                }
                let index = self.tokens.len();
                self.tokens.push(TokenRecord {
                    token_id: p.token_id,
                    name: p.name,
                    role: p.role,
                    issued_at: p.issued_at,
                    revoked: None,
                    stream_id: e.stream_id.clone(),
                    stream_revision: e.revision,
                });
                self.by_id.insert(p.token_id, index);
                self.by_hash.insert(hash, index);
            }
            ACCESS_TOKEN_REVOKED => {
                let p: AccessTokenRevoked =
                    serde_json::from_value(e.payload.clone()).map_err(|x| bad(x.to_string()))?;
                let index = *self
                    .by_id
                    .get(&p.token_id)
                    .ok_or_else(|| bad(format!("revocation of unknown token {}", p.token_id)))?;
                let token = &mut self.tokens[index];
                token.stream_revision = e.revision;
                if token.revoked.is_none() {
                    token.revoked = Some((e.recorded_at, p.reason));
                }
            }
            other => return Err(bad(format!("unknown token event type {other:?}"))),
        }
        // Later events of a name's stream move every token of that stream.
        for t in self
            .tokens
            .iter_mut()
            .filter(|t| t.stream_id == e.stream_id)
        {
            t.stream_revision = t.stream_revision.max(e.revision);
        }
        Ok(())
    }

    /// The caller a presented secret's hash stands for, if its token is
    /// known and not revoked.
    pub fn authenticate(&self, hash: &[u8; 32]) -> Option<Principal> {
        let t = &self.tokens[*self.by_hash.get(hash)?];
        if t.revoked.is_some() {
            return None;
        }
        Some(Principal {
            token_id: t.token_id,
            name: t.name.clone(),
            role: t.role,
        })
    }

    /// Whether this token is still valid (for long-lived connections).
    pub fn is_active(&self, token_id: Uuid) -> bool {
        self.by_id
            .get(&token_id)
            .is_some_and(|&i| self.tokens[i].revoked.is_none())
    }

    /// The active token of this name, if any.
    pub fn active(&self, name: &str) -> Option<&TokenRecord> {
        self.tokens
            .iter()
            .find(|t| t.name == name && t.revoked.is_none())
    }

    /// Every token ever issued, oldest first.
    pub fn all(&self) -> &[TokenRecord] {
        &self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_schema::access::token_stream;

    fn event(
        position: Position,
        revision: Revision,
        name: &str,
        t: &str,
        payload: serde_json::Value,
    ) -> RecordedEvent {
        RecordedEvent {
            position,
            id: Uuid::now_v7(),
            stream_id: token_stream(name).unwrap(),
            revision,
            event_type: t.into(),
            schema_version: 1,
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            actor: Actor::system(),
            command_id: Uuid::now_v7(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            payload,
        }
    }

    fn issued(
        position: Position,
        revision: Revision,
        id: Uuid,
        name: &str,
        secret: &str,
    ) -> RecordedEvent {
        let p = AccessTokenIssued {
            token_id: id,
            name: name.into(),
            role: Role::Auditor,
            secret_sha256: secret::to_hex(&secret::sha256(secret)),
            issued_at: Utc::now(),
        };
        event(
            position,
            revision,
            name,
            ACCESS_TOKEN_ISSUED,
            serde_json::to_value(p).unwrap(),
        )
    }

    #[test]
    fn given_an_issued_token_when_revoked_then_it_no_longer_authenticates() {
        let mut book = TokenBook::default();
        let id = Uuid::now_v7();
        book.apply(&issued(1, 0, id, "audit", "reg_a")).unwrap();
        let who = book.authenticate(&secret::sha256("reg_a")).unwrap();
        assert_eq!((who.name.as_str(), who.role), ("audit", Role::Auditor));
        assert!(book.authenticate(&secret::sha256("reg_b")).is_none());
        assert!(book.active("audit").is_some());

        let revoked = AccessTokenRevoked {
            token_id: id,
            reason: "lost".into(),
        };
        book.apply(&event(
            2,
            1,
            "audit",
            ACCESS_TOKEN_REVOKED,
            serde_json::to_value(revoked).unwrap(),
        ))
        .unwrap();
        assert!(book.authenticate(&secret::sha256("reg_a")).is_none());
        assert!(!book.is_active(id));
        assert!(book.active("audit").is_none());
        assert_eq!(book.all()[0].revoked.as_ref().unwrap().1, "lost");
        assert_eq!(book.all()[0].stream_revision, 1);
        assert_eq!(book.position, 2);
    }

    #[test]
    fn given_a_malformed_token_event_then_it_is_reported_and_the_fold_goes_on() {
        let mut book = TokenBook::default();
        let err = book
            .apply(&event(
                1,
                0,
                "x",
                ACCESS_TOKEN_ISSUED,
                serde_json::json!({"name": 3}),
            ))
            .unwrap_err();
        assert_eq!(err.position, 1);
        let err = book
            .apply(&event(
                2,
                0,
                "x",
                ACCESS_TOKEN_REVOKED,
                serde_json::json!({"token_id": Uuid::nil(), "reason": ""}),
            ))
            .unwrap_err();
        assert!(err.reason.contains("unknown token"), "{err}");
        book.apply(&issued(3, 0, Uuid::now_v7(), "y", "reg_y"))
            .unwrap();
        assert!(book.authenticate(&secret::sha256("reg_y")).is_some());
    }

    #[test]
    fn other_streams_are_ignored() {
        let mut book = TokenBook::default();
        let mut e = issued(7, 0, Uuid::now_v7(), "z", "reg_z");
        e.stream_id = StreamId::new("commune-1").unwrap();
        book.apply(&e).unwrap();
        assert!(book.all().is_empty());
        assert_eq!(book.position, 7);
    }
}
