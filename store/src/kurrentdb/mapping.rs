//! How registre's envelope, names, expectations and errors map onto
//! KurrentDB's: plain functions of plain values, so that all of it is
//! tested without a server.

use std::collections::HashMap;

use ::kurrentdb as kdb;
use chrono::{DateTime, SecondsFormat, Utc};
use registre_schema::{Actor, CommandMeta, EventData, Position, RecordedEvent, Revision, StreamId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ExpectedState, StoreError};

/// The prefix of registre's stream names when none is configured.
pub const DEFAULT_PREFIX: &str = "registre-";
/// Longest prefix accepted, in bytes.
pub const MAX_PREFIX_LEN: usize = 64;
/// Version of the metadata layout below, written in every event.
pub const META_FORMAT: u32 = 1;

/// Checks a stream-name prefix: it must keep every name away from
/// KurrentDB's system streams (`$...`) and be safe in a URL.
pub fn validate_prefix(prefix: &str) -> Result<(), StoreError> {
    let refuse = |why: &str| {
        Err(StoreError::Format(format!(
            "invalid KurrentDB stream prefix {prefix:?}: {why}"
        )))
    };
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN {
        return refuse("empty or longer than 64 bytes");
    }
    if !prefix.starts_with(|c: char| c.is_ascii_alphabetic()) {
        // `$` would name a system stream; digits and `-` are refused too
        // so the rule stays one a person can remember.
        return refuse("must start with an ASCII letter");
    }
    if !prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    {
        return refuse("only ASCII letters, digits and - _ . : are allowed");
    }
    Ok(())
}

/// The KurrentDB stream that holds a registre stream.
pub fn stream_name(prefix: &str, id: &StreamId) -> Result<String, StoreError> {
    let name = format!("{prefix}{id}");
    // Defence in depth: a validated prefix never starts with `$`, but a
    // name that did would write into a KurrentDB system stream.
    if name.starts_with('$') {
        return Err(StoreError::Format(format!(
            "stream name {name:?} would be a KurrentDB system stream"
        )));
    }
    Ok(name)
}

/// The registre stream a KurrentDB stream holds, if it is one of ours.
pub fn stream_id_of(prefix: &str, name: &str) -> Option<StreamId> {
    StreamId::new(name.strip_prefix(prefix)?).ok()
}

/// registre's expectation as KurrentDB's.
pub fn stream_state(expected: ExpectedState) -> kdb::StreamState {
    match expected {
        ExpectedState::Any => kdb::StreamState::Any,
        ExpectedState::NoStream => kdb::StreamState::NoStream,
        ExpectedState::StreamExists => kdb::StreamState::StreamExists,
        ExpectedState::Exact(r) => kdb::StreamState::StreamRevision(r),
    }
}

/// KurrentDB's idea of a stream's last revision as registre's.
pub fn actual_revision(current: kdb::CurrentRevision) -> Option<Revision> {
    match current {
        kdb::CurrentRevision::Current(r) => Some(r),
        kdb::CurrentRevision::NoStream => None,
    }
}

/// Translates a client error. Only a concurrency conflict keeps details;
/// every other error becomes a fixed text naming its kind, because the
/// server's own messages may carry internal details.
pub fn store_error(e: &kdb::Error, stream_id: &StreamId, expected: ExpectedState) -> StoreError {
    if let kdb::Error::WrongExpectedVersion { current, .. } = e {
        return StoreError::WrongExpectedVersion {
            stream_id: stream_id.clone(),
            expected,
            actual: actual_revision(*current),
        };
    }
    backend_error(e)
}

