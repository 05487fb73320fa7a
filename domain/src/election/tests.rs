//! Elections: given a bureau and a session of the Congrès that elects it,
//! when candidacies are filed and rounds counted, then the result.

use registre_schema::events::{
    BodyEstablished, BodyKind, BodyLevel, PostDefined, StatutoryBody, TerritorialUnitKey,
};

use super::*;
use crate::body::{Body, BodyCommand};
use crate::context::{MotionFact, SessionFact};
use crate::testing::*;

const BUREAU: u128 = 1;
const PRESIDENT: u128 = 2;
const VICE_PRESIDENT: u128 = 3;
const CONGRESS: u128 = 40;
const CONFERENCE: u128 = 41;
const SESSION: u128 = 50;
const ELECTION: u128 = 60;

fn bureau(statutory_body: StatutoryBody, unit: Option<TerritorialUnitKey>) -> Vec<DomainEvent> {
    let level = match statutory_body {
        StatutoryBody::RegionalBureau => BodyLevel::Regional,
        _ => BodyLevel::National,
    };
    let post = |post_id, title: &str, seats| {
        PostDefined {
            body_id: id(BUREAU),
            post_id: id(post_id),
            title: title.into(),
            seats,
        }
        .into()
    };
    vec![
        BodyEstablished {
            body_id: id(BUREAU),
            name: "Bureau".into(),
            kind: BodyKind::Organ,
            level,
            territorial_unit: unit,
            convened_by_body_id: None,
            parent_body_id: None,
            statutory_body: Some(statutory_body),
        }
        .into(),
        post(PRESIDENT, "Président", 1),
        post(VICE_PRESIDENT, "Vice-président", 3),
    ]
}

fn ben() -> Vec<DomainEvent> {
    bureau(StatutoryBody::NationalBureau, None)
}

fn body_fact(
    body_id: u128,
    statutory_body: StatutoryBody,
    unit: Option<TerritorialUnitKey>,
) -> BodyFact {
    BodyFact {
        body_id: id(body_id),
        convened_by_body_id: None,
        statutory_body: Some(statutory_body),
        territorial_unit: unit,
    }
}

/// The Congrès and a Conférence Régionale are known; session 50, of the
/// Congrès, is in progress with 300 members present or represented;
/// members 100 to 104 may stand.
fn congress_sitting(f: &mut crate::Facts) {
    f.bodies.insert(
        id(CONGRESS),
        body_fact(CONGRESS, StatutoryBody::Congress, None),
    );
    f.bodies.insert(
        id(CONFERENCE),
        body_fact(
            CONFERENCE,
            StatutoryBody::RegionalConference,
            Some(key("ML01")),
        ),
    );
    f.sessions.insert(id(SESSION), session(CONGRESS, true));
    f.eligible_members.extend((100..=104).map(id));
}

fn session(body: u128, open: bool) -> SessionFact {
    SessionFact {
        session_id: id(SESSION),
        body_id: id(body),
        session_date: d(2024, 3, 1),
        quorum_failed: false,
        convened_again: None,
        open,
        closed: !open,
        voters: 300,
    }
}

fn open_election(post: u128, seats: u32) -> BodyCommand {
    BodyCommand::OpenElection {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        post_id: id(post),
        session_id: id(SESSION),
        seats,
        motion_id: None,
    }
}

fn opened(post: u128, seats: u32) -> DomainEvent {
    ElectionOpened {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        post_id: id(post),
        session_id: id(SESSION),
        seats,
        held_on: d(2024, 3, 1),
        motion_id: None,
    }
    .into()
}

fn stand(member: u128) -> BodyCommand {
    BodyCommand::FileCandidacy {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        member_id: id(member),
        holder_name: format!("Maire {member}"),
    }
}

fn stood(member: u128) -> DomainEvent {
    CandidacyFiled {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        member_id: id(member),
        holder_name: format!("Maire {member}"),
    }
    .into()
}

