//! The domain's event types: every payload registre writes to the log.
//!
//! Payloads are plain data (integers, strings, dates, ids; no floats) because
//! the log hashes them for tamper evidence. Every type is at schema version 1;
//! a change adds version 2 and an upcast step in [`DomainEvent::upcaster`],
//! and a golden file of the old form stays in `tests/golden/` forever.
//!
//! ## Layout
//! One file per aggregate: [`territory`], [`member`], [`dues`], [`statutes`],
//! [`body`], [`session`], [`mandate`], [`election`], [`minutes`],
//! [`correction`]; this file
//! gathers them in [`DomainEvent`].

pub mod body;
pub mod correction;
pub mod dues;
pub mod election;
pub mod mandate;
pub mod member;
pub mod minutes;
pub mod session;
pub mod statutes;
pub mod territory;

use std::sync::LazyLock;

pub use body::*;
pub use correction::*;
pub use dues::*;
pub use election::*;
pub use mandate::*;
pub use member::*;
pub use minutes::*;
pub use session::*;
pub use statutes::*;
pub use territory::*;

use crate::upcast::{UpcastError, Upcaster};

/// Why a stored event cannot be read as a [`DomainEvent`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Upcast(#[from] UpcastError),
    #[error("payload of {event_type:?} does not match its schema: {reason}")]
    Payload { event_type: String, reason: String },
}

macro_rules! domain_events {
    ($($name:ident => $version:literal),* $(,)?) => {
        /// Every event of the domain, in its current form.
        #[derive(Debug, Clone, PartialEq)]
        pub enum DomainEvent {
            $($name($name),)*
        }

        impl DomainEvent {
            /// Every event type name with its current schema version.
            pub const TYPES: &'static [(&'static str, u16)] = &[$((stringify!($name), $version),)*];

            /// The type name stored in the log: the variant's name.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $(DomainEvent::$name(_) => stringify!($name),)*
                }
            }

            /// The current schema version of this event's payload.
            pub fn schema_version(&self) -> u16 {
                match self {
                    $(DomainEvent::$name(_) => $version,)*
                }
            }

            /// The payload as stored.
            pub fn to_payload(&self) -> serde_json::Value {
                let value = match self {
                    $(DomainEvent::$name(p) => serde_json::to_value(p),)*
                };
                // Payloads are structs of strings, integers, dates and ids
                // with string keys: serialising them cannot fail.
                value.expect("event payloads always serialise")
            }

            fn from_current(event_type: &str, payload: serde_json::Value) -> Result<Self, DecodeError> {
                let fail = |e: serde_json::Error| DecodeError::Payload {
                    event_type: event_type.to_owned(),
                    reason: e.to_string(),
                };
                match event_type {
                    $(stringify!($name) => serde_json::from_value(payload).map(DomainEvent::$name).map_err(fail),)*
                    other => Err(DecodeError::Upcast(UpcastError::UnknownType { event_type: other.to_owned() })),
                }
            }

            fn from_current_ref(event_type: &str, payload: &serde_json::Value) -> Result<Self, DecodeError> {
                use serde::Deserialize;
                let fail = |e: serde_json::Error| DecodeError::Payload {
                    event_type: event_type.to_owned(),
                    reason: e.to_string(),
                };
                match event_type {
                    $(stringify!($name) => $name::deserialize(payload).map(DomainEvent::$name).map_err(fail),)*
                    other => Err(DecodeError::Upcast(UpcastError::UnknownType { event_type: other.to_owned() })),
                }
            }

            fn from_current_str(event_type: &str, payload: &str) -> Result<Self, DecodeError> {
                let fail = |e: serde_json::Error| DecodeError::Payload {
                    event_type: event_type.to_owned(),
                    reason: e.to_string(),
                };
                match event_type {
                    $(stringify!($name) => serde_json::from_str::<$name>(payload).map(DomainEvent::$name).map_err(fail),)*
                    other => Err(DecodeError::Upcast(UpcastError::UnknownType { event_type: other.to_owned() })),
                }
            }

            /// JSON Schema of every event type's current payload.
            pub fn json_schemas() -> Vec<(&'static str, serde_json::Value)> {
                vec![$((stringify!($name), serde_json::to_value(schemars::schema_for!($name)).expect("schemas serialise")),)*]
            }
        }

        $(impl From<$name> for DomainEvent {
            fn from(e: $name) -> Self {
                DomainEvent::$name(e)
            }
        })*
    };
}