/// The text of a client error fit for logs: its kind, never its message.
pub fn error_kind(e: &kdb::Error) -> String {
    use kdb::Error as E;
    match e {
        E::WrongExpectedVersion { .. } => "wrong expected version".into(),
        E::ServerError(_) => "server error".into(),
        E::NotLeaderException(_) => "the node is not the leader".into(),
        E::ConnectionClosed => "connection closed".into(),
        E::Grpc { code, message } if is_append_too_large(i32::from(*code), message) => {
            "the append exceeds the server's maximum append size \
             (set KurrentDB's MaxAppendSize to at least 8 MiB, registre's limit)"
                .into()
        }
        E::Grpc { code, .. } => format!("gRPC status {}", i32::from(*code)),
        E::GrpcConnectionError(_) => "cannot connect to the server".into(),
        E::InternalParsingError(_) => "malformed answer from the server".into(),
        E::AccessDenied => "access denied (check the credentials)".into(),
        E::ResourceAlreadyExists => "resource already exists".into(),
        E::ResourceNotFound => "resource not found".into(),
        E::ResourceDeleted => "the stream was deleted in KurrentDB (registre never deletes)".into(),
        E::UnsupportedFeature => "operation not supported by this server version".into(),
        E::InternalClientError => "internal client error".into(),
        E::DeadlineExceeded => "deadline exceeded (an append may or may not have been written: \
             retry it with the same command id)"
            .into(),
        E::InitializationError(_) => "client initialisation failed".into(),
        E::IllegalStateError(_) => "client in an illegal state".into(),
    }
}

/// gRPC's status code for a refused argument (fixed by the gRPC
/// specification), which KurrentDB answers to an oversized append.
const GRPC_INVALID_ARGUMENT: i32 = 3;

fn is_append_too_large(code: i32, message: &str) -> bool {
    code == GRPC_INVALID_ARGUMENT && message.to_ascii_lowercase().contains("append size")
}

/// Any error other than a concurrency conflict, as `Backend`.
pub fn backend_error(e: &kdb::Error) -> StoreError {
    StoreError::Backend(format!("KurrentDB: {}", error_kind(e)))
}

/// What registre writes in an event's custom metadata: every envelope field
/// KurrentDB has no slot for. Correlation and causation use KurrentDB's
/// own conventional names, so its `$bc-` projections see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMeta {
    /// Layout version ([`META_FORMAT`]).
    pub registre: u32,
    pub schema_version: u16,
    /// RFC 3339 with microseconds, UTC: registre keeps microseconds.
    pub occurred_at: String,
    pub actor: Actor,
    pub command_id: Uuid,
    /// How many events the command's append holds, so that a reader of
    /// the log knows when it has seen all of them.
    pub append_size: u32,
    #[serde(rename = "$correlationId")]
    pub correlation_id: Uuid,
    #[serde(
        rename = "$causationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub causation_id: Option<Uuid>,
}

/// A time at registre's precision, as written in metadata.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads back what [`format_time`] wrote; finer digits are dropped, as
/// every backend keeps microseconds.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    DateTime::from_timestamp_micros(t.timestamp_micros())
}

impl EnvelopeMeta {
    pub fn new(event: &EventData, meta: &CommandMeta, append_size: u32) -> Self {
        EnvelopeMeta {
            registre: META_FORMAT,
            schema_version: event.schema_version,
            occurred_at: format_time(event.occurred_at),
            actor: meta.actor.clone(),
            command_id: meta.command_id,
            append_size,
            correlation_id: meta.correlation_id,
            causation_id: meta.causation_id,
        }
    }

    /// Decodes an event's custom metadata; `Err` says why it is not
    /// registre's.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let meta: EnvelopeMeta = serde_json::from_slice(bytes)
            .map_err(|e| format!("metadata is not registre's: {e}"))?;
        if meta.registre != META_FORMAT {
            return Err(format!(
                "metadata format {} is not one this build reads ({META_FORMAT})",
                meta.registre
            ));
        }
        if parse_time(&meta.occurred_at).is_none() {
            return Err("occurred_at is not an RFC 3339 time".into());
        }
        Ok(meta)
    }
}

/// The command id and append size of an event's metadata, if it is
/// registre's.
pub fn command_of(custom_metadata: &[u8]) -> Option<(Uuid, u32)> {
    #[derive(Deserialize)]
    struct Only {
        command_id: Uuid,
        append_size: u32,
    }
    serde_json::from_slice::<Only>(custom_metadata)
        .ok()
        .map(|o| (o.command_id, o.append_size))
}

/// When KurrentDB recorded an event, in microseconds since 1970.
///
/// The client rounds its own `created` field down to the second; the
/// system metadata it keeps alongside holds the server's 100-nanosecond
/// ticks since 1970, which this reads instead.
pub fn created_micros(system_metadata: &HashMap<String, String>) -> Option<i64> {
    let ticks: i64 = system_metadata.get("created")?.parse().ok()?;
    (ticks >= 0).then_some(ticks / 10)
}

