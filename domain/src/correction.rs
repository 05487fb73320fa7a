//! Corrections (stream `correction-<correction_id>`): a new event that
//! points at the corrected one and says why. Nothing is ever deleted.

use registre_schema::DomainEvent;
use registre_schema::events::RecordCorrected;
use uuid::Uuid;

use crate::dates::Dated;
use crate::text::{MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError};

#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub correction_id: Uuid,
    pub corrected_event_id: Uuid,
}

/// The corrected event must be in the log (`ctx.facts.known_events`).
#[derive(Debug, Clone)]
pub struct CorrectRecord {
    pub correction_id: Uuid,
    pub corrected_event_id: Uuid,
    pub corrected_stream_id: String,
    pub reason: String,
    pub correction: String,
}

impl Aggregate for Correction {
    type State = Option<Correction>;
    type Command = CorrectRecord;
    type Event = DomainEvent;

    fn dates(_: &CorrectRecord) -> Vec<Dated> {
        vec![]
    }

    fn decide_dated(
        state: &Option<Correction>,
        c: &CorrectRecord,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        if state.is_some() {
            return Err(DomainError::IdAlreadyUsed);
        }
        required("reason", &c.reason, MAX_TEXT)?;
        required("correction", &c.correction, MAX_TEXT)?;
        required("corrected_stream_id", &c.corrected_stream_id, 200)?;
        if !ctx.facts.known_events.contains(&c.corrected_event_id) {
            return Err(DomainError::UnknownEvent);
        }
        Ok(vec![
            RecordCorrected {
                correction_id: c.correction_id,
                corrected_event_id: c.corrected_event_id,
                corrected_stream_id: c.corrected_stream_id.clone(),
                reason: c.reason.clone(),
                correction: c.correction.clone(),
            }
            .into(),
        ])
    }

    fn evolve(state: Option<Correction>, event: &DomainEvent) -> Option<Correction> {
        match event {
            DomainEvent::RecordCorrected(e) => Some(Correction {
                correction_id: e.correction_id,
                corrected_event_id: e.corrected_event_id,
            }),
            _ => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn command() -> CorrectRecord {
        CorrectRecord {
            correction_id: id(1),
            corrected_event_id: id(2),
            corrected_stream_id: "member-x".into(),
            reason: "erreur de saisie".into(),
            correction: "le reçu est R-12, pas R-21".into(),
        }
    }

    fn corrected() -> DomainEvent {
        RecordCorrected {
            correction_id: id(1),
            corrected_event_id: id(2),
            corrected_stream_id: "member-x".into(),
            reason: "erreur de saisie".into(),
            correction: "le reçu est R-12, pas R-21".into(),
        }
        .into()
    }

    #[test]
    fn a_correction_points_at_a_logged_event() {
        given::<Correction>(vec![])
            .with_facts(|f| {
                f.known_events.insert(id(2));
            })
            .when(command())
            .then_events(vec![corrected()]);
        given::<Correction>(vec![])
            .when(command())
            .then_error("UNKNOWN_EVENT");
        given::<Correction>(vec![corrected()])
            .when(command())
            .then_error("ID_ALREADY_USED");
        let mut no_reason = command();
        no_reason.reason = "".into();
        given::<Correction>(vec![])
            .with_facts(|f| {
                f.known_events.insert(id(2));
            })
            .when(no_reason)
            .then_error("FIELD_REQUIRED");
    }
}
