//! The session's rules, given/when/then (the rules of a statutory body's
//! own in `statutory_tests.rs`).

use super::*;
use crate::context::{BodyFact, SessionFact};
use crate::testing::*;
use registre_schema::events::{Majority, MajorityRule};

pub(super) const SESSION: u128 = 1;
pub(super) const CONGRESS: u128 = 2;
const BEN: u128 = 3;
const MOTION: u128 = 4;

pub(super) fn members() -> Vec<Uuid> {
    (100..105).map(id).collect()
}

pub(super) fn facts(f: &mut crate::Facts) {
    f.bodies.insert(
        id(CONGRESS),
        BodyFact {
            body_id: id(CONGRESS),
            convened_by_body_id: Some(id(BEN)),
            statutory_body: None,
            territorial_unit: None,
        },
    );
    f.eligible_members.extend(members());
}

/// The congress's convocation, as the command asks it and as the event
/// records it: the tests compare the two field by field.
pub(super) fn convocation(
    convened_on: NaiveDate,
    session_date: NaiveDate,
    second_convocation_of: Option<Uuid>,
) -> (SessionCommand, DomainEvent) {
    let command = SessionCommand::Convene {
        session_id: id(SESSION),
        body_id: id(CONGRESS),
        convened_by_body_id: id(BEN),
        kind: SessionKind::Ordinary,
        convened_on,
        session_date,
        place: "Bamako".into(),
        agenda: vec!["Rapport".into(), "Statuts".into()],
        second_convocation_of,
        request: None,
    };
    let event = SessionConvened {
        session_id: id(SESSION),
        body_id: id(CONGRESS),
        convened_by_body_id: id(BEN),
        kind: SessionKind::Ordinary,
        convened_on,
        session_date,
        place: "Bamako".into(),
        agenda: vec!["Rapport".into(), "Statuts".into()],
        eligible_member_ids: members(),
        second_convocation_of,
        request: None,
        statutes_version: 1,
    };
    (command, event.into())
}

pub(super) fn convene(convened_on: NaiveDate) -> SessionCommand {
    convocation(convened_on, d(2024, 3, 1), None).0
}

pub(super) fn convened_with(second: Option<Uuid>, date: NaiveDate) -> DomainEvent {
    convocation(d(2024, 2, 1), date, second).1
}

pub(super) fn convened() -> DomainEvent {
    convened_with(None, d(2024, 3, 1))
}

#[test]
fn convocation_freezes_the_eligible_list() {
    given::<Session>(vec![])
        .with_facts(facts)
        .when(convene(d(2024, 2, 1)))
        .then_events(vec![convened()]);
}

#[test]
fn convocation_needs_notice_an_entitled_body_and_an_agenda() {
    given::<Session>(vec![])
        .with_facts(facts)
        .when(convene(d(2024, 2, 20)))
        .then_error("NOTICE_TOO_SHORT");
    // Convened after the day it would sit: said so, not "-29 days' notice".
    given::<Session>(vec![])
        .with_facts(facts)
        .when(convene(d(2024, 3, 30)))
        .then_error("SESSION_BEFORE_CONVOCATION");
    let mut by_itself = convene(d(2024, 2, 1));
    if let SessionCommand::Convene {
        convened_by_body_id,
        ..
    } = &mut by_itself
    {
        *convened_by_body_id = id(CONGRESS);
    }
    given::<Session>(vec![])
        .with_facts(facts)
        .when(by_itself)
        .then_error("NOT_ENTITLED_TO_CONVENE");
    given::<Session>(vec![])
        .when(convene(d(2024, 2, 1)))
        .then_error("UNKNOWN_BODY");
    let mut empty = convene(d(2024, 2, 1));
    if let SessionCommand::Convene { agenda, .. } = &mut empty {
        agenda.clear();
    }
    given::<Session>(vec![])
        .with_facts(facts)
        .when(empty)
        .then_error("EMPTY_AGENDA");
    given::<Session>(vec![convened()])
        .with_facts(facts)
        .when(convene(d(2024, 2, 1)))
        .then_error("SESSION_ALREADY_CONVENED");
}

pub(super) fn second(date: NaiveDate) -> SessionCommand {
    convocation(d(2024, 2, 1), date, Some(id(90))).0
}

