//! Quorum and majorities as statutes state them: votes or members compared
//! "at least" or "more than" with a share of a stated base, and what a tie
//! does. Pure arithmetic on counts, in integers (two thirds of 9 is 6 at
//! least, 7 for more than).

use registre_schema::events::{
    Comparison, Fraction, MajorityRule, QuorumRule, Tally, TieRule, VoteBase,
};

/// `count` compared with `share` of `base`: `Less`, `Equal` (exactly the
/// share) or `Greater`.
fn against_share(count: u32, share: Fraction, base: u32) -> std::cmp::Ordering {
    (u64::from(count) * u64::from(share.denominator))
        .cmp(&(u64::from(share.numerator) * u64::from(base)))
}

/// Members present or represented that a quorum needs: the fewest that
/// meet the rule, and at least one.
pub fn quorum_required(rule: QuorumRule, members: u32) -> u32 {
    let den = u64::from(rule.share.denominator.max(1));
    let product = u64::from(members) * u64::from(rule.share.numerator);
    let required = match rule.comparison {
        Comparison::AtLeast => product.div_ceil(den),
        Comparison::MoreThan => product / den + 1,
    };
    required.clamp(1, u64::from(u32::MAX)) as u32
}

/// The base a rule counts, from a vote's tally and the session's counts.
pub fn base_count(base: VoteBase, tally: &Tally, members: u32, present: u32) -> u32 {
    match base {
        VoteBase::VotesCast => tally.votes_for + tally.votes_against,
        VoteBase::VotesCastWithAbstentions => {
            tally.votes_for + tally.votes_against + tally.abstentions
        }
        VoteBase::Present => present,
        VoteBase::Members => members,
    }
}

/// What a vote's count gives under a rule. The statutes give the chair a
/// casting vote only under a simple majority of the votes cast, where the
/// share met exactly is votes for equal to votes against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Adopted,
    Rejected,
    /// A "more than" rule met exactly, where the chair's casting vote
    /// decides.
    Tie,
}