/// An event as read from KurrentDB, reduced to plain values.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    pub stream_name: &'a str,
    pub revision: u64,
    pub id: Uuid,
    pub event_type: &'a str,
    pub data: &'a [u8],
    pub custom_metadata: &'a [u8],
}

/// Builds registre's event from KurrentDB's, given the global position
/// and recorded time the position index assigned it.
pub fn decode_event(
    prefix: &str,
    raw: RawEvent<'_>,
    position: Position,
    recorded_at: DateTime<Utc>,
) -> Result<RecordedEvent, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        position,
        event_type: raw.event_type.to_owned(),
        reason,
    };
    let stream_id = stream_id_of(prefix, raw.stream_name).ok_or_else(|| {
        corrupt(format!(
            "stream {:?} is not a registre stream",
            raw.stream_name
        ))
    })?;
    let meta = EnvelopeMeta::decode(raw.custom_metadata).map_err(corrupt)?;
    let payload = serde_json::from_slice(raw.data)
        .map_err(|e| corrupt(format!("payload is not valid JSON: {e}")))?;
    Ok(RecordedEvent {
        position,
        id: raw.id,
        stream_id,
        revision: raw.revision,
        event_type: raw.event_type.to_owned(),
        schema_version: meta.schema_version,
        occurred_at: parse_time(&meta.occurred_at)
            .ok_or_else(|| corrupt("occurred_at is not an RFC 3339 time".into()))?,
        recorded_at,
        actor: meta.actor,
        command_id: meta.command_id,
        correlation_id: meta.correlation_id,
        causation_id: meta.causation_id,
        payload,
    })
}