pub(super) fn first_session(failed: bool) -> impl FnOnce(&mut crate::Facts) {
    move |f| {
        facts(f);
        f.sessions.insert(
            id(90),
            SessionFact {
                session_id: id(90),
                body_id: id(CONGRESS),
                session_date: d(2024, 2, 20),
                quorum_failed: failed,
                convened_again: None,
                open: false,
                closed: false,
                voters: 0,
            },
        );
    }
}

#[test]
fn a_second_convocation_follows_a_failed_quorum_after_the_delay() {
    given::<Session>(vec![])
        .with_facts(first_session(true))
        .when(second(d(2024, 3, 6)))
        .then_events(vec![convened_with(Some(id(90)), d(2024, 3, 6))]);
    given::<Session>(vec![])
        .with_facts(first_session(true))
        .when(second(d(2024, 3, 1)))
        .then_error("SECOND_CONVOCATION_TOO_EARLY");
    given::<Session>(vec![])
        .with_facts(first_session(false))
        .when(second(d(2024, 3, 6)))
        .then_error("NOT_A_FAILED_SESSION");
}

#[test]
fn a_failed_session_is_convened_a_second_time_once() {
    let again = |f: &mut crate::Facts| {
        first_session(true)(f);
        f.sessions.get_mut(&id(90)).unwrap().convened_again = Some(id(91));
    };
    given::<Session>(vec![])
        .with_facts(again)
        .when(second(d(2024, 3, 6)))
        .then_error("ALREADY_CONVENED_AGAIN");
}

pub(super) fn present(n: u128) -> DomainEvent {
    AttendanceRecorded {
        session_id: id(SESSION),
        member_id: id(n),
        delegate_name: format!("Maire {n}"),
    }
    .into()
}

pub(super) fn proxy(grantor: u128, holder: u128) -> DomainEvent {
    ProxyRegistered {
        session_id: id(SESSION),
        grantor_member_id: id(grantor),
        holder_member_id: id(holder),
        statutes_version: 1,
    }
    .into()
}

#[test]
fn attendance_of_eligible_members_once() {
    let attend = |n: u128| SessionCommand::RecordAttendance {
        session_id: id(SESSION),
        member_id: id(n),
        delegate_name: format!("Maire {n}"),
    };
    given::<Session>(vec![convened()])
        .when(attend(100))
        .then_events(vec![present(100)]);
    given::<Session>(vec![convened(), present(100)])
        .when(attend(100))
        .then_error("ALREADY_PRESENT");
    given::<Session>(vec![convened()])
        .when(attend(999))
        .then_error("NOT_ELIGIBLE_TO_VOTE");
    given::<Session>(vec![convened()])
        .with_facts(|f| {
            f.outside_territory.insert(id(999));
        })
        .when(attend(999))
        .then_error("OUTSIDE_BODY_TERRITORY");
    given::<Session>(vec![])
        .when(attend(100))
        .then_error("UNKNOWN_SESSION");
}

#[test]
fn proxies_are_capped_and_not_passed_on() {
    let register = |g: u128, h: u128| SessionCommand::RegisterProxy {
        session_id: id(SESSION),
        grantor_member_id: id(g),
        holder_member_id: id(h),
    };
    given::<Session>(vec![convened()])
        .when(register(101, 100))
        .then_events(vec![proxy(101, 100)]);
    given::<Session>(vec![convened(), proxy(101, 100)])
        .when(register(102, 100))
        .then_error("PROXY_CAP_REACHED");
    given::<Session>(vec![convened(), proxy(101, 100)])
        .when(register(101, 102))
        .then_error("PROXY_ALREADY_REGISTERED");
    given::<Session>(vec![convened(), proxy(101, 100)])
        .when(register(100, 102))
        .then_error("INVALID_PROXY");
    given::<Session>(vec![convened()])
        .when(register(100, 100))
        .then_error("INVALID_PROXY");
    given::<Session>(vec![convened(), present(101)])
        .when(register(101, 100))
        .then_error("ALREADY_PRESENT");
    given::<Session>(vec![convened()])
        .when(register(999, 100))
        .then_error("NOT_ELIGIBLE_TO_VOTE");
}

pub(super) fn open_cmd() -> SessionCommand {
    SessionCommand::Open {
        session_id: id(SESSION),
        opened_at: at(2024, 3, 1),
    }
}

