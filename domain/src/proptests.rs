//! Property tests: for random command sequences, the state the decisions
//! saw equals the fold of the accepted events, and accepted commands never
//! break an invariant (seats, single admission, one vote per eligible member).

use proptest::prelude::*;
use registre_schema::DomainEvent;
use registre_schema::events::{
    BodyEstablished, BodyKind, BodyLevel, MandateEndReason, MotionKind, PostDefined,
    SessionConvened, SessionKind, TerritorialLevel, VoteChoice,
};

use crate::body::{Body, BodyCommand};
use crate::context::UnitFact;
use crate::member::{Member, MemberCommand};
use crate::session::{Session, SessionCommand};
use crate::testing::*;
use crate::{Aggregate, Context};

/// Runs commands through decide/evolve; returns the accepted events and the
/// incrementally evolved state.
fn run<A: Aggregate<Event = DomainEvent>>(
    history: Vec<DomainEvent>,
    commands: &[A::Command],
    ctx: &Context,
) -> (Vec<DomainEvent>, A::State) {
    let mut state = A::fold(history.iter());
    let mut log = history;
    for c in commands {
        if let Ok(events) = A::decide(&state, c, ctx) {
            for e in events {
                state = A::evolve(state, &e);
                log.push(e);
            }
        }
    }
    (log, state)
}

fn choice() -> impl Strategy<Value = VoteChoice> {
    prop_oneof![
        Just(VoteChoice::For),
        Just(VoteChoice::Against),
        Just(VoteChoice::Abstain)
    ]
}

fn session_command() -> impl Strategy<Value = SessionCommand> {
    let s = id(1);
    prop_oneof![
        (100u128..108).prop_map(move |m| SessionCommand::RecordAttendance {
            session_id: s,
            member_id: id(m),
            delegate_name: "d".into(),
        }),
        (100u128..108, 100u128..108).prop_map(move |(g, h)| SessionCommand::RegisterProxy {
            session_id: s,
            grantor_member_id: id(g),
            holder_member_id: id(h),
        }),
        Just(SessionCommand::Open {
            session_id: s,
            opened_at: at(2024, 3, 1),
        }),
        (0u128..2).prop_map(move |k| SessionCommand::TableMotion {
            session_id: s,
            motion_id: id(10 + k),
            agenda_item: 0,
            kind: MotionKind::Ordinary,
            title: "t".into(),
            text: "".into(),
            subject_member_id: None,
        }),
        (
            0u128..2,
            100u128..108,
            choice(),
            proptest::option::of(100u128..108)
        )
            .prop_map(move |(k, m, c, h)| SessionCommand::RecordVote {
                session_id: s,
                motion_id: id(10 + k),
                member_id: id(m),
                choice: c,
                proxy_holder_member_id: h.map(id),
            }),
        (0u128..2, proptest::option::of(choice())).prop_map(move |(k, casting_vote)| {
            SessionCommand::CloseVote {
                session_id: s,
                motion_id: id(10 + k),
                casting_vote,
            }
        }),
        Just(SessionCommand::Close {
            session_id: s,
            closed_at: at(2024, 3, 1),
        }),
    ]
}

fn convened() -> DomainEvent {
    SessionConvened {
        session_id: id(1),
        body_id: id(2),
        convened_by_body_id: id(2),
        kind: SessionKind::Ordinary,
        convened_on: d(2024, 2, 1),
        session_date: d(2024, 3, 1),
        place: "Bamako".into(),
        agenda: vec!["a".into()],
        // 100..106 eligible; 106 and 107 are not.
        eligible_member_ids: (100..106).map(id).collect(),
        second_convocation_of: None,
        request: None,
        statutes_version: 1,
    }
    .into()
}

fn body_command() -> impl Strategy<Value = BodyCommand> {
    prop_oneof![
        (0u128..8, 100u128..104, 2020i32..2032).prop_map(|(m, member, y)| {
            BodyCommand::ElectOfficer {
                body_id: id(1),
                post_id: id(2),
                mandate_id: id(20 + m),
                member_id: id(member),
                holder_name: "h".into(),
                session_id: None,
                starts_on: d(y, 1, 1),
            }
        }),
        (0u128..8, 2020i32..2035).prop_map(|(m, y)| BodyCommand::EndMandate {
            body_id: id(1),
            post_id: id(2),
            mandate_id: id(20 + m),
            ended_on: d(y, 6, 1),
            reason: MandateEndReason::Resignation,
        }),
    ]
}

