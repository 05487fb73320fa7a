//! Minutes (procès-verbal; stream `minutes-<minutes_id>`). The log keeps
//! the document's hash, never its bytes.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Minutes of a session were drafted (or redrafted before adoption).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MinutesDrafted {
    pub minutes_id: Uuid,
    pub session_id: Uuid,
    /// SHA-256 of the document, 64 lowercase hexadecimal digits.
    pub sha256: String,
    pub document_ref: String,
    pub drafted_on: NaiveDate,
}

/// The minutes were adopted at a later session; never edited afterwards.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MinutesAdopted {
    pub minutes_id: Uuid,
    pub adopted_in_session_id: Uuid,
    pub adopted_on: NaiveDate,
    /// The hash of the version adopted.
    pub sha256: String,
    pub statutes_version: u32,
}

/// Who signs minutes.
#[derive(
    Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Signatory {
    President,
    Secretary,
}

/// The minutes were signed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MinutesSigned {
    pub minutes_id: Uuid,
    pub signatory: Signatory,
    pub signatory_name: String,
    pub signed_on: NaiveDate,
}
