//! The statutes (stream `statutes`): adopted once, then amended; each
//! version takes effect on its date. "The statutes in force at date D" is a
//! pure function of this stream.

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{
    ArrearsRule, BodyKind, Comparison, ElectionRules, Fraction, InstanceRules, Majorities,
    Majority, MajorityRule, MajorityRules, Membership, MotionKind, QuorumRule,
    SecondConvocationRule, Statutes, StatutesAdopted, StatutesAmended, StatutoryBody, TieRule,
    VoteBase,
};
use uuid::Uuid;

use crate::dates::Dated;
use crate::decided::{Competent, Decision, decided_by};
use crate::text::{MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// The typical rules of associations of municipalities in francophone
/// Africa, shipped as version 1 and adopted by an event at initialisation.
pub fn defaults(effective_from: NaiveDate) -> Statutes {
    Statutes {
        version: 1,
        effective_from,
        notice_days_ordinary: 15,
        notice_days_extraordinary: 7,
        quorum: Fraction {
            numerator: 1,
            denominator: 2,
        },
        second_convocation: SecondConvocationRule {
            allowed_without_quorum: true,
            min_delay_days: 15,
        },
        majorities: Majorities {
            ordinary: Majority::Simple,
            election: Majority::Simple,
            exclusion: Majority::Absolute,
            statute_amendment: Majority::TwoThirds,
            dissolution: Majority::TwoThirds,
        },
        proxy_cap_per_delegate: 1,
        mandate_years: 5,
        arrears: ArrearsRule {
            unpaid_years_lose_vote: 1,
            unpaid_years_before_suspension: 3,
        },
        exclusion_hearing_notice_days: 15,
        // A first round by an absolute majority, then a relative one; one
        // post per commune in a body.
        elections: ElectionRules {
            absolute_majority_rounds: 1,
            several_posts: false,
        },
        // No rules per statutory body: every body follows the general
        // quorum and majorities until the statutes state its own.
        instances: Vec::new(),
    }
}

/// The defaults with [`typical_instances`]: what the demo adopts.
pub fn with_typical_instances(effective_from: NaiveDate) -> Statutes {
    Statutes {
        instances: typical_instances(),
        ..defaults(effective_from)
    }
}

/// Each statutory body's rules as such statutes typically state them
/// (offered, not shipped as a default: a body's own rules are the
/// association's to state):
/// the Congrès and the assemblies of communes meet with more than half of
/// their members, the Conseil National and the bureaux with at least two
/// thirds; decisions by more than half of the votes cast, the chair's
/// vote deciding a tie; an exclusion by more than half of the members
/// present, an amendment or a dissolution by at least two thirds of them.
pub fn typical_instances() -> Vec<InstanceRules> {
    let share = |numerator, denominator| Fraction {
        numerator,
        denominator,
    };
    let simple = MajorityRule {
        comparison: Comparison::MoreThan,
        share: share(1, 2),
        base: VoteBase::VotesCast,
        tie: TieRule::ChairCastingVote,
    };
    let majorities = MajorityRules {
        ordinary: simple,
        election: MajorityRule {
            tie: TieRule::Rejected,
            ..simple
        },
        exclusion: MajorityRule {
            base: VoteBase::Present,
            tie: TieRule::Rejected,
            ..simple
        },
        statute_amendment: MajorityRule {
            comparison: Comparison::AtLeast,
            share: share(2, 3),
            base: VoteBase::Present,
            tie: TieRule::Rejected,
        },
        dissolution: MajorityRule {
            comparison: Comparison::AtLeast,
            share: share(2, 3),
            base: VoteBase::Present,
            tie: TieRule::Rejected,
        },
    };
    use Membership::*;
    use StatutoryBody as B;
    [
        (B::Congress, Derived, Comparison::MoreThan, share(1, 2), 60),
        (
            B::NationalCouncil,
            Designated,
            Comparison::AtLeast,
            share(2, 3),
            12,
        ),
        (
            B::RegionalConference,
            Derived,
            Comparison::MoreThan,
            share(1, 2),
            12,
        ),
        (
            B::CercleAssembly,
            Derived,
            Comparison::MoreThan,
            share(1, 2),
            12,
        ),
        (
            B::NationalBureau,
            Designated,
            Comparison::AtLeast,
            share(2, 3),
            3,
        ),
        (
            B::RegionalBureau,
            Designated,
            Comparison::AtLeast,
            share(2, 3),
            6,
        ),
        (
            B::CercleBureau,
            Designated,
            Comparison::AtLeast,
            share(2, 3),
            6,
        ),
    ]
    .into_iter()
    .map(
        |(statutory_body, membership, comparison, quorum, months)| InstanceRules {
            elected_by: electing_body(statutory_body),
            statutory_body,
            membership,
            quorum: QuorumRule {
                comparison,
                share: quorum,
            },
            majorities,
            ordinary_session_every_months: months,
            term_years: 5,
            extraordinary_request_share: share(1, 3),
        },
    )
    .collect()
}

/// Who typically elects a body: each bureau by the instance of its tier,
/// the Conseil National by the Congrès; an instance elects its own.
fn electing_body(b: StatutoryBody) -> Option<StatutoryBody> {
    use StatutoryBody as B;
    match b {
        B::NationalCouncil | B::NationalBureau => Some(B::Congress),
        B::RegionalBureau => Some(B::RegionalConference),
        B::CercleBureau => Some(B::CercleAssembly),
        B::Congress | B::RegionalConference | B::CercleAssembly => None,
    }
}

/// Every version adopted so far, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatutesBook {
    pub versions: Vec<Statutes>,
    /// The motions amendments cited.
    pub motions: std::collections::BTreeSet<Uuid>,
}

