//! Given/when/then helpers: short builders of events in their streams, and
//! `given(events)` that records them at positions 1, 2, … (one minute
//! apart) and folds them into [`ReadModels`] through `apply`, so every test
//! also goes through decoding.

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::events::*;
use registre_schema::{Actor, DomainEvent, RecordedEvent, Role, StreamId};
use uuid::Uuid;

use crate::{ReadModel, ReadModels};

#[derive(Debug, Clone)]
pub struct Ev {
    pub stream: String,
    pub event: DomainEvent,
}

pub fn ev(stream: String, event: impl Into<DomainEvent>) -> Ev {
    Ev {
        stream,
        event: event.into(),
    }
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// The id `given` gives the event at `position`.
pub fn event_id(position: u64) -> Uuid {
    Uuid::from_u128(0xE000_0000_0000 + u128::from(position))
}

pub fn key(code: &str) -> TerritorialUnitKey {
    TerritorialUnitKey {
        scheme: "ocha-pcode".into(),
        edition: "2015".into(),
        code: code.into(),
    }
}

pub fn recorded(position: u64, e: Ev) -> RecordedEvent {
    let t = DateTime::<Utc>::from_timestamp(1_700_000_000 + 60 * position as i64, 0).unwrap();
    RecordedEvent {
        position,
        id: event_id(position),
        stream_id: StreamId::new(e.stream).unwrap(),
        revision: 0,
        event_type: e.event.event_type().into(),
        schema_version: e.event.schema_version(),
        occurred_at: t,
        recorded_at: t,
        actor: Actor {
            id: "secretariat-test".into(),
            role: Role::Secretariat,
        },
        command_id: Uuid::from_u128(u128::from(position)),
        correlation_id: Uuid::from_u128(u128::from(position)),
        causation_id: None,
        payload: e.event.to_payload(),
    }
}

pub fn given(events: Vec<Ev>) -> ReadModels {
    let mut m = ReadModels::default();
    for (i, e) in events.into_iter().enumerate() {
        m.apply(&recorded(i as u64 + 1, e)).unwrap();
    }
    m
}

/// [`given`] where the session tests start, then `events`: the statutes, the
/// congress (body 10) and its session 20, convened on 2024-01-01 for
/// 2024-01-20 with members 1 to 4.
pub fn given_congress_convened(events: impl IntoIterator<Item = Ev>) -> ReadModels {
    let mut history = vec![
        statutes_adopted(d(2019, 1, 1)),
        body(10, "Congrès"),
        convened(20, 10, d(2024, 1, 1), d(2024, 1, 20), &[1, 2, 3, 4], None),
    ];
    history.extend(events);
    given(history)
}

fn unit(code: &str, level: TerritorialLevel, name: &str, parent: Option<&str>) -> Ev {
    ev(
        "territory-ocha-pcode-2015".into(),
        TerritorialUnitRegistered {
            unit: key(code),
            level,
            name: name.into(),
            parent_code: parent.map(Into::into),
        },
    )
}

/// A unit of another edition of the reference list.
pub fn unit_of(edition: &str, code: &str, level: TerritorialLevel, parent: Option<&str>) -> Ev {
    ev(
        format!("territory-ocha-pcode-{edition}"),
        TerritorialUnitRegistered {
            unit: TerritorialUnitKey {
                edition: edition.into(),
                ..key(code)
            },
            level,
            name: format!("{code} ({edition})"),
            parent_code: parent.map(Into::into),
        },
    )
}

/// The region of Kayes, its cercle of Kayes and two of its communes.
pub fn kayes() -> [Ev; 4] {
    [
        region("ML01", "Kayes"),
        cercle("ML0101", "Kayes", "ML01"),
        commune("ML010101", "Kayes", "ML0101"),
        commune("ML010102", "Bangassi", "ML0101"),
    ]
}

pub fn region(code: &str, name: &str) -> Ev {
    unit(code, TerritorialLevel::Region, name, None)
}

pub fn cercle(code: &str, name: &str, parent: &str) -> Ev {
    unit(code, TerritorialLevel::Cercle, name, Some(parent))
}

pub fn commune(code: &str, name: &str, parent: &str) -> Ev {
    unit(code, TerritorialLevel::Commune, name, Some(parent))
}

fn member(n: u128) -> String {
    format!("member-{}", id(n))
}

pub fn admitted(n: u128, code: &str, year: i32) -> Ev {
    ev(
        member(n),
        CommuneAdmitted {
            member_id: id(n),
            unit: key(code),
            name: format!("Commune {n}"),
            dues_category: "rurale".into(),
            admitted_on: d(year, 1, 1),
            deliberation_ref: "DEL-1".into(),
            decision_ref: "BEN-1".into(),
            statutes_version: 1,
        },
    )
}

pub fn suspended(n: u128, on: NaiveDate) -> Ev {
    ev(
        member(n),
        MemberSuspended {
            member_id: id(n),
            effective_on: on,
            reason: "arrears".into(),
            statutes_version: 1,
        },
    )
}

pub fn reinstated(n: u128, on: NaiveDate) -> Ev {
    ev(
        member(n),
        MemberReinstated {
            member_id: id(n),
            effective_on: on,
            reason: "paid".into(),
            statutes_version: 1,
        },
    )
}

pub fn excluded(n: u128, on: NaiveDate) -> Ev {
    ev(
        member(n),
        MemberExcluded {
            member_id: id(n),
            effective_on: on,
            reason: "long arrears".into(),
            decided_by_body_id: id(11),
            hearing_notified_on: on - chrono::Duration::days(20),
            statutes_version: 1,
            motion_id: None,
        },
    )
}

pub fn withdrew(n: u128, on: NaiveDate) -> Ev {
    ev(
        member(n),
        MemberWithdrew {
            member_id: id(n),
            effective_on: on,
            reason: "council decision".into(),
        },
    )
}

/// A succession as recorded in one member's stream (it is recorded in
/// both the predecessor's and the successor's).
pub fn succession_in(stream_of: u128, from: u128, to: u128, on: NaiveDate) -> Ev {
    ev(
        member(stream_of),
        MembershipSucceeded {
            predecessor_member_id: id(from),
            successor_member_id: id(to),
            successor_unit: key("ML010199"),
            successor_name: "Successor".into(),
            dues_category: "rurale".into(),
            effective_on: on,
            inherits_dues: true,
            reorganisation_id: None,
            statutes_version: 1,
            carried_dues: Vec::new(),
        },
    )
}

/// A succession of a merge (reorganisation `id(99)`) that carries what
/// the predecessor left unpaid for 2021.
pub fn merger_in(stream_of: u128, from: u128, to: u128, on: NaiveDate, unpaid_2021: i64) -> Ev {
    ev(
        member(stream_of),
        MembershipSucceeded {
            predecessor_member_id: id(from),
            successor_member_id: id(to),
            successor_unit: key("ML010198"),
            successor_name: "Fusionnée".into(),
            dues_category: "rurale".into(),
            effective_on: on,
            inherits_dues: true,
            reorganisation_id: Some(id(99)),
            statutes_version: 1,
            carried_dues: vec![CarriedDues {
                year: 2021,
                amount_xof: unpaid_2021,
            }],
        },
    )
}

/// A correction of the event `given` put at `position`, in stream
/// `category-<id(n)>`.
pub fn corrected(n: u128, category: &str, position: u64, reason: &str) -> Ev {
    ev(
        format!("correction-{}", id(900 + u128::from(position))),
        RecordCorrected {
            correction_id: id(900 + u128::from(position)),
            corrected_event_id: event_id(position),
            corrected_stream_id: format!("{category}-{}", id(n)),
            reason: reason.into(),
            correction: "as it should read".into(),
        },
    )
}

pub fn statutes_adopted(from: NaiveDate) -> Ev {
    ev(
        "statutes".into(),
        StatutesAdopted {
            statutes: registre_domain::statutes::with_typical_instances(from),
            reference: "AG constitutive".into(),
        },
    )
}

/// Version `version` of the statutes: the defaults with `changes`.
pub fn statutes_amended(
    version: u32,
    from: NaiveDate,
    changes: registre_domain::statutes::StatutesChanges,
) -> Ev {
    let mut statutes = changes.apply(&registre_domain::statutes::with_typical_instances(from));
    statutes.version = version;
    ev(
        "statutes".into(),
        StatutesAmended {
            statutes,
            reference: format!("Congrès, résolution {version}"),
            motion_id: None,
        },
    )
}

pub fn schedule(year: i32, rurale: i64) -> Ev {
    ev(
        "dues-schedule".into(),
        DuesScheduleSet {
            year,
            tiers: vec![
                DuesTier {
                    category: "urbaine".into(),
                    amount_xof: rurale * 3,
                },
                DuesTier {
                    category: "rurale".into(),
                    amount_xof: rurale,
                },
            ],
            due_on: d(year, 3, 31),
            statutes_version: 1,
        },
    )
}

pub fn paid(n: u128, year: i32, amount: i64, on: NaiveDate) -> Ev {
    ev(
        member(n),
        DuesPaid {
            member_id: id(n),
            year,
            amount_xof: amount,
            paid_on: on,
            receipt_ref: format!("R-{n}-{year}"),
        },
    )
}

/// Reverses member `n`'s payment for `year` (its receipt, as [`paid`]
/// numbers them).
pub fn reversed(n: u128, year: i32, amount: i64, on: NaiveDate) -> Ev {
    ev(
        member(n),
        DuesPaymentReversed {
            member_id: id(n),
            receipt_ref: format!("R-{n}-{year}"),
            year,
            amount_xof: amount,
            reversed_on: on,
            reason: "chèque sans provision".into(),
        },
    )
}

fn body_stream(n: u128) -> String {
    format!("body-{}", id(n))
}

pub fn body(n: u128, name: &str) -> Ev {
    statutory(n, name, None)
}

/// A national body that is one of the statutes' bodies (or none).
pub fn statutory(n: u128, name: &str, statutory_body: Option<StatutoryBody>) -> Ev {
    ev(
        body_stream(n),
        BodyEstablished {
            body_id: id(n),
            name: name.into(),
            kind: BodyKind::Instance,
            level: BodyLevel::National,
            territorial_unit: None,
            convened_by_body_id: None,
            parent_body_id: None,
            statutory_body,
        },
    )
}

pub fn post(b: u128, p: u128, title: &str, seats: u32) -> Ev {
    ev(
        body_stream(b),
        PostDefined {
            body_id: id(b),
            post_id: id(p),
            title: title.into(),
            seats,
        },
    )
}

pub fn elected(b: u128, p: u128, mandate: u128, member: u128, name: &str) -> Ev {
    ev(
        body_stream(b),
        OfficerElected {
            body_id: id(b),
            post_id: id(p),
            mandate_id: id(mandate),
            member_id: id(member),
            holder_name: name.into(),
            session_id: None,
            statutes_version: 1,
        },
    )
}

pub fn mandate_started(b: u128, p: u128, mandate: u128, from: NaiveDate, to: NaiveDate) -> Ev {
    ev(
        body_stream(b),
        MandateStarted {
            body_id: id(b),
            post_id: id(p),
            mandate_id: id(mandate),
            starts_on: from,
            ends_on: to,
        },
    )
}

pub fn mandate_ended(b: u128, p: u128, mandate: u128, on: NaiveDate, why: MandateEndReason) -> Ev {
    ev(
        body_stream(b),
        MandateEnded {
            body_id: id(b),
            post_id: id(p),
            mandate_id: id(mandate),
            ended_on: on,
            reason: why,
        },
    )
}

pub fn election_opened(b: u128, p: u128, election: u128, session: u128, seats: u32) -> Ev {
    ev(
        body_stream(b),
        ElectionOpened {
            body_id: id(b),
            election_id: id(election),
            post_id: id(p),
            session_id: id(session),
            seats,
            held_on: d(2024, 3, 1),
            motion_id: None,
        },
    )
}

pub fn stood(b: u128, election: u128, member: u128, name: &str) -> Ev {
    ev(
        body_stream(b),
        CandidacyFiled {
            body_id: id(b),
            election_id: id(election),
            member_id: id(member),
            holder_name: name.into(),
        },
    )
}

/// A round's count: `(member, votes)` of each candidate, and whom it
/// elected.
pub fn round_counted(
    b: u128,
    election: u128,
    round: u32,
    votes: &[(u128, u32)],
    elected: &[u128],
) -> Ev {
    ev(
        body_stream(b),
        ElectionRoundCounted {
            body_id: id(b),
            election_id: id(election),
            round,
            majority: if round == 1 {
                ElectionMajority::Absolute
            } else {
                ElectionMajority::Relative
            },
            ballots: votes.iter().map(|(_, v)| v).sum(),
            blank: 0,
            spoilt: 0,
            votes: votes
                .iter()
                .map(|(m, v)| CandidateVotes {
                    member_id: id(*m),
                    votes: *v,
                })
                .collect(),
            elected: elected.iter().map(|m| id(*m)).collect(),
            statutes_version: 1,
        },
    )
}

fn session(n: u128) -> String {
    format!("session-{}", id(n))
}

pub fn convened(
    s: u128,
    b: u128,
    on: NaiveDate,
    date: NaiveDate,
    eligible: &[u128],
    second_of: Option<u128>,
) -> Ev {
    ev(
        session(s),
        SessionConvened {
            session_id: id(s),
            body_id: id(b),
            convened_by_body_id: id(b),
            kind: SessionKind::Ordinary,
            convened_on: on,
            session_date: date,
            place: "Bamako".into(),
            agenda: vec!["Budget".into()],
            eligible_member_ids: eligible.iter().map(|n| id(*n)).collect(),
            second_convocation_of: second_of.map(id),
            request: None,
            statutes_version: 1,
        },
    )
}

pub fn attended(s: u128, m: u128) -> Ev {
    ev(
        session(s),
        AttendanceRecorded {
            session_id: id(s),
            member_id: id(m),
            delegate_name: format!("Maire {m}"),
        },
    )
}

pub fn proxy(s: u128, grantor: u128, holder: u128) -> Ev {
    ev(
        session(s),
        ProxyRegistered {
            session_id: id(s),
            grantor_member_id: id(grantor),
            holder_member_id: id(holder),
            statutes_version: 1,
        },
    )
}

pub fn quorum(s: u128, reached: bool, eligible: u32, present: u32, represented: u32) -> Ev {
    let count = QuorumCount {
        eligible,
        present,
        represented,
        required: eligible / 2 + 1,
    };
    if reached {
        ev(
            session(s),
            QuorumReached {
                session_id: id(s),
                count,
                statutes_version: 1,
            },
        )
    } else {
        ev(
            session(s),
            QuorumFailed {
                session_id: id(s),
                count,
                statutes_version: 1,
            },
        )
    }
}

pub fn opened(s: u128, without_quorum: bool) -> Ev {
    ev(
        session(s),
        SessionOpened {
            session_id: id(s),
            opened_at: DateTime::from_timestamp(1_705_000_000, 0).unwrap(),
            without_quorum,
            statutes_version: 1,
        },
    )
}

pub fn closed(s: u128) -> Ev {
    ev(
        session(s),
        SessionClosed {
            session_id: id(s),
            closed_at: DateTime::from_timestamp(1_705_010_000, 0).unwrap(),
        },
    )
}

pub fn adjourned(s: u128, reason: &str) -> Ev {
    ev(
        session(s),
        SessionAdjourned {
            session_id: id(s),
            reason: reason.into(),
            statutes_version: 1,
        },
    )
}

pub fn tabled(s: u128, motion: u128, kind: MotionKind) -> Ev {
    ev(
        session(s),
        MotionTabled {
            session_id: id(s),
            motion_id: id(motion),
            agenda_item: 0,
            kind,
            title: format!("Motion {motion}"),
            text: "Le Congrès décide…".into(),
            subject_member_id: None,
        },
    )
}

pub fn voted(s: u128, motion: u128, m: u128, choice: VoteChoice, holder: Option<u128>) -> Ev {
    ev(
        session(s),
        VoteRecorded {
            session_id: id(s),
            motion_id: id(motion),
            member_id: id(m),
            choice,
            proxy_holder_member_id: holder.map(id),
        },
    )
}

pub fn decided(
    s: u128,
    motion: u128,
    adopted: bool,
    t: (u32, u32, u32, u32),
    majority: Majority,
) -> Ev {
    let tally = Tally {
        votes_for: t.0,
        votes_against: t.1,
        abstentions: t.2,
        absent: t.3,
    };
    let rule = registre_domain::statutory::general(majority);
    let base = registre_domain::majority::base_count(rule.base, &tally, 0, 0);
    if adopted {
        ev(
            session(s),
            MotionAdopted {
                session_id: id(s),
                motion_id: id(motion),
                tally,
                rule,
                base,
                casting_vote: None,
                statutes_version: 1,
            },
        )
    } else {
        ev(
            session(s),
            MotionRejected {
                session_id: id(s),
                motion_id: id(motion),
                tally,
                rule,
                base,
                casting_vote: None,
                statutes_version: 1,
            },
        )
    }
}

fn minutes(n: u128) -> String {
    format!("minutes-{}", id(n))
}

pub fn drafted(m: u128, s: u128, hash: char) -> Ev {
    ev(
        minutes(m),
        MinutesDrafted {
            minutes_id: id(m),
            session_id: id(s),
            sha256: hash.to_string().repeat(64),
            document_ref: format!("PV-{m}"),
            drafted_on: d(2024, 2, 1),
        },
    )
}

pub fn minutes_adopted(m: u128, in_session: u128, hash: char) -> Ev {
    ev(
        minutes(m),
        MinutesAdopted {
            minutes_id: id(m),
            adopted_in_session_id: id(in_session),
            adopted_on: d(2024, 3, 1),
            sha256: hash.to_string().repeat(64),
            statutes_version: 1,
        },
    )
}

pub fn signed(m: u128, who: Signatory) -> Ev {
    ev(
        minutes(m),
        MinutesSigned {
            minutes_id: id(m),
            signatory: who,
            signatory_name: format!("{who:?}"),
            signed_on: d(2024, 3, 2),
        },
    )
}
