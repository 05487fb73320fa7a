//! Bodies, their posts, elections to the posts and ends of mandates.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::body::{BodyCommand, MAX_SEATS};
use uuid::Uuid;

use super::members::TerritorialUnitInput;
use super::{
    CommandResult, EntityOf, MAX_NAME, Submit, bounded, command_uuid, json, new_id, occurred,
    opt_uuid, submit, uuid,
};
use crate::graphql::domain_enums::{BodyKind, BodyLevel, MandateEndReason};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Permission, RoleGuard};

#[derive(Default)]
pub struct BodyMutation;

fn body_entity(id: Uuid) -> EntityOf {
    Box::new(move |m| json(m.bodies.body(id)))
}

fn body_submit(
    command_id: Uuid,
    occurred_at: DateTime<Utc>,
    entity_id: Uuid,
    body_id: Uuid,
    command: BodyCommand,
) -> Submit {
    Submit {
        command_id,
        occurred_at,
        command: command.into(),
        entity_id: entity_id.to_string(),
        entity: body_entity(body_id),
    }
}

#[Object]
impl BodyMutation {
    /// Establishes an instance or an organ. `bodyId` defaults to an id
    /// derived from the command id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn establish_body(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: Option<ID>,
        name: String,
        kind: BodyKind,
        level: BodyLevel,
        territorial_unit: Option<TerritorialUnitInput>,
        convened_by_body_id: Option<ID>,
        parent_body_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let body_id = new_id("bodyId", body_id.as_ref(), cid, "body")?;
        bounded("name", &name, MAX_NAME)?;
        let territorial_unit = territorial_unit
            .map(|u| u.key("territorialUnit"))
            .transpose()?;
        let command = BodyCommand::Establish {
            body_id,
            name,
            kind: kind.into(),
            level: level.into(),
            territorial_unit,
            convened_by_body_id: opt_uuid("convenedByBodyId", convened_by_body_id.as_ref())?,
            parent_body_id: opt_uuid("parentBodyId", parent_body_id.as_ref())?,
        };
        let when = occurred(occurred_at, None);
        submit(ctx, body_submit(cid, when, body_id, body_id, command)).await
    }

    /// Defines a post of a body with its number of seats. `postId`
    /// defaults to an id derived from the command id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn define_post(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: Option<ID>,
        title: String,
        seats: u32,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let body_id = uuid("bodyId", &body_id)?;
        let post_id = new_id("postId", post_id.as_ref(), cid, "post")?;
        bounded("title", &title, MAX_NAME)?;
        if seats > MAX_SEATS {
            return Err(ApiError::BadInput(format!(
                "seats : {MAX_SEATS} sièges au plus."
            )));
        }
        let command = BodyCommand::DefinePost {
            body_id,
            post_id,
            title,
            seats,
        };
        let when = occurred(occurred_at, None);
        submit(ctx, body_submit(cid, when, post_id, body_id, command)).await
    }

    /// Elects a member in good standing to a post, from `startsOn` for the
    /// statutory term. `mandateId` defaults to an id derived from the
    /// command id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn elect_officer(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: ID,
        mandate_id: Option<ID>,
        member_id: ID,
        holder_name: String,
        session_id: Option<ID>,
        starts_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let body_id = uuid("bodyId", &body_id)?;
        let mandate_id = new_id("mandateId", mandate_id.as_ref(), cid, "mandate")?;
        bounded("holderName", &holder_name, MAX_NAME)?;
        let command = BodyCommand::ElectOfficer {
            body_id,
            post_id: uuid("postId", &post_id)?,
            mandate_id,
            member_id: uuid("memberId", &member_id)?,
            holder_name,
            session_id: opt_uuid("sessionId", session_id.as_ref())?,
            starts_on,
        };
        let when = occurred(occurred_at, Some(starts_on));
        submit(ctx, body_submit(cid, when, mandate_id, body_id, command)).await
    }

    /// Ends a mandate before or at its term.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn end_mandate(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: ID,
        mandate_id: ID,
        ended_on: NaiveDate,
        reason: MandateEndReason,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let body_id = uuid("bodyId", &body_id)?;
        let mandate_id = uuid("mandateId", &mandate_id)?;
        let command = BodyCommand::EndMandate {
            body_id,
            post_id: uuid("postId", &post_id)?,
            mandate_id,
            ended_on,
            reason: reason.into(),
        };
        let when = occurred(occurred_at, Some(ended_on));
        submit(ctx, body_submit(cid, when, mandate_id, body_id, command)).await
    }
}