impl StatutesBook {
    /// The version in force on `date`: the latest taking effect on or before it.
    pub fn in_force(&self, date: NaiveDate) -> Option<&Statutes> {
        self.versions
            .iter()
            .filter(|s| s.effective_from <= date)
            .max_by_key(|s| (s.effective_from, s.version))
    }

    pub fn latest(&self) -> Option<&Statutes> {
        self.versions.last()
    }
}

/// The rules an amendment names; every rule left out (`None`) keeps its
/// value in the version it amends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatutesChanges {
    pub notice_days_ordinary: Option<u32>,
    pub notice_days_extraordinary: Option<u32>,
    pub quorum_numerator: Option<u32>,
    pub quorum_denominator: Option<u32>,
    pub second_convocation_without_quorum: Option<bool>,
    pub second_convocation_min_delay_days: Option<u32>,
    pub majority_ordinary: Option<Majority>,
    pub majority_election: Option<Majority>,
    pub majority_exclusion: Option<Majority>,
    pub majority_statute_amendment: Option<Majority>,
    pub majority_dissolution: Option<Majority>,
    pub proxy_cap_per_delegate: Option<u32>,
    pub mandate_years: Option<u32>,
    pub unpaid_years_lose_vote: Option<u32>,
    pub unpaid_years_before_suspension: Option<u32>,
    pub exclusion_hearing_notice_days: Option<u32>,
    pub election_absolute_majority_rounds: Option<u32>,
    pub election_several_posts: Option<bool>,
    /// Statutory bodies whose rules change: each replaces that body's
    /// rules whole (or adds them).
    pub instances: Vec<InstanceRules>,
}

impl StatutesChanges {
    /// `base` with the named rules changed (its version and date kept).
    pub fn apply(&self, base: &Statutes) -> Statutes {
        let mut s = base.clone();
        let c = self;
        let set = |v: &mut u32, o: Option<u32>| *v = o.unwrap_or(*v);
        let maj = |v: &mut Majority, o: Option<Majority>| *v = o.unwrap_or(*v);
        set(&mut s.notice_days_ordinary, c.notice_days_ordinary);
        set(
            &mut s.notice_days_extraordinary,
            c.notice_days_extraordinary,
        );
        set(&mut s.quorum.numerator, c.quorum_numerator);
        set(&mut s.quorum.denominator, c.quorum_denominator);
        let second = &mut s.second_convocation;
        second.allowed_without_quorum = c
            .second_convocation_without_quorum
            .unwrap_or(second.allowed_without_quorum);
        set(
            &mut second.min_delay_days,
            c.second_convocation_min_delay_days,
        );
        maj(&mut s.majorities.ordinary, c.majority_ordinary);
        maj(&mut s.majorities.election, c.majority_election);
        maj(&mut s.majorities.exclusion, c.majority_exclusion);
        maj(
            &mut s.majorities.statute_amendment,
            c.majority_statute_amendment,
        );
        maj(&mut s.majorities.dissolution, c.majority_dissolution);
        set(&mut s.proxy_cap_per_delegate, c.proxy_cap_per_delegate);
        set(&mut s.mandate_years, c.mandate_years);
        set(
            &mut s.arrears.unpaid_years_lose_vote,
            c.unpaid_years_lose_vote,
        );
        set(
            &mut s.arrears.unpaid_years_before_suspension,
            c.unpaid_years_before_suspension,
        );
        set(
            &mut s.exclusion_hearing_notice_days,
            c.exclusion_hearing_notice_days,
        );
        set(
            &mut s.elections.absolute_majority_rounds,
            c.election_absolute_majority_rounds,
        );
        s.elections.several_posts = c
            .election_several_posts
            .unwrap_or(s.elections.several_posts);
        for rules in &c.instances {
            s.instances
                .retain(|r| r.statutory_body != rules.statutory_body);
            s.instances.push(*rules);
        }
        s.instances.sort_by_key(|r| r.statutory_body);
        s
    }
}

