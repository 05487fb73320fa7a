//! The log at a glance: how many events of each type and each stream
//! category, how many streams, and when the first and last were recorded.
//! Auditors and dashboards read it as the log's table of contents.

use std::collections::BTreeMap;

use registre_schema::{DecodedEvent, Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::{ProjectionError, ReadModel};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSummary {
    pub events: u64,
    pub last_position: Position,
    pub by_type: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// Streams seen, by category: a stream's first event has revision 0.
    pub streams_by_category: BTreeMap<String, u64>,
    pub first_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ReadModel for LogSummary {
    const NAME: &'static str = "log_summary";
    const VERSION: u32 = 1;

    fn apply(&mut self, e: &RecordedEvent) -> Result<(), ProjectionError> {
        self.count(e);
        Ok(())
    }

    fn apply_decoded(&mut self, e: &DecodedEvent) -> Result<(), ProjectionError> {
        self.count(e);
        Ok(())
    }
}

impl LogSummary {
    /// The summary reads the envelope alone, never the payload.
    fn count<P>(&mut self, e: &RecordedEvent<P>) {
        self.events += 1;
        self.last_position = e.position;
        *self.by_type.entry(e.event_type.clone()).or_default() += 1;
        let category = e.stream_id.category();
        *self.by_category.entry(category.to_owned()).or_default() += 1;
        if e.revision == 0 {
            *self
                .streams_by_category
                .entry(category.to_owned())
                .or_default() += 1;
        }
        self.first_recorded_at.get_or_insert(e.recorded_at);
        self.last_recorded_at = Some(e.recorded_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_schema::{Actor, StreamId};
    use uuid::Uuid;

    fn event(position: Position, stream: &str, revision: u64, event_type: &str) -> RecordedEvent {
        let t = chrono::DateTime::from_timestamp(1_700_000_000 + position as i64, 0).unwrap();
        RecordedEvent {
            position,
            id: Uuid::now_v7(),
            stream_id: StreamId::new(stream).unwrap(),
            revision,
            event_type: event_type.into(),
            schema_version: 1,
            occurred_at: t,
            recorded_at: t,
            actor: Actor::system(),
            command_id: Uuid::now_v7(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            payload: serde_json::json!({}),
        }
    }

    #[test]
    fn counts_types_categories_and_streams() {
        let mut m = LogSummary::default();
        for e in [
            event(1, "member-a", 0, "CommuneAdmitted"),
            event(2, "member-a", 1, "DuesPaid"),
            event(3, "member-b", 0, "CommuneAdmitted"),
            event(4, "statutes", 0, "StatutesAdopted"),
        ] {
            m.apply(&e).unwrap();
        }
        assert_eq!(m.events, 4);
        assert_eq!(m.last_position, 4);
        assert_eq!(m.by_type["CommuneAdmitted"], 2);
        assert_eq!(m.by_category["member"], 3);
        assert_eq!(m.streams_by_category["member"], 2);
        assert_eq!(m.streams_by_category["statutes"], 1);
        assert_eq!(m.first_recorded_at.unwrap().timestamp(), 1_700_000_001);
        assert_eq!(m.last_recorded_at.unwrap().timestamp(), 1_700_000_004);
    }
}
