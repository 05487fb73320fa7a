//! A session of a body (stream `session-<session_id>`): convocation with
//! the eligible list frozen, attendance, proxies, opening with quorum (or a
//! second convocation without), motions, votes, results, adjournment and
//! closing.
//!
//! Everything a vote depends on lives in this one stream, so "each eligible
//! member votes once" is checked and written under one expected revision.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::DomainEvent;
use registre_schema::events::{
    AttendanceRecorded, ExtraordinaryRequest, MotionAdopted, MotionKind, MotionRejected,
    MotionTabled, ProxyRegistered, QuorumCount, QuorumFailed, QuorumReached, RequestedBy,
    SessionAdjourned, SessionClosed, SessionConvened, SessionKind, SessionOpened, StatutoryBody,
    Tally, VoteChoice, VoteRecorded,
};
use uuid::Uuid;

use crate::dates::Dated;
use crate::majority::{Outcome, base_count, outcome, quorum_required};
use crate::statutory::{extraordinary_request_share, majority_rule, quorum_rule};
use crate::text::{MAX_NAME, MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// Most agenda items.
pub const MAX_AGENDA: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Convened,
    Open,
    /// Quorum failed and the session could not deliberate.
    QuorumFailed,
    Closed,
    Adjourned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Motion {
    pub kind: MotionKind,
    pub agenda_item: u32,
    pub votes: BTreeMap<Uuid, VoteChoice>,
    /// None while the vote is open; Some(adopted) once closed.
    pub result: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub kind: SessionKind,
    pub session_date: NaiveDate,
    pub agenda_len: u32,
    pub eligible: BTreeSet<Uuid>,
    pub second_convocation_of: Option<Uuid>,
    pub status: SessionStatus,
    pub present: BTreeSet<Uuid>,
    /// Grantor → holder.
    pub proxies: BTreeMap<Uuid, Uuid>,
    pub motions: BTreeMap<Uuid, Motion>,
}

#[derive(Debug, Clone)]
pub enum SessionCommand {
    /// The eligible list comes from `ctx.facts.eligible_members` (members
    /// of the body's scope active and in good standing on `convened_on`),
    /// the convened body from `ctx.facts.bodies`, and for a second
    /// convocation the first session from `ctx.facts.sessions`.
    Convene {
        session_id: Uuid,
        body_id: Uuid,
        convened_by_body_id: Uuid,
        kind: SessionKind,
        convened_on: NaiveDate,
        session_date: NaiveDate,
        place: String,
        agenda: Vec<String>,
        second_convocation_of: Option<Uuid>,
        /// An extraordinary session's grounds and who asked for it
        /// (required for one, refused for an ordinary session).
        request: Option<ExtraordinaryRequest>,
    },
    RecordAttendance {
        session_id: Uuid,
        member_id: Uuid,
        delegate_name: String,
    },
    RegisterProxy {
        session_id: Uuid,
        grantor_member_id: Uuid,
        holder_member_id: Uuid,
    },
    Open {
        session_id: Uuid,
        opened_at: DateTime<Utc>,
    },
    TableMotion {
        session_id: Uuid,
        motion_id: Uuid,
        agenda_item: u32,
        kind: MotionKind,
        title: String,
        text: String,
        /// The member an exclusion motion concerns (required for one).
        subject_member_id: Option<Uuid>,
    },
    RecordVote {
        session_id: Uuid,
        motion_id: Uuid,
        member_id: Uuid,
        choice: VoteChoice,
        proxy_holder_member_id: Option<Uuid>,
    },
    /// Closes the vote and records its result under the majority the
    /// body's statutes set for the motion's kind.
    CloseVote {
        session_id: Uuid,
        motion_id: Uuid,
        /// The chair's casting vote (for or against), given only on a tie
        /// the statutes let the chair decide.
        casting_vote: Option<VoteChoice>,
    },
    Close {
        session_id: Uuid,
        closed_at: DateTime<Utc>,
    },
    Adjourn {
        session_id: Uuid,
        reason: String,
    },
}

impl SessionCommand {
    pub fn session_id(&self) -> Uuid {
        use SessionCommand as C;
        match self {
            C::Convene { session_id, .. }
            | C::RecordAttendance { session_id, .. }
            | C::RegisterProxy { session_id, .. }
            | C::Open { session_id, .. }
            | C::TableMotion { session_id, .. }
            | C::RecordVote { session_id, .. }
            | C::CloseVote { session_id, .. }
            | C::Close { session_id, .. }
            | C::Adjourn { session_id, .. } => *session_id,
        }
    }
}

/// Which of the statutes' bodies the session's body is, as the handler's
/// view knows it: its quorum and majorities are that body's.
fn statutory_body(s: &Session, ctx: &Context) -> Option<StatutoryBody> {
    ctx.facts
        .bodies
        .get(&s.body_id)
        .and_then(|b| b.statutory_body)
}

/// Members present or represented: present, or absent with a proxy held
/// by someone present.
fn present_or_represented(s: &Session) -> (u32, u32) {
    attendance(&s.present, &s.proxies)
}

/// Members present, and absent ones represented by a present proxy
/// holder: what a quorum and a vote count.
pub fn attendance(present: &BTreeSet<Uuid>, proxies: &BTreeMap<Uuid, Uuid>) -> (u32, u32) {
    let represented = proxies
        .iter()
        .filter(|(grantor, holder)| !present.contains(grantor) && present.contains(holder))
        .count() as u32;
    (present.len() as u32, represented)
}

/// Most members named as asking for one extraordinary session.
pub const MAX_REQUESTERS: usize = 2_000;

/// An extraordinary session states its grounds and who asked for it: its
/// bureau, or members on the list of those called to sit, at least the
/// share the statutes require. An ordinary session states neither.
fn checked_request(
    kind: SessionKind,
    request: Option<&ExtraordinaryRequest>,
    statutes: &registre_schema::events::Statutes,
    body: Option<StatutoryBody>,
    ctx: &Context,
) -> Result<(), DomainError> {
    let request = match (kind, request) {
        (SessionKind::Ordinary, None) => return Ok(()),
        (SessionKind::Ordinary, Some(_)) => return Err(DomainError::RequestForOrdinarySession),
        (SessionKind::Extraordinary, None) => {
            return Err(DomainError::ExtraordinaryGroundsRequired);
        }
        (SessionKind::Extraordinary, Some(r)) => r,
    };
    required("grounds", &request.grounds, MAX_TEXT)?;
    let RequestedBy::Members { member_ids } = &request.requested_by else {
        return Ok(());
    };
    if member_ids.len() > MAX_REQUESTERS {
        return Err(DomainError::TooManyRequesters {
            max: MAX_REQUESTERS,
        });
    }
    let askers: BTreeSet<&Uuid> = member_ids.iter().collect();
    for m in &askers {
        if !ctx.facts.eligible_members.contains(m) {
            return Err(if ctx.facts.outside_territory.contains(m) {
                DomainError::OutsideBodyTerritory
            } else {
                DomainError::NotEligibleToVote
            });
        }
    }
    let share = extraordinary_request_share(statutes, body);
    let members = ctx.facts.eligible_members.len() as u64;
    let required = (members * u64::from(share.numerator))
        .div_ceil(u64::from(share.denominator.max(1)))
        .max(1) as u32;
    let given = askers.len() as u32;
    if given < required {
        return Err(DomainError::ExtraordinaryRequestTooFew { required, given });
    }
    Ok(())
}

fn session(state: &Option<Session>) -> Result<&Session, DomainError> {
    state.as_ref().ok_or(DomainError::UnknownSession)
}

/// A member on the list frozen at the convocation; a refusal names the
/// real reason: outside the body's territory, or not in good standing.
fn may_take_part(s: &Session, ctx: &Context, member_id: &Uuid) -> Result<(), DomainError> {
    if s.eligible.contains(member_id) {
        Ok(())
    } else if ctx.facts.outside_territory.contains(member_id) {
        Err(DomainError::OutsideBodyTerritory)
    } else {
        Err(DomainError::NotEligibleToVote)
    }
}

/// The session may still take attendance and proxies.
fn before_or_during(s: &Session) -> Result<(), DomainError> {
    match s.status {
        SessionStatus::Convened | SessionStatus::Open => Ok(()),
        SessionStatus::QuorumFailed => Err(DomainError::QuorumNotReached),
        SessionStatus::Closed | SessionStatus::Adjourned => Err(DomainError::SessionEnded),
    }
}

fn open(s: &Session) -> Result<(), DomainError> {
    match s.status {
        SessionStatus::Open => Ok(()),
        SessionStatus::Convened => Err(DomainError::SessionNotOpen),
        SessionStatus::QuorumFailed => Err(DomainError::QuorumNotReached),
        SessionStatus::Closed | SessionStatus::Adjourned => Err(DomainError::SessionEnded),
    }
}

/// An open session's motion whose vote is not yet closed: what both a vote
/// and the closing of the vote require.
fn motion_open_for_votes<'a>(
    state: &'a Option<Session>,
    motion_id: &Uuid,
) -> Result<(&'a Session, &'a Motion), DomainError> {
    let s = session(state)?;
    open(s)?;
    let motion = s.motions.get(motion_id).ok_or(DomainError::UnknownMotion)?;
    if motion.result.is_some() {
        return Err(DomainError::VoteClosed);
    }
    Ok((s, motion))
}