/// Every rule of a version by the name the API gives it, as text (a
/// majority as the API's enumeration spells it): what the registers show
/// and compare between versions.
pub fn rules(s: &Statutes) -> Vec<(String, String)> {
    let m = |m: Majority| match m {
        Majority::Simple => "SIMPLE",
        Majority::Absolute => "ABSOLUTE",
        Majority::TwoThirds => "TWO_THIRDS",
    };
    let general: Vec<(&'static str, String)> = vec![
        ("noticeDaysOrdinary", s.notice_days_ordinary.to_string()),
        (
            "noticeDaysExtraordinary",
            s.notice_days_extraordinary.to_string(),
        ),
        ("quorumNumerator", s.quorum.numerator.to_string()),
        ("quorumDenominator", s.quorum.denominator.to_string()),
        (
            "secondConvocationWithoutQuorum",
            s.second_convocation.allowed_without_quorum.to_string(),
        ),
        (
            "secondConvocationMinDelayDays",
            s.second_convocation.min_delay_days.to_string(),
        ),
        ("majorityOrdinary", m(s.majorities.ordinary).into()),
        ("majorityElection", m(s.majorities.election).into()),
        ("majorityExclusion", m(s.majorities.exclusion).into()),
        (
            "majorityStatuteAmendment",
            m(s.majorities.statute_amendment).into(),
        ),
        ("majorityDissolution", m(s.majorities.dissolution).into()),
        ("proxyCapPerDelegate", s.proxy_cap_per_delegate.to_string()),
        ("mandateYears", s.mandate_years.to_string()),
        (
            "unpaidYearsLoseVote",
            s.arrears.unpaid_years_lose_vote.to_string(),
        ),
        (
            "unpaidYearsBeforeSuspension",
            s.arrears.unpaid_years_before_suspension.to_string(),
        ),
        (
            "exclusionHearingNoticeDays",
            s.exclusion_hearing_notice_days.to_string(),
        ),
        (
            "electionAbsoluteMajorityRounds",
            s.elections.absolute_majority_rounds.to_string(),
        ),
        (
            "electionSeveralPosts",
            s.elections.several_posts.to_string(),
        ),
    ];
    let general = general.into_iter().map(|(rule, v)| (rule.to_owned(), v));
    let per_body = s.instances.iter().flat_map(|r| {
        let name = |rule: &str| format!("{}.{rule}", body_key(r.statutory_body));
        let m = &r.majorities;
        [
            (
                name("membership"),
                match r.membership {
                    Membership::Derived => "DERIVED",
                    Membership::Designated => "DESIGNATED",
                }
                .to_owned(),
            ),
            (name("quorum"), quorum_text(r.quorum)),
            (name("majorityOrdinary"), majority_text(m.ordinary)),
            (name("majorityElection"), majority_text(m.election)),
            (name("majorityExclusion"), majority_text(m.exclusion)),
            (
                name("majorityStatuteAmendment"),
                majority_text(m.statute_amendment),
            ),
            (name("majorityDissolution"), majority_text(m.dissolution)),
            (
                name("ordinarySessionEveryMonths"),
                r.ordinary_session_every_months.to_string(),
            ),
            (name("termYears"), r.term_years.to_string()),
            (
                name("electedBy"),
                r.elected_by.map_or("", body_key).to_owned(),
            ),
            (
                name("extraordinaryRequestShare"),
                format!(
                    "AT_LEAST {}/{}",
                    r.extraordinary_request_share.numerator,
                    r.extraordinary_request_share.denominator
                ),
            ),
        ]
    });
    general.chain(per_body).collect()
}

/// A statutory body's name in the rules' names (`nationalCouncil.quorum`).
pub fn body_key(b: StatutoryBody) -> &'static str {
    match b {
        StatutoryBody::Congress => "congress",
        StatutoryBody::NationalCouncil => "nationalCouncil",
        StatutoryBody::RegionalConference => "regionalConference",
        StatutoryBody::CercleAssembly => "cercleAssembly",
        StatutoryBody::NationalBureau => "nationalBureau",
        StatutoryBody::RegionalBureau => "regionalBureau",
        StatutoryBody::CercleBureau => "cercleBureau",
    }
}

