//! Minutes (procès-verbaux): drafted with the document's hash, adopted at
//! a later session, signed by the president and the secretary.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::minutes::MinutesCommand;

use super::{Call, CommandResult, Entity, MAX_NAME, MAX_TEXT, bounded, uuid};
use crate::graphql::domain_enums::Signatory;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

/// Length of a SHA-256 in hexadecimal.
const SHA256_HEX: usize = 64;

#[derive(Default)]
pub struct MinutesMutation;

#[Object(guard = "Policy(RootKind::Mutation)")]
impl MinutesMutation {
    /// Drafts (or redrafts, until adoption) the minutes of a closed
    /// session. `minutesId` defaults to an id derived from the command id.
    #[allow(clippy::too_many_arguments)]
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
        let call = Call::new(command_id, occurred_at)?;
        let minutes_id = call.new_id("minutesId", minutes_id, "minutes")?;
        bounded("sha256", &sha256, SHA256_HEX)?;
        bounded("documentRef", &document_ref, MAX_TEXT)?;
        let command = MinutesCommand::Draft {
            minutes_id,
            session_id: uuid("sessionId", &session_id)?,
            sha256,
            document_ref,
            drafted_on,
        };
        let on = Some(drafted_on);
        call.submit(ctx, on, command, Entity::Minutes(minutes_id))
            .await
    }

    /// Adopts the minutes at another, open session; `sha256` is the
    /// version put to the vote.
    #[allow(clippy::too_many_arguments)]
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
        let call = Call::new(command_id, occurred_at)?;
        let minutes_id = uuid("minutesId", &minutes_id)?;
        bounded("sha256", &sha256, SHA256_HEX)?;
        let command = MinutesCommand::Adopt {
            minutes_id,
            adopted_in_session_id: uuid("adoptedInSessionId", &adopted_in_session_id)?,
            adopted_on,
            sha256,
        };
        let on = Some(adopted_on);
        call.submit(ctx, on, command, Entity::Minutes(minutes_id))
            .await
    }

    /// Records a signature of the minutes.
    #[allow(clippy::too_many_arguments)]
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
        let call = Call::new(command_id, occurred_at)?;
        let minutes_id = uuid("minutesId", &minutes_id)?;
        bounded("signatoryName", &signatory_name, MAX_NAME)?;
        let command = MinutesCommand::Sign {
            minutes_id,
            signatory: signatory.into(),
            signatory_name,
            signed_on,
        };
        let on = Some(signed_on);
        call.submit(ctx, on, command, Entity::Minutes(minutes_id))
            .await
    }
}
