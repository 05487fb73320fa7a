//! Minutes (procès-verbaux): drafted with the document's hash, adopted at
//! a later session, signed by the president and the secretary.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::minutes::MinutesCommand;
use uuid::Uuid;

use super::{
    CommandResult, MAX_NAME, MAX_TEXT, Submit, bounded, command_uuid, json, new_id, occurred,
    submit, uuid,
};
use crate::graphql::domain_enums::Signatory;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Permission, RoleGuard};

/// Length of a SHA-256 in hexadecimal.
const SHA256_HEX: usize = 64;

#[derive(Default)]
pub struct MinutesMutation;

fn minutes_submit(
    command_id: Uuid,
    occurred_at: DateTime<Utc>,
    minutes_id: Uuid,
    command: MinutesCommand,
) -> Submit {
    Submit {
        command_id,
        occurred_at,
        command: command.into(),
        entity_id: minutes_id.to_string(),
        entity: Box::new(move |m| json(m.minutes.get(minutes_id))),
    }
}

#[Object]
impl MinutesMutation {
    /// Drafts (or redrafts, until adoption) the minutes of a closed
    /// session. `minutesId` defaults to an id derived from the command id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn draft_minutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        minutes_id: Option<ID>,
        session_id: ID,
        sha256: String,
        document_ref: String,
        drafted_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let minutes_id = new_id("minutesId", minutes_id.as_ref(), cid, "minutes")?;
        bounded("sha256", &sha256, SHA256_HEX)?;
        bounded("documentRef", &document_ref, MAX_TEXT)?;
        let command = MinutesCommand::Draft {
            minutes_id,
            session_id: uuid("sessionId", &session_id)?,
            sha256,
            document_ref,
            drafted_on,
        };
        let when = occurred(occurred_at, Some(drafted_on));
        submit(ctx, minutes_submit(cid, when, minutes_id, command)).await
    }

    /// Adopts the minutes at another, open session; `sha256` is the
    /// version put to the vote.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn adopt_minutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        minutes_id: ID,
        adopted_in_session_id: ID,
        adopted_on: NaiveDate,
        sha256: String,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let minutes_id = uuid("minutesId", &minutes_id)?;
        bounded("sha256", &sha256, SHA256_HEX)?;
        let command = MinutesCommand::Adopt {
            minutes_id,
            adopted_in_session_id: uuid("adoptedInSessionId", &adopted_in_session_id)?,
            adopted_on,
            sha256,
        };
        let when = occurred(occurred_at, Some(adopted_on));
        submit(ctx, minutes_submit(cid, when, minutes_id, command)).await
    }

    /// Records a signature of the minutes.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn sign_minutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        minutes_id: ID,
        signatory: Signatory,
        signatory_name: String,
        signed_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let minutes_id = uuid("minutesId", &minutes_id)?;
        bounded("signatoryName", &signatory_name, MAX_NAME)?;
        let command = MinutesCommand::Sign {
            minutes_id,
            signatory: signatory.into(),
            signatory_name,
            signed_on,
        };
        let when = occurred(occurred_at, Some(signed_on));
        submit(ctx, minutes_submit(cid, when, minutes_id, command)).await
    }
}