domain_events! {
    TerritorialUnitRegistered => 1,
    TerritorialUnitsReorganised => 1,
    CommuneAdmitted => 1,
    MemberSuspended => 1,
    MemberReinstated => 1,
    MemberExcluded => 2,
    MemberWithdrew => 1,
    MembershipSucceeded => 2,
    MemberContactsRecorded => 1,
    DuesScheduleSet => 1,
    DuesPaid => 1,
    DuesPaymentReversed => 1,
    StatutesAdopted => 3,
    StatutesAmended => 4,
    BodyEstablished => 2,
    StatutoryBodyNamed => 1,
    PostDefined => 1,
    SessionConvened => 2,
    AttendanceRecorded => 1,
    ProxyRegistered => 1,
    QuorumReached => 1,
    QuorumFailed => 1,
    SessionOpened => 1,
    MotionTabled => 2,
    VoteRecorded => 1,
    MotionAdopted => 2,
    MotionRejected => 2,
    SessionClosed => 1,
    SessionAdjourned => 1,
    OfficerElected => 1,
    MandateStarted => 1,
    MandateEnded => 1,
    ElectionOpened => 2,
    CandidacyFiled => 1,
    ElectionRoundCounted => 1,
    MinutesDrafted => 1,
    MinutesAdopted => 1,
    MinutesSigned => 1,
    RecordCorrected => 1,
}

static UPCASTER: LazyLock<Upcaster> = LazyLock::new(|| {
    // Register upcast steps here when a type's version is bumped.
    DomainEvent::TYPES
        .iter()
        .fold(Upcaster::new(), |u, (t, v)| u.current(t, *v))
        // Version 2 names the motion that decided; earlier records had none.
        .step("MemberExcluded", 1, no_motion)
        .step("StatutesAmended", 1, no_motion)
        // Version 2 names the member an exclusion motion concerns.
        .step("MotionTabled", 1, no_subject)
        // Statutes state rules per statutory body since these versions.
        .step("StatutesAdopted", 1, no_instance_rules)
        .step("StatutesAmended", 2, no_instance_rules)
        .step("BodyEstablished", 1, no_statutory_body)
        // Statutes state how elections are decided and who elects each body.
        .step("StatutesAdopted", 2, no_election_rules)
        .step("StatutesAmended", 3, no_election_rules)
        // An extraordinary session records its grounds since version 2.
        .step("SessionConvened", 1, no_request)
        // A succession records the dues it carried since version 2.
        .step("MembershipSucceeded", 1, nothing_carried)
        // An election cites the motion it carries out since version 2.
        .step("ElectionOpened", 1, no_motion_cited)
        // A result names the rule it applied, not one of three majorities.
        .step("MotionAdopted", 1, majority_as_rule)
        .step("MotionRejected", 1, majority_as_rule)
});

/// The step to statutes with rules per statutory body: none before.
fn no_instance_rules(mut payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let statutes = payload
        .get_mut("statutes")
        .and_then(|s| s.as_object_mut())
        .ok_or_else(|| "the payload has no statutes".to_owned())?;
    statutes.insert("instances".into(), serde_json::Value::Array(Vec::new()));
    Ok(payload)
}

/// The step to statutes that state how elections are decided: before,
/// one round decided by an absolute majority, then relative ones, and no
/// rule against a commune holding several posts; each body elected by
/// its own sessions or those of a body it convenes.
fn no_election_rules(mut payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let statutes = payload
        .get_mut("statutes")
        .and_then(|s| s.as_object_mut())
        .ok_or_else(|| "the payload has no statutes".to_owned())?;
    statutes.insert(
        "elections".into(),
        serde_json::json!({"absolute_majority_rounds": 1, "several_posts": true}),
    );
    let instances = statutes
        .get_mut("instances")
        .and_then(|i| i.as_array_mut())
        .ok_or_else(|| "the statutes have no instances".to_owned())?;
    for rules in instances {
        let rules = rules
            .as_object_mut()
            .ok_or_else(|| "a body's rules are not an object".to_owned())?;
        rules.insert("elected_by".into(), serde_json::Value::Null);
    }
    Ok(payload)
}

/// The step to convocations that record an extraordinary session's
/// grounds: none before.
fn no_request(payload: serde_json::Value) -> Result<serde_json::Value, String> {
    with_null(payload, "request")
}

/// The step to successions that record the dues they carried: none
/// before (the successor started owing from the succession's year on,
/// whatever it inherited).
fn nothing_carried(mut payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let object = payload
        .as_object_mut()
        .ok_or_else(|| "the payload is not an object".to_owned())?;
    object.insert("carried_dues".into(), serde_json::Value::Array(Vec::new()));
    Ok(payload)
}

/// The step to elections that may cite their motion: none before.
fn no_motion_cited(payload: serde_json::Value) -> Result<serde_json::Value, String> {
    with_null(payload, "motion_id")
}