fn count(ballots: u32, votes: &[(u128, u32)]) -> BodyCommand {
    BodyCommand::CountElectionRound {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        count: Count {
            ballots,
            blank: 0,
            spoilt: 0,
            votes: tally(votes),
        },
    }
}

fn tally(votes: &[(u128, u32)]) -> Vec<CandidateVotes> {
    votes
        .iter()
        .map(|(m, v)| CandidateVotes {
            member_id: id(*m),
            votes: *v,
        })
        .collect()
}

fn counted(
    round: u32,
    majority: ElectionMajority,
    ballots: u32,
    votes: &[(u128, u32)],
    elected: &[u128],
) -> DomainEvent {
    let mut votes = tally(votes);
    votes.sort_by_key(|c| c.member_id);
    ElectionRoundCounted {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        round,
        majority,
        ballots,
        blank: 0,
        spoilt: 0,
        votes,
        elected: elected.iter().map(|m| id(*m)).collect(),
        statutes_version: 1,
    }
    .into()
}

/// The mandate the election gives `member`, on the post `post`.
fn mandate(post: u128, member: u128) -> Vec<DomainEvent> {
    let mandate_id = Uuid::new_v5(&id(ELECTION), id(member).as_bytes());
    vec![
        OfficerElected {
            body_id: id(BUREAU),
            post_id: id(post),
            mandate_id,
            member_id: id(member),
            holder_name: format!("Maire {member}"),
            session_id: Some(id(SESSION)),
            statutes_version: 1,
        }
        .into(),
        MandateStarted {
            body_id: id(BUREAU),
            post_id: id(post),
            mandate_id,
            starts_on: d(2024, 3, 1),
            ends_on: d(2029, 3, 1),
        }
        .into(),
    ]
}

fn with(
    mut history: Vec<DomainEvent>,
    more: impl IntoIterator<Item = DomainEvent>,
) -> Vec<DomainEvent> {
    history.extend(more);
    history
}

#[test]
fn given_the_congress_in_session_when_an_election_to_the_bureau_opens_then_it_fills_vacant_seats() {
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .when(open_election(PRESIDENT, 1))
        .then_events(vec![opened(PRESIDENT, 1)]);
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .when(open_election(PRESIDENT, 2))
        .then_error("ELECTION_SEATS");
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .when(open_election(99, 1))
        .then_error("UNKNOWN_POST");
    // A second election may not take the seats the first is to fill.
    given::<Body>(with(ben(), [opened(PRESIDENT, 1)]))
        .with_facts(congress_sitting)
        .when(BodyCommand::OpenElection {
            body_id: id(BUREAU),
            election_id: id(61),
            post_id: id(PRESIDENT),
            session_id: id(SESSION),
            seats: 1,
            motion_id: None,
        })
        .then_error("POST_FULL");
}

#[test]
fn given_an_election_whose_session_ended_unfinished_when_another_opens_then_it_lapsed() {
    // Opened in session 50, one candidate, never counted: session 50 is
    // over when session 51 of the Congrès sits.
    let history = with(ben(), [opened(PRESIDENT, 1), stood(100)]);
    let next = BodyCommand::OpenElection {
        body_id: id(BUREAU),
        election_id: id(61),
        post_id: id(PRESIDENT),
        session_id: id(51),
        seats: 1,
        motion_id: None,
    };
    let later = |f: &mut crate::Facts| {
        congress_sitting(f);
        f.sessions.insert(id(SESSION), session(CONGRESS, false));
        f.sessions.insert(
            id(51),
            SessionFact {
                session_id: id(51),
                ..session(CONGRESS, true)
            },
        );
    };
    given::<Body>(history.clone())
        .with_facts(later)
        .when(next)
        .then_events(vec![
            ElectionOpened {
                body_id: id(BUREAU),
                election_id: id(61),
                post_id: id(PRESIDENT),
                session_id: id(51),
                seats: 1,
                held_on: d(2024, 3, 1),
                motion_id: None,
            }
            .into(),
        ]);
    // While session 50 sits, its election holds the seat, and its
    // candidate may not be designated to the post beside it.
    given::<Body>(history)
        .with_facts(congress_sitting)
        .when(BodyCommand::ElectOfficer {
            body_id: id(BUREAU),
            post_id: id(PRESIDENT),
            mandate_id: id(70),
            member_id: id(100),
            holder_name: "Maire 100".into(),
            session_id: None,
            starts_on: d(2024, 3, 1),
        })
        .then_error("ALREADY_CANDIDATE");
}

