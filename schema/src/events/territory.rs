//! Territorial units: versioned reference data (stream `territory-<scheme>-<edition>`).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A territorial unit's key. A code alone is ambiguous: the same OCHA P-code
/// can name another place in another edition, so the key always carries the
/// coding scheme and its edition.
#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
pub struct TerritorialUnitKey {
    /// Coding scheme, e.g. `ocha-pcode`.
    pub scheme: String,
    /// Edition of the scheme, e.g. `2015`.
    pub edition: String,
    /// Code within the edition, e.g. `ML010101`.
    pub code: String,
}

/// Administrative level of a unit.
#[derive(
    Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TerritorialLevel {
    /// First level: a region or the District of Bamako.
    Region,
    Cercle,
    Commune,
}

/// One unit of a reference list was registered.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct TerritorialUnitRegistered {
    pub unit: TerritorialUnitKey,
    pub level: TerritorialLevel,
    pub name: String,
    /// Code of the parent unit in the same scheme and edition (none for a region).
    pub parent_code: Option<String>,
}

/// How a reorganisation changed the map.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReorganisationKind {
    Split,
    Merge,
    Rename,
    Transfer,
    Creation,
}

/// Units were reorganised: lineage from predecessors to successors.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct TerritorialUnitsReorganised {
    pub reorganisation_id: Uuid,
    pub kind: ReorganisationKind,
    pub effective_from: NaiveDate,
    pub predecessors: Vec<TerritorialUnitKey>,
    pub successors: Vec<TerritorialUnitKey>,
    /// The legal text, e.g. a law's number and date.
    pub legal_reference: String,
}
