//! Mutations: one per domain command, named for it, for the secretariat.
//!
//! Every mutation goes the same way ([`submit`]): [`authorize_field`] for
//! the permission `POLICY` gives it (which gives the actor recorded in the
//! events),
//! then `Application::submit`, which decides and appends the command and
//! waits until the read models include it (read your writes), and the
//! answer: the events appended and the entity as the read models now show
//! it. A command whose events were appended is never answered with an
//! error (see `application::submit`); when the read models lag, the answer
//! says so with `registersBehind`. A command refused by the store writes
//! nothing: `STORAGE_FULL` when its disk is full, `STORE_UNAVAILABLE` when
//! it cannot be reached.
//!
//! Architecture invariant: a mutation decides nothing. It bounds and
//! parses its input, builds the domain command and reports the outcome;
//! the domain alone accepts or refuses.
//!
//! Retries: every mutation takes an optional `commandId`. The same id sent
//! again appends nothing and answers with the events of the first call.
//! Ids of new entities (session, motion, mandate...) default to ids derived
//! from the command id, so a retry names the same entity.
//!
//! ## Layout
//! - this file: [`CommandResult`], [`submit`], input bounds and parsing.
//! - [`call`]: what every mutation does around its command ([`Call`]) and
//!   the entity its answer shows ([`Entity`]).
//! - [`members`]: admission, suspension, reinstatement, exclusion,
//!   withdrawal, succession, dues payments.
//! - [`dues`]: dues schedules.
//! - [`statutes`]: adoption and amendments.
//! - [`bodies`]: bodies, posts, elections and ends of mandates.
//! - [`sessions`]: convocation to closing.
//! - [`minutes`]: drafting, adoption, signatures.
//! - [`corrections`]: corrections of recorded facts.
//! - [`territory`]: reorganisations of the territorial units.

mod bodies;
mod call;
mod corrections;
mod dues;
mod members;
mod minutes;
mod sessions;
mod statutes;
mod territory;

use async_graphql::{Context, ID, Json, SimpleObject};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use registre_domain::DomainError;
use registre_projections::ReadModels;
use uuid::Uuid;

use super::errors::ApiError;
use super::guard::{RootKind, authorize_field};
use super::schema::app;
use crate::application::{Command, CommandError, Submission};
use crate::language::Message;

pub(crate) use call::{Call, Entity};

pub use bodies::BodyMutation;
pub use corrections::CorrectionMutation;
pub use dues::DuesMutation;
pub use members::MemberMutation;
pub use minutes::MinutesMutation;
pub use sessions::SessionMutation;
pub use statutes::StatutesMutation;
pub use territory::TerritoryMutation;

// The bounds of input are the domain's: one definition of each, checked
// here too so that an oversized argument is refused before a command is
// built.
pub use registre_domain::session::MAX_AGENDA;
pub use registre_domain::territory::MAX_CODE;
pub use registre_domain::text::{MAX_NAME, MAX_TEXT};

/// One event a command appended.
#[derive(SimpleObject, Clone)]
pub struct AppendedEvent {
    pub position: u64,
    /// The event's id: what a correction (`correctRecord`) names, with
    /// the stream.
    pub id: ID,
    pub event_type: String,
    pub stream_id: String,
}

/// What a mutation did.
#[derive(SimpleObject)]
pub struct CommandResult {
    /// The command's id: send it again to retry safely.
    pub command_id: String,
    /// The stream the command wrote.
    pub stream_id: String,
    /// True when this id had already been applied: nothing was decided
    /// again, and `events` are those of the first call.
    pub already_applied: bool,
    /// Events the command appended, in order (none when the decision
    /// changed nothing).
    pub events: Vec<AppendedEvent>,
    /// The log position the read models had reached when `entity` was
    /// read: at least the last event's position, unless `registersBehind`.
    pub position: u64,
    /// True when the read models did not include the command's events in
    /// time: the events are recorded all the same, `entity` is null, and
    /// the registers will show them once they catch up.
    pub registers_behind: bool,
    /// The id of the entity the command acted on (member, body, session,
    /// motion, mandate, minutes, correction; the year for a dues schedule,
    /// the version for statutes).
    pub entity_id: String,
    /// The entity as the read models show it after the command, as JSON
    /// (null when no read model holds it).
    pub entity: Option<Json<serde_json::Value>>,
}

