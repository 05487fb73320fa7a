//! JSON Schemas of everything written to the log, for outside auditors.
//!
//! One schema per event type and schema version, named
//! `<Type>.v<N>.json`, plus the envelope (`RecordedEvent.json`, the form
//! of each line of the JSON Lines export). They are generated from the
//! types themselves and committed in `schema/events/`; a test fails when
//! the committed files differ from what the code generates, so an auditor
//! can validate an export with any JSON Schema tool and trust the files
//! describe this version of registre.
//!
//! A schema of an older version is never regenerated: when a type moves
//! to version 2, its `.v1.json` file stays as committed, frozen like the
//! golden payloads.

use crate::access::{
    ACCESS_SCHEMA_VERSION, ACCESS_TOKEN_ISSUED, ACCESS_TOKEN_REVOKED, ACCOUNT_DISABLED,
    ACCOUNT_OPENED, ACCOUNT_PASSWORD_SET, ACCOUNT_ROLE_CHANGED, AccessTokenIssued,
    AccessTokenRevoked, AccountDisabled, AccountOpened, AccountPasswordSet, AccountRoleChanged,
};
use crate::envelope::RecordedEvent;
use crate::events::DomainEvent;

/// File name of the envelope's schema.
pub const ENVELOPE_FILE: &str = "RecordedEvent.json";

/// File name of the schema of `event_type` at `version`.
pub fn file_name(event_type: &str, version: u16) -> String {
    format!("{event_type}.v{version}.json")
}

/// Every schema the code defines today, as (file name, schema), sorted by
/// file name: the current version of every domain and access event type
/// (tokens' and accounts'), and the envelope.
pub fn all() -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<(String, serde_json::Value)> = DomainEvent::json_schemas()
        .into_iter()
        .map(|(t, schema)| {
            let version = DomainEvent::upcaster()
                .current_version(t)
                .expect("every domain type has a current version");
            (file_name(t, version), schema)
        })
        .collect();
    let to_value = |s: schemars::Schema| serde_json::to_value(s).expect("schemas serialise");
    out.push((
        file_name(ACCESS_TOKEN_ISSUED, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccessTokenIssued)),
    ));
    out.push((
        file_name(ACCESS_TOKEN_REVOKED, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccessTokenRevoked)),
    ));
    out.push((
        file_name(ACCOUNT_OPENED, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccountOpened)),
    ));
    out.push((
        file_name(ACCOUNT_ROLE_CHANGED, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccountRoleChanged)),
    ));
    out.push((
        file_name(ACCOUNT_PASSWORD_SET, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccountPasswordSet)),
    ));
    out.push((
        file_name(ACCOUNT_DISABLED, ACCESS_SCHEMA_VERSION),
        to_value(schemars::schema_for!(AccountDisabled)),
    ));
    out.push((
        ENVELOPE_FILE.to_owned(),
        to_value(schemars::schema_for!(RecordedEvent)),
    ));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A schema as written to its file: pretty JSON ending with a newline.
pub fn render(schema: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).expect("schemas serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_the_envelope_have_a_schema() {
        let all = all();
        assert_eq!(
            all.len(),
            DomainEvent::TYPES.len() + crate::access::ACCESS_EVENT_TYPES.len() + 1
        );
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"DuesPaid.v1.json"));
        assert!(names.contains(&"AccessTokenIssued.v1.json"));
        assert!(names.contains(&"AccountPasswordSet.v1.json"));
        let (_, envelope) = all.iter().find(|(n, _)| n == ENVELOPE_FILE).unwrap();
        assert_eq!(envelope["properties"]["stream_id"]["type"], "string");
        assert!(
            envelope["required"]
                .as_array()
                .unwrap()
                .contains(&"recorded_at".into())
        );
    }
}
