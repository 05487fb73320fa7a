//! Bodies (instances and organs) and their posts (stream `body-<body_id>`).
//! Bodies are data: names change across sources and over time.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{StatutoryBody, TerritorialUnitKey};

/// Deliberating instance or executive organ.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Instance,
    Organ,
}

/// Geographic reach of a body.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyLevel {
    National,
    Regional,
    Cercle,
}

/// A body was established.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct BodyEstablished {
    pub body_id: Uuid,
    pub name: String,
    pub kind: BodyKind,
    pub level: BodyLevel,
    /// The region or cercle a regional or cercle body serves.
    pub territorial_unit: Option<TerritorialUnitKey>,
    /// The body entitled to convene this one (none: it convenes itself).
    pub convened_by_body_id: Option<Uuid>,
    /// The body this one reports to, e.g. the BEN for the Secrétariat.
    pub parent_body_id: Option<Uuid>,
    /// Which of the statutes' bodies it is (since version 2); none for a
    /// body the statutes give no rules of its own, like the Secrétariat.
    pub statutory_body: Option<StatutoryBody>,
}

/// A body was named as one of the statutes' bodies after it was
/// established (bodies established before they said which one they are).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct StatutoryBodyNamed {
    pub body_id: Uuid,
    pub statutory_body: StatutoryBody,
}

/// A post was defined in a body (président, secrétaire général, ...).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct PostDefined {
    pub body_id: Uuid,
    pub post_id: Uuid,
    pub title: String,
    /// Most holders at any one time.
    pub seats: u32,
}