impl Aggregate for Session {
    type State = Option<Session>;
    type Command = SessionCommand;
    type Event = DomainEvent;

    fn dates(command: &SessionCommand) -> Vec<Dated> {
        use SessionCommand as C;
        match command {
            C::Convene {
                convened_on,
                session_date,
                ..
            } => vec![
                Dated::day("convened_on", *convened_on),
                Dated::day("session_date", *session_date),
            ],
            C::Open { opened_at, .. } => vec![Dated::time("opened_at", *opened_at)],
            C::Close { closed_at, .. } => vec![Dated::time("closed_at", *closed_at)],
            C::RecordAttendance { .. }
            | C::RegisterProxy { .. }
            | C::TableMotion { .. }
            | C::RecordVote { .. }
            | C::CloseVote { .. }
            | C::Adjourn { .. } => vec![],
        }
    }

    fn decide_dated(
        state: &Option<Session>,
        command: &SessionCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        use SessionCommand as C;
        match command {
            C::Convene {
                session_id,
                body_id,
                convened_by_body_id,
                kind,
                convened_on,
                session_date,
                place,
                agenda,
                second_convocation_of,
                request,
            } => {
                if state.is_some() {
                    return Err(DomainError::SessionAlreadyConvened);
                }
                required("place", place, MAX_NAME)?;
                if agenda.is_empty() {
                    return Err(DomainError::EmptyAgenda);
                }
                if agenda.len() > MAX_AGENDA {
                    return Err(DomainError::TooLong {
                        field: "agenda",
                        max: MAX_AGENDA,
                    });
                }
                for item in agenda {
                    required("agenda", item, MAX_TEXT)?;
                }
                let body = ctx
                    .facts
                    .bodies
                    .get(body_id)
                    .ok_or(DomainError::UnknownBody)?;
                if body.convened_by_body_id.unwrap_or(body.body_id) != *convened_by_body_id {
                    return Err(DomainError::NotEntitledToConvene);
                }
                let statutes = ctx.statutes()?;
                let required_days = match kind {
                    SessionKind::Ordinary => statutes.notice_days_ordinary,
                    SessionKind::Extraordinary => statutes.notice_days_extraordinary,
                };
                let given_days = (*session_date - *convened_on).num_days();
                if given_days < 0 {
                    return Err(DomainError::SessionBeforeConvocation {
                        convened_on: *convened_on,
                        session_date: *session_date,
                    });
                }
                if given_days < i64::from(required_days) {
                    return Err(DomainError::NoticeTooShort {
                        required_days,
                        given_days,
                    });
                }
                let statutory_body = body.statutory_body;
                checked_request(*kind, request.as_ref(), statutes, statutory_body, ctx)?;
                if let Some(first) = second_convocation_of {
                    let first = ctx
                        .facts
                        .sessions
                        .get(first)
                        .ok_or(DomainError::UnknownSession)?;
                    if !first.quorum_failed || first.body_id != *body_id {
                        return Err(DomainError::NotAFailedSession);
                    }
                    // Once: a second session for one failed quorum.
                    if first
                        .convened_again
                        .is_some_and(|again| again != *session_id)
                    {
                        return Err(DomainError::AlreadyConvenedAgain);
                    }
                    let min_days = statutes.second_convocation.min_delay_days;
                    if (*session_date - first.session_date).num_days() < i64::from(min_days) {
                        return Err(DomainError::SecondConvocationTooEarly { min_days });
                    }
                }
                Ok(vec![
                    SessionConvened {
                        session_id: *session_id,
                        body_id: *body_id,
                        convened_by_body_id: *convened_by_body_id,
                        kind: *kind,
                        convened_on: *convened_on,
                        session_date: *session_date,
                        place: place.clone(),
                        agenda: agenda.clone(),
                        eligible_member_ids: ctx.facts.eligible_members.iter().copied().collect(),
                        second_convocation_of: *second_convocation_of,
                        request: request.clone(),
                        statutes_version: statutes.version,
                    }
                    .into(),
                ])
            }
            C::RecordAttendance {
                session_id,
                member_id,
                delegate_name,
            } => {
                let s = session(state)?;
                before_or_during(s)?;
                may_take_part(s, ctx, member_id)?;
                if s.present.contains(member_id) {
                    return Err(DomainError::AlreadyPresent);
                }
                if s.proxies.contains_key(member_id) {
                    return Err(DomainError::ProxyAlreadyRegistered);
                }
                required("delegate_name", delegate_name, MAX_NAME)?;
                Ok(vec![
                    AttendanceRecorded {
                        session_id: *session_id,
                        member_id: *member_id,
                        delegate_name: delegate_name.clone(),
                    }
                    .into(),
                ])
            }
            C::RegisterProxy {
                session_id,
                grantor_member_id,
                holder_member_id,
            } => {
                let s = session(state)?;
                before_or_during(s)?;
                may_take_part(s, ctx, grantor_member_id)?;
                may_take_part(s, ctx, holder_member_id)?;
                if grantor_member_id == holder_member_id {
                    return Err(DomainError::InvalidProxy {
                        reason: Reason::new(
                            "a member cannot hold its own proxy",
                            "une commune ne peut pas détenir sa propre procuration",
                        ),
                    });
                }
                if s.proxies.contains_key(grantor_member_id) {
                    return Err(DomainError::ProxyAlreadyRegistered);
                }
                if s.present.contains(grantor_member_id) {
                    return Err(DomainError::AlreadyPresent);
                }
                if s.proxies.contains_key(holder_member_id)
                    || s.proxies.values().any(|h| h == grantor_member_id)
                {
                    return Err(DomainError::InvalidProxy {
                        reason: Reason::new(
                            "a proxy cannot be passed on",
                            "une procuration ne se transmet pas",
                        ),
                    });
                }
                let statutes = ctx.statutes()?;
                let cap = statutes.proxy_cap_per_delegate;
                let held = s
                    .proxies
                    .values()
                    .filter(|h| *h == holder_member_id)
                    .count();
                if held >= cap as usize {
                    return Err(DomainError::ProxyCapReached { cap });
                }
                Ok(vec![
                    ProxyRegistered {
                        session_id: *session_id,
                        grantor_member_id: *grantor_member_id,
                        holder_member_id: *holder_member_id,
                        statutes_version: statutes.version,
                    }
                    .into(),
                ])
            }
            C::Open {
                session_id,
                opened_at,
            } => {
                let s = session(state)?;
                match s.status {
                    SessionStatus::Convened => {}
                    SessionStatus::Open => return Err(DomainError::SessionAlreadyOpen),
                    SessionStatus::QuorumFailed => return Err(DomainError::QuorumNotReached),
                    _ => return Err(DomainError::SessionEnded),
                }
                let statutes = ctx.statutes()?;
                let eligible = s.eligible.len() as u32;
                let (present, represented) = present_or_represented(s);
                let rule = quorum_rule(statutes, statutory_body(s, ctx));
                let count = QuorumCount {
                    eligible,
                    present,
                    represented,
                    required: quorum_required(rule, eligible),
                };
                let version = statutes.version;
                if present + represented >= count.required {
                    return Ok(vec![
                        QuorumReached {
                            session_id: *session_id,
                            count,
                            statutes_version: version,
                        }
                        .into(),
                        SessionOpened {
                            session_id: *session_id,
                            opened_at: *opened_at,
                            without_quorum: false,
                            statutes_version: version,
                        }
                        .into(),
                    ]);
                }
                let failed: DomainEvent = QuorumFailed {
                    session_id: *session_id,
                    count,
                    statutes_version: version,
                }
                .into();
                if s.second_convocation_of.is_some()
                    && statutes.second_convocation.allowed_without_quorum
                {
                    return Ok(vec![
                        failed,
                        SessionOpened {
                            session_id: *session_id,
                            opened_at: *opened_at,
                            without_quorum: true,
                            statutes_version: version,
                        }
                        .into(),
                    ]);
                }
                // A failed quorum is a fact to record, not a refusal.
                Ok(vec![failed])
            }
            C::TableMotion {
                session_id,
                motion_id,
                agenda_item,
                kind,
                title,
                text,
                subject_member_id,
            } => {
                let s = session(state)?;
                open(s)?;
                if s.motions.contains_key(motion_id) {
                    return Err(DomainError::MotionAlreadyTabled);
                }
                // An exclusion is of one member, named when it is tabled.
                if *kind == MotionKind::Exclusion && subject_member_id.is_none() {
                    return Err(DomainError::ExclusionWithoutSubject);
                }
                if *agenda_item >= s.agenda_len {
                    return Err(DomainError::NotOnAgenda { item: *agenda_item });
                }
                required("title", title, MAX_TEXT)?;
                crate::text::optional("text", text, 20 * MAX_TEXT)?;
                Ok(vec![
                    MotionTabled {
                        session_id: *session_id,
                        motion_id: *motion_id,
                        agenda_item: *agenda_item,
                        kind: *kind,
                        title: title.clone(),
                        text: text.clone(),
                        subject_member_id: *subject_member_id,
                    }
                    .into(),
                ])
            }
            C::RecordVote {
                session_id,
                motion_id,
                member_id,
                choice,
                proxy_holder_member_id,
            } => {
                let (s, motion) = motion_open_for_votes(state, motion_id)?;
                may_take_part(s, ctx, member_id)?;
                if motion.votes.contains_key(member_id) {
                    return Err(DomainError::AlreadyVoted);
                }
                match proxy_holder_member_id {
                    None if !s.present.contains(member_id) => {
                        return Err(DomainError::NotPresent);
                    }
                    None => {}
                    Some(holder) => {
                        if s.proxies.get(member_id) != Some(holder) {
                            return Err(DomainError::NoSuchProxy);
                        }
                        if !s.present.contains(holder) {
                            return Err(DomainError::NotPresent);
                        }
                    }
                }
                Ok(vec![
                    VoteRecorded {
                        session_id: *session_id,
                        motion_id: *motion_id,
                        member_id: *member_id,
                        choice: *choice,
                        proxy_holder_member_id: *proxy_holder_member_id,
                    }
                    .into(),
                ])
            }
            C::CloseVote {
                session_id,
                motion_id,
                casting_vote,
            } => {
                let (s, motion) = motion_open_for_votes(state, motion_id)?;
                let count = |c| motion.votes.values().filter(|v| **v == c).count() as u32;
                let tally = Tally {
                    votes_for: count(VoteChoice::For),
                    votes_against: count(VoteChoice::Against),
                    abstentions: count(VoteChoice::Abstain),
                    absent: (s.eligible.len() - motion.votes.len()) as u32,
                };
                let statutes = ctx.statutes()?;
                let rule = majority_rule(statutes, statutory_body(s, ctx), motion.kind);
                let (present, represented) = present_or_represented(s);
                let base = base_count(
                    rule.base,
                    &tally,
                    s.eligible.len() as u32,
                    present + represented,
                );
                let adopted = match (outcome(rule, tally.votes_for, base), casting_vote) {
                    (Outcome::Tie, None) => return Err(DomainError::CastingVoteRequired),
                    (Outcome::Tie, Some(VoteChoice::Abstain)) => {
                        return Err(DomainError::CastingVoteRequired);
                    }
                    (Outcome::Tie, Some(choice)) => *choice == VoteChoice::For,
                    (_, Some(_)) => return Err(DomainError::CastingVoteWithoutTie),
                    (result, None) => result == Outcome::Adopted,
                };
                let event = if adopted {
                    MotionAdopted {
                        session_id: *session_id,
                        motion_id: *motion_id,
                        tally,
                        rule,
                        base,
                        casting_vote: *casting_vote,
                        statutes_version: statutes.version,
                    }
                    .into()
                } else {
                    MotionRejected {
                        session_id: *session_id,
                        motion_id: *motion_id,
                        tally,
                        rule,
                        base,
                        casting_vote: *casting_vote,
                        statutes_version: statutes.version,
                    }
                    .into()
                };
                Ok(vec![event])
            }
            C::Close {
                session_id,
                closed_at,
            } => {
                let s = session(state)?;
                open(s)?;
                if s.motions.values().any(|m| m.result.is_none()) {
                    return Err(DomainError::MotionsStillOpen);
                }
                Ok(vec![
                    SessionClosed {
                        session_id: *session_id,
                        closed_at: *closed_at,
                    }
                    .into(),
                ])
            }
            C::Adjourn { session_id, reason } => {
                let s = session(state)?;
                match s.status {
                    SessionStatus::Closed | SessionStatus::Adjourned => {
                        return Err(DomainError::SessionEnded);
                    }
                    _ => {}
                }
                required("reason", reason, MAX_TEXT)?;
                Ok(vec![
                    SessionAdjourned {
                        session_id: *session_id,
                        reason: reason.clone(),
                        statutes_version: ctx.statutes()?.version,
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: Option<Session>, event: &DomainEvent) -> Option<Session> {
        use DomainEvent as E;
        if let E::SessionConvened(e) = event {
            return Some(Session {
                session_id: e.session_id,
                body_id: e.body_id,
                kind: e.kind,
                session_date: e.session_date,
                agenda_len: e.agenda.len() as u32,
                eligible: e.eligible_member_ids.iter().copied().collect(),
                second_convocation_of: e.second_convocation_of,
                status: SessionStatus::Convened,
                present: BTreeSet::new(),
                proxies: BTreeMap::new(),
                motions: BTreeMap::new(),
            });
        }
        let Some(s) = state.as_mut() else {
            return state;
        };
        match event {
            E::AttendanceRecorded(e) => {
                s.present.insert(e.member_id);
            }
            E::ProxyRegistered(e) => {
                s.proxies.insert(e.grantor_member_id, e.holder_member_id);
            }
            E::QuorumFailed(_) => s.status = SessionStatus::QuorumFailed,
            E::SessionOpened(_) => s.status = SessionStatus::Open,
            E::MotionTabled(e) => {
                s.motions.insert(
                    e.motion_id,
                    Motion {
                        kind: e.kind,
                        agenda_item: e.agenda_item,
                        votes: BTreeMap::new(),
                        result: None,
                    },
                );
            }
            E::VoteRecorded(e) => {
                if let Some(m) = s.motions.get_mut(&e.motion_id) {
                    m.votes.insert(e.member_id, e.choice);
                }
            }
            E::MotionAdopted(e) => {
                if let Some(m) = s.motions.get_mut(&e.motion_id) {
                    m.result = Some(true);
                }
            }
            E::MotionRejected(e) => {
                if let Some(m) = s.motions.get_mut(&e.motion_id) {
                    m.result = Some(false);
                }
            }
            E::SessionClosed(_) => s.status = SessionStatus::Closed,
            E::SessionAdjourned(_) => s.status = SessionStatus::Adjourned,
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod statutory_tests;
#[cfg(test)]
mod tests;