#[test]
fn given_a_session_that_may_not_elect_when_an_election_opens_then_refused() {
    given::<Body>(ben())
        .when(open_election(PRESIDENT, 1))
        .then_error("UNKNOWN_SESSION");
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONGRESS, false));
        })
        .when(open_election(PRESIDENT, 1))
        .then_error("SESSION_NOT_OPEN");
    // A Conférence Régionale does not elect the Bureau Exécutif National.
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONFERENCE, true));
        })
        .when(open_election(PRESIDENT, 1))
        .then_error("NOT_COMPETENT_TO_ELECT");
    // It elects the bureau of its own region, and only that one.
    let regional = |unit| bureau(StatutoryBody::RegionalBureau, Some(key(unit)));
    given::<Body>(regional("ML01"))
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONFERENCE, true));
        })
        .when(open_election(PRESIDENT, 1))
        .then_events(vec![opened(PRESIDENT, 1)]);
    given::<Body>(regional("ML02"))
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONFERENCE, true));
        })
        .when(open_election(PRESIDENT, 1))
        .then_error("NOT_COMPETENT_TO_ELECT");
}

#[test]
fn given_an_open_election_when_communes_stand_then_each_eligible_one_stands_once() {
    let open = with(ben(), [opened(PRESIDENT, 1)]);
    given::<Body>(open.clone())
        .with_facts(congress_sitting)
        .when(stand(100))
        .then_events(vec![stood(100)]);
    given::<Body>(with(open.clone(), [stood(100)]))
        .with_facts(congress_sitting)
        .when(stand(100))
        .then_error("ALREADY_CANDIDATE");
    given::<Body>(open.clone())
        .with_facts(congress_sitting)
        .when(stand(200))
        .then_error("NOT_ELIGIBLE_TO_STAND");
    given::<Body>(open.clone())
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.outside_territory.insert(id(100));
        })
        .when(stand(100))
        .then_error("OUTSIDE_BODY_TERRITORY");
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .when(stand(100))
        .then_error("UNKNOWN_ELECTION");
    // Once a round is counted, the list is closed.
    let round = counted(1, ElectionMajority::Absolute, 10, &[(100, 4)], &[]);
    given::<Body>(with(open, [stood(100), round]))
        .with_facts(congress_sitting)
        .when(stand(101))
        .then_error("CANDIDACIES_CLOSED");
}

#[test]
fn given_a_commune_with_another_post_when_it_stands_then_the_statutes_say_whether_it_may() {
    let mut history = with(ben(), [opened(VICE_PRESIDENT, 1), stood(100)]);
    history.push(counted(
        1,
        ElectionMajority::Absolute,
        10,
        &[(100, 8)],
        &[100],
    ));
    history.extend(mandate(VICE_PRESIDENT, 100));
    let president = |election| BodyCommand::FileCandidacy {
        body_id: id(BUREAU),
        election_id: id(election),
        member_id: id(100),
        holder_name: "Maire 100".into(),
    };
    let opened_president = ElectionOpened {
        election_id: id(61),
        ..match opened(PRESIDENT, 1) {
            DomainEvent::ElectionOpened(e) => e,
            _ => unreachable!(),
        }
    };
    history.push(opened_president.into());
    given::<Body>(history.clone())
        .with_facts(congress_sitting)
        .when(president(61))
        .then_error("SEVERAL_POSTS_NOT_ALLOWED");
    let mut several = crate::testing::statutes();
    several.elections.several_posts = true;
    given::<Body>(history)
        .with_facts(congress_sitting)
        .with_ctx(|c| c.statutes = Some(several))
        .when(president(61))
        .then_events(vec![
            CandidacyFiled {
                election_id: id(61),
                ..match stood(100) {
                    DomainEvent::CandidacyFiled(e) => e,
                    _ => unreachable!(),
                }
            }
            .into(),
        ]);
}

