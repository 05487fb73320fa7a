//! For each command: the stream it writes and the facts it reads, taken
//! from the handler's view before the decision.

use chrono::{DateTime, Utc};
use registre_domain::body::BodyCommand;
use registre_domain::dues::position_carried;
use registre_domain::member::MemberCommand;
use registre_domain::minutes::MinutesCommand;
use registre_domain::session::SessionCommand;
use registre_domain::statutes::StatutesCommand;
use registre_domain::territory::TerritoryCommand;
use registre_domain::{Context, DomainError, Facts, Reason, streams};
use registre_schema::access::{account_stream, token_stream};
use registre_schema::events::RequestedBy;
use registre_schema::{CommandMeta, StreamId};
use uuid::Uuid;

use super::view::{CommandSpan, View};
use super::{Command, CommandError};

pub(super) fn stream(name: String) -> Result<StreamId, CommandError> {
    StreamId::new(name).map_err(|_| {
        CommandError::Rejected(DomainError::InvalidTerritorialUnit {
            code: String::new(),
            reason: Reason::new(
                "the scheme or edition has characters a stream name cannot hold",
                "le référentiel ou l'édition contient des caractères interdits",
            ),
        })
    })
}

/// The body a known session belongs to.
fn body_of(view: &View, session_id: &Uuid) -> Option<Uuid> {
    view.sessions.get(session_id).map(|s| s.body_id)
}

/// Notes the named members whose commune lies outside the body's
/// territory, so that a refusal says so.
fn outside<'a>(
    f: &mut Facts,
    view: &View,
    body_id: Option<Uuid>,
    members: impl IntoIterator<Item = &'a Uuid>,
) {
    if let Some(body_id) = body_id {
        f.outside_territory.extend(
            members
                .into_iter()
                .filter(|m| view.outside_territory(body_id, **m)),
        );
    }
}

/// The facts a command reads, taken from the caught-up view.
fn facts(view: &View, command: &Command) -> Facts {
    let mut f = Facts::default();
    let unit = |f: &mut Facts, key| {
        if let Some((k, u)) = view.unit_fact(key) {
            f.known_units.insert(k, u);
        }
    };
    let body = |f: &mut Facts, id: &Uuid| {
        if let Some(b) = view.bodies.get(id) {
            f.bodies.insert(*id, b.fact.clone());
        }
    };
    let session = |f: &mut Facts, id: &Uuid| {
        if let Some(s) = view.sessions.get(id) {
            f.sessions.insert(*id, s.clone());
        }
    };
    // A session and its body: whether that body elects the one written.
    let electing = |f: &mut Facts, id: &Uuid| {
        session(f, id);
        if let Some(b) = body_of(view, id) {
            body(f, &b);
        }
    };
    match command {
        Command::Territory(TerritoryCommand::RecordReorganisation { successors, .. }) => {
            successors.iter().for_each(|s| unit(&mut f, s))
        }
        Command::Statutes(StatutesCommand::Amend { motion_id, .. })
        | Command::Member(MemberCommand::Exclude { motion_id, .. }) => {
            if let Some(m) = view.motions.get(motion_id) {
                f.motions.insert(*motion_id, m.clone());
            }
        }
        Command::Territory(_) | Command::Statutes(_) | Command::Dues(_) => {}
        Command::Member(MemberCommand::Admit {
            unit: u,
            admitted_on,
            ..
        }) => {
            unit(&mut f, u);
            f.same_commune_member = view.same_commune_member(u);
            f.dues_categories = view.schedules.categories_on(*admitted_on);
        }
        Command::Member(MemberCommand::Succeed {
            member_id,
            successor_unit,
            effective_on,
            reorganisation_id,
            ..
        }) => {
            if let Some(m) = view.members.get(member_id) {
                f.unpaid_dues =
                    position_carried(m.dues_account(), view.schedules.years_due(), *effective_on);
                f.member_units = view.units_elsewhere(&m.unit);
            }
            f.reorganisation =
                reorganisation_id.and_then(|r| view.reorganisations.get(&r).cloned());
            unit(&mut f, successor_unit);
            f.same_commune_member = view.same_commune_member(successor_unit);
            f.dues_categories = view.schedules.categories_on(*effective_on);
        }
        Command::Member(MemberCommand::RecordPayment { receipt_ref, .. }) => {
            f.dues_years = view.schedules.years.keys().copied().collect();
            if view.receipts.contains(receipt_ref) {
                f.used_receipts.insert(receipt_ref.clone());
            }
        }
        Command::Member(_) => {}
        Command::Body(BodyCommand::Establish {
            territorial_unit,
            convened_by_body_id,
            parent_body_id,
            ..
        }) => {
            if let Some(u) = territorial_unit {
                unit(&mut f, u);
            }
            for b in [convened_by_body_id, parent_body_id].into_iter().flatten() {
                body(&mut f, b);
            }
        }
        Command::Body(BodyCommand::ElectOfficer {
            body_id,
            member_id,
            starts_on,
            session_id,
            ..
        }) => {
            f.eligible_members = view.eligible_to_stand(Some(*body_id), *starts_on);
            outside(&mut f, view, Some(*body_id), [member_id]);
            if let Some(s) = session_id {
                electing(&mut f, s);
            }
        }
        // An election is held in a session of the body that elects; a
        // candidacy is judged on that session's day.
        Command::Body(BodyCommand::OpenElection {
            session_id,
            motion_id,
            ..
        }) => {
            electing(&mut f, session_id);
            if let Some(m) = motion_id.and_then(|m| view.motions.get(&m)) {
                f.motions.insert(m.motion_id, m.clone());
            }
        }
        Command::Body(BodyCommand::FileCandidacy {
            body_id,
            election_id,
            member_id,
            ..
        }) => {
            if let Some((_, day)) = view.elections.get(&(*body_id, *election_id)) {
                f.eligible_members = view
                    .eligible_to_stand(Some(*body_id), *day)
                    .into_iter()
                    .filter(|m| m == member_id)
                    .collect();
            }
            outside(&mut f, view, Some(*body_id), [member_id]);
        }
        Command::Body(BodyCommand::CountElectionRound {
            body_id,
            election_id,
            ..
        }) => {
            if let Some((s, _)) = view.elections.get(&(*body_id, *election_id)) {
                electing(&mut f, s);
            }
        }
        Command::Body(_) => {}
        Command::Session(SessionCommand::Convene {
            body_id,
            convened_on,
            second_convocation_of,
            request,
            ..
        }) => {
            body(&mut f, body_id);
            f.eligible_members = view.eligible(Some(*body_id), *convened_on);
            if let Some(RequestedBy::Members { member_ids }) =
                request.as_ref().map(|r| &r.requested_by)
            {
                outside(&mut f, view, Some(*body_id), member_ids);
            }
            if let Some(first) = second_convocation_of {
                session(&mut f, first);
            }
        }
        Command::Session(
            SessionCommand::RecordAttendance {
                session_id,
                member_id,
                ..
            }
            | SessionCommand::RecordVote {
                session_id,
                member_id,
                ..
            },
        ) => outside(&mut f, view, body_of(view, session_id), [member_id]),
        Command::Session(SessionCommand::RegisterProxy {
            session_id,
            grantor_member_id,
            holder_member_id,
        }) => outside(
            &mut f,
            view,
            body_of(view, session_id),
            [grantor_member_id, holder_member_id],
        ),
        // Opening counts the body's quorum and closing a vote its majority:
        // the statutory body it is says which.
        Command::Session(
            SessionCommand::Open { session_id, .. } | SessionCommand::CloseVote { session_id, .. },
        ) => {
            if let Some(b) = body_of(view, session_id) {
                body(&mut f, &b);
            }
        }
        Command::Session(_) => {}
        Command::Minutes(MinutesCommand::Draft { session_id, .. }) => session(&mut f, session_id),
        Command::Minutes(MinutesCommand::Adopt {
            adopted_in_session_id,
            ..
        }) => session(&mut f, adopted_in_session_id),
        Command::Minutes(_) => {}
        Command::Correction(c) => {
            if view.event_ids.contains(&c.corrected_event_id) {
                f.known_events.insert(c.corrected_event_id);
            }
        }
        Command::Access(_) | Command::Account(_) => {}
    }
    // Every decision about a body's seats counts only the communes still
    // members on the day.
    // and only the elections whose session still sits hold seats and
    // candidates.
    if let Command::Body(c) = command {
        f.departed = view.departed(c.body_id());
        for ((body_id, _), (s, _)) in &view.elections {
            if *body_id == c.body_id() {
                session(&mut f, s);
            }
        }
    }
    f
}

