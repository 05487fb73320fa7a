//! Member communes (stream `member-<member_id>`; the id is derived from the
//! commune's territorial key so two racing admissions meet in one stream).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::TerritorialUnitKey;

/// A commune became a member (admise).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct CommuneAdmitted {
    pub member_id: Uuid,
    pub unit: TerritorialUnitKey,
    /// The commune's name as registered (names are not unique).
    pub name: String,
    /// Dues category (tier of the dues schedule).
    pub dues_category: String,
    pub admitted_on: NaiveDate,
    /// Reference of the communal council's deliberation.
    pub deliberation_ref: String,
    /// Reference of the Bureau Exécutif National's decision.
    pub decision_ref: String,
    pub statutes_version: u32,
}

/// A member was suspended (suspendue).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MemberSuspended {
    pub member_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: String,
    pub statutes_version: u32,
}

/// A suspended member was reinstated (rétablie).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MemberReinstated {
    pub member_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: String,
    pub statutes_version: u32,
}

/// A member was excluded (exclue) by a body after a hearing with notice.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MemberExcluded {
    pub member_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: String,
    /// The body that decided (Conseil National or Congrès).
    pub decided_by_body_id: Uuid,
    /// When the member was notified of its hearing.
    pub hearing_notified_on: NaiveDate,
    pub statutes_version: u32,
    /// The adopted motion that decided the exclusion (since version 2;
    /// none in the exclusions recorded before).
    pub motion_id: Option<Uuid>,
}

/// A member withdrew (retrait).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MemberWithdrew {
    pub member_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: String,
}

/// A successor commune took over a member's membership after a
/// reorganisation. Recorded in both the predecessor's stream (which ends)
/// and the successor's stream (which begins).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MembershipSucceeded {
    pub predecessor_member_id: Uuid,
    pub successor_member_id: Uuid,
    pub successor_unit: TerritorialUnitKey,
    pub successor_name: String,
    pub dues_category: String,
    pub effective_on: NaiveDate,
    /// Whether the successor inherits the predecessor's dues position.
    pub inherits_dues: bool,
    pub reorganisation_id: Option<Uuid>,
    pub statutes_version: u32,
    /// The predecessor's dues unpaid on the succession's day, by year,
    /// which the successor owes from then on: empty unless it inherits
    /// them (since version 2).
    pub carried_dues: Vec<CarriedDues>,
}

/// Dues of one year a successor took over from its predecessor.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct CarriedDues {
    pub year: i32,
    pub amount_xof: i64,
}

/// How the secretariat reaches a member commune. Each recording states
/// them all: a field left empty is no longer known.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq, JsonSchema)]
pub struct Contacts {
    /// The mayor's name.
    pub mayor: Option<String>,
    /// The secretary-general's name.
    pub secretary_general: Option<String>,
    /// Phone numbers, as written (`+223 20 22 33 44`).
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

/// A member's contacts were recorded (coordonnées).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct MemberContactsRecorded {
    pub member_id: Uuid,
    pub contacts: Contacts,
}