/// The step to bodies that say which statutory body they are: none before.
fn no_statutory_body(payload: serde_json::Value) -> Result<serde_json::Value, String> {
    with_null(payload, "statutory_body")
}

/// The step from one of three majorities to the rule it meant, with the
/// base it counted (read from the tally) and no casting vote.
fn majority_as_rule(mut payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let count = |field: &str| {
        payload["tally"][field]
            .as_u64()
            .ok_or_else(|| format!("the tally has no {field}"))
    };
    let cast = count("votes_for")? + count("votes_against")?;
    let (comparison, share, base_name, base) = match payload["majority"].as_str() {
        Some("simple") => ("more_than", (1, 2), "votes_cast", cast),
        Some("absolute") => (
            "more_than",
            (1, 2),
            "votes_cast_with_abstentions",
            cast + count("abstentions")?,
        ),
        Some("two_thirds") => ("at_least", (2, 3), "votes_cast", cast),
        other => return Err(format!("unknown majority {other:?}")),
    };
    let object = payload
        .as_object_mut()
        .ok_or_else(|| "the payload is not an object".to_owned())?;
    object.remove("majority");
    object.insert(
        "rule".into(),
        serde_json::json!({
            "comparison": comparison,
            "share": {"numerator": share.0, "denominator": share.1},
            "base": base_name,
            "tie": "rejected",
        }),
    );
    object.insert("base".into(), base.into());
    object.insert("casting_vote".into(), serde_json::Value::Null);
    Ok(payload)
}

/// The step to a version that names a motion's subject: none before.
fn no_subject(payload: serde_json::Value) -> Result<serde_json::Value, String> {
    with_null(payload, "subject_member_id")
}

/// The step to a version that cites a motion: the records before cite none.
fn no_motion(payload: serde_json::Value) -> Result<serde_json::Value, String> {
    with_null(payload, "motion_id")
}

fn with_null(mut payload: serde_json::Value, field: &str) -> Result<serde_json::Value, String> {
    let object = payload
        .as_object_mut()
        .ok_or_else(|| "the payload is not an object".to_owned())?;
    object.insert(field.into(), serde_json::Value::Null);
    Ok(payload)
}