pub(super) fn count(present: u32, represented: u32) -> QuorumCount {
    QuorumCount {
        eligible: 5,
        present,
        represented,
        required: 3,
    }
}

pub(super) fn opened(without_quorum: bool) -> DomainEvent {
    SessionOpened {
        session_id: id(SESSION),
        opened_at: at(2024, 3, 1),
        without_quorum,
        statutes_version: 1,
    }
    .into()
}

#[test]
fn a_session_opens_with_quorum_counting_proxies() {
    given::<Session>(vec![
        convened(),
        present(100),
        present(101),
        proxy(102, 100),
    ])
    .when(open_cmd())
    .then_events(vec![
        QuorumReached {
            session_id: id(SESSION),
            count: count(2, 1),
            statutes_version: 1,
        }
        .into(),
        opened(false),
    ]);
}

#[test]
fn given_a_quorate_session_when_opened_at_a_time_outside_the_years_then_it_is_refused() {
    for opened_at in [at(10000, 1, 1), at(-1, 1, 1)] {
        given::<Session>(vec![convened(), present(100), present(101), present(102)])
            .when(SessionCommand::Open {
                session_id: id(SESSION),
                opened_at,
            })
            .then_error_naming("DATE_OUT_OF_RANGE", "opened_at");
    }
}

#[test]
fn without_quorum_a_first_convocation_fails_and_cannot_deliberate() {
    let history = vec![convened(), present(100), present(101)];
    let failed: DomainEvent = QuorumFailed {
        session_id: id(SESSION),
        count: count(2, 0),
        statutes_version: 1,
    }
    .into();
    given::<Session>(history.clone())
        .when(open_cmd())
        .then_events(vec![failed.clone()]);
    let mut after = history;
    after.push(failed);
    given::<Session>(after.clone())
        .when(open_cmd())
        .then_error("QUORUM_NOT_REACHED");
    given::<Session>(after)
        .when(SessionCommand::TableMotion {
            session_id: id(SESSION),
            motion_id: id(MOTION),
            agenda_item: 0,
            kind: MotionKind::Ordinary,
            title: "x".into(),
            text: "".into(),
            subject_member_id: None,
        })
        .then_error("QUORUM_NOT_REACHED");
}

#[test]
fn a_second_convocation_deliberates_without_quorum_if_the_statutes_allow() {
    let history = vec![convened_with(Some(id(90)), d(2024, 3, 1)), present(100)];
    let failed: DomainEvent = QuorumFailed {
        session_id: id(SESSION),
        count: count(1, 0),
        statutes_version: 1,
    }
    .into();
    given::<Session>(history.clone())
        .when(open_cmd())
        .then_events(vec![failed.clone(), opened(true)]);
    given::<Session>(history)
        .with_ctx(|c| {
            c.statutes
                .as_mut()
                .unwrap()
                .second_convocation
                .allowed_without_quorum = false
        })
        .when(open_cmd())
        .then_events(vec![failed]);
}

pub(super) fn tabled(kind: MotionKind) -> DomainEvent {
    MotionTabled {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        agenda_item: 1,
        kind,
        title: "Modification des statuts".into(),
        text: "…".into(),
        subject_member_id: None,
    }
    .into()
}

pub(super) fn open_session() -> Vec<DomainEvent> {
    vec![
        convened(),
        present(100),
        present(101),
        present(102),
        proxy(103, 100),
        QuorumReached {
            session_id: id(SESSION),
            count: count(3, 1),
            statutes_version: 1,
        }
        .into(),
        opened(false),
    ]
}

