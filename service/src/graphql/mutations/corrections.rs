//! Corrections: a new event pointing at a recorded one, saying why and
//! what is right. Nothing is ever deleted or rewritten.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use registre_domain::correction::CorrectRecord;
use registre_schema::envelope::MAX_STREAM_ID_LEN;

use super::{
    CommandResult, MAX_TEXT, Submit, bounded, command_uuid, new_id, occurred, submit, uuid,
};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Permission, RoleGuard};

#[derive(Default)]
pub struct CorrectionMutation;

#[Object]
impl CorrectionMutation {
    /// Corrects a recorded fact. `correctionId` defaults to an id derived
    /// from the command id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn correct_record(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        correction_id: Option<ID>,
        corrected_event_id: ID,
        corrected_stream_id: String,
        reason: String,
        correction: String,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let correction_id = new_id("correctionId", correction_id.as_ref(), cid, "correction")?;
        bounded("correctedStreamId", &corrected_stream_id, MAX_STREAM_ID_LEN)?;
        bounded("reason", &reason, MAX_TEXT)?;
        bounded("correction", &correction, MAX_TEXT)?;
        let command = CorrectRecord {
            correction_id,
            corrected_event_id: uuid("correctedEventId", &corrected_event_id)?,
            corrected_stream_id,
            reason,
            correction,
        };
        submit(
            ctx,
            Submit {
                command_id: cid,
                occurred_at: occurred(occurred_at, None),
                command: command.into(),
                entity_id: correction_id.to_string(),
                // The corrected record carries the notice in its own read
                // model; the correction itself is only in the log.
                entity: Box::new(|_| None),
            },
        )
        .await
    }
}
