//! Mandates: office holders of a body's posts. They live in the body's
//! stream (`body-<body_id>`) so that seat limits hold under races.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member's representative was elected to a post.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct OfficerElected {
    pub body_id: Uuid,
    pub post_id: Uuid,
    pub mandate_id: Uuid,
    /// The member commune the officer represents.
    pub member_id: Uuid,
    /// The person elected (usually the commune's mayor).
    pub holder_name: String,
    /// The session that elected them.
    pub session_id: Option<Uuid>,
    pub statutes_version: u32,
}

/// A mandate started, for the statutory length.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MandateStarted {
    pub body_id: Uuid,
    pub post_id: Uuid,
    pub mandate_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Why a mandate ended.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MandateEndReason {
    Term,
    Resignation,
    LossOfCommunalMandate,
    Death,
    Removal,
}

/// A mandate ended.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MandateEnded {
    pub body_id: Uuid,
    pub post_id: Uuid,
    pub mandate_id: Uuid,
    pub ended_on: NaiveDate,
    pub reason: MandateEndReason,
}
