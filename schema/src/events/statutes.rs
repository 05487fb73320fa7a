//! Statutes as data (stream `statutes`): every rule a decision depends on
//! is a field here, never a constant in code.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A fraction of integers (no floats in the log: payloads are hashed).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct Fraction {
    pub numerator: u32,
    pub denominator: u32,
}

/// The majority a motion needs.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More votes for than against; abstentions do not count.
    Simple,
    /// More votes for than half of the votes cast, abstentions included.
    Absolute,
    /// At least two thirds of the votes for or against are for.
    TwoThirds,
}

/// The majority required for each kind of motion.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct Majorities {
    pub ordinary: Majority,
    pub election: Majority,
    pub exclusion: Majority,
    pub statute_amendment: Majority,
    pub dissolution: Majority,
}

/// What happens when a session lacks quorum.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct SecondConvocationRule {
    /// A second convocation may deliberate without quorum.
    pub allowed_without_quorum: bool,
    /// Fewest days between the failed session and the second one.
    pub min_delay_days: u32,
}

/// How unpaid dues affect a member.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct ArrearsRule {
    /// With this many years unpaid (past their due date) a member loses its
    /// vote and eligibility.
    pub unpaid_years_lose_vote: u32,
    /// With this many years unpaid a member may be suspended.
    pub unpaid_years_before_suspension: u32,
}

/// One version of the statutes.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
pub struct Statutes {
    /// 1 for the first adoption, then +1 per amendment.
    pub version: u32,
    /// Decisions dated on or after this day are judged under this version.
    pub effective_from: NaiveDate,
    pub notice_days_ordinary: u32,
    pub notice_days_extraordinary: u32,
    /// Quorum: strictly more than this fraction of the eligible members
    /// present or represented (1/2 is an absolute majority).
    pub quorum: Fraction,
    pub second_convocation: SecondConvocationRule,
    pub majorities: Majorities,
    /// Most proxies one delegate may hold.
    pub proxy_cap_per_delegate: u32,
    pub mandate_years: u32,
    pub arrears: ArrearsRule,
    /// Fewest days between notifying a member of its hearing and excluding it.
    pub exclusion_hearing_notice_days: u32,
}

/// The first statutes were adopted.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct StatutesAdopted {
    pub statutes: Statutes,
    /// E.g. the constitutive general assembly's minutes.
    pub reference: String,
}

/// The statutes were amended: the whole new version, in force from its date.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct StatutesAmended {
    pub statutes: Statutes,
    pub reference: String,
    /// The adopted motion that decided the amendment (since version 2;
    /// none in the amendments recorded before).
    pub motion_id: Option<Uuid>,
}
