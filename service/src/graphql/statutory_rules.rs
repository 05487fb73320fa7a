//! A statutory body's rules as the API reads and writes them: its quorum,
//! its majority for each kind of motion, how often it meets and its term.
//! One shape serves as output and as input (`…Input`).

use async_graphql::{InputObject, SimpleObject};
use registre_schema::events as schema;

use super::domain_enums::{Comparison, Membership, StatutoryBody, TieRule, VoteBase};

/// A fraction of integers (two thirds: 2 over 3).
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "FractionInput")]
pub struct Fraction {
    pub numerator: u32,
    pub denominator: u32,
}

/// Members present or represented, compared with a share of the members
/// called to sit.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "QuorumRuleInput")]
pub struct QuorumRule {
    pub comparison: Comparison,
    pub share: Fraction,
}

/// Votes for, compared with a share of a base, and what a tie does.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "MajorityRuleInput")]
pub struct MajorityRule {
    pub comparison: Comparison,
    pub share: Fraction,
    pub base: VoteBase,
    pub tie: TieRule,
}

/// The majority for each kind of motion.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "MajorityRulesInput")]
pub struct MajorityRules {
    pub ordinary: MajorityRule,
    pub election: MajorityRule,
    pub exclusion: MajorityRule,
    pub statute_amendment: MajorityRule,
    pub dissolution: MajorityRule,
}

/// The rules of one statutory body.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "InstanceRulesInput")]
pub struct InstanceRules {
    pub statutory_body: StatutoryBody,
    /// Who sits in it: its territory's members, or the holders of its seats.
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
    /// The statutory body whose sessions elect its officers (none: its
    /// own sessions, or those of a body it convenes).
    pub elected_by: Option<StatutoryBody>,
}

impl From<schema::Fraction> for Fraction {
    fn from(f: schema::Fraction) -> Self {
        Fraction {
            numerator: f.numerator,
            denominator: f.denominator,
        }
    }
}

impl From<Fraction> for schema::Fraction {
    fn from(s: Fraction) -> Self {
        schema::Fraction {
            numerator: s.numerator,
            denominator: s.denominator,
        }
    }
}

impl From<schema::MajorityRule> for MajorityRule {
    fn from(m: schema::MajorityRule) -> Self {
        MajorityRule {
            comparison: m.comparison.into(),
            share: m.share.into(),
            base: m.base.into(),
            tie: m.tie.into(),
        }
    }
}

impl From<MajorityRule> for schema::MajorityRule {
    fn from(m: MajorityRule) -> Self {
        schema::MajorityRule {
            comparison: m.comparison.into(),
            share: m.share.into(),
            base: m.base.into(),
            tie: m.tie.into(),
        }
    }
}

impl From<schema::InstanceRules> for InstanceRules {
    fn from(r: schema::InstanceRules) -> Self {
        let m = r.majorities;
        InstanceRules {
            statutory_body: r.statutory_body.into(),
            membership: r.membership.into(),
            quorum: QuorumRule {
                comparison: r.quorum.comparison.into(),
                share: r.quorum.share.into(),
            },
            majorities: MajorityRules {
                ordinary: m.ordinary.into(),
                election: m.election.into(),
                exclusion: m.exclusion.into(),
                statute_amendment: m.statute_amendment.into(),
                dissolution: m.dissolution.into(),
            },
            ordinary_session_every_months: r.ordinary_session_every_months,
            term_years: r.term_years,
            extraordinary_request_share: r.extraordinary_request_share.into(),
            elected_by: r.elected_by.map(Into::into),
        }
    }
}

impl From<InstanceRules> for schema::InstanceRules {
    fn from(r: InstanceRules) -> Self {
        let m = r.majorities;
        schema::InstanceRules {
            statutory_body: r.statutory_body.into(),
            membership: r.membership.into(),
            quorum: schema::QuorumRule {
                comparison: r.quorum.comparison.into(),
                share: r.quorum.share.into(),
            },
            majorities: schema::MajorityRules {
                ordinary: m.ordinary.into(),
                election: m.election.into(),
                exclusion: m.exclusion.into(),
                statute_amendment: m.statute_amendment.into(),
                dissolution: m.dissolution.into(),
            },
            ordinary_session_every_months: r.ordinary_session_every_months,
            term_years: r.term_years,
            extraordinary_request_share: r.extraordinary_request_share.into(),
            elected_by: r.elected_by.map(Into::into),
        }
    }
}