/// The event KurrentDB is asked to append: registre's id (so that the
/// server recognises a retried write), type, JSON payload and metadata.
pub fn encode_event(
    event: &EventData,
    meta: &CommandMeta,
    append_size: u32,
) -> Result<kdb::EventData, StoreError> {
    let encode = |e: serde_json::Error| StoreError::Backend(format!("encoding an event: {e}"));
    kdb::EventData::json(&event.event_type, &event.payload)
        .map_err(encode)?
        .id(event.id)
        .metadata_as_json(&EnvelopeMeta::new(event, meta, append_size))
        .map_err(encode)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use registre_schema::Role;
    use serde_json::json;

    use super::*;

    fn sid(s: &str) -> StreamId {
        StreamId::new(s).unwrap()
    }

    fn meta() -> CommandMeta {
        CommandMeta {
            command_id: Uuid::now_v7(),
            actor: Actor {
                id: "sp-bamako".into(),
                role: Role::Secretariat,
            },
            correlation_id: Uuid::now_v7(),
            causation_id: Some(Uuid::now_v7()),
        }
    }

    #[test]
    fn expected_states_map_one_to_one() {
        use kdb::StreamState as K;
        assert_eq!(stream_state(ExpectedState::Any), K::Any);
        assert_eq!(stream_state(ExpectedState::NoStream), K::NoStream);
        assert_eq!(stream_state(ExpectedState::StreamExists), K::StreamExists);
        assert_eq!(stream_state(ExpectedState::Exact(0)), K::StreamRevision(0));
        assert_eq!(
            stream_state(ExpectedState::Exact(u64::MAX)),
            K::StreamRevision(u64::MAX)
        );
        assert_eq!(actual_revision(kdb::CurrentRevision::NoStream), None);
        assert_eq!(actual_revision(kdb::CurrentRevision::Current(7)), Some(7));
    }

    #[test]
    fn stream_names_carry_the_prefix_and_come_back() {
        let id = sid("commune-0192a7c4-1b2c");
        let name = stream_name(DEFAULT_PREFIX, &id).unwrap();
        assert_eq!(name, "registre-commune-0192a7c4-1b2c");
        assert_eq!(stream_id_of(DEFAULT_PREFIX, &name), Some(id));
        // Streams of other applications or of KurrentDB itself are not ours
        assert_eq!(stream_id_of(DEFAULT_PREFIX, "orders-12"), None);
        assert_eq!(stream_id_of(DEFAULT_PREFIX, "$stats-127.0.0.1:2113"), None);
        assert_eq!(stream_id_of(DEFAULT_PREFIX, "registre-"), None);
        assert_eq!(stream_id_of(DEFAULT_PREFIX, "registre-a b"), None);
    }

    #[test]
    fn prefixes_that_could_reach_system_streams_are_refused() {
        for bad in ["$registre-", "$", "", "-x", "9x", "re gistre-", "régistre-"] {
            assert!(
                matches!(validate_prefix(bad), Err(StoreError::Format(_))),
                "{bad:?} accepted"
            );
        }
        assert!(validate_prefix(&"r".repeat(MAX_PREFIX_LEN + 1)).is_err());
        for good in [DEFAULT_PREFIX, "amm_2025:", "r"] {
            assert!(validate_prefix(good).is_ok(), "{good:?} refused");
        }
        // Even an unvalidated prefix cannot produce a system stream name.
        let err = stream_name("$", &sid("statutes")).unwrap_err();
        assert!(err.to_string().contains("system stream"), "{err}");
    }

    #[test]
    fn every_envelope_field_survives_the_metadata_round_trip() {
        // Given an event with a time finer than a microsecond
        let occurred = Utc
            .timestamp_opt(1_700_000_000, 123_456_789)
            .single()
            .unwrap();
        let event = EventData::new("DuesPaid", 3, occurred, json!({"amount": 150_000}));
        let meta = meta();
        // When it is written as KurrentDB metadata and read back
        let bytes = serde_json::to_vec(&EnvelopeMeta::new(&event, &meta, 2)).unwrap();
        let recorded_at = Utc.timestamp_opt(1_700_000_100, 5_000).single().unwrap();
        let data = serde_json::to_vec(&event.payload).unwrap();
        let raw = RawEvent {
            stream_name: "registre-dues-1",
            revision: 4,
            id: event.id,
            event_type: "DuesPaid",
            data: &data,
            custom_metadata: &bytes,
        };
        let got = decode_event(DEFAULT_PREFIX, raw, 17, recorded_at).unwrap();
        // Then every field is back, times to the microsecond
        assert_eq!(
            got,
            RecordedEvent {
                position: 17,
                id: event.id,
                stream_id: sid("dues-1"),
                revision: 4,
                event_type: "DuesPaid".into(),
                schema_version: 3,
                occurred_at: Utc
                    .timestamp_opt(1_700_000_000, 123_456_000)
                    .single()
                    .unwrap(),
                recorded_at,
                actor: meta.actor.clone(),
                command_id: meta.command_id,
                correlation_id: meta.correlation_id,
                causation_id: meta.causation_id,
                payload: json!({"amount": 150_000}),
            }
        );
        // And correlation and causation use KurrentDB's conventional names
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["$correlationId"], json!(meta.correlation_id));
        assert_eq!(v["$causationId"], json!(meta.causation_id));
        assert_eq!(command_of(&bytes), Some((meta.command_id, 2)));
        assert_eq!(command_of(b"{}"), None);
    }

    #[test]
    fn an_absent_causation_stays_absent() {
        let mut meta = meta();
        meta.causation_id = None;
        let event = EventData::new("T", 1, Utc::now(), json!({}));
        let bytes = serde_json::to_vec(&EnvelopeMeta::new(&event, &meta, 2)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("causation"));
        assert_eq!(EnvelopeMeta::decode(&bytes).unwrap().causation_id, None);
    }

    #[test]
    fn events_registre_did_not_write_are_reported_corrupt_with_position_and_type() {
        let good_meta = serde_json::to_vec(&EnvelopeMeta::new(
            &EventData::new("T", 1, Utc::now(), json!({})),
            &meta(),
            1,
        ))
        .unwrap();
        let future_meta = String::from_utf8(good_meta.clone())
            .unwrap()
            .replace("\"registre\":1", "\"registre\":2");
        let cases: [(&str, &[u8], &[u8], &str); 4] = [
            ("registre-a-1", b"{}", b"", "metadata"),
            ("registre-a-1", b"{}", future_meta.as_bytes(), "format 2"),
            ("registre-a-1", b"{not json", &good_meta, "payload"),
            ("registre-a b", b"{}", &good_meta, "not a registre stream"),
        ];
        for (stream_name, data, custom_metadata, why) in cases {
            let raw = RawEvent {
                stream_name,
                revision: 0,
                id: Uuid::now_v7(),
                event_type: "Foreign",
                data,
                custom_metadata,
            };
            match decode_event(DEFAULT_PREFIX, raw, 9, Utc::now()) {
                Err(StoreError::Corrupt {
                    position,
                    event_type,
                    reason,
                }) => {
                    assert_eq!((position, event_type.as_str()), (9, "Foreign"));
                    assert!(reason.contains(why), "{reason:?} should mention {why:?}");
                }
                other => panic!("expected corrupt for {why}, got {other:?}"),
            }
        }
    }

    #[test]
    fn creation_time_is_read_to_the_microsecond_from_server_ticks() {
        let mut m = HashMap::new();
        assert_eq!(created_micros(&m), None);
        // 2023-11-14T22:13:20.1234567Z in 100 ns ticks since 1970
        m.insert("created".to_owned(), "17000000001234567".to_owned());
        assert_eq!(created_micros(&m), Some(1_700_000_000_123_456));
        m.insert("created".to_owned(), "soon".to_owned());
        assert_eq!(created_micros(&m), None);
        m.insert("created".to_owned(), "-5".to_owned());
        assert_eq!(created_micros(&m), None);
    }

    #[test]
    fn a_conflict_keeps_the_actual_revision() {
        let s = sid("commune-1");
        let e = kdb::Error::WrongExpectedVersion {
            expected: kdb::StreamState::StreamRevision(2),
            current: kdb::CurrentRevision::Current(5),
        };
        match store_error(&e, &s, ExpectedState::Exact(2)) {
            StoreError::WrongExpectedVersion {
                stream_id,
                expected,
                actual,
            } => assert_eq!(
                (stream_id, expected, actual),
                (s.clone(), ExpectedState::Exact(2), Some(5))
            ),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let e = kdb::Error::WrongExpectedVersion {
            expected: kdb::StreamState::StreamExists,
            current: kdb::CurrentRevision::NoStream,
        };
        assert!(matches!(
            store_error(&e, &s, ExpectedState::StreamExists),
            StoreError::WrongExpectedVersion { actual: None, .. }
        ));
    }

    #[test]
    fn other_errors_become_backend_errors_without_the_servers_text() {
        let secret = "admin:changeit@kdb-1 internal stack trace";
        let s = sid("commune-1");
        let errors = [
            kdb::Error::ServerError(secret.into()),
            kdb::Error::Grpc {
                code: 13.into(),
                message: secret.into(),
            },
            kdb::Error::GrpcConnectionError(kdb::GrpcConnectionError::Grpc(secret.into())),
            kdb::Error::InternalParsingError(secret.into()),
            kdb::Error::InitializationError(secret.into()),
            kdb::Error::IllegalStateError(secret.into()),
            kdb::Error::AccessDenied,
            kdb::Error::ConnectionClosed,
            kdb::Error::DeadlineExceeded,
            kdb::Error::ResourceDeleted,
        ];
        for e in errors {
            match store_error(&e, &s, ExpectedState::Any) {
                StoreError::Backend(text) => {
                    assert!(text.starts_with("KurrentDB: "), "{text}");
                    assert!(
                        !text.contains("changeit") && !text.contains("stack"),
                        "{text}"
                    );
                }
                other => panic!("expected a backend error for {e:?}, got {other:?}"),
            }
        }
        assert!(
            backend_error(&kdb::Error::DeadlineExceeded)
                .to_string()
                .contains("same command id")
        );
    }

    #[test]
    fn an_oversized_append_says_which_server_setting_to_raise() {
        let e = kdb::Error::Grpc {
            code: 3.into(),
            message: "Maximum Append Size of 1048576 Exceeded.".into(),
        };
        let text = backend_error(&e).to_string();
        assert!(text.contains("MaxAppendSize"), "{text}");
        let other = kdb::Error::Grpc {
            code: 3.into(),
            message: "something else".into(),
        };
        assert_eq!(
            backend_error(&other).to_string(),
            "storage error: KurrentDB: gRPC status 3"
        );
    }
}
