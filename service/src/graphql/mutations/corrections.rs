//! Corrections: a new event pointing at a recorded one, saying why and
//! what is right. Nothing is ever deleted or rewritten.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use registre_domain::correction::CorrectRecord;
use registre_schema::envelope::MAX_STREAM_ID_LEN;

use super::{Call, CommandResult, Entity, MAX_TEXT, bounded, uuid};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

#[derive(Default)]
pub struct CorrectionMutation;

#[Object(guard = "Policy(RootKind::Mutation)")]
impl CorrectionMutation {
    /// Corrects a recorded fact. `correctionId` defaults to an id derived
    /// from the command id.
    #[allow(clippy::too_many_arguments)]
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
        let call = Call::new(command_id, occurred_at)?;
        let correction_id = call.new_id("correctionId", correction_id, "correction")?;
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
        let shown = Entity::Correction(correction_id);
        call.submit(ctx, None, command, shown).await
    }
}