#[test]
fn given_three_candidates_when_no_one_has_an_absolute_majority_then_a_second_round_elects_the_first_placed()
 {
    let candidates = with(
        ben(),
        [opened(PRESIDENT, 1), stood(100), stood(101), stood(102)],
    );
    let first = [(100, 140), (101, 100), (102, 60)];
    let first_round = counted(1, ElectionMajority::Absolute, 300, &first, &[]);
    given::<Body>(candidates.clone())
        .with_facts(congress_sitting)
        .when(count(300, &first))
        .then_events(vec![first_round.clone()]);
    let second = [(100, 150), (101, 130), (102, 20)];
    let mut result = vec![counted(2, ElectionMajority::Relative, 300, &second, &[100])];
    result.extend(mandate(PRESIDENT, 100));
    let after_first = with(candidates, [first_round]);
    given::<Body>(after_first.clone())
        .with_facts(congress_sitting)
        .when(count(300, &second))
        .then_events(result.clone());
    // The seat is filled: no round follows.
    given::<Body>(with(after_first, result))
        .with_facts(congress_sitting)
        .when(count(300, &second))
        .then_error("ELECTION_COMPLETE");
}

#[test]
fn given_a_first_round_when_a_candidate_has_more_than_half_of_the_valid_ballots_then_elected() {
    let candidates = with(ben(), [opened(PRESIDENT, 1), stood(100), stood(101)]);
    // Blank and spoilt ballots are not valid ones: 136 of 270 valid
    // ballots is a majority, though not of the 295 cast.
    let mut result = vec![counted(
        1,
        ElectionMajority::Absolute,
        270,
        &[(100, 136), (101, 134)],
        &[100],
    )];
    if let DomainEvent::ElectionRoundCounted(e) = &mut result[0] {
        (e.blank, e.spoilt) = (20, 5);
    }
    result.extend(mandate(PRESIDENT, 100));
    let mut command = count(270, &[(100, 136), (101, 134)]);
    if let BodyCommand::CountElectionRound { count, .. } = &mut command {
        (count.blank, count.spoilt) = (20, 5);
    }
    given::<Body>(candidates.clone())
        .with_facts(congress_sitting)
        .when(command)
        .then_events(result);
    // Exactly half is no majority.
    given::<Body>(candidates)
        .with_facts(congress_sitting)
        .when(count(300, &[(100, 150), (101, 150)]))
        .then_events(vec![counted(
            1,
            ElectionMajority::Absolute,
            300,
            &[(100, 150), (101, 150)],
            &[],
        )]);
}

#[test]
fn given_a_tie_for_the_last_seat_when_counted_then_neither_is_elected_and_another_round_follows() {
    let mut history = with(ben(), [opened(VICE_PRESIDENT, 2)]);
    history.extend([stood(100), stood(101), stood(102)]);
    history.push(counted(
        1,
        ElectionMajority::Absolute,
        300,
        &[(100, 120), (101, 90), (102, 90)],
        &[],
    ));
    let tie = [(100, 160), (101, 120), (102, 120)];
    let mut result = vec![counted(2, ElectionMajority::Relative, 300, &tie, &[100])];
    result.extend(mandate(VICE_PRESIDENT, 100));
    given::<Body>(history.clone())
        .with_facts(congress_sitting)
        .when(count(300, &tie))
        .then_events(result.clone());
    // The third round is between those still standing.
    let third = [(101, 170), (102, 130)];
    let mut decided = vec![counted(3, ElectionMajority::Relative, 300, &third, &[101])];
    decided.extend(mandate(VICE_PRESIDENT, 101));
    given::<Body>(with(history.clone(), result.clone()))
        .with_facts(congress_sitting)
        .when(count(300, &third))
        .then_events(decided);
    given::<Body>(with(history, result))
        .with_facts(congress_sitting)
        .when(count(300, &[(100, 10)]))
        .then_error("NOT_A_CANDIDATE");
}

