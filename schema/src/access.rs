//! Access tokens, recorded in the log like everything else.
//!
//! Issuing and revoking an API token are events of their own streams
//! (`token-<uuid>`), not of the governance domain: so tokens work on every
//! store backend, several server instances sharing a store converge on the
//! same set of tokens, and who could act when is itself part of the audit
//! trail. Only the SHA-256 of a secret is ever recorded, never the secret.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::{InvalidStreamId, Role, StreamId};
use crate::events::DecodeError;
use crate::log_event::LogEvent;
use crate::upcast::UpcastError;

/// Category of the streams that hold access tokens.
pub const TOKEN_CATEGORY: &str = "token";

/// Event type of [`AccessTokenIssued`].
pub const ACCESS_TOKEN_ISSUED: &str = "AccessTokenIssued";
/// Event type of [`AccessTokenRevoked`].
pub const ACCESS_TOKEN_REVOKED: &str = "AccessTokenRevoked";
/// Schema version of both payloads.
pub const ACCESS_SCHEMA_VERSION: u16 = 1;

/// Namespace of the name-derived stream ids (a fixed, random UUID: it
/// must never change, or existing names would map to new streams).
const TOKEN_NAMESPACE: Uuid = Uuid::from_u128(0x5b0e_6c1d_2f4a_4e8b_9a37_c1d0_8e6f_4a21);

/// The stream of every token ever issued under `name`.
///
/// Derived from the name (UUID v5), so two operators issuing the same name
/// at once write to the same stream and the store's revision check lets
/// only one of them succeed.
pub fn token_stream(name: &str) -> Result<StreamId, InvalidStreamId> {
    StreamId::for_entity(
        TOKEN_CATEGORY,
        Uuid::new_v5(&TOKEN_NAMESPACE, name.as_bytes()),
    )
}

/// A bearer token was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessTokenIssued {
    /// Identifies this issuance (a name may be reused after a revocation).
    pub token_id: Uuid,
    /// Unique among active tokens; becomes the actor id of every request
    /// made with the token.
    pub name: String,
    pub role: Role,
    /// Lowercase hex SHA-256 of the secret.
    pub secret_sha256: String,
    pub issued_at: DateTime<Utc>,
}

/// A bearer token was revoked; requests carrying it are refused from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessTokenRevoked {
    pub token_id: Uuid,
    pub reason: String,
}

/// Both token events, as the token aggregate decides and folds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessEvent {
    Issued(AccessTokenIssued),
    Revoked(AccessTokenRevoked),
}

impl LogEvent for AccessEvent {
    fn event_type(&self) -> &'static str {
        match self {
            AccessEvent::Issued(_) => ACCESS_TOKEN_ISSUED,
            AccessEvent::Revoked(_) => ACCESS_TOKEN_REVOKED,
        }
    }

    fn schema_version(&self) -> u16 {
        ACCESS_SCHEMA_VERSION
    }

    fn to_payload(&self) -> serde_json::Value {
        let value = match self {
            AccessEvent::Issued(p) => serde_json::to_value(p),
            AccessEvent::Revoked(p) => serde_json::to_value(p),
        };
        // Plain structs of strings, ids and a time: serialising cannot fail.
        value.expect("token payloads always serialise")
    }

    fn decode_ref(
        event_type: &str,
        schema_version: u16,
        payload: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        let fail = |e: serde_json::Error| DecodeError::Payload {
            event_type: event_type.to_owned(),
            reason: e.to_string(),
        };
        let known = [ACCESS_TOKEN_ISSUED, ACCESS_TOKEN_REVOKED].contains(&event_type);
        if known && schema_version != ACCESS_SCHEMA_VERSION {
            return Err(UpcastError::FutureVersion {
                event_type: event_type.to_owned(),
                version: schema_version,
                current: ACCESS_SCHEMA_VERSION,
            }
            .into());
        }
        match event_type {
            ACCESS_TOKEN_ISSUED => AccessTokenIssued::deserialize(payload)
                .map(AccessEvent::Issued)
                .map_err(fail),
            ACCESS_TOKEN_REVOKED => AccessTokenRevoked::deserialize(payload)
                .map(AccessEvent::Revoked)
                .map_err(fail),
            other => Err(UpcastError::UnknownType {
                event_type: other.to_owned(),
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_streams_are_stable_and_distinct() {
        let a = token_stream("tableau-de-bord").unwrap();
        assert_eq!(a, token_stream("tableau-de-bord").unwrap());
        assert_ne!(a, token_stream("auditeur").unwrap());
        assert_eq!(a.category(), TOKEN_CATEGORY);
        // A changed namespace would orphan every existing token stream.
        assert_eq!(
            token_stream("secretariat").unwrap().as_str(),
            format!(
                "token-{}",
                Uuid::new_v5(
                    &Uuid::parse_str("5b0e6c1d-2f4a-4e8b-9a37-c1d08e6f4a21").unwrap(),
                    b"secretariat"
                )
            )
        );
    }

    #[test]
    fn payloads_round_trip() {
        let issued = AccessTokenIssued {
            token_id: Uuid::nil(),
            name: "n".into(),
            role: Role::Auditor,
            secret_sha256: "00".repeat(32),
            issued_at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        let v = serde_json::to_value(&issued).unwrap();
        assert_eq!(v["role"], "auditor");
        assert_eq!(
            serde_json::from_value::<AccessTokenIssued>(v).unwrap(),
            issued
        );
    }

    #[test]
    fn access_events_decode_from_their_stored_form() {
        let revoked = AccessEvent::Revoked(AccessTokenRevoked {
            token_id: Uuid::nil(),
            reason: "fin de mission".into(),
        });
        let stored = revoked.to_payload();
        let back = AccessEvent::decode_ref(ACCESS_TOKEN_REVOKED, 1, &stored).unwrap();
        assert_eq!(back, revoked);
        assert!(matches!(
            AccessEvent::decode_ref(ACCESS_TOKEN_REVOKED, 2, &stored),
            Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
        ));
        assert!(matches!(
            AccessEvent::decode_ref(ACCESS_TOKEN_ISSUED, 1, &stored),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            AccessEvent::decode_ref("MemberAdmitted", 1, &stored),
            Err(DecodeError::Upcast(UpcastError::UnknownType { .. }))
        ));
    }
}
