//! Access tokens and personal accounts, recorded in the log like
//! everything else.
//!
//! Issuing and revoking an API token are events of their own streams
//! (`token-<uuid>`), and opening, changing the role of, setting the
//! password of and disabling a web user's account are events of theirs
//! (`account-<uuid>`), not of the governance domain: so tokens and accounts
//! work on every store backend, several server instances sharing a store
//! converge on the same set of them, and who could act when is itself part
//! of the audit trail. Only the SHA-256 of a token's secret is ever
//! recorded, never the secret; of a password, only that it was set, never
//! the password or its hash (those live in a credentials file outside the
//! log).

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
/// Category of the streams that hold personal accounts.
pub const ACCOUNT_CATEGORY: &str = "account";

/// Event type of [`AccountOpened`].
pub const ACCOUNT_OPENED: &str = "AccountOpened";
/// Event type of [`AccountRoleChanged`].
pub const ACCOUNT_ROLE_CHANGED: &str = "AccountRoleChanged";
/// Event type of [`AccountPasswordSet`].
pub const ACCOUNT_PASSWORD_SET: &str = "AccountPasswordSet";
/// Event type of [`AccountDisabled`].
pub const ACCOUNT_DISABLED: &str = "AccountDisabled";

/// Every event type of the family, tokens' and accounts'.
pub const ACCESS_EVENT_TYPES: [&str; 6] = [
    ACCESS_TOKEN_ISSUED,
    ACCESS_TOKEN_REVOKED,
    ACCOUNT_OPENED,
    ACCOUNT_ROLE_CHANGED,
    ACCOUNT_PASSWORD_SET,
    ACCOUNT_DISABLED,
];

/// Schema version of every payload of the family.
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

/// Namespace of the name-derived account stream ids (a fixed, random
/// UUID, distinct from [`TOKEN_NAMESPACE`]: it must never change either).
const ACCOUNT_NAMESPACE: Uuid = Uuid::from_u128(0x79d8_f6ad_a099_460d_aa22_339e_0659_d9ad);

/// The stream of every account ever opened under `name`.
///
/// Derived from the name (UUID v5), so two operators opening the same name
/// at once write to the same stream and the store's revision check lets
/// only one of them succeed.
pub fn account_stream(name: &str) -> Result<StreamId, InvalidStreamId> {
    StreamId::for_entity(
        ACCOUNT_CATEGORY,
        Uuid::new_v5(&ACCOUNT_NAMESPACE, name.as_bytes()),
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

/// A personal account was opened for a web user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountOpened {
    /// Identifies this account (a name may be reused after a disabling).
    pub account_id: Uuid,
    /// The login name; unique among active accounts.
    pub name: String,
    /// The user's name as shown to people.
    pub full_name: String,
    pub role: Role,
    /// The code of the one region the account sees and acts in (a
    /// regional coordination), or none: the whole association.
    pub region: Option<String>,
    pub opened_at: DateTime<Utc>,
}

/// An account's role changed; it acts with the new role from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountRoleChanged {
    pub account_id: Uuid,
    pub role: Role,
}

/// An account's password was set or reset. Records only that it was:
/// neither the password nor its hash ever enters the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountPasswordSet {
    pub account_id: Uuid,
}

/// An account was disabled; logins with it are refused from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountDisabled {
    pub account_id: Uuid,
    pub reason: String,
}

/// Every token and account event, as the token and account aggregates
/// decide and fold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessEvent {
    Issued(AccessTokenIssued),
    Revoked(AccessTokenRevoked),
    AccountOpened(AccountOpened),
    AccountRoleChanged(AccountRoleChanged),
    AccountPasswordSet(AccountPasswordSet),
    AccountDisabled(AccountDisabled),
}