/// What a command needs before it is decided: where it writes, the
/// context of its decision, and whether its id is already in the log.
pub(super) struct Plan {
    pub stream_id: StreamId,
    pub context: Context,
    /// Where the events of a first call with this command id are.
    pub first_call: Option<CommandSpan>,
}

/// Plans a command on the caught-up view. Pure: the view, the command and
/// the clock's reading in, the plan out.
pub(super) fn plan(
    view: &View,
    meta: &CommandMeta,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
    command: &Command,
) -> Result<Plan, CommandError> {
    let context = Context::new(now, meta.actor.clone())
        .with_statutes(view.statutes_at(occurred_at.date_naive()))
        .with_facts(facts(view, command));
    Ok(Plan {
        stream_id: stream_id(command)?,
        context: Context {
            occurred_at,
            ..context
        },
        first_call: view.commands.get(&meta.command_id).copied(),
    })
}

fn stream_id(command: &Command) -> Result<StreamId, CommandError> {
    let name = match command {
        Command::Territory(TerritoryCommand::Import {
            scheme, edition, ..
        }) => streams::territory(scheme, edition),
        Command::Territory(TerritoryCommand::RecordReorganisation { predecessors, .. }) => {
            match predecessors.first() {
                Some(p) => streams::territory(&p.scheme, &p.edition),
                None => "territory-unknown".into(),
            }
        }
        Command::Member(c) => streams::member(c.member_id()),
        Command::Dues(_) => streams::DUES_SCHEDULE.into(),
        Command::Statutes(_) => streams::STATUTES.into(),
        Command::Body(c) => streams::body(c.body_id()),
        Command::Session(c) => streams::session(c.session_id()),
        Command::Minutes(c) => streams::minutes(c.minutes_id()),
        Command::Correction(c) => streams::correction(c.correction_id),
        // A name's stream derives from the name, so two racing issues of
        // one name collide on one stream.
        Command::Access(c) => {
            return token_stream(c.name()).map_err(|_| {
                CommandError::Rejected(DomainError::InvalidTokenName {
                    name: c.name().into(),
                })
            });
        }
        Command::Account(c) => {
            return account_stream(c.name()).map_err(|_| {
                CommandError::Rejected(DomainError::InvalidAccountName {
                    name: c.name().chars().take(64).collect(),
                })
            });
        }
    };
    stream(name)
}
