//! What every family of events written to the log shares: a type name and
//! a schema version stored beside a JSON payload, and the way back from
//! that stored form.
//!
//! The governance domain's events ([`DomainEvent`](crate::DomainEvent)) and
//! the access tokens' and accounts' ([`AccessEvent`](crate::access::AccessEvent))
//! are the two families; each aggregate decides and folds one of them.

use crate::events::DecodeError;

/// A family of events as the log stores them.
pub trait LogEvent: Sized {
    /// The type name stored in the log.
    fn event_type(&self) -> &'static str;
    /// The current schema version of this event's payload.
    fn schema_version(&self) -> u16;
    /// The payload as stored.
    fn to_payload(&self) -> serde_json::Value;
    /// Reads a stored event of this family, at any version it knows.
    fn decode_ref(
        event_type: &str,
        schema_version: u16,
        payload: &serde_json::Value,
    ) -> Result<Self, DecodeError>;
}

impl LogEvent for crate::DomainEvent {
    fn event_type(&self) -> &'static str {
        crate::DomainEvent::event_type(self)
    }

    fn schema_version(&self) -> u16 {
        crate::DomainEvent::schema_version(self)
    }

    fn to_payload(&self) -> serde_json::Value {
        crate::DomainEvent::to_payload(self)
    }

    fn decode_ref(
        event_type: &str,
        schema_version: u16,
        payload: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        crate::DomainEvent::decode_ref(event_type, schema_version, payload)
    }
}