impl LogEvent for AccessEvent {
    fn event_type(&self) -> &'static str {
        match self {
            AccessEvent::Issued(_) => ACCESS_TOKEN_ISSUED,
            AccessEvent::Revoked(_) => ACCESS_TOKEN_REVOKED,
            AccessEvent::AccountOpened(_) => ACCOUNT_OPENED,
            AccessEvent::AccountRoleChanged(_) => ACCOUNT_ROLE_CHANGED,
            AccessEvent::AccountPasswordSet(_) => ACCOUNT_PASSWORD_SET,
            AccessEvent::AccountDisabled(_) => ACCOUNT_DISABLED,
        }
    }

    fn schema_version(&self) -> u16 {
        ACCESS_SCHEMA_VERSION
    }

    fn to_payload(&self) -> serde_json::Value {
        let value = match self {
            AccessEvent::Issued(p) => serde_json::to_value(p),
            AccessEvent::Revoked(p) => serde_json::to_value(p),
            AccessEvent::AccountOpened(p) => serde_json::to_value(p),
            AccessEvent::AccountRoleChanged(p) => serde_json::to_value(p),
            AccessEvent::AccountPasswordSet(p) => serde_json::to_value(p),
            AccessEvent::AccountDisabled(p) => serde_json::to_value(p),
        };
        // Plain structs of strings, ids and a time: serialising cannot fail.
        value.expect("access payloads always serialise")
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
        let known = ACCESS_EVENT_TYPES.contains(&event_type);
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
            ACCOUNT_OPENED => AccountOpened::deserialize(payload)
                .map(AccessEvent::AccountOpened)
                .map_err(fail),
            ACCOUNT_ROLE_CHANGED => AccountRoleChanged::deserialize(payload)
                .map(AccessEvent::AccountRoleChanged)
                .map_err(fail),
            ACCOUNT_PASSWORD_SET => AccountPasswordSet::deserialize(payload)
                .map(AccessEvent::AccountPasswordSet)
                .map_err(fail),
            ACCOUNT_DISABLED => AccountDisabled::deserialize(payload)
                .map(AccessEvent::AccountDisabled)
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
    fn account_streams_are_stable_and_distinct() {
        let a = account_stream("awa.diarra").unwrap();
        assert_eq!(a, account_stream("awa.diarra").unwrap());
        assert_ne!(a, account_stream("controle").unwrap());
        assert_eq!(a.category(), ACCOUNT_CATEGORY);
        // A name's account stream is not its token stream.
        assert_ne!(
            a.as_str().strip_prefix("account-"),
            token_stream("awa.diarra")
                .unwrap()
                .as_str()
                .strip_prefix("token-")
        );
        // A changed namespace would orphan every existing account stream.
        assert_eq!(
            account_stream("secretariat").unwrap().as_str(),
            format!(
                "account-{}",
                Uuid::new_v5(
                    &Uuid::parse_str("79d8f6ad-a099-460d-aa22-339e0659d9ad").unwrap(),
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
    fn account_events_decode_from_their_stored_form() {
        let account_id = Uuid::from_u128(7);
        let events = [
            AccessEvent::AccountOpened(AccountOpened {
                account_id,
                name: "awa.diarra".into(),
                full_name: "Awa Diarra".into(),
                role: Role::Secretariat,
                region: Some("ML01".into()),
                opened_at: DateTime::from_timestamp(0, 0).unwrap(),
            }),
            AccessEvent::AccountRoleChanged(AccountRoleChanged {
                account_id,
                role: Role::Auditor,
            }),
            AccessEvent::AccountPasswordSet(AccountPasswordSet { account_id }),
            AccessEvent::AccountDisabled(AccountDisabled {
                account_id,
                reason: "départ".into(),
            }),
        ];
        for event in events {
            let t = event.event_type();
            assert!(ACCESS_EVENT_TYPES.contains(&t));
            let stored = event.to_payload();
            assert_eq!(AccessEvent::decode_ref(t, 1, &stored).unwrap(), event);
            assert!(matches!(
                AccessEvent::decode_ref(t, 2, &stored),
                Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
            ));
        }
        // Only that a password was set is recorded.
        let set = AccessEvent::AccountPasswordSet(AccountPasswordSet { account_id });
        assert_eq!(
            set.to_payload(),
            serde_json::json!({ "account_id": account_id })
        );
        let opened = AccessEvent::AccountOpened(AccountOpened {
            account_id,
            name: "n".into(),
            full_name: "N".into(),
            role: Role::Dashboard,
            region: None,
            opened_at: DateTime::from_timestamp(0, 0).unwrap(),
        });
        assert_eq!(opened.to_payload()["role"], "dashboard");
        assert!(matches!(
            AccessEvent::decode_ref(ACCOUNT_DISABLED, 1, &set.to_payload()),
            Err(DecodeError::Payload { .. })
        ));
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