#[test]
fn motions_are_tabled_on_the_agenda_of_an_open_session() {
    let table = |item| SessionCommand::TableMotion {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        agenda_item: item,
        kind: MotionKind::StatuteAmendment,
        title: "Modification des statuts".into(),
        text: "…".into(),
        subject_member_id: None,
    };
    given::<Session>(open_session())
        .when(table(1))
        .then_events(vec![tabled(MotionKind::StatuteAmendment)]);
    given::<Session>(open_session())
        .when(table(2))
        .then_error("NOT_ON_AGENDA");
    given::<Session>(vec![convened()])
        .when(table(1))
        .then_error("SESSION_NOT_OPEN");
    let mut with_motion = open_session();
    with_motion.push(tabled(MotionKind::StatuteAmendment));
    given::<Session>(with_motion)
        .when(table(1))
        .then_error("MOTION_ALREADY_TABLED");
    // An exclusion names the member it concerns.
    let exclusion = |subject| SessionCommand::TableMotion {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        agenda_item: 1,
        kind: MotionKind::Exclusion,
        title: "Exclusion".into(),
        text: "…".into(),
        subject_member_id: subject,
    };
    given::<Session>(open_session())
        .when(exclusion(None))
        .then_error("EXCLUSION_WITHOUT_SUBJECT");
    given::<Session>(open_session())
        .when(exclusion(Some(id(103))))
        .then_events(vec![
            MotionTabled {
                session_id: id(SESSION),
                motion_id: id(MOTION),
                agenda_item: 1,
                kind: MotionKind::Exclusion,
                title: "Exclusion".into(),
                text: "…".into(),
                subject_member_id: Some(id(103)),
            }
            .into(),
        ]);
}

pub(super) fn vote(member: u128, choice: VoteChoice, holder: Option<u128>) -> SessionCommand {
    SessionCommand::RecordVote {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        member_id: id(member),
        choice,
        proxy_holder_member_id: holder.map(id),
    }
}

pub(super) fn voted(member: u128, choice: VoteChoice, holder: Option<u128>) -> DomainEvent {
    VoteRecorded {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        member_id: id(member),
        choice,
        proxy_holder_member_id: holder.map(id),
    }
    .into()
}

#[test]
fn each_eligible_member_votes_once_directly_or_by_proxy() {
    let mut h = open_session();
    h.push(tabled(MotionKind::Ordinary));
    given::<Session>(h.clone())
        .when(vote(100, VoteChoice::For, None))
        .then_events(vec![voted(100, VoteChoice::For, None)]);
    given::<Session>(h.clone())
        .when(vote(103, VoteChoice::For, Some(100)))
        .then_events(vec![voted(103, VoteChoice::For, Some(100))]);
    given::<Session>(h.clone())
        .when(vote(103, VoteChoice::For, Some(101)))
        .then_error("NO_SUCH_PROXY");
    given::<Session>(h.clone())
        .when(vote(104, VoteChoice::For, None))
        .then_error("NOT_PRESENT");
    given::<Session>(h.clone())
        .when(vote(999, VoteChoice::For, None))
        .then_error("NOT_ELIGIBLE_TO_VOTE");
    let mut voted_once = h.clone();
    voted_once.push(voted(100, VoteChoice::For, None));
    given::<Session>(voted_once)
        .when(vote(100, VoteChoice::Against, None))
        .then_error("ALREADY_VOTED");
    given::<Session>(open_session())
        .when(vote(100, VoteChoice::For, None))
        .then_error("UNKNOWN_MOTION");
}

/// A vote's result under one of the statutes' general majorities, whose
/// base is counted from the tally.
pub(super) fn result(adopted: bool, tally: Tally, majority: Majority) -> DomainEvent {
    let rule = crate::statutory::general(majority);
    ruled(
        adopted,
        tally,
        rule,
        base_count(rule.base, &tally, 5, 0),
        None,
    )
}

pub(super) fn ruled(
    adopted: bool,
    tally: Tally,
    rule: MajorityRule,
    base: u32,
    casting_vote: Option<VoteChoice>,
) -> DomainEvent {
    if adopted {
        MotionAdopted {
            session_id: id(SESSION),
            motion_id: id(MOTION),
            tally,
            rule,
            base,
            casting_vote,
            statutes_version: 1,
        }
        .into()
    } else {
        MotionRejected {
            session_id: id(SESSION),
            motion_id: id(MOTION),
            tally,
            rule,
            base,
            casting_vote,
            statutes_version: 1,
        }
        .into()
    }
}

pub(super) fn close_vote() -> SessionCommand {
    casting(None)
}

pub(super) fn casting(casting_vote: Option<VoteChoice>) -> SessionCommand {
    SessionCommand::CloseVote {
        session_id: id(SESSION),
        motion_id: id(MOTION),
        casting_vote,
    }
}