#[test]
fn given_a_count_the_tellers_could_not_have_made_when_recorded_then_refused() {
    let candidates = with(ben(), [opened(PRESIDENT, 1), stood(100), stood(101)]);
    let refused = |command, code| {
        given::<Body>(candidates.clone())
            .with_facts(congress_sitting)
            .when(command)
            .then_error(code)
    };
    refused(count(301, &[(100, 200)]), "TOO_MANY_BALLOTS");
    refused(count(0, &[]), "INVALID_ELECTION_TALLY");
    refused(count(100, &[(100, 101)]), "INVALID_ELECTION_TALLY");
    refused(
        count(100, &[(100, 60), (101, 60)]),
        "INVALID_ELECTION_TALLY",
    );
    refused(
        count(100, &[(100, 10), (100, 10)]),
        "INVALID_ELECTION_TALLY",
    );
    refused(count(100, &[(103, 10)]), "NOT_A_CANDIDATE");
    given::<Body>(with(ben(), [opened(PRESIDENT, 1)]))
        .with_facts(congress_sitting)
        .when(count(100, &[]))
        .then_error("NO_CANDIDATES");
    given::<Body>(candidates.clone())
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONGRESS, false));
        })
        .when(count(100, &[(100, 60)]))
        .then_error("SESSION_NOT_OPEN");
}

#[test]
fn given_statutes_with_two_absolute_rounds_when_the_second_is_counted_then_it_needs_a_majority_too()
{
    let mut two = crate::testing::statutes();
    two.elections.absolute_majority_rounds = 2;
    let first = counted(
        1,
        ElectionMajority::Absolute,
        300,
        &[(100, 140), (101, 160)],
        &[],
    );
    // 160 of 300 would have been a majority: this count has 140 of 300.
    let history = with(ben(), [opened(PRESIDENT, 1), stood(100), stood(101), first]);
    let second = [(100, 140), (101, 130)];
    given::<Body>(history)
        .with_facts(congress_sitting)
        .with_ctx(|c| c.statutes = Some(two))
        .when(count(300, &second))
        .then_events(vec![counted(
            2,
            ElectionMajority::Absolute,
            300,
            &second,
            &[],
        )]);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The elected are never more than the vacant seats, each has more
        /// votes than every candidate not elected, and under an absolute
        /// majority each has more than half of the valid ballots.
        #[test]
        fn the_elected_are_the_best_placed_within_the_seats(
            votes in proptest::collection::vec(0u32..50, 1..8),
            vacant in 1u32..4,
            absolute in any::<bool>(),
        ) {
            let ballots = votes.iter().copied().max().unwrap_or(0).max(1) + 5;
            let votes: Vec<CandidateVotes> = votes
                .iter()
                .enumerate()
                .map(|(i, v)| CandidateVotes { member_id: id(i as u128), votes: *v })
                .collect();
            let majority = if absolute { ElectionMajority::Absolute } else { ElectionMajority::Relative };
            let elected = winners(&votes, ballots, vacant, majority);
            prop_assert!(elected.len() <= vacant as usize);
            let of = |m: &Uuid| votes.iter().find(|c| c.member_id == *m).unwrap().votes;
            for m in &elected {
                prop_assert!(of(m) > 0);
                if absolute {
                    prop_assert!(u64::from(of(m)) * 2 > u64::from(ballots));
                }
                for other in votes.iter().filter(|c| !elected.contains(&c.member_id)) {
                    prop_assert!(of(m) > other.votes);
                }
            }
        }
    }
}

