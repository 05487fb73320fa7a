//! The canonical bytes of an event: what the Merkle tree hashes.
//!
//! Every field of the envelope is covered, so changing any of them (the
//! payload, but also the position, the actor or a timestamp) changes the
//! event's leaf hash.
//!
//! ## Format (version 1)
//!
//! The canonical bytes of an event are the UTF-8 text of one JSON object,
//! written as follows. An auditor can reimplement it from this section alone
//! (`docs/audit-spec.md` §2 is the normative text, with test vectors).
//!
//! 1. The object has exactly these 14 members (the envelope of
//!    `RecordedEvent`, plus a format marker):
//!
//!    | key | value |
//!    | --- | --- |
//!    | `actor` | object `{"id": string, "role": string}`; role is one of `secretariat`, `auditor`, `dashboard`, `system` |
//!    | `causation_id` | UUID string or `null` |
//!    | `command_id` | UUID string |
//!    | `correlation_id` | UUID string |
//!    | `event_type` | string |
//!    | `format` | the string `registre-event-v1` |
//!    | `id` | UUID string |
//!    | `occurred_at` | timestamp string (rule 6) |
//!    | `payload` | any JSON value without non-integer numbers |
//!    | `position` | integer, the global position (1 for the first event) |
//!    | `recorded_at` | timestamp string (rule 6) |
//!    | `revision` | integer, the revision within the stream (0 first) |
//!    | `schema_version` | integer |
//!    | `stream_id` | string |
//!
//! 2. No whitespace anywhere outside strings.
//! 3. The members of every object (the envelope, the actor and every object
//!    inside the payload, recursively) are written in ascending order of
//!    their keys compared as raw UTF-8 byte strings (for ASCII keys this is
//!    the same order as RFC 8785, which compares UTF-16 code units). Array
//!    elements keep their order.
//! 4. Strings are written between `"` with these escapes and no others:
//!    `"` as `\"`, `\` as `\\`, U+0008 as `\b`, U+0009 as `\t`, U+000A as
//!    `\n`, U+000C as `\f`, U+000D as `\r`, every other character below
//!    U+0020 as `\u00XX` with two lowercase hexadecimal digits. Every other
//!    character, `/` and non-ASCII ones included, is written as itself in
//!    UTF-8 (as RFC 8785 does).
//! 5. Numbers are integers between -2^63 and 2^64-1 written in decimal
//!    with no sign for positive numbers, no leading zero, no fraction and no
//!    exponent. A payload holding any other number (a fraction, `-0`, an
//!    exponent, a float) has no canonical form: it is rejected with
//!    [`CanonicalError::NonIntegerNumber`] rather than hashed in a way an
//!    auditor might not reproduce. `true`, `false`, `null` as themselves.
//! 6. Timestamps are UTC, RFC 3339, always with exactly six fractional
//!    digits and `Z`: `2024-03-01T09:30:00.000000Z`. The store keeps
//!    microseconds; finer digits, if an in-memory event carries them, are
//!    truncated. A year outside 0000..=9999, which RFC 3339 cannot write,
//!    takes ISO 8601's expanded form: a sign, then at least four digits
//!    (`+10000-01-01T00:00:00.000000Z`, `-0001-12-31T23:59:59.000000Z`),
//!    as chrono's `%Y` writes it. Commands refuse such dates, but an
//!    older build appended some, and every event in a log must have a
//!    canonical form, or the trail stops and an untouched log fails to
//!    verify.
//! 7. UUIDs are the lowercase hyphenated form
//!    (`0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c6d`).
//!
//! The leaf hash of the event is `SHA-256(0x00 || canonical bytes)`
//! (see [`crate::merkle`]).
//!
//! This writer never relies on `serde_json`'s own serialization or on the
//! iteration order of `serde_json::Map` (another crate may enable
//! `preserve_order`, which changes it): it sorts keys itself.

use chrono::{DateTime, Datelike, Timelike, Utc};
use registre_schema::{Position, RecordedEvent};
use serde_json::{Number, Value};

/// The value of the envelope's `format` member.
pub const EVENT_FORMAT: &str = "registre-event-v1";

/// Deepest nesting of arrays and objects accepted in a value (the envelope
/// counts as one level). `serde_json` refuses deeper input when parsing;
/// this guards values built in memory.
pub const MAX_DEPTH: usize = 128;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("a number that is not an integer ({0}) has no canonical form")]
    NonIntegerNumber(String),
    #[error("a value is nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the object is not a canonical registre event: {0}")]
    NotAnEvent(String),
}