#[test]
fn the_statutes_set_the_majority_per_motion_kind() {
    // 2 for, 1 against: a simple majority, not two thirds.
    let votes = [
        voted(100, VoteChoice::For, None),
        voted(101, VoteChoice::For, None),
        voted(102, VoteChoice::Against, None),
    ];
    let tally = Tally {
        votes_for: 2,
        votes_against: 1,
        abstentions: 0,
        absent: 2,
    };
    let mut ordinary = open_session();
    ordinary.push(tabled(MotionKind::Ordinary));
    ordinary.extend(votes.clone());
    given::<Session>(ordinary)
        .when(close_vote())
        .then_events(vec![result(true, tally, Majority::Simple)]);
    let mut amendment = open_session();
    amendment.push(tabled(MotionKind::StatuteAmendment));
    amendment.extend(votes[..2].iter().cloned());
    amendment.push(voted(102, VoteChoice::Against, None));
    amendment.push(voted(103, VoteChoice::Against, Some(100)));
    given::<Session>(amendment)
        .when(close_vote())
        .then_events(vec![result(
            false,
            Tally {
                votes_against: 2,
                absent: 1,
                ..tally
            },
            Majority::TwoThirds,
        )]);
}

#[test]
fn majorities() {
    let t = |f, a, ab| Tally {
        votes_for: f,
        votes_against: a,
        abstentions: ab,
        absent: 0,
    };
    let meets = |m, t: &Tally| {
        let r = crate::statutory::general(m);
        outcome(r, t.votes_for, base_count(r.base, t, 0, 0)) == Outcome::Adopted
    };
    assert!(meets(Majority::Simple, &t(2, 1, 5)));
    assert!(!meets(Majority::Simple, &t(1, 1, 0)));
    assert!(!meets(Majority::Absolute, &t(2, 1, 5)));
    assert!(meets(Majority::Absolute, &t(5, 1, 3)));
    assert!(meets(Majority::TwoThirds, &t(2, 1, 0)));
    assert!(!meets(Majority::TwoThirds, &t(3, 2, 0)));
    assert!(!meets(Majority::TwoThirds, &t(0, 0, 3)));
    let general = quorum_rule(&statutes(), None);
    assert_eq!(quorum_required(general, 5), 3);
    assert_eq!(quorum_required(general, 4), 3);
    assert_eq!(quorum_required(general, 0), 1);
}

#[test]
fn closed_votes_and_sessions_take_nothing_more() {
    let mut h = open_session();
    h.push(tabled(MotionKind::Ordinary));
    given::<Session>(h.clone())
        .when(SessionCommand::Close {
            session_id: id(SESSION),
            closed_at: at(2024, 3, 1),
        })
        .then_error("MOTIONS_STILL_OPEN");
    let tally = Tally {
        votes_for: 0,
        votes_against: 0,
        abstentions: 0,
        absent: 5,
    };
    h.push(result(false, tally, Majority::Simple));
    given::<Session>(h.clone())
        .when(vote(100, VoteChoice::For, None))
        .then_error("VOTE_CLOSED");
    given::<Session>(h.clone())
        .when(close_vote())
        .then_error("VOTE_CLOSED");
    let closed: DomainEvent = SessionClosed {
        session_id: id(SESSION),
        closed_at: at(2024, 3, 1),
    }
    .into();
    given::<Session>(h.clone())
        .when(SessionCommand::Close {
            session_id: id(SESSION),
            closed_at: at(2024, 3, 1),
        })
        .then_events(vec![closed.clone()]);
    h.push(closed);
    given::<Session>(h.clone())
        .when(SessionCommand::RecordAttendance {
            session_id: id(SESSION),
            member_id: id(104),
            delegate_name: "x".into(),
        })
        .then_error("SESSION_ENDED");
    given::<Session>(h)
        .when(SessionCommand::Adjourn {
            session_id: id(SESSION),
            reason: "x".into(),
        })
        .then_error("SESSION_ENDED");
}

#[test]
fn adjournment() {
    given::<Session>(vec![convened()])
        .when(SessionCommand::Adjourn {
            session_id: id(SESSION),
            reason: "intempéries".into(),
        })
        .then_events(vec![
            SessionAdjourned {
                session_id: id(SESSION),
                reason: "intempéries".into(),
                statutes_version: 1,
            }
            .into(),
        ]);
    given::<Session>(vec![convened()])
        .when(SessionCommand::Adjourn {
            session_id: id(SESSION),
            reason: " ".into(),
        })
        .then_error("FIELD_REQUIRED");
}
