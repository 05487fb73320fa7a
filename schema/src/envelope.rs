//! The event envelope: what every event carries besides its payload.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Global position of an event in the log: 1 for the first event, then
/// consecutive integers with no gap. 0 means "before the first event".
pub type Position = u64;

/// Revision of an event within its stream: 0 for the stream's first event.
pub type Revision = u64;

/// Longest stream id accepted, in bytes.
pub const MAX_STREAM_ID_LEN: usize = 200;

/// The bytes a stream id may hold, by value: one load per byte instead of
/// up to six comparisons, for every stored event a replay reads.
static STREAM_ID_BYTES: [bool; 256] = {
    let mut allowed = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        allowed[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':');
        b += 1;
    }
    allowed
};

/// Identifier of a stream: `category-rest`, for example
/// `commune-0192…` or `territory-ocha-pcode-2015`.
///
/// The category (the part before the first `-`) groups streams of one
/// aggregate kind; it is what subscriptions filter on.
///
/// Shared, not copied, by its clones: a log holds runs of events on one
/// stream (a session's attendance and votes), and a reader gives each
/// event of a run the id it already checked (see [`StreamId::parse_after`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(Arc<str>);

/// Why a string is not a valid [`StreamId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stream id {value:?}: {reason}")]
pub struct InvalidStreamId {
    pub value: String,
    pub reason: &'static str,
}

impl StreamId {
    /// Validates and wraps a stream id. Only ASCII letters, digits and
    /// `-_.:` are allowed, so ids are safe in URLs, file names and every
    /// store backend's naming rules.
    pub fn new(value: impl AsRef<str>) -> Result<Self, InvalidStreamId> {
        let value = value.as_ref();
        let fail = |reason| {
            Err(InvalidStreamId {
                value: value.chars().take(MAX_STREAM_ID_LEN).collect(),
                reason,
            })
        };
        if value.is_empty() {
            return fail("empty");
        }
        if value.len() > MAX_STREAM_ID_LEN {
            return fail("longer than 200 bytes");
        }
        if !value.bytes().all(|b| STREAM_ID_BYTES[usize::from(b)]) {
            return fail("only ASCII letters, digits and - _ . : are allowed");
        }
        if value.starts_with('$') || value.starts_with('-') {
            return fail("must start with a letter or digit");
        }
        Ok(StreamId(value.into()))
    }

    /// Like [`StreamId::new`], but returns a clone of `last` (no check,
    /// no allocation) when `value` is the id `last` holds: what a reader of
    /// the log uses, where most events follow one on the same stream.
    pub fn parse_after(value: &str, last: &mut Option<StreamId>) -> Result<Self, InvalidStreamId> {
        if let Some(id) = last
            && *id.0 == *value
        {
            return Ok(id.clone());
        }
        let id = Self::new(value)?;
        *last = Some(id.clone());
        Ok(id)
    }

    /// Builds `category-id` from a category and a UUID.
    pub fn for_entity(category: &str, id: Uuid) -> Result<Self, InvalidStreamId> {
        Self::new(format!("{category}-{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The aggregate kind: the part before the first `-`.
    pub fn category(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for StreamId {
    type Err = InvalidStreamId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StreamId::new(s)
    }
}

impl Serialize for StreamId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for StreamId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so that the text is copied once, into the id (serde
        // deserialises a `Cow<str>` into an owned `String` first).
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = StreamId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stream id")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StreamId, E> {
                StreamId::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

/// The role under which an actor acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The Secrétariat permanent: issues every command.
    Secretariat,
    /// Reads everything, replays history; never writes.
    Auditor,
    /// Reads the read models only.
    Dashboard,
    /// registre itself (initialisation, imports run from the command line
    /// by the operator).
    System,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Secretariat => "secretariat",
            Role::Auditor => "auditor",
            Role::Dashboard => "dashboard",
            Role::System => "system",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "secretariat" => Ok(Role::Secretariat),
            "auditor" => Ok(Role::Auditor),
            "dashboard" => Ok(Role::Dashboard),
            "system" => Ok(Role::System),
            other => Err(format!(
                "unknown role {other:?} (expected secretariat, auditor, dashboard or system)"
            )),
        }
    }
}

/// Who issued a command: a token's name (or an operator's name) and role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            id: "registre".into(),
            role: Role::System,
        }
    }
}

/// What one command shares with every event it appends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandMeta {
    /// Identifies the command; appending again with the same id is a no-op
    /// that returns the first result (safe retries).
    pub command_id: Uuid,
    pub actor: Actor,
    /// The request or workflow this command belongs to.
    pub correlation_id: Uuid,
    /// The event or command that caused this one, when there is one.
    pub causation_id: Option<Uuid>,
}

