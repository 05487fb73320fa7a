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

/// Which of the statutes' bodies a body is: the statutes state rules for
/// each (quorum, majorities, how often it meets, its term).
#[derive(
    Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StatutoryBody {
    /// Congrès.
    Congress,
    /// Conseil National.
    NationalCouncil,
    /// Conférence Régionale.
    RegionalConference,
    /// Assemblée de Cercle.
    CercleAssembly,
    /// Bureau Exécutif National.
    NationalBureau,
    /// Bureau de Coordination Régionale.
    RegionalBureau,
    /// Bureau de Cercle.
    CercleBureau,
}

/// "At least" or "more than" a share: two thirds of 9 is 6 at least, 7
/// for more than.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    AtLeast,
    MoreThan,
}

/// What a majority's share is taken of.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteBase {
    /// Votes for and against (suffrages exprimés).
    VotesCast,
    /// Votes for, against and abstentions.
    VotesCastWithAbstentions,
    /// Members present or represented when the vote closes.
    Present,
    /// Members called to sit (the list frozen at the convocation).
    Members,
}

/// What a tie does: a "more than" majority met exactly.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// The motion is rejected.
    Rejected,
    /// The chair's casting vote decides (voix prépondérante).
    ChairCastingVote,
}

/// A quorum: members present or represented, compared with a share of the
/// members called to sit.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct QuorumRule {
    pub comparison: Comparison,
    pub share: Fraction,
}

/// A majority: votes for, compared with a share of a base.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct MajorityRule {
    pub comparison: Comparison,
    pub share: Fraction,
    pub base: VoteBase,
    pub tie: TieRule,
}

/// The majority rule for each kind of motion.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct MajorityRules {
    pub ordinary: MajorityRule,
    pub election: MajorityRule,
    pub exclusion: MajorityRule,
    pub statute_amendment: MajorityRule,
    pub dissolution: MajorityRule,
}

/// Who sits in a statutory body.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Every member commune in good standing within its territory (the
    /// Congrès, a Conférence Régionale, an Assemblée de Cercle).
    Derived,
    /// The communes holding its seats, by designation or election, in
    /// good standing (the Conseil National, a bureau).
    Designated,
}

/// The rules of one statutory body.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct InstanceRules {
    pub statutory_body: StatutoryBody,
    pub membership: Membership,
    pub quorum: QuorumRule,
    pub majorities: MajorityRules,
    /// Most months between two ordinary sessions (0: the statutes set none).
    pub ordinary_session_every_months: u32,
    /// Years a mandate in this body lasts.
    pub term_years: u32,
    /// The share of its members that may request an extraordinary session
    /// (its bureau always may).
    pub extraordinary_request_share: Fraction,
    /// The statutory body whose sessions elect this body's officers (the
    /// Congrès elects the Bureau Exécutif National); none: its own
    /// sessions, or those of a body it convenes.
    pub elected_by: Option<StatutoryBody>,
}

/// How elections to a body's posts are decided.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct ElectionRules {
    /// Rounds decided by an absolute majority of the valid ballots; the
    /// rounds after them by a relative majority (0: relative from the
    /// first round).
    pub absolute_majority_rounds: u32,
    /// One commune may hold several posts of one body at a time.
    pub several_posts: bool,
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
    /// Quorum of a body without rules of its own: strictly more than this
    /// fraction of the eligible members present or represented.
    pub quorum: Fraction,
    pub second_convocation: SecondConvocationRule,
    pub majorities: Majorities,
    /// Most proxies one delegate may hold.
    pub proxy_cap_per_delegate: u32,
    pub mandate_years: u32,
    pub arrears: ArrearsRule,
    /// Fewest days between notifying a member of its hearing and excluding it.
    pub exclusion_hearing_notice_days: u32,
    /// How elections are decided (since `StatutesAdopted` v3 and
    /// `StatutesAmended` v4).
    pub elections: ElectionRules,
    /// The rules of each statutory body (since `StatutesAdopted` v2 and
    /// `StatutesAmended` v3). A body the list leaves out, or that names no
    /// statutory body, follows `quorum` and `majorities` above.
    pub instances: Vec<InstanceRules>,
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
