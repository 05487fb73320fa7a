//! Sessions (stream `session-<session_id>`): convocation, attendance,
//! proxies, quorum, motions and votes all live in one stream so that "one
//! vote per eligible member" holds under concurrent commands.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::MajorityRule;

/// Ordinary or extraordinary session (their notice periods differ).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Ordinary,
    Extraordinary,
}

/// Who asked for an extraordinary session.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum RequestedBy {
    /// The bureau that convenes the body.
    Bureau,
    /// These members, at least the share the statutes require.
    Members { member_ids: Vec<Uuid> },
}

/// Why an extraordinary session is held, and who asked for it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
pub struct ExtraordinaryRequest {
    pub grounds: String,
    pub requested_by: RequestedBy,
}

/// A session was convened (convoquée). The eligible members (active and in
/// good standing on the convocation date) are frozen here.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct SessionConvened {
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub convened_by_body_id: Uuid,
    pub kind: SessionKind,
    pub convened_on: NaiveDate,
    pub session_date: NaiveDate,
    pub place: String,
    pub agenda: Vec<String>,
    pub eligible_member_ids: Vec<Uuid>,
    /// The session whose failed quorum this second convocation follows.
    pub second_convocation_of: Option<Uuid>,
    /// An extraordinary session's grounds and who asked for it (since
    /// version 2; none for an ordinary session).
    pub request: Option<ExtraordinaryRequest>,
    pub statutes_version: u32,
}

/// A member's delegate signed the attendance sheet (émargement).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct AttendanceRecorded {
    pub session_id: Uuid,
    pub member_id: Uuid,
    pub delegate_name: String,
}

/// A member gave its proxy to another member's delegate (procuration).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct ProxyRegistered {
    pub session_id: Uuid,
    pub grantor_member_id: Uuid,
    pub holder_member_id: Uuid,
    pub statutes_version: u32,
}

/// The quorum count at opening.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct QuorumCount {
    pub eligible: u32,
    pub present: u32,
    /// Absent members represented by a present proxy holder.
    pub represented: u32,
    pub required: u32,
}

/// Quorum was reached.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct QuorumReached {
    pub session_id: Uuid,
    pub count: QuorumCount,
    pub statutes_version: u32,
}

/// Quorum was not reached.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct QuorumFailed {
    pub session_id: Uuid,
    pub count: QuorumCount,
    pub statutes_version: u32,
}

/// The session was opened and may deliberate.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct SessionOpened {
    pub session_id: Uuid,
    pub opened_at: DateTime<Utc>,
    /// A second convocation deliberating without quorum, as the statutes allow.
    pub without_quorum: bool,
    pub statutes_version: u32,
}

/// What a motion decides (it sets the majority required).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MotionKind {
    Ordinary,
    Election,
    Exclusion,
    StatuteAmendment,
    Dissolution,
}

/// A motion was tabled on an agenda item.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MotionTabled {
    pub session_id: Uuid,
    pub motion_id: Uuid,
    /// Index of the agenda item (0 for the first).
    pub agenda_item: u32,
    pub kind: MotionKind,
    pub title: String,
    pub text: String,
    /// The member an exclusion motion concerns (since version 2).
    pub subject_member_id: Option<Uuid>,
}

/// A vote's choice.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteChoice {
    For,
    Against,
    Abstain,
}

/// A member voted, directly or through its proxy holder.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct VoteRecorded {
    pub session_id: Uuid,
    pub motion_id: Uuid,
    pub member_id: Uuid,
    pub choice: VoteChoice,
    /// The present member that voted on this member's behalf.
    pub proxy_holder_member_id: Option<Uuid>,
}

/// A motion's tally. `absent` counts eligible members that did not vote.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct Tally {
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    pub absent: u32,
}

/// A motion was adopted (résolution).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MotionAdopted {
    pub session_id: Uuid,
    pub motion_id: Uuid,
    pub tally: Tally,
    /// The rule applied (since version 2; earlier records named one of
    /// three majorities, read as the rule it meant).
    pub rule: MajorityRule,
    /// The rule's base counted when the vote closed.
    pub base: u32,
    /// The chair's casting vote on a tie, when the rule gives one.
    pub casting_vote: Option<VoteChoice>,
    pub statutes_version: u32,
}

/// A motion was rejected.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MotionRejected {
    pub session_id: Uuid,
    pub motion_id: Uuid,
    pub tally: Tally,
    /// The rule applied (since version 2; earlier records named one of
    /// three majorities, read as the rule it meant).
    pub rule: MajorityRule,
    /// The rule's base counted when the vote closed.
    pub base: u32,
    /// The chair's casting vote on a tie, when the rule gives one.
    pub casting_vote: Option<VoteChoice>,
    pub statutes_version: u32,
}

/// The session was closed (séance levée).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct SessionClosed {
    pub session_id: Uuid,
    pub closed_at: DateTime<Utc>,
}

/// The session was adjourned before its end.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct SessionAdjourned {
    pub session_id: Uuid,
    pub reason: String,
    pub statutes_version: u32,
}