impl CommandMeta {
    /// A command with a fresh id, its own correlation and no cause.
    pub fn new(actor: Actor) -> Self {
        let command_id = Uuid::now_v7();
        CommandMeta {
            command_id,
            actor,
            correlation_id: command_id,
            causation_id: None,
        }
    }
}

/// An event as a command asks to append it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// UUID v7, chosen by the writer so that a retried append carries the
    /// same ids.
    pub id: Uuid,
    pub event_type: String,
    /// Version of this event type's payload schema.
    pub schema_version: u16,
    /// When it happened in the world (the date of the session, of the
    /// payment), as opposed to when it was recorded.
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

impl EventData {
    pub fn new(
        event_type: impl Into<String>,
        schema_version: u16,
        occurred_at: DateTime<Utc>,
        payload: serde_json::Value,
    ) -> Self {
        EventData {
            id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            occurred_at,
            payload,
        }
    }
}

// `P` is the payload's form: the JSON as stored (the default), or, for a
// fold that reads the log in bulk, the payload already decoded
// (`DecodedEvent`). The published schema describes the stored form.
/// An event as it stands in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "RecordedEvent")]
pub struct RecordedEvent<P = serde_json::Value> {
    pub position: Position,
    pub id: Uuid,
    /// `category-rest`, at most 200 bytes.
    #[schemars(with = "String")]
    pub stream_id: StreamId,
    pub revision: Revision,
    pub event_type: String,
    pub schema_version: u16,
    pub occurred_at: DateTime<Utc>,
    /// When the store appended it. Never decreases along the global order.
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub payload: P,
}

/// An event read for a fold: its payload decoded into the domain event it
/// holds, or `None` for the log's events outside the governance domain
/// (access tokens), whose payload a fold has no use for.
pub type DecodedEvent = RecordedEvent<Option<crate::DomainEvent>>;

impl<P> RecordedEvent<P> {
    /// The same event carrying another form of its payload.
    pub fn with_payload<Q>(self, payload: Q) -> RecordedEvent<Q> {
        RecordedEvent {
            position: self.position,
            id: self.id,
            stream_id: self.stream_id,
            revision: self.revision,
            event_type: self.event_type,
            schema_version: self.schema_version,
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
            actor: self.actor,
            command_id: self.command_id,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            payload,
        }
    }
}

impl RecordedEvent {
    /// Decodes the payload of a domain event (upcast to its current
    /// version); other event types carry `None`.
    pub fn decoded(mut self) -> Result<DecodedEvent, crate::DecodeError> {
        if !crate::DomainEvent::is_domain_type(&self.event_type) {
            return Ok(self.with_payload(None));
        }
        let payload = std::mem::take(&mut self.payload);
        let event = crate::DomainEvent::decode(&self.event_type, self.schema_version, payload)?;
        Ok(self.with_payload(Some(event)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_are_validated() {
        assert_eq!(StreamId::new("commune-12").unwrap().category(), "commune");
        assert_eq!(StreamId::new("statutes").unwrap().category(), "statutes");
        assert!(StreamId::new("").is_err());
        assert!(StreamId::new("a b").is_err());
        assert!(StreamId::new("$all").is_err());
        assert!(StreamId::new("é").is_err());
        assert!(StreamId::new("x".repeat(201)).is_err());
        assert!(StreamId::new("x".repeat(200)).is_ok());
        assert!(StreamId::new("aZ09-_.:").is_ok());
        for b in 0..=255_u8 {
            let rule = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':');
            assert_eq!(STREAM_ID_BYTES[usize::from(b)], rule, "byte {b}");
        }
        for c in [' ', '/', '#', '%', '@', '[', '`', '{', '\u{7f}', '\0'] {
            assert!(StreamId::new(format!("a{c}")).is_err(), "{c:?} accepted");
        }
        let err = serde_json::from_str::<StreamId>("\"no/slash\"").unwrap_err();
        assert!(err.to_string().contains("invalid stream id"));
    }

    #[test]
    fn a_run_of_events_on_one_stream_shares_its_checked_id() {
        let mut last = None;
        let first = StreamId::parse_after("session-1", &mut last).unwrap();
        let again = StreamId::parse_after("session-1", &mut last).unwrap();
        assert!(Arc::ptr_eq(&first.0, &again.0), "the id was not shared");
        let other = StreamId::parse_after("member-2", &mut last).unwrap();
        assert_eq!(other.as_str(), "member-2");
        assert_eq!(last.as_ref(), Some(&other));
        // A bad id after a good one is still refused, and forgets nothing.
        assert!(StreamId::parse_after("member 2", &mut last).is_err());
        assert_eq!(last.as_ref(), Some(&other));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"member-2\"");
        let back: StreamId = serde_json::from_str("\"member-2\"").unwrap();
        assert_eq!(back, other);
    }

    #[test]
    fn roles_round_trip() {
        for r in [
            Role::Secretariat,
            Role::Auditor,
            Role::Dashboard,
            Role::System,
        ] {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
