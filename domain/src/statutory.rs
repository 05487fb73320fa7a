//! What the statutes say of one statutory body (the Congrès, the Conseil
//! National, a bureau...): who sits in it, its quorum and majorities, who
//! may ask for an extraordinary session, how long its mandates last. A
//! body the statutes give no rules of its own follows their general ones.

use registre_schema::events::{
    Comparison, Fraction, InstanceRules, Majority, MajorityRule, MajorityRules, Membership,
    MotionKind, QuorumRule, Statutes, StatutoryBody, Tally, TieRule, VoteBase,
};

use crate::majority::{Outcome, base_count, outcome};

/// The rules of a statutory body, if the statutes state them.
fn instance(s: &Statutes, body: Option<StatutoryBody>) -> Option<&InstanceRules> {
    let body = body?;
    s.instances.iter().find(|r| r.statutory_body == body)
}

/// The quorum of a body: its statutory body's, else the statutes' general
/// one (strictly more than the fraction).
pub fn quorum_rule(s: &Statutes, body: Option<StatutoryBody>) -> QuorumRule {
    match instance(s, body) {
        Some(r) => r.quorum,
        None => QuorumRule {
            comparison: Comparison::MoreThan,
            share: s.quorum,
        },
    }
}

/// The majority a kind of motion needs in a body: its statutory body's,
/// else the general one for that kind.
pub fn majority_rule(s: &Statutes, body: Option<StatutoryBody>, kind: MotionKind) -> MajorityRule {
    if let Some(r) = instance(s, body) {
        return of_kind(&r.majorities, kind);
    }
    let m = &s.majorities;
    general(match kind {
        MotionKind::Ordinary => m.ordinary,
        MotionKind::Election => m.election,
        MotionKind::Exclusion => m.exclusion,
        MotionKind::StatuteAmendment => m.statute_amendment,
        MotionKind::Dissolution => m.dissolution,
    })
}

/// The rule of one kind of motion among a body's majorities.
pub fn of_kind(m: &MajorityRules, kind: MotionKind) -> MajorityRule {
    match kind {
        MotionKind::Ordinary => m.ordinary,
        MotionKind::Election => m.election,
        MotionKind::Exclusion => m.exclusion,
        MotionKind::StatuteAmendment => m.statute_amendment,
        MotionKind::Dissolution => m.dissolution,
    }
}

/// One of the general majorities as the rule it means.
pub fn general(m: Majority) -> MajorityRule {
    let (comparison, (numerator, denominator), base) = match m {
        Majority::Simple => (Comparison::MoreThan, (1, 2), VoteBase::VotesCast),
        Majority::Absolute => (
            Comparison::MoreThan,
            (1, 2),
            VoteBase::VotesCastWithAbstentions,
        ),
        Majority::TwoThirds => (Comparison::AtLeast, (2, 3), VoteBase::VotesCast),
    };
    MajorityRule {
        comparison,
        share: Fraction {
            numerator,
            denominator,
        },
        base,
        tie: TieRule::Rejected,
    }
}

/// Who sits in the body: derived from its territory unless its rules say
/// its seats are designated.
pub fn membership(s: &Statutes, body: Option<StatutoryBody>) -> Membership {
    instance(s, body).map_or(Membership::Derived, |r| r.membership)
}

/// The share of its members that may ask for an extraordinary session: a
/// third where the statutes say nothing of the body.
pub fn extraordinary_request_share(s: &Statutes, body: Option<StatutoryBody>) -> Fraction {
    instance(s, body).map_or(
        Fraction {
            numerator: 1,
            denominator: 3,
        },
        |r| r.extraordinary_request_share,
    )
}

/// Years a mandate in the body lasts.
pub fn term_years(s: &Statutes, body: Option<StatutoryBody>) -> u32 {
    instance(s, body).map_or(s.mandate_years, |r| r.term_years)
}

/// Every rule a statutory body follows: its own where the statutes state
/// them, else the general ones as they apply to it (no set interval
/// between sessions, elected by its own sessions).
pub fn followed(s: &Statutes, body: StatutoryBody) -> InstanceRules {
    if let Some(r) = instance(s, Some(body)) {
        return *r;
    }
    let m = |kind| majority_rule(s, None, kind);
    InstanceRules {
        statutory_body: body,
        membership: membership(s, None),
        quorum: quorum_rule(s, None),
        majorities: MajorityRules {
            ordinary: m(MotionKind::Ordinary),
            election: m(MotionKind::Election),
            exclusion: m(MotionKind::Exclusion),
            statute_amendment: m(MotionKind::StatuteAmendment),
            dissolution: m(MotionKind::Dissolution),
        },
        ordinary_session_every_months: 0,
        term_years: term_years(s, None),
        extraordinary_request_share: extraordinary_request_share(s, None),
        elected_by: None,
    }
}

/// Whether a vote of `kind` in `body`, counted `tally` with `members`
/// called and `present` present or represented, is a tie the statutes
/// leave to the chair's casting vote.
pub fn tied(
    s: &Statutes,
    body: Option<StatutoryBody>,
    kind: MotionKind,
    tally: &Tally,
    members: u32,
    present: u32,
) -> bool {
    let rule = majority_rule(s, body, kind);
    let base = base_count(rule.base, tally, members, present);
    outcome(rule, tally.votes_for, base) == Outcome::Tie
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statutes::{defaults, with_typical_instances};
    use chrono::NaiveDate;

    #[test]
    fn given_a_body_with_rules_of_its_own_when_followed_then_they_are_its_rules() {
        let s = with_typical_instances(NaiveDate::MIN);
        let council = followed(&s, StatutoryBody::NationalCouncil);
        assert_eq!(
            Some(&council),
            instance(&s, Some(StatutoryBody::NationalCouncil))
        );
    }

    #[test]
    fn given_statutes_silent_on_a_body_when_followed_then_the_general_rules_apply_to_it() {
        let s = defaults(NaiveDate::MIN);
        let bureau = followed(&s, StatutoryBody::CercleBureau);
        assert_eq!(bureau.statutory_body, StatutoryBody::CercleBureau);
        assert_eq!(bureau.quorum, quorum_rule(&s, None));
        assert_eq!(
            bureau.majorities.dissolution,
            general(s.majorities.dissolution)
        );
        assert_eq!(bureau.term_years, s.mandate_years);
        assert_eq!(bureau.membership, Membership::Derived);
        assert_eq!(bureau.elected_by, None);
        // As the body follows them, its decisions are judged the same.
        let kind = MotionKind::Exclusion;
        assert_eq!(
            bureau.majorities.exclusion,
            majority_rule(&s, Some(StatutoryBody::CercleBureau), kind)
        );
    }
}
