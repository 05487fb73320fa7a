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

/// Which of the statutes' bodies a body is: the statutes state its quorum,
/// majorities, how often it meets and its term.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::StatutoryBody")]
pub enum StatutoryBody {
    Congress,
    NationalCouncil,
    RegionalConference,
    CercleAssembly,
    NationalBureau,
    RegionalBureau,
    CercleBureau,
}

/// "At least" or "more than" a share.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::Comparison")]
pub enum Comparison {
    AtLeast,
    MoreThan,
}

/// What a majority's share is taken of.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::VoteBase")]
pub enum VoteBase {
    VotesCast,
    VotesCastWithAbstentions,
    Present,
    Members,
}

/// What a tie does under a "more than" majority met exactly.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::TieRule")]
pub enum TieRule {
    Rejected,
    ChairCastingVote,
}

/// Who sits in a statutory body.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::Membership")]
pub enum Membership {
    /// Every member commune in good standing within its territory.
    Derived,
    /// The communes holding its seats, in good standing.
    Designated,
}

/// Who asked for an extraordinary session.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Requester {
    /// The bureau that convenes the body.
    Bureau,
    /// Members of the body, at least the share the statutes require.
    Members,
}

/// The majority an election round is decided by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::ElectionMajority")]
pub enum ElectionMajority {
    /// More than half of the valid ballots.
    Absolute,
    /// The most votes.
    Relative,
}

/// How territorial units were reorganised.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "registre_schema::events::ReorganisationKind")]
pub enum ReorganisationKind {
    Split,
    Merge,
    Rename,
    Transfer,
    Creation,
}
