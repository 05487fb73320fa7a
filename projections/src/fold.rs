//! What every read model is handed: the event's envelope data and its
//! decoded payload, and word of corrections.
//!
//! [`crate::ReadModels`] decodes each event once and gives the typed event
//! to every model through [`Fold`], so no model parses JSON.

use chrono::{DateTime, Utc};
use registre_schema::{Actor, DomainEvent, Position, RecordedEvent, StreamId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The envelope fields a model may use, borrowed from the recorded event.
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    pub position: Position,
    pub event_id: Uuid,
    pub stream: &'a StreamId,
    pub event_type: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: &'a Actor,
}

impl<'a> Meta<'a> {
    pub fn of<P>(e: &'a RecordedEvent<P>) -> Meta<'a> {
        Meta {
            position: e.position,
            event_id: e.id,
            stream: &e.stream_id,
            event_type: &e.event_type,
            occurred_at: e.occurred_at,
            recorded_at: e.recorded_at,
            actor: &e.actor,
        }
    }

    /// The id after the stream's category (`member-<uuid>` gives the uuid).
    pub fn stream_uuid(&self) -> Option<Uuid> {
        stream_uuid(self.stream.as_str())
    }
}

/// The UUID of a `category-<uuid>` stream id.
pub fn stream_uuid(stream: &str) -> Option<Uuid> {
    let (_, rest) = stream.split_once('-')?;
    Uuid::try_parse(rest).ok()
}

/// A correction as the corrected record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub correction_id: Uuid,
    pub corrected_event_id: Uuid,
    /// Where the corrected event stands in the log (none if the log read so
    /// far does not hold it).
    pub corrected_position: Option<Position>,
    pub reason: String,
    /// What the record should have said, in words.
    pub correction: String,
    /// Position of the `RecordCorrected` event.
    pub position: Position,
}

/// Word that an event was corrected, for the models to flag their record.
#[derive(Debug, Clone, Copy)]
pub struct CorrectionNotice<'a> {
    pub correction: &'a Correction,
    pub corrected_stream: &'a str,
    /// The uuid of the corrected stream, for `category-<uuid>` streams.
    pub corrected_stream_uuid: Option<Uuid>,
    /// The corrected event's type, when the log read so far holds it.
    pub corrected_event_type: Option<&'a str>,
}

impl CorrectionNotice<'_> {
    /// The corrected stream's category (`member`, `session`, ...).
    pub fn category(&self) -> &str {
        self.corrected_stream
            .split('-')
            .next()
            .unwrap_or(self.corrected_stream)
    }

    /// The corrected stream's uuid if its category is `category`.
    pub fn entity(&self, category: &str) -> Option<Uuid> {
        (self.category() == category)
            .then_some(self.corrected_stream_uuid)
            .flatten()
    }
}

/// One read model's part of the fold.
pub trait Fold {
    /// Takes one decoded domain event.
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent);

    /// Flags the record a corrected event belongs to, if it is this model's.
    fn on_correction(&mut self, _notice: &CorrectionNotice<'_>) {}
}