impl DomainEvent {
    /// The registry of current versions and upcast steps of every type.
    pub fn upcaster() -> &'static Upcaster {
        &UPCASTER
    }

    /// Reads a stored event: upcasts its payload to the current version,
    /// then parses it.
    pub fn decode(
        event_type: &str,
        schema_version: u16,
        payload: serde_json::Value,
    ) -> Result<DomainEvent, DecodeError> {
        let (_, payload) = UPCASTER.upcast(event_type, schema_version, payload)?;
        Self::from_current(event_type, payload)
    }

    /// Like [`DomainEvent::decode`], from a borrowed payload: an event
    /// already at its current version is parsed in place, without copying
    /// the payload (the common case, and the one replay speed depends on).
    pub fn decode_ref(
        event_type: &str,
        schema_version: u16,
        payload: &serde_json::Value,
    ) -> Result<DomainEvent, DecodeError> {
        if UPCASTER.current_version(event_type) == Some(schema_version) {
            return Self::from_current_ref(event_type, payload);
        }
        Self::decode(event_type, schema_version, payload.clone())
    }

    /// Like [`DomainEvent::decode`], from the payload's JSON text as
    /// stored: an event at its current version is parsed straight into its
    /// type, without building a `serde_json::Value` first (what a bulk fold
    /// of the log spends most of its decoding time on otherwise).
    pub fn decode_str(
        event_type: &str,
        schema_version: u16,
        payload: &str,
    ) -> Result<DomainEvent, DecodeError> {
        if UPCASTER.current_version(event_type) == Some(schema_version) {
            return Self::from_current_str(event_type, payload);
        }
        let value = serde_json::from_str(payload).map_err(|e| DecodeError::Payload {
            event_type: event_type.to_owned(),
            reason: e.to_string(),
        })?;
        Self::decode(event_type, schema_version, value)
    }

    /// Like [`DomainEvent::decode_str`], for any stored event: `None` when
    /// `event_type` is not a domain type (an access token's, say). The type
    /// is looked up once, where asking [`DomainEvent::is_domain_type`]
    /// first would look it up twice per event of a replay.
    pub fn decode_str_if_domain(
        event_type: &str,
        schema_version: u16,
        payload: &str,
    ) -> Result<Option<DomainEvent>, DecodeError> {
        match UPCASTER.current_version(event_type) {
            None => Ok(None),
            Some(current) if current == schema_version => {
                Self::from_current_str(event_type, payload).map(Some)
            }
            Some(_) => Self::decode_str(event_type, schema_version, payload).map(Some),
        }
    }

    /// Whether `event_type` is a domain event type (of any version).
    pub fn is_domain_type(event_type: &str) -> bool {
        UPCASTER.current_version(event_type).is_some()
    }

    /// The statutes version a decision event was judged under, if it is a
    /// decision.
    pub fn statutes_version(&self) -> Option<u32> {
        use DomainEvent as E;
        Some(match self {
            E::CommuneAdmitted(e) => e.statutes_version,
            E::MemberSuspended(e) => e.statutes_version,
            E::MemberReinstated(e) => e.statutes_version,
            E::MemberExcluded(e) => e.statutes_version,
            E::MembershipSucceeded(e) => e.statutes_version,
            E::DuesScheduleSet(e) => e.statutes_version,
            E::StatutesAdopted(e) => e.statutes.version,
            E::StatutesAmended(e) => e.statutes.version,
            E::SessionConvened(e) => e.statutes_version,
            E::ProxyRegistered(e) => e.statutes_version,
            E::QuorumReached(e) => e.statutes_version,
            E::QuorumFailed(e) => e.statutes_version,
            E::SessionOpened(e) => e.statutes_version,
            E::MotionAdopted(e) => e.statutes_version,
            E::MotionRejected(e) => e.statutes_version,
            E::SessionAdjourned(e) => e.statutes_version,
            E::OfficerElected(e) => e.statutes_version,
            E::MinutesAdopted(e) => e.statutes_version,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_malformed_events_are_typed_errors() {
        assert!(matches!(
            DomainEvent::decode("Nope", 1, serde_json::json!({})),
            Err(DecodeError::Upcast(UpcastError::UnknownType { .. }))
        ));
        assert!(matches!(
            DomainEvent::decode("DuesPaid", 2, serde_json::json!({})),
            Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
        ));
        assert!(matches!(
            DomainEvent::decode("DuesPaid", 1, serde_json::json!({"year": "x"})),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            DomainEvent::decode_ref("DuesPaid", 1, &serde_json::json!({"year": "x"})),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            DomainEvent::decode_ref("DuesPaid", 2, &serde_json::json!({})),
            Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
        ));
        assert!(matches!(
            DomainEvent::decode_str("DuesPaid", 1, r#"{"year": "x"}"#),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            DomainEvent::decode_str("DuesPaid", 1, "{not json"),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            DomainEvent::decode_str("DuesPaid", 2, "{}"),
            Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
        ));
        assert!(matches!(
            DomainEvent::decode_str("Nope", 1, "{}"),
            Err(DecodeError::Upcast(UpcastError::UnknownType { .. }))
        ));
        assert!(matches!(
            DomainEvent::decode_str_if_domain("AccessTokenIssued", 1, "{not json"),
            Ok(None)
        ));
        assert!(matches!(
            DomainEvent::decode_str_if_domain("DuesPaid", 1, r#"{"year": "x"}"#),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            DomainEvent::decode_str_if_domain("DuesPaid", 2, "{}"),
            Err(DecodeError::Upcast(UpcastError::FutureVersion { .. }))
        ));
        assert!(DomainEvent::is_domain_type("DuesPaid"));
        assert!(!DomainEvent::is_domain_type("AccessTokenIssued"));
    }

    /// The text path and the `Value` path read every stored payload alike.
    #[test]
    fn payload_text_decodes_as_its_value_does() {
        let event = DomainEvent::DuesPaid(DuesPaid {
            member_id: uuid::Uuid::from_u128(7),
            year: 2024,
            amount_xof: 50_000,
            paid_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            receipt_ref: "B-1".into(),
        });
        let value = event.to_payload();
        let text = serde_json::to_string(&value).unwrap();
        let from_text = DomainEvent::decode_str("DuesPaid", 1, &text).unwrap();
        let from_value = DomainEvent::decode("DuesPaid", 1, value).unwrap();
        assert_eq!(from_text.to_payload(), from_value.to_payload());
        assert_eq!(from_text.to_payload(), event.to_payload());
    }

    #[test]
    fn every_type_has_a_schema_and_its_version() {
        assert_eq!(DomainEvent::TYPES.len(), 39);
        let schemas = DomainEvent::json_schemas();
        assert_eq!(schemas.len(), 39);
        for (t, v) in DomainEvent::TYPES {
            assert_eq!(DomainEvent::upcaster().current_version(t), Some(*v));
        }
        let (_, s) = schemas.iter().find(|(t, _)| *t == "DuesPaid").unwrap();
        assert!(s["properties"]["amount_xof"].is_object());
    }
}