/// The outcome of `votes_for` under `rule` with its base counted. A motion
/// no one voted for is never adopted.
pub fn outcome(rule: MajorityRule, votes_for: u32, base: u32) -> Outcome {
    use std::cmp::Ordering::*;
    if votes_for == 0 {
        return Outcome::Rejected;
    }
    match (rule.comparison, against_share(votes_for, rule.share, base)) {
        (_, Greater) | (Comparison::AtLeast, Equal) => Outcome::Adopted,
        (Comparison::MoreThan, Equal) if rule.tie == TieRule::ChairCastingVote => Outcome::Tie,
        _ => Outcome::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statutory::general;
    use proptest::prelude::*;
    use registre_schema::events::Majority;

    fn share(numerator: u32, denominator: u32) -> Fraction {
        Fraction {
            numerator,
            denominator,
        }
    }

    fn rule(comparison: Comparison, s: Fraction, tie: TieRule) -> MajorityRule {
        MajorityRule {
            comparison,
            share: s,
            base: VoteBase::VotesCast,
            tie,
        }
    }

    #[test]
    fn given_nine_members_when_two_thirds_are_needed_then_at_least_is_six_and_more_than_is_seven() {
        let two_thirds = |comparison| QuorumRule {
            comparison,
            share: share(2, 3),
        };
        assert_eq!(quorum_required(two_thirds(Comparison::AtLeast), 9), 6);
        assert_eq!(quorum_required(two_thirds(Comparison::MoreThan), 9), 7);
        // Half of 10: at least 5, more than 5 is 6.
        let half = |comparison| QuorumRule {
            comparison,
            share: share(1, 2),
        };
        assert_eq!(quorum_required(half(Comparison::AtLeast), 10), 5);
        assert_eq!(quorum_required(half(Comparison::MoreThan), 10), 6);
        // No one called to sit still needs someone present.
        assert_eq!(quorum_required(half(Comparison::AtLeast), 0), 1);
    }

    #[test]
    fn given_a_simple_majority_when_votes_are_equal_then_the_tie_rule_decides() {
        let simple = |tie| rule(Comparison::MoreThan, share(1, 2), tie);
        assert_eq!(outcome(simple(TieRule::Rejected), 5, 10), Outcome::Rejected);
        assert_eq!(
            outcome(simple(TieRule::ChairCastingVote), 5, 10),
            Outcome::Tie
        );
        assert_eq!(
            outcome(simple(TieRule::ChairCastingVote), 6, 11),
            Outcome::Adopted
        );
        // "At least" met exactly is met: there is no tie to break.
        let at_least = rule(Comparison::AtLeast, share(2, 3), TieRule::ChairCastingVote);
        assert_eq!(outcome(at_least, 6, 9), Outcome::Adopted);
        assert_eq!(outcome(at_least, 5, 9), Outcome::Rejected);
    }

    #[test]
    fn given_no_vote_for_when_the_base_is_empty_then_the_motion_is_rejected() {
        let at_least = rule(Comparison::AtLeast, share(2, 3), TieRule::Rejected);
        assert_eq!(outcome(at_least, 0, 0), Outcome::Rejected);
    }

    #[test]
    fn given_each_base_when_counted_then_it_reads_the_tally_or_the_session() {
        let t = Tally {
            votes_for: 5,
            votes_against: 3,
            abstentions: 2,
            absent: 10,
        };
        assert_eq!(base_count(VoteBase::VotesCast, &t, 20, 12), 8);
        assert_eq!(
            base_count(VoteBase::VotesCastWithAbstentions, &t, 20, 12),
            10
        );
        assert_eq!(base_count(VoteBase::Present, &t, 20, 12), 12);
        assert_eq!(base_count(VoteBase::Members, &t, 20, 12), 20);
    }

    #[test]
    fn given_the_general_majorities_when_read_as_rules_then_they_decide_as_before() {
        // The three majorities of the first statutes, as they were judged.
        let before = |m: Majority, yes: u32, no: u32, abst: u32| match m {
            Majority::Simple => yes > no,
            Majority::Absolute => 2 * yes > yes + no + abst,
            Majority::TwoThirds => yes > 0 && 3 * yes >= 2 * (yes + no),
        };
        for m in [Majority::Simple, Majority::Absolute, Majority::TwoThirds] {
            for (yes, no, abst) in
                (0..8).flat_map(|y| (0..8).flat_map(move |n| (0..4).map(move |a| (y, n, a))))
            {
                let t = Tally {
                    votes_for: yes,
                    votes_against: no,
                    abstentions: abst,
                    absent: 0,
                };
                let r = general(m);
                let now = outcome(r, yes, base_count(r.base, &t, 0, 0)) == Outcome::Adopted;
                assert_eq!(now, before(m, yes, no, abst), "{m:?} {yes}-{no}-{abst}");
            }
        }
    }

    fn comparison() -> impl Strategy<Value = Comparison> {
        prop_oneof![Just(Comparison::AtLeast), Just(Comparison::MoreThan)]
    }

    proptest! {
        /// The quorum required is the fewest members that meet the rule:
        /// it meets it, and one fewer does not (unless it is the floor of one).
        #[test]
        fn the_quorum_required_is_the_fewest_that_meet_the_rule(
            members in 0u32..2_000,
            numerator in 1u32..20,
            extra in 0u32..20,
            c in comparison(),
        ) {
            let s = share(numerator, numerator + extra.max(1));
            let required = quorum_required(QuorumRule { comparison: c, share: s }, members);
            let meets = |n: u32| match c {
                Comparison::AtLeast => against_share(n, s, members).is_ge(),
                Comparison::MoreThan => against_share(n, s, members).is_gt(),
            };
            prop_assert!(meets(required));
            prop_assert!(required == 1 || !meets(required - 1));
        }

        /// More votes for never turn an adoption into a rejection, and a
        /// larger base never turns a rejection into an adoption.
        #[test]
        fn majorities_are_monotonic(
            votes_for in 0u32..500,
            base in 0u32..500,
            numerator in 1u32..10,
            extra in 0u32..10,
            c in comparison(),
            casting in any::<bool>(),
        ) {
            let tie = if casting { TieRule::ChairCastingVote } else { TieRule::Rejected };
            let r = rule(c, share(numerator, numerator + extra), tie);
            let adopted = |f, b| outcome(r, f, b) == Outcome::Adopted;
            if adopted(votes_for, base) {
                prop_assert!(adopted(votes_for + 1, base));
                prop_assert!(base == 0 || adopted(votes_for, base - 1));
            }
            // A tie happens only exactly on a "more than" share.
            if outcome(r, votes_for, base) == Outcome::Tie {
                prop_assert_eq!(c, Comparison::MoreThan);
                prop_assert!(against_share(votes_for, r.share, base).is_eq());
            }
        }
    }
}