/// The canonical bytes of an event (format above).
pub fn canonical_bytes(event: &RecordedEvent) -> Result<Vec<u8>, CanonicalError> {
    canonical_bytes_at(event, event.position)
}

/// The canonical bytes of `event` as if it stood at `position`: used to
/// tell a moved event from an altered one.
pub(crate) fn canonical_bytes_at(
    e: &RecordedEvent,
    position: Position,
) -> Result<Vec<u8>, CanonicalError> {
    use std::io::Write;
    // Written member by member in the sorted order of rule 3, so the
    // payload is never copied.
    let mut out = Vec::with_capacity(512);
    let uuid = |out: &mut Vec<u8>, u: &uuid::Uuid| {
        write_string(
            out,
            u.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        )
    };
    out.extend_from_slice(b"{\"actor\":{\"id\":");
    write_string(&mut out, &e.actor.id);
    out.extend_from_slice(b",\"role\":");
    write_string(&mut out, e.actor.role.as_str());
    out.extend_from_slice(b"},\"causation_id\":");
    match &e.causation_id {
        Some(c) => uuid(&mut out, c),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"command_id\":");
    uuid(&mut out, &e.command_id);
    out.extend_from_slice(b",\"correlation_id\":");
    uuid(&mut out, &e.correlation_id);
    out.extend_from_slice(b",\"event_type\":");
    write_string(&mut out, &e.event_type);
    out.extend_from_slice(b",\"format\":");
    write_string(&mut out, EVENT_FORMAT);
    out.extend_from_slice(b",\"id\":");
    uuid(&mut out, &e.id);
    out.extend_from_slice(b",\"occurred_at\":\"");
    write_timestamp(&mut out, &e.occurred_at);
    out.push(b'"');
    out.extend_from_slice(b",\"payload\":");
    // The envelope is the first level.
    write_value(&mut out, &e.payload, 1)?;
    // Writing to a Vec cannot fail.
    let _ = write!(out, ",\"position\":{position},\"recorded_at\":\"");
    write_timestamp(&mut out, &e.recorded_at);
    let _ = write!(
        out,
        "\",\"revision\":{},\"schema_version\":{},\"stream_id\":",
        e.revision, e.schema_version
    );
    write_string(&mut out, e.stream_id.as_str());
    out.push(b'}');
    Ok(out)
}

/// The canonical bytes of any JSON value (rules 2 to 5 above).
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write_value(&mut out, value, 0)?;
    Ok(out)
}

/// Reads an event back from its canonical JSON object (an export line),
/// strictly: the object must be exactly what [`canonical_bytes`] would
/// write for the event it describes (same members, no extra one, same
/// timestamp form), so nothing in it escapes the hash.
pub fn event_from_canonical_value(value: &Value) -> Result<RecordedEvent, CanonicalError> {
    let event: RecordedEvent = serde_json::from_value(value.clone())
        .map_err(|e| CanonicalError::NotAnEvent(e.to_string()))?;
    if canonical_bytes(&event)? != canonical_json(value)? {
        return Err(CanonicalError::NotAnEvent(
            "members or their forms differ from the canonical envelope".into(),
        ));
    }
    Ok(event)
}

