//! What every mutation does around its own command: the command id, when
//! the command happened, and which entity the answer names and shows.
//!
//! A mutation opens its [`Call`] first, so a malformed `commandId` is
//! refused before any other argument is looked at, and ends with
//! [`Call::submit`], naming the [`Entity`] its command acted on.

use async_graphql::{Context, ID};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{CommandResult, EntityOf, Submit, command_uuid, json, new_id, occurred, submit};
use crate::application::Command;
use crate::graphql::errors::ApiError;

/// The arguments every mutation takes: `commandId` and `occurredAt`.
pub(crate) struct Call {
    command_id: Uuid,
    occurred_at: Option<DateTime<Utc>>,
}

impl Call {
    /// Parses the client's command id (or draws a fresh one).
    pub fn new(
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Call, ApiError> {
        Ok(Call {
            command_id: command_uuid(command_id.as_ref())?,
            occurred_at,
        })
    }

    /// The id the client gave for a new entity, or one derived from the
    /// command id (the same on every retry).
    pub fn new_id(&self, field: &str, given: Option<ID>, salt: &str) -> Result<Uuid, ApiError> {
        new_id(field, given.as_ref(), self.command_id, salt)
    }

    /// Submits `command` (see [`submit`]). Without `occurredAt` it is
    /// dated the start of `on`, the command's own date, else now.
    pub async fn submit(
        self,
        ctx: &Context<'_>,
        on: Option<NaiveDate>,
        command: impl Into<Command>,
        entity: Entity,
    ) -> Result<CommandResult, ApiError> {
        let submission = Submit {
            command_id: self.command_id,
            occurred_at: occurred(self.occurred_at, on),
            command: command.into(),
            entity_id: entity.id(),
            entity: entity.shown(),
        };
        submit(ctx, submission).await
    }
}

/// The entity a command acted on: its id in the answer, and the read-model
/// record the answer shows.
pub(crate) enum Entity {
    Member(Uuid),
    /// A member, shown by its dues account.
    MemberDues(Uuid),
    Body(Uuid),
    /// A post or a mandate, shown as the body that holds it.
    InBody {
        id: Uuid,
        body_id: Uuid,
    },
    Session(Uuid),
    Motion(Uuid),
    Minutes(Uuid),
    /// A year's dues schedule.
    DuesSchedule(i32),
    /// The statutes version in force from its effective date.
    Statutes(NaiveDate),
    /// The corrected record carries the notice in its own read model; the
    /// correction itself is only in the log.
    Correction(Uuid),
    /// A reorganisation of the territory, as the member register reads it.
    Reorganisation(Uuid),
}

impl Entity {
    fn id(&self) -> String {
        match self {
            Entity::Member(id)
            | Entity::MemberDues(id)
            | Entity::Body(id)
            | Entity::InBody { id, .. }
            | Entity::Session(id)
            | Entity::Motion(id)
            | Entity::Minutes(id)
            | Entity::Correction(id)
            | Entity::Reorganisation(id) => id.to_string(),
            Entity::DuesSchedule(year) => year.to_string(),
            Entity::Statutes(from) => from.to_string(),
        }
    }

    fn shown(self) -> EntityOf {
        match self {
            Entity::Member(id) => Box::new(move |m| json(m.membership.member(id))),
            Entity::MemberDues(id) => Box::new(move |m| json(m.dues.members.get(&id))),
            Entity::Body(body_id) | Entity::InBody { body_id, .. } => {
                Box::new(move |m| json(m.bodies.body(body_id)))
            }
            Entity::Session(id) => Box::new(move |m| json(m.sessions.session(id))),
            Entity::Motion(id) => Box::new(move |m| json(m.resolutions.motion(id))),
            Entity::Minutes(id) => Box::new(move |m| json(m.minutes.get(id))),
            Entity::DuesSchedule(year) => Box::new(move |m| json(m.dues.schedules.get(&year))),
            Entity::Statutes(from) => Box::new(move |m| json(m.dues.statutes_in_force(from))),
            Entity::Correction(_) => Box::new(|_| None),
            Entity::Reorganisation(id) => Box::new(move |m| {
                json(
                    m.membership
                        .reorganisations
                        .iter()
                        .find(|r| r.reorganisation_id == id),
                )
            }),
        }
    }
}
