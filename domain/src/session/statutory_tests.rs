//! A session under its statutory body's own rules, given/when/then: its
//! quorum, the chair's casting vote on a tie, an extraordinary session's
//! grounds and requesters.

use super::tests::*;
use super::*;
use crate::testing::*;
use registre_schema::events::Majority;

/// An extraordinary convocation with `request`, as commanded and recorded.
fn extraordinary(request: Option<ExtraordinaryRequest>) -> (SessionCommand, DomainEvent) {
    let (mut command, mut event) = convocation(d(2024, 2, 1), d(2024, 3, 1), None);
    if let SessionCommand::Convene {
        kind, request: r, ..
    } = &mut command
    {
        *kind = SessionKind::Extraordinary;
        *r = request.clone();
    }
    if let DomainEvent::SessionConvened(e) = &mut event {
        e.kind = SessionKind::Extraordinary;
        e.request = request;
    }
    (command, event)
}

fn asked_by(members: &[u128]) -> Option<ExtraordinaryRequest> {
    Some(ExtraordinaryRequest {
        grounds: "Vacance de la présidence".into(),
        requested_by: if members.is_empty() {
            RequestedBy::Bureau
        } else {
            RequestedBy::Members {
                member_ids: members.iter().map(|n| id(*n)).collect(),
            }
        },
    })
}

#[test]
fn given_an_extraordinary_session_when_convened_then_it_states_its_grounds_and_who_asked() {
    // Asked by its bureau: recorded with its grounds.
    let (command, event) = extraordinary(asked_by(&[]));
    given::<Session>(vec![])
        .with_facts(facts)
        .when(command)
        .then_events(vec![event]);
    // Five members called: a third is 2 at least, so one is too few.
    given::<Session>(vec![])
        .with_facts(facts)
        .when(extraordinary(asked_by(&[100])).0)
        .then_error("EXTRAORDINARY_REQUEST_TOO_FEW");
    // Named twice, a commune counts once.
    given::<Session>(vec![])
        .with_facts(facts)
        .when(extraordinary(asked_by(&[100, 100])).0)
        .then_error("EXTRAORDINARY_REQUEST_TOO_FEW");
    let (command, event) = extraordinary(asked_by(&[100, 101]));
    given::<Session>(vec![])
        .with_facts(facts)
        .when(command)
        .then_events(vec![event]);
    // A commune not called to sit cannot ask.
    given::<Session>(vec![])
        .with_facts(facts)
        .when(extraordinary(asked_by(&[100, 999])).0)
        .then_error("NOT_ELIGIBLE_TO_VOTE");
    // Without grounds, or with blank ones, refused; an ordinary session
    // is held by the statutes, at no one's request.
    given::<Session>(vec![])
        .with_facts(facts)
        .when(extraordinary(None).0)
        .then_error("EXTRAORDINARY_GROUNDS_REQUIRED");
    let mut blank = asked_by(&[]);
    if let Some(r) = &mut blank {
        r.grounds = "  ".into();
    }
    given::<Session>(vec![])
        .with_facts(facts)
        .when(extraordinary(blank).0)
        .then_error("FIELD_REQUIRED");
    let mut ordinary = convene(d(2024, 2, 1));
    if let SessionCommand::Convene { request, .. } = &mut ordinary {
        *request = asked_by(&[]);
    }
    given::<Session>(vec![])
        .with_facts(facts)
        .when(ordinary)
        .then_error("REQUEST_FOR_ORDINARY_SESSION");
}

/// The congress as the statutes' Conseil National: its own quorum (at
/// least two thirds) and majorities (more than half of the votes cast,
/// the chair deciding a tie; an exclusion by more than half of the members
/// present).
fn council(f: &mut crate::Facts) {
    facts(f);
    f.bodies.get_mut(&id(CONGRESS)).unwrap().statutory_body = Some(StatutoryBody::NationalCouncil);
}

#[test]
fn given_a_body_with_rules_of_its_own_when_it_opens_then_its_quorum_is_counted() {
    // Five members: more than half is 3, at least two thirds is 4.
    let three = vec![convened(), present(100), present(101), present(102)];
    given::<Session>(three.clone())
        .with_facts(facts)
        .when(open_cmd())
        .then_events(vec![
            QuorumReached {
                session_id: id(SESSION),
                count: count(3, 0),
                statutes_version: 1,
            }
            .into(),
            opened(false),
        ]);
    given::<Session>(three)
        .with_facts(council)
        .when(open_cmd())
        .then_events(vec![
            QuorumFailed {
                session_id: id(SESSION),
                count: QuorumCount {
                    required: 4,
                    ..count(3, 0)
                },
                statutes_version: 1,
            }
            .into(),
        ]);
}

#[test]
fn given_a_tie_when_the_statutes_give_the_chair_a_casting_vote_then_it_decides() {
    let mut tied = open_session();
    tied.push(tabled(MotionKind::Ordinary));
    tied.extend([
        voted(100, VoteChoice::For, None),
        voted(101, VoteChoice::Against, None),
    ]);
    let tally = Tally {
        votes_for: 1,
        votes_against: 1,
        abstentions: 0,
        absent: 3,
    };
    let rule = crate::statutory::majority_rule(
        &statutes(),
        Some(StatutoryBody::NationalCouncil),
        MotionKind::Ordinary,
    );
    // Without rules of its own the tie rejects; with them the chair decides.
    given::<Session>(tied.clone())
        .with_facts(facts)
        .when(close_vote())
        .then_events(vec![result(false, tally, Majority::Simple)]);
    given::<Session>(tied.clone())
        .with_facts(council)
        .when(close_vote())
        .then_error("CASTING_VOTE_REQUIRED");
    given::<Session>(tied.clone())
        .with_facts(council)
        .when(casting(Some(VoteChoice::Abstain)))
        .then_error("CASTING_VOTE_REQUIRED");
    given::<Session>(tied.clone())
        .with_facts(council)
        .when(casting(Some(VoteChoice::For)))
        .then_events(vec![ruled(true, tally, rule, 2, Some(VoteChoice::For))]);
    given::<Session>(tied.clone())
        .with_facts(council)
        .when(casting(Some(VoteChoice::Against)))
        .then_events(vec![ruled(
            false,
            tally,
            rule,
            2,
            Some(VoteChoice::Against),
        )]);
    // No tie, no casting vote.
    tied.push(voted(102, VoteChoice::For, None));
    given::<Session>(tied)
        .with_facts(council)
        .when(casting(Some(VoteChoice::For)))
        .then_error("CASTING_VOTE_WITHOUT_TIE");
}