/// Rule 6: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (a signed year outside 0000..=9999).
pub fn timestamp(t: &DateTime<Utc>) -> String {
    let mut out = Vec::with_capacity(27);
    write_timestamp(&mut out, t);
    // Digits, signs and ASCII separators only.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes rule 6's form (the text `%Y-%m-%dT%H:%M:%S%.6fZ` gives, field by
/// field instead of through a format string parsed for every event).
fn write_timestamp(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    use std::io::Write;
    let year = t.year();
    // Writing to a Vec cannot fail.
    let _ = if (0..=9999).contains(&year) {
        write!(out, "{year:04}")
    } else {
        // `+` keeps the sign of years past 9999; the width counts it.
        write!(out, "{year:+05}")
    };
    // A leap second is second 59 with a billion nanoseconds or more; it
    // is written as second 60, as `%S` and `%.6f` write it.
    let nanos = t.nanosecond();
    let (second, nanos) = if nanos >= 1_000_000_000 {
        (t.second() + 1, nanos - 1_000_000_000)
    } else {
        (t.second(), nanos)
    };
    let _ = write!(
        out,
        "-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        second,
        nanos / 1000
    );
}

fn write_value(out: &mut Vec<u8>, v: &Value, depth: usize) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, depth + 1)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            if depth >= MAX_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            // Sorted here, whatever order the map iterates in.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_value(out, value, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), CanonicalError> {
    // `as_u64`/`as_i64` answer only for numbers that are integers, whatever
    // serde_json features are enabled (with `arbitrary_precision`, "1.0"
    // and "1e2" are not integers and are rejected).
    if let Some(u) = n.as_u64() {
        out.extend_from_slice(u.to_string().as_bytes());
    } else if let Some(i) = n.as_i64() {
        out.extend_from_slice(i.to_string().as_bytes());
    } else {
        return Err(CanonicalError::NonIntegerNumber(n.to_string()));
    }
    Ok(())
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    // Byte by byte: only ASCII bytes are ever escaped, and every byte of a
    // multi-byte UTF-8 character is 0x80 or above, so runs of unescaped
    // bytes are copied whole (one copy per run, not per character).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            let b = usize::from(b);
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[b >> 4], HEX[b & 0xf]]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule 4 written the plain way, character by character.
    fn reference_string(s: &str) -> Vec<u8> {
        let mut out = String::from('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out.into_bytes()
    }

    #[test]
    fn strings_are_escaped_as_rule_4_says() {
        let mut every_control: String = (0u8..0x20).map(char::from).collect();
        every_control.push_str("\"\\/ é Ségou — 𝄞 \u{7f}");
        for s in [
            "",
            "plain",
            "\"",
            "a\"b\\c",
            "Tombouctou\n",
            "\u{1}x\u{1f}",
            "Kayes — Cercle de Bafoulabé",
            every_control.as_str(),
        ] {
            let mut out = Vec::new();
            write_string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(reference_string(s)).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn timestamps_are_written_as_the_format_string_writes_them() {
        use chrono::{NaiveDate, TimeZone};
        let micros = [
            0,
            1_709_285_400_123_456,
            -62_135_596_800_000_000, // 0001-01-01
            253_402_300_799_999_999, // 9999-12-31T23:59:59.999999
            951_782_400_000_001,     // 2000-02-29
            253_402_300_800_000_000, // 10000-01-01
            -62_167_219_200_000_001, // -0001-12-31T23:59:59.999999
            -62_167_219_200_000_000, // 0000-01-01
            // chrono's first and last days.
            NaiveDate::MIN
                .and_time(Default::default())
                .and_utc()
                .timestamp_micros(),
            NaiveDate::MAX
                .and_time(Default::default())
                .and_utc()
                .timestamp_micros(),
        ];
        for us in micros {
            let t = DateTime::from_timestamp_micros(us).unwrap();
            assert_eq!(
                timestamp(&t),
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap();
        let leap = Utc.from_utc_datetime(&leap);
        assert_eq!(
            timestamp(&leap),
            leap.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        );
    }

    #[test]
    fn given_years_outside_rfc_3339_when_written_then_they_take_the_expanded_form() {
        // Given times an older build let into logs, and the edges of RFC 3339.
        let at = |us: i64| timestamp(&DateTime::from_timestamp_micros(us).unwrap());
        // When written, then years 0000..=9999 keep four digits, others a sign.
        assert_eq!(at(253_402_300_800_000_000), "+10000-01-01T00:00:00.000000Z");
        assert_eq!(at(-62_167_219_200_000_001), "-0001-12-31T23:59:59.999999Z");
        assert_eq!(at(-62_167_219_200_000_000), "0000-01-01T00:00:00.000000Z");
        assert_eq!(at(253_402_300_799_999_999), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn given_an_event_of_year_10000_when_exported_then_it_reads_back_exactly() {
        // Given an event whose occurrence an older build let past year 9999.
        let mut e = event();
        e.occurred_at = DateTime::from_timestamp_micros(253_402_300_800_000_000).unwrap();
        // When canonicalised, then it has a form, and reads back from it.
        let bytes = canonical_bytes(&e).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""occurred_at":"+10000-01-01T00:00:00.000000Z""#));
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(event_from_canonical_value(&value).unwrap(), e);
    }
    use registre_schema::{Actor, Role, StreamId};
    use serde_json::{Map, json};
    use uuid::Uuid;

    fn event() -> RecordedEvent {
        RecordedEvent {
            position: 7,
            id: Uuid::parse_str("0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c6d").unwrap(),
            stream_id: StreamId::new("commune-12").unwrap(),
            revision: 3,
            event_type: "MemberAdmitted".into(),
            schema_version: 2,
            occurred_at: DateTime::from_timestamp_micros(1_709_285_400_000_000).unwrap(),
            recorded_at: DateTime::from_timestamp_micros(1_709_285_400_123_456).unwrap(),
            actor: Actor {
                id: "sp-bamako".into(),
                role: Role::Secretariat,
            },
            command_id: Uuid::parse_str("0192f0c1-0000-7000-8000-000000000001").unwrap(),
            correlation_id: Uuid::parse_str("0192f0c1-0000-7000-8000-000000000002").unwrap(),
            causation_id: None,
            payload: json!({"z": 1, "a": [true, null, -5], "Ségou": "Kéné\n\"x\"\u{1}/"}),
        }
    }

    #[test]
    fn given_an_event_when_canonicalised_then_the_bytes_follow_the_documented_format() {
        let bytes = canonical_bytes(&event()).unwrap();
        let expected = concat!(
            r#"{"actor":{"id":"sp-bamako","role":"secretariat"},"causation_id":null,"#,
            r#""command_id":"0192f0c1-0000-7000-8000-000000000001","#,
            r#""correlation_id":"0192f0c1-0000-7000-8000-000000000002","#,
            r#""event_type":"MemberAdmitted","format":"registre-event-v1","#,
            r#""id":"0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c6d","#,
            r#""occurred_at":"2024-03-01T09:30:00.000000Z","#,
            r#""payload":{"Ségou":"Kéné\n\"x\"\u0001/","a":[true,null,-5],"z":1},"#,
            r#""position":7,"recorded_at":"2024-03-01T09:30:00.123456Z","revision":3,"#,
            r#""schema_version":2,"stream_id":"commune-12"}"#
        );
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn key_order_does_not_depend_on_insertion_order() {
        let mut a = Map::new();
        a.insert("b".into(), json!(1));
        a.insert("a".into(), json!({"y": 1, "x": 2}));
        let mut b = Map::new();
        b.insert("a".into(), json!({"x": 2, "y": 1}));
        b.insert("b".into(), json!(1));
        assert_eq!(
            canonical_json(&Value::Object(a)).unwrap(),
            canonical_json(&Value::Object(b)).unwrap()
        );
        // Byte order: uppercase before lowercase, shorter prefix first.
        assert_eq!(
            canonical_json(&json!({"ab": 1, "a": 2, "B": 3})).unwrap(),
            br#"{"B":3,"a":2,"ab":1}"#
        );
    }

    #[test]
    fn every_envelope_field_changes_the_bytes() {
        let base = canonical_bytes(&event()).unwrap();
        let mut variants = Vec::new();
        let mut e = event();
        e.position = 8;
        variants.push(e);
        let mut e = event();
        e.revision = 4;
        variants.push(e);
        let mut e = event();
        e.actor.role = Role::System;
        variants.push(e);
        let mut e = event();
        e.causation_id = Some(Uuid::nil());
        variants.push(e);
        let mut e = event();
        e.recorded_at = DateTime::from_timestamp_micros(1_709_285_400_123_457).unwrap();
        variants.push(e);
        let mut e = event();
        e.schema_version = 1;
        variants.push(e);
        let mut e = event();
        e.payload["z"] = json!(2);
        variants.push(e);
        for v in variants {
            assert_ne!(canonical_bytes(&v).unwrap(), base);
        }
    }

    #[test]
    fn floats_and_deep_values_are_rejected() {
        let mut e = event();
        e.payload = json!({"amount": 1.5});
        assert!(matches!(
            canonical_bytes(&e),
            Err(CanonicalError::NonIntegerNumber(_))
        ));
        let mut deep = json!(1);
        for _ in 0..MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(canonical_json(&deep).is_ok());
        deep = json!({ "one more": deep });
        assert_eq!(canonical_json(&deep), Err(CanonicalError::TooDeep));
        assert_eq!(
            canonical_json(&json!([u64::MAX, i64::MIN])).unwrap(),
            format!("[{},{}]", u64::MAX, i64::MIN).as_bytes()
        );
    }

    #[test]
    fn an_event_reads_back_from_its_canonical_object_and_nothing_else() {
        let e = event();
        let value: Value = serde_json::from_slice(&canonical_bytes(&e).unwrap()).unwrap();
        assert_eq!(event_from_canonical_value(&value).unwrap(), e);

        let mut extra = value.clone();
        extra["note"] = json!("not covered");
        assert!(event_from_canonical_value(&extra).is_err());
        let mut other_form = value.clone();
        other_form["recorded_at"] = json!("2024-03-01T09:30:00.123456+00:00");
        assert!(event_from_canonical_value(&other_form).is_err());
        let mut no_format = value;
        no_format.as_object_mut().unwrap().remove("format");
        assert!(event_from_canonical_value(&no_format).is_err());
    }
}