#[test]
fn given_an_election_under_way_when_a_commune_is_designated_then_it_takes_only_a_seat_left_over() {
    // Two of the three vice-presidents' seats are to be elected.
    let history = with(ben(), [opened(VICE_PRESIDENT, 2)]);
    let designate = |member: u128, mandate: u128| BodyCommand::ElectOfficer {
        body_id: id(BUREAU),
        post_id: id(VICE_PRESIDENT),
        mandate_id: id(mandate),
        member_id: id(member),
        holder_name: format!("Maire {member}"),
        session_id: None,
        starts_on: d(2024, 3, 1),
    };
    let designated = |member: u128, mandate: u128| -> Vec<DomainEvent> {
        vec![
            OfficerElected {
                body_id: id(BUREAU),
                post_id: id(VICE_PRESIDENT),
                mandate_id: id(mandate),
                member_id: id(member),
                holder_name: format!("Maire {member}"),
                session_id: None,
                statutes_version: 1,
            }
            .into(),
            MandateStarted {
                body_id: id(BUREAU),
                post_id: id(VICE_PRESIDENT),
                mandate_id: id(mandate),
                starts_on: d(2024, 3, 1),
                ends_on: d(2029, 3, 1),
            }
            .into(),
        ]
    };
    // The third seat is free,
    let first = given::<Body>(history.clone())
        .with_facts(congress_sitting)
        .when(designate(103, 70))
        .then_events(designated(103, 70));
    // but the two the election is to fill are not;
    given::<Body>(with(history, first.clone()))
        .with_facts(congress_sitting)
        .when(designate(104, 71))
        .then_error("POST_FULL");
    // once its session is over unfinished, they are.
    given::<Body>(with(with(ben(), [opened(VICE_PRESIDENT, 2)]), first))
        .with_facts(congress_sitting)
        .with_facts(|f| {
            f.sessions.insert(id(SESSION), session(CONGRESS, false));
        })
        .when(designate(104, 71))
        .then_events(designated(104, 71));
}

#[test]
fn given_an_election_motion_the_session_adopted_when_the_election_cites_it_then_it_records_it() {
    let motion = |kind: MotionKind, body: u128, adopted: bool| {
        move |f: &mut crate::Facts| {
            congress_sitting(f);
            f.motions.insert(
                id(80),
                MotionFact {
                    motion_id: id(80),
                    body_id: id(body),
                    national_instance: true,
                    kind,
                    subject_member_id: None,
                    adopted,
                    decided_on: d(2024, 3, 1),
                    applied: false,
                },
            );
        }
    };
    let citing = BodyCommand::OpenElection {
        body_id: id(BUREAU),
        election_id: id(ELECTION),
        post_id: id(PRESIDENT),
        session_id: id(SESSION),
        seats: 1,
        motion_id: Some(id(80)),
    };
    given::<Body>(ben())
        .with_facts(motion(MotionKind::Election, CONGRESS, true))
        .when(citing.clone())
        .then_events(vec![
            ElectionOpened {
                motion_id: Some(id(80)),
                ..match opened(PRESIDENT, 1) {
                    DomainEvent::ElectionOpened(e) => e,
                    _ => unreachable!(),
                }
            }
            .into(),
        ]);
    // Not an election motion, not of the session's body, not adopted, or
    // unknown: refused, each for its reason.
    for (facts, code) in [
        (
            motion(MotionKind::Ordinary, CONGRESS, true),
            "MOTION_OF_ANOTHER_KIND",
        ),
        (
            motion(MotionKind::Election, CONFERENCE, true),
            "MOTION_OF_ANOTHER_BODY",
        ),
        (
            motion(MotionKind::Election, CONGRESS, false),
            "MOTION_NOT_ADOPTED",
        ),
    ] {
        given::<Body>(ben())
            .with_facts(facts)
            .when(citing.clone())
            .then_error(code);
    }
    given::<Body>(ben())
        .with_facts(congress_sitting)
        .when(citing)
        .then_error("UNKNOWN_MOTION");
}
