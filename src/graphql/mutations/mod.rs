//! Mutations: one per domain command, named for it, for the secretariat.
//!
//! Every mutation goes the same way ([`issue`]): [`authorize`] for
//! `Permission::Mutate` (which gives the actor recorded in the events),
//! the command handed to `CommandHandler::handle`, then a wait until the
//! read models include the command's last event (read your writes), and
//! the answer: the events appended and the entity as the read models now
//! show it.
//!
//! Architecture invariant: a command whose events were appended is never
//! answered with an error. Once the store has taken them, the answer is
//! built from the handler's outcome; if the read models do not include
//! them in time ([`READ_YOUR_WRITES`]: lagging, or stopped), the answer
//! says so with `registersBehind` instead of failing. A command refused by
//! the store writes nothing: `STORAGE_FULL` when its disk is full,
//! `STORE_UNAVAILABLE` when it cannot be reached.
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
//! - this file: [`CommandResult`], [`issue`], input bounds and parsing.
//! - [`members`]: admission, suspension, reinstatement, exclusion,
//!   withdrawal, succession, dues payments.
//! - [`dues`]: dues schedules.
//! - [`statutes`]: adoption and amendments.
//! - [`bodies`]: bodies, posts, elections and ends of mandates.
//! - [`sessions`]: convocation to closing.
//! - [`minutes`]: drafting, adoption, signatures.
//! - [`corrections`]: corrections of recorded facts.

mod bodies;
mod corrections;
mod dues;
mod members;
mod minutes;
mod sessions;
mod statutes;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, Json, SimpleObject};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use registre_domain::DomainError;
use registre_projections::ReadModels;
use registre_schema::{CommandMeta, Position, RecordedEvent};
use uuid::Uuid;

use super::errors::ApiError;
use super::guard::{Permission, authorize};
use crate::commands::{Command, CommandError, CommandHandler, Outcome};
use crate::projection::Projector;
use crate::store::{EventStore, MAX_READ_BATCH};

pub use bodies::BodyMutation;
pub use corrections::CorrectionMutation;
pub use dues::DuesMutation;
pub use members::MemberMutation;
pub use minutes::MinutesMutation;
pub use sessions::SessionMutation;
pub use statutes::StatutesMutation;

/// Longest name or title (as the domain's own bound).
pub const MAX_NAME: usize = 200;
/// Longest free text (reasons, motion texts).
pub const MAX_TEXT: usize = 2_000;
/// Longest code, reference or scheme name.
pub const MAX_CODE: usize = 200;
/// Most agenda items of one session.
pub const MAX_AGENDA_ITEMS: usize = 50;
/// How long a mutation waits for the read models to include its events.
pub const READ_YOUR_WRITES: Duration = Duration::from_secs(5);
/// Most events of one stream scanned to find a retried command's events.
const MAX_RETRY_SCAN: usize = 200_000;

/// One event a command appended.
#[derive(SimpleObject, Clone)]
pub struct AppendedEvent {
    pub position: u64,
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

/// A command to issue, with what to show afterwards.
pub(crate) struct Issue {
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
        message: e.message_fr(),
    }
}

fn command_error(e: CommandError) -> ApiError {
    match e {
        CommandError::Rejected(d) => domain(d),
        CommandError::Conflict { .. } => ApiError::Conflict,
        CommandError::Store(s) => s.into(),
    }
}

/// Runs a command for the caller and reports it (see the module docs).
pub(crate) async fn issue(ctx: &Context<'_>, issue: Issue) -> Result<CommandResult, ApiError> {
    let actor = authorize(ctx, Permission::Mutate)?;
    let handler = ctx
        .data::<Arc<CommandHandler>>()
        .map_err(|_| ApiError::Internal("no command handler in the schema data".into()))?;
    let meta = CommandMeta {
        command_id: issue.command_id,
        actor,
        correlation_id: issue.command_id,
        causation_id: None,
    };
    let outcome = handler
        .handle(meta, issue.occurred_at, issue.command)
        .await
        .map_err(command_error)?;
    // From here on the command is committed (or was, by a first call):
    // nothing below may turn it into an error.
    let store = handler.store();
    let events = appended(store.as_ref(), &outcome, issue.command_id).await?;
    let target = match events.last() {
        Some(e) => Some(e.position),
        // Nothing appended: the head is where the decision was taken.
        None => store.head().await.ok(),
    };
    let (position, entity, registers_behind) = match ctx.data_opt::<Projector<ReadModels>>() {
        Some(models) => {
            let waited = match target {
                Some(target) => models.wait_for(target, READ_YOUR_WRITES).await,
                None => Ok(()),
            };
            match waited {
                Ok(()) => {
                    let (position, entity) = models.read(|m, p| (p, (issue.entity)(m)));
                    (position, entity, false)
                }
                Err(e) => {
                    tracing::warn!(command_id = %issue.command_id, error = %e,
                        "command recorded; the read models do not show it yet");
                    (models.progress().position, None, true)
                }
            }
        }
        None => (target.unwrap_or_default(), None, false),
    };
    Ok(CommandResult {
        command_id: issue.command_id.to_string(),
        stream_id: outcome.stream_id.to_string(),
        already_applied: outcome.already_applied,
        events,
        position,
        registers_behind,
        entity_id: issue.entity_id,
        entity: entity.map(Json),
    })
}

/// The events the command wrote to its stream: read back by position when
/// just appended, searched by command id when the command was a retry.
async fn appended(
    store: &dyn EventStore,
    outcome: &Outcome,
    command_id: Uuid,
) -> Result<Vec<AppendedEvent>, ApiError> {
    let view = |e: &RecordedEvent| AppendedEvent {
        position: e.position,
        event_type: e.event_type.clone(),
        stream_id: e.stream_id.to_string(),
    };
    if let (false, Some(last), n) = (
        outcome.already_applied,
        outcome.last_position,
        outcome.appended,
    ) && n > 0
    {
        // One append is one dense run of positions.
        let first: Position = last + 1 - n as u64;
        if outcome.event_types.len() == n {
            return Ok((first..)
                .zip(&outcome.event_types)
                .map(|(position, event_type)| AppendedEvent {
                    position,
                    event_type: (*event_type).to_owned(),
                    stream_id: outcome.stream_id.to_string(),
                })
                .collect());
        }
        let events = store.read_all(first, n).await?;
        if events.len() == n && events.iter().all(|e| e.command_id == command_id) {
            return Ok(events.iter().map(view).collect());
        }
    }
    if outcome.appended == 0 && !outcome.already_applied {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut from = 0;
    while (from as usize) < MAX_RETRY_SCAN {
        let batch = store
            .read_stream(&outcome.stream_id, from, MAX_READ_BATCH)
            .await?;
        found.extend(
            batch
                .iter()
                .filter(|e| e.command_id == command_id)
                .map(view),
        );
        match batch.last() {
            Some(e) if batch.len() == MAX_READ_BATCH => from = e.revision + 1,
            _ => break,
        }
    }
    Ok(found)
}

// Input parsing and bounds.

/// A client id, or an error naming the field.
pub(crate) fn uuid(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::BadInput(format!("{field} : identifiant invalide (UUID attendu).")))
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
        return Err(ApiError::BadInput(format!(
            "{field} : {max} caractères au plus."
        )));
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
