//! For each command family: the stream it writes and the facts it reads.

use chrono::{DateTime, Utc};
use registre_domain::body::{Body, BodyCommand};
use registre_domain::correction::Correction;
use registre_domain::dues::DuesSchedules;
use registre_domain::member::{Member, MemberCommand, check_successor};
use registre_domain::minutes::{Minutes, MinutesCommand};
use registre_domain::session::{Session, SessionCommand};
use registre_domain::statutes::StatutesBook;
use registre_domain::territory::{Territory, TerritoryCommand};
use registre_domain::{Context, DomainError, Facts, streams};
use registre_schema::{CommandMeta, StreamId};
use uuid::Uuid;

use super::handler::CommandHandler;
use super::view::View;
use super::{Command, CommandError, Outcome};

fn stream(name: String) -> Result<StreamId, CommandError> {
    StreamId::new(name).map_err(|_| {
        CommandError::Rejected(DomainError::InvalidTerritorialUnit {
            code: String::new(),
            reason: "the scheme or edition has characters a stream name cannot hold",
        })
    })
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
    match command {
        Command::Territory(TerritoryCommand::RecordReorganisation { successors, .. }) => {
            successors.iter().for_each(|s| unit(&mut f, s))
        }
        Command::Territory(_) | Command::Statutes(_) | Command::Dues(_) => {}
        Command::Member(MemberCommand::Admit { unit: u, .. }) => unit(&mut f, u),
        Command::Member(MemberCommand::Succeed { successor_unit, .. }) => {
            unit(&mut f, successor_unit)
        }
        Command::Member(MemberCommand::RecordPayment { .. }) => {
            f.dues_years = view.schedules.years.keys().copied().collect();
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
            body_id, starts_on, ..
        }) => {
            f.eligible_members = view.eligible(Some(*body_id), *starts_on);
        }
        Command::Body(_) => {}
        Command::Session(SessionCommand::Convene {
            body_id,
            convened_on,
            second_convocation_of,
            ..
        }) => {
            body(&mut f, body_id);
            f.eligible_members = view.eligible(Some(*body_id), *convened_on);
            if let Some(first) = second_convocation_of {
                session(&mut f, first);
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
    }
    f
}

pub(super) async fn dispatch(
    h: &CommandHandler,
    meta: CommandMeta,
    occurred_at: DateTime<Utc>,
    command: Command,
) -> Result<Outcome, CommandError> {
    let (known, statutes, facts) = h
        .with_view(|v| {
            (
                v.command_ids.contains(&meta.command_id),
                v.statutes_at(occurred_at.date_naive()),
                facts(v, &command),
            )
        })
        .await?;
    let ctx = Context::new(Utc::now(), meta.actor.clone())
        .with_statutes(statutes)
        .with_facts(facts);
    let ctx = Context { occurred_at, ..ctx };
    let stream_id = stream(stream_name(&command))?;
    if known {
        return Ok(Outcome {
            stream_id,
            appended: 0,
            last_position: None,
            already_applied: true,
            event_types: Vec::new(),
        });
    }
    match &command {
        Command::Territory(c) => h.execute::<Territory>(stream_id, &meta, &ctx, c).await,
        Command::Member(c @ MemberCommand::Succeed { .. }) => {
            succession(h, stream_id, &meta, &ctx, c).await
        }
        Command::Member(c) => h.execute::<Member>(stream_id, &meta, &ctx, c).await,
        Command::Dues(c) => h.execute::<DuesSchedules>(stream_id, &meta, &ctx, c).await,
        Command::Statutes(c) => h.execute::<StatutesBook>(stream_id, &meta, &ctx, c).await,
        Command::Body(c) => h.execute::<Body>(stream_id, &meta, &ctx, c).await,
        Command::Session(c) => h.execute::<Session>(stream_id, &meta, &ctx, c).await,
        Command::Minutes(c) => h.execute::<Minutes>(stream_id, &meta, &ctx, c).await,
        Command::Correction(c) => h.execute::<Correction>(stream_id, &meta, &ctx, c).await,
    }
}

fn stream_name(command: &Command) -> String {
    match command {
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
    }
}

/// A succession writes the same event to the successor's stream (which
/// must not hold a current member) and then to the predecessor's.
///
/// The two appends are not one transaction: if the second fails, the
/// successor is a member and the predecessor still is too. Re-issuing the
/// command with the same id completes it: the successor's append carries a
/// command id derived from the command's, so a retry sees it is already in
/// the log and goes on to the predecessor's append.
async fn succession(
    h: &CommandHandler,
    predecessor_stream: StreamId,
    meta: &CommandMeta,
    ctx: &Context,
    command: &MemberCommand,
) -> Result<Outcome, CommandError> {
    let MemberCommand::Succeed { successor_unit, .. } = command else {
        return h
            .execute::<Member>(predecessor_stream, meta, ctx, command)
            .await;
    };
    let successor_id = streams::member_id_for(successor_unit);
    let successor_stream = stream(streams::member(successor_id))?;
    // Decide once on the predecessor's current state, then write the event
    // to the successor first: it is the stream where a race can conflict.
    let (predecessor_state, _) = h.load_state::<Member>(&predecessor_stream).await?;
    let events = <Member as registre_domain::Aggregate>::decide(&predecessor_state, command, ctx)?;
    let successor_meta = CommandMeta {
        command_id: Uuid::new_v5(&meta.command_id, b"successor"),
        causation_id: Some(meta.command_id),
        ..meta.clone()
    };
    let successor_done = h
        .with_view(|v| v.command_ids.contains(&successor_meta.command_id))
        .await?;
    if !successor_done {
        let for_successor = events.clone();
        h.execute_events::<Member>(successor_stream, &successor_meta, ctx, move |s| {
            check_successor(s)?;
            Ok(for_successor.clone())
        })
        .await?;
    }
    h.execute::<Member>(predecessor_stream, meta, ctx, command)
        .await
}