/// What the read models show of the entity a command acted on.
pub(crate) type EntityOf = Box<dyn FnOnce(&ReadModels) -> Option<serde_json::Value> + Send>;

/// A command to submit, with what to show afterwards.
pub(crate) struct Submit {
    pub command_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub command: Command,
    pub entity_id: String,
    pub entity: EntityOf,
}

/// The JSON of a read-model record.
pub(crate) fn json<T: serde::Serialize>(v: Option<&T>) -> Option<serde_json::Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

fn domain(e: DomainError) -> ApiError {
    ApiError::Domain {
        code: e.code(),
        message: Message::new(e.message_fr(), e.message_en()),
    }
}

fn command_error(e: CommandError) -> ApiError {
    match e {
        CommandError::Rejected(d) => domain(d),
        CommandError::Conflict { .. } => ApiError::Conflict,
        CommandError::Store(s) => s.into(),
    }
}

/// Submits a command for the caller and reports it (see the module docs).
pub(crate) async fn submit(ctx: &Context<'_>, submit: Submit) -> Result<CommandResult, ApiError> {
    let actor = authorize_field(ctx, RootKind::Mutation)?;
    let submission = Submission {
        command_id: submit.command_id,
        actor,
        occurred_at: submit.occurred_at,
        command: submit.command,
    };
    let done = app(ctx)
        .submit(submission, submit.entity)
        .await
        .map_err(command_error)?;
    let stream_id = done.outcome.stream_id.to_string();
    Ok(CommandResult {
        command_id: submit.command_id.to_string(),
        already_applied: done.outcome.already_applied,
        events: done
            .outcome
            .events
            .into_iter()
            .map(|e| AppendedEvent {
                position: e.position,
                id: ID(e.id.to_string()),
                event_type: e.event_type,
                stream_id: stream_id.clone(),
            })
            .collect(),
        stream_id,
        position: done.position,
        registers_behind: done.registers_behind,
        entity_id: submit.entity_id,
        entity: done.shown.flatten().map(Json),
    })
}

// Input parsing and bounds.

/// A client id, or an error naming the field.
pub(crate) fn uuid(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        ApiError::bad_input(
            format!("{field} : identifiant invalide (UUID attendu)."),
            format!("{field}: invalid identifier (a UUID is expected)."),
        )
    })
}

pub(crate) fn opt_uuid(field: &str, id: Option<&ID>) -> Result<Option<Uuid>, ApiError> {
    id.map(|i| uuid(field, i)).transpose()
}

/// The client's command id, or a fresh one.
pub(crate) fn command_uuid(id: Option<&ID>) -> Result<Uuid, ApiError> {
    Ok(opt_uuid("commandId", id)?.unwrap_or_else(Uuid::now_v7))
}

/// The id the client gave for a new entity, or one derived from the
/// command id (the same on every retry).
pub(crate) fn new_id(
    field: &str,
    given: Option<&ID>,
    command_id: Uuid,
    salt: &str,
) -> Result<Uuid, ApiError> {
    Ok(opt_uuid(field, given)?.unwrap_or_else(|| Uuid::new_v5(&command_id, salt.as_bytes())))
}

/// Refuses a string longer than `max` characters.
pub(crate) fn bounded(field: &str, s: &str, max: usize) -> Result<(), ApiError> {
    if s.chars().count() > max {
        return Err(ApiError::bad_input(
            format!("{field} : {max} caractères au plus."),
            format!("{field}: at most {max} characters."),
        ));
    }
    Ok(())
}

/// When a command happened in the world: the client's `occurredAt`, else
/// the start of the command's own date, else now.
pub(crate) fn occurred(given: Option<DateTime<Utc>>, date: Option<NaiveDate>) -> DateTime<Utc> {
    given
        .or_else(|| {
            date.and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| Utc.from_utc_datetime(&t))
        })
        .unwrap_or_else(Utc::now)
}