fn comparison_text(c: Comparison) -> &'static str {
    match c {
        Comparison::AtLeast => "AT_LEAST",
        Comparison::MoreThan => "MORE_THAN",
    }
}

/// A quorum as the registers show it: `AT_LEAST 2/3`.
fn quorum_text(q: QuorumRule) -> String {
    format!(
        "{} {}/{}",
        comparison_text(q.comparison),
        q.share.numerator,
        q.share.denominator
    )
}

/// A majority as the registers show it: `MORE_THAN 1/2 VOTES_CAST TIE_REJECTED`.
fn majority_text(m: MajorityRule) -> String {
    let base = match m.base {
        VoteBase::VotesCast => "VOTES_CAST",
        VoteBase::VotesCastWithAbstentions => "VOTES_CAST_WITH_ABSTENTIONS",
        VoteBase::Present => "PRESENT",
        VoteBase::Members => "MEMBERS",
    };
    let tie = match m.tie {
        TieRule::Rejected => "TIE_REJECTED",
        TieRule::ChairCastingVote => "TIE_CHAIR_CASTING_VOTE",
    };
    format!(
        "{} {}/{} {base} {tie}",
        comparison_text(m.comparison),
        m.share.numerator,
        m.share.denominator
    )
}

/// What an amendment changed: `(rule, before, after)` for each rule
/// whose value differs between two versions.
/// A rule one version has and the other lacks reads as empty on its side.
pub fn changed_rules(before: &Statutes, after: &Statutes) -> Vec<(String, String, String)> {
    let before = rules(before);
    let after = rules(after);
    let value = |list: &[(String, String)], rule: &str| {
        list.iter()
            .find(|(r, _)| r == rule)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut names: Vec<&String> = after.iter().map(|(r, _)| r).collect();
    names.extend(
        before
            .iter()
            .map(|(r, _)| r)
            .filter(|r| !after.iter().any(|(a, _)| a == *r)),
    );
    names
        .into_iter()
        .map(|rule| (rule.clone(), value(&before, rule), value(&after, rule)))
        .filter(|(_, a, b)| a != b)
        .collect()
}

/// Commands on the statutes.
#[derive(Debug, Clone)]
pub enum StatutesCommand {
    Adopt {
        statutes: Statutes,
        reference: String,
    },
    /// Changes the rules named in `changes`, from `effective_from`; the
    /// rest stay as the latest version has them. The new version number
    /// is the latest + 1.
    Amend {
        effective_from: NaiveDate,
        changes: StatutesChanges,
        reference: String,
        /// The statute-amendment motion a national instance adopted.
        motion_id: Uuid,
    },
}

/// Rejects rules that would make decisions impossible or meaningless.
pub fn validate(s: &Statutes) -> Result<(), DomainError> {
    let bad = |reason| Err(DomainError::InvalidStatutes { reason });
    if s.quorum.denominator == 0 || s.quorum.numerator >= s.quorum.denominator {
        return bad(Reason::new(
            "the quorum must be a fraction below one",
            "le quorum doit être une fraction inférieure à un",
        ));
    }
    if s.mandate_years == 0 || s.mandate_years > 20 {
        return bad(Reason::new(
            "the mandate length must be between 1 and 20 years",
            "la durée du mandat doit être comprise entre 1 et 20 ans",
        ));
    }
    if s.notice_days_ordinary > 365 || s.notice_days_extraordinary > 365 {
        return bad(Reason::new(
            "notice periods must be at most 365 days",
            "les délais de convocation sont de 365 jours au plus",
        ));
    }
    if s.proxy_cap_per_delegate > 100 {
        return bad(Reason::new(
            "the proxy cap must be at most 100",
            "le plafond de procurations est de 100 au plus",
        ));
    }
    validate_instances(&s.instances)?;
    if s.elections.absolute_majority_rounds > 10 {
        return bad(Reason::new(
            "at most 10 rounds may require an absolute majority",
            "10 tours au plus peuvent exiger la majorité absolue",
        ));
    }
    if s.arrears.unpaid_years_lose_vote == 0 || s.arrears.unpaid_years_before_suspension == 0 {
        return bad(Reason::new(
            "arrears thresholds must be at least one year",
            "les seuils d'arriérés sont d'au moins un an",
        ));
    }
    Ok(())
}

/// Each statutory body's rules stated once, with shares a count can meet.
fn validate_instances(instances: &[InstanceRules]) -> Result<(), DomainError> {
    let bad = |english, french| {
        Err(DomainError::InvalidStatutes {
            reason: Reason::new(english, french),
        })
    };
    // "More than" all of a base can never be met; "at least" all of it can.
    let possible = |c: Comparison, f: Fraction| {
        f.numerator > 0
            && f.denominator > 0
            && f.denominator <= 1000
            && match c {
                Comparison::AtLeast => f.numerator <= f.denominator,
                Comparison::MoreThan => f.numerator < f.denominator,
            }
    };
    let mut seen = std::collections::BTreeSet::new();
    for r in instances {
        if !seen.insert(r.statutory_body) {
            return bad(
                "a statutory body's rules are stated once",
                "les règles d'une instance sont énoncées une seule fois",
            );
        }
        // The electing body is found in the same territory (see
        // `election::competent`): an instance of the same level.
        if let Some(elector) = r.elected_by {
            let (kind, level) = crate::body::shape(elector);
            if kind != BodyKind::Instance || level != crate::body::shape(r.statutory_body).1 {
                return bad(
                    "a body is elected by an instance of its own level",
                    "une instance ou un organe est élu par une instance de son propre niveau",
                );
            }
        }
        if !possible(r.quorum.comparison, r.quorum.share) {
            return bad(
                "a quorum is a share between zero and one that a count can meet",
                "un quorum est une fraction entre zéro et un qu'un nombre peut atteindre",
            );
        }
        let m = &r.majorities;
        let all = [
            m.ordinary,
            m.election,
            m.exclusion,
            m.statute_amendment,
            m.dissolution,
        ];
        // The chair's vote breaks a tie of votes for and against: under a
        // simple majority of the votes cast that is the share met exactly;
        // under any other rule it would decide what no tie left open.
        let simple = |m: &MajorityRule| {
            m.comparison == Comparison::MoreThan
                && m.base == VoteBase::VotesCast
                && u64::from(m.share.numerator) * 2 == u64::from(m.share.denominator)
        };
        if all
            .iter()
            .any(|m| m.tie == TieRule::ChairCastingVote && !simple(m))
        {
            return bad(
                "a casting vote decides only a simple majority of the votes cast",
                "la voix prépondérante ne départage qu'une majorité simple des suffrages exprimés",
            );
        }
        if !all.iter().all(|m| possible(m.comparison, m.share)) {
            return bad(
                "a majority is a share between zero and one that a count can meet",
                "une majorité est une fraction entre zéro et un qu'un nombre peut atteindre",
            );
        }
        if !possible(Comparison::AtLeast, r.extraordinary_request_share) {
            return bad(
                "the share of members that may request an extraordinary session is between zero and one",
                "la part des membres qui peut demander une session extraordinaire est entre zéro et un",
            );
        }
        if r.term_years == 0 || r.term_years > 20 || r.ordinary_session_every_months > 240 {
            return bad(
                "a term is 1 to 20 years and sessions are at most 240 months apart",
                "un mandat dure de 1 à 20 ans et les sessions sont espacées de 240 mois au plus",
            );
        }
    }
    Ok(())
}

impl Aggregate for StatutesBook {
    type State = StatutesBook;
    type Command = StatutesCommand;
    type Event = DomainEvent;

    fn dates(command: &StatutesCommand) -> Vec<Dated> {
        let effective_from = match command {
            StatutesCommand::Adopt { statutes, .. } => statutes.effective_from,
            StatutesCommand::Amend { effective_from, .. } => *effective_from,
        };
        vec![Dated::day("effective_from", effective_from)]
    }

    fn decide_dated(
        state: &StatutesBook,
        command: &StatutesCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        match command {
            StatutesCommand::Adopt {
                statutes,
                reference,
            } => {
                if !state.versions.is_empty() {
                    return Err(DomainError::StatutesAlreadyAdopted);
                }
                required("reference", reference, MAX_TEXT)?;
                validate(statutes)?;
                let statutes = Statutes {
                    version: 1,
                    ..statutes.clone()
                };
                Ok(vec![
                    StatutesAdopted {
                        statutes,
                        reference: reference.clone(),
                    }
                    .into(),
                ])
            }
            StatutesCommand::Amend {
                effective_from,
                changes,
                reference,
                motion_id,
            } => {
                let latest = state.latest().ok_or(DomainError::StatutesNotAdopted)?;
                required("reference", reference, MAX_TEXT)?;
                if *effective_from < latest.effective_from {
                    return Err(DomainError::AmendmentBeforeCurrent {
                        current: latest.effective_from,
                    });
                }
                // The majority is the motion kind's: a statute-amendment
                // motion is judged by the statutes' amendment majority.
                // Taken once: the book knows every motion an amendment cited,
                // whatever the view had read.
                if state.motions.contains(motion_id) {
                    return Err(DomainError::MotionAlreadyApplied);
                }
                decided_by(
                    ctx,
                    motion_id,
                    Decision {
                        kind: MotionKind::StatuteAmendment,
                        competent: Competent::NationalInstance,
                        subject_member_id: None,
                        effective_on: *effective_from,
                    },
                )?;
                let statutes = Statutes {
                    version: latest.version + 1,
                    effective_from: *effective_from,
                    ..changes.apply(latest)
                };
                if changed_rules(latest, &statutes).is_empty() {
                    return Err(DomainError::InvalidStatutes {
                        reason: Reason::new(
                            "an amendment changes at least one rule",
                            "une modification change au moins une règle",
                        ),
                    });
                }
                validate(&statutes)?;
                Ok(vec![
                    StatutesAmended {
                        statutes,
                        reference: reference.clone(),
                        motion_id: Some(*motion_id),
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: StatutesBook, event: &DomainEvent) -> StatutesBook {
        match event {
            DomainEvent::StatutesAdopted(e) => state.versions.push(e.statutes.clone()),
            DomainEvent::StatutesAmended(e) => {
                state.versions.push(e.statutes.clone());
                state.motions.extend(e.motion_id);
            }
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn adopt() -> StatutesCommand {
        StatutesCommand::Adopt {
            statutes: defaults(d(2001, 2, 1)),
            reference: "AG constitutive".into(),
        }
    }

    fn adopted() -> DomainEvent {
        StatutesAdopted {
            statutes: defaults(d(2001, 2, 1)),
            reference: "AG constitutive".into(),
        }
        .into()
    }

    #[test]
    fn adoption_records_version_one() {
        given::<StatutesBook>(vec![])
            .when(adopt())
            .then_events(vec![adopted()]);
    }

    #[test]
    fn given_no_statutes_when_adopted_in_force_outside_the_years_then_it_is_refused() {
        given::<StatutesBook>(vec![])
            .when(StatutesCommand::Adopt {
                statutes: defaults(d(10000, 1, 1)),
                reference: "AG constitutive".into(),
            })
            .then_error_naming("DATE_OUT_OF_RANGE", "effective_from");
    }

    #[test]
    fn statutes_are_adopted_once() {
        given::<StatutesBook>(vec![adopted()])
            .when(adopt())
            .then_error("STATUTES_ALREADY_ADOPTED");
    }

    #[test]
    fn an_impossible_quorum_is_refused() {
        let mut s = defaults(d(2001, 2, 1));
        s.quorum.denominator = 0;
        given::<StatutesBook>(vec![])
            .when(StatutesCommand::Adopt {
                statutes: s,
                reference: "x".into(),
            })
            .then_error("INVALID_STATUTES");
    }

    fn amend(effective_from: NaiveDate, changes: StatutesChanges) -> StatutesCommand {
        StatutesCommand::Amend {
            effective_from,
            changes,
            reference: "Congrès 2019".into(),
            motion_id: id(60),
        }
    }

    /// The Congrès adopted the amendment motion on 2009-06-01.
    fn voted(f: &mut crate::Facts) {
        f.motions.insert(
            id(60),
            crate::context::MotionFact {
                motion_id: id(60),
                body_id: id(5),
                national_instance: true,
                kind: MotionKind::StatuteAmendment,
                subject_member_id: None,
                adopted: true,
                decided_on: d(2009, 6, 1),
                applied: false,
            },
        );
    }

    fn notice(days: u32) -> StatutesChanges {
        StatutesChanges {
            notice_days_ordinary: Some(days),
            ..Default::default()
        }
    }

    /// The amendment event of `version`: the defaults from `from`, as
    /// `edit` changes them.
    fn amended(version: u32, from: NaiveDate, edit: impl FnOnce(&mut Statutes)) -> DomainEvent {
        let mut statutes = defaults(from);
        statutes.version = version;
        edit(&mut statutes);
        StatutesAmended {
            statutes,
            reference: "Congrès 2019".into(),
            motion_id: Some(id(60)),
        }
        .into()
    }

    #[test]
    fn amendment_takes_the_next_version_and_applies_from_its_date() {
        let events = given::<StatutesBook>(vec![adopted()])
            .with_facts(voted)
            .when(amend(d(2020, 1, 1), notice(30)))
            .then_events(vec![amended(2, d(2020, 1, 1), |s| {
                s.notice_days_ordinary = 30
            })]);
        let book = StatutesBook::fold(std::iter::once(&adopted()).chain(events.iter()));
        assert_eq!(book.in_force(d(2019, 12, 31)).unwrap().version, 1);
        assert_eq!(book.in_force(d(2020, 1, 1)).unwrap().version, 2);
        assert_eq!(
            book.in_force(d(2020, 1, 1)).unwrap().notice_days_ordinary,
            30
        );
        assert!(book.in_force(d(2000, 1, 1)).is_none());
    }

    #[test]
    fn an_amendment_cites_the_amendment_motion_a_national_instance_adopted() {
        given::<StatutesBook>(vec![adopted()])
            .when(amend(d(2020, 1, 1), notice(30)))
            .then_error("UNKNOWN_MOTION");
        // Once: the book refuses a motion an amendment already cited, even
        // when the view has not read that amendment yet.
        given::<StatutesBook>(vec![
            adopted(),
            amended(2, d(2010, 1, 1), |s| s.notice_days_ordinary = 30),
        ])
        .with_facts(voted)
        .when(amend(d(2020, 1, 1), notice(20)))
        .then_error("MOTION_ALREADY_APPLIED");
        given::<StatutesBook>(vec![adopted()])
            .with_facts(|f| {
                voted(f);
                f.motions.get_mut(&id(60)).unwrap().national_instance = false;
            })
            .when(amend(d(2020, 1, 1), notice(30)))
            .then_error("MOTION_OF_ANOTHER_BODY");
        given::<StatutesBook>(vec![adopted()])
            .with_facts(|f| {
                voted(f);
                f.motions.get_mut(&id(60)).unwrap().kind = MotionKind::Ordinary;
            })
            .when(amend(d(2020, 1, 1), notice(30)))
            .then_error("MOTION_OF_ANOTHER_KIND");
        given::<StatutesBook>(vec![adopted()])
            .with_facts(voted)
            .when(amend(d(2009, 1, 1), notice(30)))
            .then_error("EFFECT_BEFORE_DECISION");
    }

    #[test]
    fn amendments_need_adopted_statutes_and_a_date_not_before_the_current_one() {
        given::<StatutesBook>(vec![])
            .with_facts(voted)
            .when(amend(d(2020, 1, 1), notice(30)))
            .then_error("STATUTES_NOT_ADOPTED");
        given::<StatutesBook>(vec![adopted()])
            .with_facts(voted)
            .when(amend(d(2000, 1, 1), notice(30)))
            .then_error("AMENDMENT_BEFORE_CURRENT");
        given::<StatutesBook>(vec![adopted()])
            .when(StatutesCommand::Amend {
                effective_from: d(2020, 1, 1),
                changes: notice(30),
                reference: " ".into(),
                motion_id: id(60),
            })
            .then_error("FIELD_REQUIRED");
    }

    #[test]
    fn an_amendment_changes_what_it_names_and_keeps_the_rest_of_the_latest_version() {
        // Version 2 raised the quorum to two thirds.
        let two_thirds = StatutesChanges {
            quorum_numerator: Some(2),
            quorum_denominator: Some(3),
            ..Default::default()
        };
        let two_thirds_quorum = |s: &mut Statutes| {
            s.quorum = Fraction {
                numerator: 2,
                denominator: 3,
            }
        };
        let v2 = given::<StatutesBook>(vec![adopted()])
            .with_facts(voted)
            .when(amend(d(2010, 1, 1), two_thirds))
            .then_events(vec![amended(2, d(2010, 1, 1), two_thirds_quorum)]);
        // Version 3 names only the notice: the quorum of version 2 stays.
        // (A second motion decided it: each takes effect once.)
        let history: Vec<DomainEvent> = std::iter::once(adopted()).chain(v2).collect();
        let amend_again = |from, changes| {
            let mut a = amend(from, changes);
            if let StatutesCommand::Amend { motion_id, .. } = &mut a {
                *motion_id = id(61);
            }
            a
        };
        let voted_again = |f: &mut crate::Facts| {
            voted(f);
            let mut m = f.motions[&id(60)].clone();
            m.motion_id = id(61);
            f.motions.insert(id(61), m);
        };
        let second = amend_again(d(2020, 1, 1), notice(30));
        let mut v3_event = amended(3, d(2020, 1, 1), |s| {
            two_thirds_quorum(s);
            s.notice_days_ordinary = 30;
        });
        if let DomainEvent::StatutesAmended(e) = &mut v3_event {
            e.motion_id = Some(id(61));
        }
        let v3 = given::<StatutesBook>(history.clone())
            .with_facts(voted_again)
            .when(second)
            .then_events(vec![v3_event]);
        let book = StatutesBook::fold(history.iter().chain(v3.iter()));
        let (v2, v3) = (&book.versions[1], &book.versions[2]);
        assert_eq!(
            changed_rules(v2, v3),
            vec![(
                "noticeDaysOrdinary".to_string(),
                "15".to_string(),
                "30".to_string()
            )]
        );
        let mut v4 = v3.clone();
        v4.majorities.exclusion = Majority::TwoThirds;
        assert_eq!(
            changed_rules(v3, &v4),
            vec![(
                "majorityExclusion".to_string(),
                "ABSOLUTE".to_string(),
                "TWO_THIRDS".to_string()
            )]
        );
        // Naming nothing, or only values already in force, changes nothing.
        given::<StatutesBook>(history.clone())
            .with_facts(voted_again)
            .when(amend_again(d(2020, 1, 1), StatutesChanges::default()))
            .then_error("INVALID_STATUTES");
        given::<StatutesBook>(history.clone())
            .with_facts(voted_again)
            .when(amend_again(d(2020, 1, 1), notice(15)))
            .then_error("INVALID_STATUTES");
        // The result must still be a valid version.
        let broken = StatutesChanges {
            quorum_numerator: Some(3),
            ..Default::default()
        };
        given::<StatutesBook>(history)
            .with_facts(voted_again)
            .when(amend_again(d(2020, 1, 1), broken))
            .then_error("INVALID_STATUTES");
    }

    #[test]
    fn given_rules_per_body_when_one_body_is_amended_then_the_others_stay_and_the_change_is_named()
    {
        let v1 = with_typical_instances(d(2001, 2, 1));
        let mut council = *v1
            .instances
            .iter()
            .find(|r| r.statutory_body == StatutoryBody::NationalCouncil)
            .unwrap();
        council.quorum = QuorumRule {
            comparison: Comparison::MoreThan,
            share: Fraction {
                numerator: 3,
                denominator: 4,
            },
        };
        let v2 = StatutesChanges {
            instances: vec![council],
            ..Default::default()
        }
        .apply(&v1);
        assert_eq!(v2.instances.len(), v1.instances.len());
        assert_eq!(
            changed_rules(&v1, &v2),
            vec![(
                "nationalCouncil.quorum".to_string(),
                "AT_LEAST 2/3".to_string(),
                "MORE_THAN 3/4".to_string()
            )]
        );
        // A share no count can meet is refused.
        council.quorum.share.numerator = 4;
        let v3 = StatutesChanges {
            instances: vec![council],
            ..Default::default()
        }
        .apply(&v1);
        assert_eq!(validate(&v3).unwrap_err().code(), "INVALID_STATUTES");
        // A casting vote on another rule than a simple majority is refused.
        let mut casting = v1.clone();
        casting.instances[0].majorities.exclusion.tie = TieRule::ChairCastingVote;
        assert_eq!(validate(&casting).unwrap_err().code(), "INVALID_STATUTES");
        // Rules stated twice for one body are refused.
        let mut twice = v1.clone();
        twice.instances.push(v1.instances[0]);
        assert_eq!(validate(&twice).unwrap_err().code(), "INVALID_STATUTES");
    }

    #[test]
    fn given_an_electing_body_when_it_is_no_instance_of_the_elected_ones_level_then_it_is_refused()
    {
        let v1 = with_typical_instances(d(2001, 2, 1));
        assert!(validate(&v1).is_ok());
        let with_elector = |elected: StatutoryBody, elector: StatutoryBody| {
            let mut s = v1.clone();
            for r in &mut s.instances {
                if r.statutory_body == elected {
                    r.elected_by = Some(elector);
                }
            }
            validate(&s).map_err(|e| e.code())
        };
        use StatutoryBody as B;
        assert_eq!(with_elector(B::NationalBureau, B::NationalCouncil), Ok(()));
        assert_eq!(
            with_elector(B::RegionalBureau, B::RegionalConference),
            Ok(())
        );
        // A cercle assembly cannot elect a national bureau, nor a bureau
        // another body.
        for (elected, elector) in [
            (B::NationalBureau, B::CercleAssembly),
            (B::RegionalBureau, B::Congress),
            (B::CercleAssembly, B::CercleBureau),
        ] {
            assert_eq!(
                with_elector(elected, elector),
                Err("INVALID_STATUTES"),
                "{elected:?} by {elector:?}"
            );
        }
    }
}
