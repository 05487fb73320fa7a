//! The domain's enumerations as GraphQL enums, shared by inputs and
//! outputs (one GraphQL name per enumeration in the whole schema).

use async_graphql::Enum;

/// An instance (deliberates) or an organ (executes).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::BodyKind")]
pub enum BodyKind {
    Instance,
    Organ,
}

/// Geographic reach of a body.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::BodyLevel")]
pub enum BodyLevel {
    National,
    Regional,
    Cercle,
}

/// Why a mandate ended.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::MandateEndReason")]
pub enum MandateEndReason {
    Term,
    Resignation,
    LossOfCommunalMandate,
    Death,
    Removal,
}

/// Who signs minutes.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::Signatory")]
pub enum Signatory {
    President,
    Secretary,
}

/// Ordinary or extraordinary session.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::SessionKind")]
pub enum SessionKind {
    Ordinary,
    Extraordinary,
}

/// What a motion decides (it sets the majority needed).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::MotionKind")]
pub enum MotionKind {
    Ordinary,
    Election,
    Exclusion,
    StatuteAmendment,
    Dissolution,
}

/// A member's vote.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::VoteChoice")]
pub enum VoteChoice {
    For,
    Against,
    Abstain,
}

/// The majority a kind of motion needs.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::Majority")]
pub enum Majority {
    Simple,
    Absolute,
    TwoThirds,
}