fn member_command() -> impl Strategy<Value = MemberCommand> {
    let unit = |n: u8| key(&format!("ML0101{n:02}"));
    prop_oneof![
        (0u8..3).prop_map(move |n| MemberCommand::Admit {
            unit: unit(n),
            name: "c".into(),
            keep_different_name: true,
            dues_category: "rurale".into(),
            admitted_on: d(2024, 1, 1),
            deliberation_ref: "d".into(),
            decision_ref: "b".into(),
        }),
        (0u8..3).prop_map(move |n| MemberCommand::Withdraw {
            member_id: crate::streams::member_id_for(&unit(n)),
            effective_on: d(2024, 1, 1),
            reason: "r".into(),
        }),
        (0u8..3).prop_map(move |n| MemberCommand::Suspend {
            member_id: crate::streams::member_id_for(&unit(n)),
            effective_on: d(2024, 1, 1),
            reason: "r".into(),
        }),
    ]
}

proptest! {
    #[test]
    fn sessions_fold_to_the_decided_state_and_each_member_votes_once(
        commands in proptest::collection::vec(session_command(), 0..80)
    ) {
        let (log, state) = run::<Session>(vec![convened()], &commands, &ctx());
        prop_assert_eq!(&Session::fold(log.iter()), &state);
        let s = state.unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for e in &log {
            if let DomainEvent::VoteRecorded(v) = e {
                prop_assert!(s.eligible.contains(&v.member_id));
                prop_assert!(seen.insert((v.motion_id, v.member_id)), "two votes");
            }
        }
        for holder in s.proxies.values() {
            let held = s.proxies.values().filter(|h| *h == holder).count();
            prop_assert!(held <= statutes().proxy_cap_per_delegate as usize);
        }
    }

    #[test]
    fn posts_never_exceed_their_seats(
        commands in proptest::collection::vec(body_command(), 0..40)
    ) {
        let history = vec![
            BodyEstablished {
                body_id: id(1),
                name: "BEN".into(),
                kind: BodyKind::Organ,
                level: BodyLevel::National,
                territorial_unit: None,
                convened_by_body_id: None,
                parent_body_id: None,
                statutory_body: None,
            }
            .into(),
            PostDefined { body_id: id(1), post_id: id(2), title: "VP".into(), seats: 2 }.into(),
        ];
        let mut ctx = ctx();
        ctx.facts.eligible_members.extend((100..104).map(id));
        let (log, state) = run::<Body>(history, &commands, &ctx);
        prop_assert_eq!(&Body::fold(log.iter()), &state);
        let post = &state.unwrap().posts[&id(2)];
        for h in post.mandates.values() {
            prop_assert!(post.holders_on(h.starts_on) <= 2);
        }
    }

    #[test]
    fn a_commune_is_never_admitted_twice_while_a_member(
        commands in proptest::collection::vec(member_command(), 0..30)
    ) {
        let mut ctx = ctx();
        for n in 0..3u8 {
            ctx.facts.known_units.insert(
                key(&format!("ML0101{n:02}")),
                UnitFact { level: TerritorialLevel::Commune, name: "c".into() },
            );
        }
        // Every command goes to its own stream, as the handler routes them.
        let mut streams: std::collections::BTreeMap<uuid::Uuid, Vec<MemberCommand>> =
            Default::default();
        for c in commands {
            streams.entry(c.member_id()).or_default().push(c);
        }
        for (_, cs) in streams {
            let (log, state) = run::<Member>(vec![], &cs, &ctx);
            prop_assert_eq!(&Member::fold(log.iter()), &state);
            let mut member = false;
            for e in &log {
                match e {
                    DomainEvent::CommuneAdmitted(_) => {
                        prop_assert!(!member, "admitted twice");
                        member = true;
                    }
                    DomainEvent::MemberWithdrew(_) => member = false,
                    _ => {}
                }
            }
        }
    }
}
