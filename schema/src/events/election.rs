//! Elections to a body's posts: candidacies, ballots counted in rounds,
//! the seats the result fills. They live in the body's stream
//! (`body-<body_id>`), beside the mandates the result gives, so that a
//! round and the mandates it gives are one write.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An election to fill seats of a post opened, in a session of the body
/// the statutes say elects it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct ElectionOpened {
    pub body_id: Uuid,
    pub election_id: Uuid,
    pub post_id: Uuid,
    /// The session that votes.
    pub session_id: Uuid,
    /// Seats to fill.
    pub seats: u32,
    /// The session's day: the mandates given start on it.
    pub held_on: NaiveDate,
    /// The election motion the session adopted that the election carries
    /// out, if it cites one (since version 2).
    pub motion_id: Option<Uuid>,
}

/// A member commune stood for the election, by its representative.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct CandidacyFiled {
    pub body_id: Uuid,
    pub election_id: Uuid,
    pub member_id: Uuid,
    /// The person standing (usually the commune's mayor).
    pub holder_name: String,
}

/// The majority a round is decided by.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ElectionMajority {
    /// More than half of the valid ballots.
    Absolute,
    /// The most votes.
    Relative,
}

/// The votes one candidate received in a round.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct CandidateVotes {
    pub member_id: Uuid,
    pub votes: u32,
}

/// A round's ballots were counted. The candidates it elects are given
/// their mandates by the `OfficerElected` and `MandateStarted` events
/// that follow it in the same write.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct ElectionRoundCounted {
    pub body_id: Uuid,
    pub election_id: Uuid,
    /// 1 for the first round.
    pub round: u32,
    pub majority: ElectionMajority,
    /// Valid ballots (suffrages exprimés): neither blank nor spoilt.
    pub ballots: u32,
    pub blank: u32,
    pub spoilt: u32,
    /// Every candidate still standing, with their votes.
    pub votes: Vec<CandidateVotes>,
    /// The members elected by this round, best placed first.
    pub elected: Vec<Uuid>,
    pub statutes_version: u32,
}
