//! Corrections (stream `correction-<correction_id>`): nothing is ever
//! deleted; a correction points at the event it corrects and says why.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A recorded event was corrected.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct RecordCorrected {
    pub correction_id: Uuid,
    pub corrected_event_id: Uuid,
    pub corrected_stream_id: String,
    pub reason: String,
    /// What the record should have said, in words.
    pub correction: String,
}
