//! Importing events another store recorded (`registre copy`): the only way
//! into a log other than [`EventStore::append`](super::EventStore::append).
//!
//! An import keeps everything the events carry (ids, positions, stream
//! revisions, both timestamps, actors, command and correlation ids), so the
//! copy has the same audit tree as the original. It may therefore only
//! continue a log exactly: the first event must come right after the head,
//! positions follow each other, each stream's revisions follow each other,
//! times never go back, and no id or command id is already recorded. These
//! are the invariants plain appends keep; [`plan`] checks them all, without
//! I/O, against what the store read under its write lock ([`Base`]).
//!
//! The events of one command are one append: an import must hold all of a
//! command's events or none (the caller cuts its batches between commands),
//! so retries of that command deduplicate on the copy as on the original.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use registre_schema::{Position, RecordedEvent, Revision, StreamId};
use uuid::Uuid;

use super::{
    InvalidAppend, MAX_ACTOR_ID_LEN, MAX_APPEND_BYTES, MAX_PAYLOAD_BYTES, check_event_type,
    has_fraction, payload_len,
};

/// Most events one import may carry: a read batch plus the longest append.
pub const MAX_IMPORT_EVENTS: usize = 2 * super::MAX_EVENTS_PER_APPEND;

/// Why an import was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefused {
    #[error("{0} cannot import events with their original positions")]
    Unsupported(String),
    #[error("an import needs between 1 and {MAX_IMPORT_EVENTS} events, not {0}")]
    BadSize(usize),
    #[error("the import starts at position {first}, but the log ends at position {head}")]
    NotNext { first: Position, head: Position },
    #[error("position {next} follows position {previous} in the import")]
    Gap { previous: Position, next: Position },
    #[error("event {id} (position {position}) is already in the log")]
    IdExists { id: Uuid, position: Position },
    #[error(
        "the event at position {position} has revision {revision} of stream {stream_id}, whose next revision is {expected}"
    )]
    WrongRevision {
        position: Position,
        stream_id: StreamId,
        revision: Revision,
        expected: Revision,
    },
    #[error("the event at position {position} was recorded before the event preceding it")]
    TimeGoesBack { position: Position },
    #[error("the event at position {position} has a time finer than a microsecond")]
    SubMicrosecond { position: Position },
    #[error("command {command_id} (position {position}) is already recorded")]
    CommandExists {
        command_id: Uuid,
        position: Position,
    },
    #[error(
        "the events of command {command_id} are not one run of one stream (position {position})"
    )]
    SplitCommand {
        command_id: Uuid,
        position: Position,
    },
    #[error("the event at position {position} is invalid: {reason}")]
    Invalid {
        position: Position,
        reason: InvalidAppend,
    },
}

/// What the target log holds that an import must agree with, read under
/// the store's write lock.
#[derive(Debug, Default)]
pub(crate) struct Base {
    pub head: Position,
    pub last_recorded: Option<DateTime<Utc>>,
    /// Last revision of each of the import's streams that exists.
    pub streams: HashMap<String, Revision>,
    /// Those of the import's event ids already in the log.
    pub ids: HashSet<Uuid>,
    /// Those of the import's command ids already recorded.
    pub commands: HashSet<Uuid>,
}

/// One command's record, as plain appends write it (for deduplication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandRecord {
    pub command_id: Uuid,
    pub stream_id: String,
    pub first_position: Position,
    pub last_position: Position,
    pub last_revision: Revision,
    pub recorded_at: DateTime<Utc>,
}

/// What an accepted import writes beside its events.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub commands: Vec<CommandRecord>,
    /// Each touched stream's last revision after the import.
    pub streams: BTreeMap<String, Revision>,
    /// The head after the import.
    pub head: Position,
}

/// The distinct streams, event ids and command ids of an import: what the
/// store must look up to fill a [`Base`].
pub(crate) fn keys(events: &[RecordedEvent]) -> (Vec<&str>, Vec<Uuid>, Vec<Uuid>) {
    let mut streams: Vec<&str> = events.iter().map(|e| e.stream_id.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let ids = events.iter().map(|e| e.id).collect();
    let mut commands: Vec<Uuid> = events.iter().map(|e| e.command_id).collect();
    commands.sort_unstable();
    commands.dedup();
    (streams, ids, commands)
}

/// Checks that `events` continue the log described by `base` exactly, and
/// returns what to write beside them.
pub(crate) fn plan(events: &[RecordedEvent], mut base: Base) -> Result<Plan, ImportRefused> {
    if events.is_empty() || events.len() > MAX_IMPORT_EVENTS {
        return Err(ImportRefused::BadSize(events.len()));
    }
    if events[0].position != base.head + 1 {
        return Err(ImportRefused::NotNext {
            first: events[0].position,
            head: base.head,
        });
    }
    let mut plan = Plan::default();
    let mut previous: Option<&RecordedEvent> = None;
    let mut command_bytes = 0usize;
    let mut seen = HashSet::with_capacity(events.len());
    for e in events {
        let position = e.position;
        check_event(e)?;
        if let Some(p) = previous
            && p.position + 1 != position
        {
            return Err(ImportRefused::Gap {
                previous: p.position,
                next: position,
            });
        }
        if base.ids.contains(&e.id) || !seen.insert(e.id) {
            return Err(ImportRefused::IdExists { id: e.id, position });
        }
        let stream = e.stream_id.as_str();
        let expected = base.streams.get(stream).map_or(0, |r| r + 1);
        if e.revision != expected {
            return Err(ImportRefused::WrongRevision {
                position,
                stream_id: e.stream_id.clone(),
                revision: e.revision,
                expected,
            });
        }
        base.streams.insert(stream.to_owned(), e.revision);
        plan.streams.insert(stream.to_owned(), e.revision);
        if base.last_recorded.is_some_and(|t| e.recorded_at < t) {
            return Err(ImportRefused::TimeGoesBack { position });
        }
        base.last_recorded = Some(e.recorded_at);
        let continues = previous.is_some_and(|p| p.command_id == e.command_id);
        let bytes = payload_len(&e.payload);
        command_bytes = if continues {
            command_bytes + bytes
        } else {
            bytes
        };
        if command_bytes > MAX_APPEND_BYTES {
            return Err(ImportRefused::Invalid {
                position,
                reason: InvalidAppend::AppendTooLarge {
                    bytes: command_bytes,
                },
            });
        }
        if continues {
            let record = plan.commands.last_mut().expect("a command is open");
            // One append writes one actor, correlation and cause for all
            // its events: a copy must too.
            let same_envelope = previous.is_some_and(|p| {
                p.actor == e.actor
                    && p.correlation_id == e.correlation_id
                    && p.causation_id == e.causation_id
            });
            if record.stream_id != stream || record.recorded_at != e.recorded_at || !same_envelope {
                return Err(ImportRefused::SplitCommand {
                    command_id: e.command_id,
                    position,
                });
            }
            record.last_position = position;
            record.last_revision = e.revision;
        } else {
            if base.commands.contains(&e.command_id) {
                return Err(ImportRefused::CommandExists {
                    command_id: e.command_id,
                    position,
                });
            }
            base.commands.insert(e.command_id);
            plan.commands.push(CommandRecord {
                command_id: e.command_id,
                stream_id: stream.to_owned(),
                first_position: position,
                last_position: position,
                last_revision: e.revision,
                recorded_at: e.recorded_at,
            });
        }
        previous = Some(e);
    }
    plan.head = events[events.len() - 1].position;
    Ok(plan)
}

/// The limits plain appends enforce, and times both stores keep exactly.
fn check_event(e: &RecordedEvent) -> Result<(), ImportRefused> {
    let position = e.position;
    let invalid = |reason| ImportRefused::Invalid { position, reason };
    if let Err(reason) = check_event_type(&e.event_type) {
        return Err(invalid(InvalidAppend::BadEventType { index: 0, reason }));
    }
    let bytes = payload_len(&e.payload);
    if bytes > MAX_PAYLOAD_BYTES {
        return Err(invalid(InvalidAppend::PayloadTooLarge { index: 0, bytes }));
    }
    if has_fraction(&e.payload) {
        return Err(invalid(InvalidAppend::FractionalNumber { index: 0 }));
    }
    let actor = &e.actor.id;
    if actor.trim().is_empty() || actor.len() > MAX_ACTOR_ID_LEN {
        return Err(invalid(InvalidAppend::BadActor));
    }
    if !e.recorded_at.timestamp_subsec_nanos().is_multiple_of(1000)
        || !e.occurred_at.timestamp_subsec_nanos().is_multiple_of(1000)
    {
        return Err(ImportRefused::SubMicrosecond { position });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_schema::{Actor, Role};

    fn event(position: Position, stream: &str, revision: Revision, command: Uuid) -> RecordedEvent {
        let at = DateTime::from_timestamp(1_700_000_000 + position as i64, 0).unwrap();
        RecordedEvent {
            position,
            id: Uuid::from_u128(position as u128),
            stream_id: StreamId::new(stream).unwrap(),
            revision,
            event_type: "commune.admitted".into(),
            schema_version: 1,
            occurred_at: at,
            recorded_at: at,
            actor: Actor {
                id: "alice".into(),
                role: Role::Secretariat,
            },
            command_id: command,
            correlation_id: command,
            causation_id: None,
            payload: serde_json::json!({"n": position}),
        }
    }

    fn cmd(n: u128) -> Uuid {
        Uuid::from_u128(1000 + n)
    }

    #[test]
    fn an_import_that_continues_the_log_records_its_commands_and_streams() {
        let events = vec![event(1, "a-1", 0, cmd(0)), event(2, "b-1", 0, cmd(1)), {
            let mut e = event(3, "b-1", 1, cmd(1));
            e.recorded_at = event(2, "b-1", 0, cmd(1)).recorded_at;
            e
        }];
        let plan = plan(&events, Base::default()).unwrap();
        assert_eq!(plan.head, 3);
        assert_eq!(plan.commands.len(), 2);
        assert_eq!(
            (
                plan.commands[1].first_position,
                plan.commands[1].last_position
            ),
            (2, 3)
        );
        assert_eq!(plan.commands[1].last_revision, 1);
        assert_eq!(plan.streams.get("b-1"), Some(&1));
    }

    #[test]
    fn an_import_that_does_not_continue_the_log_is_refused() {
        let base = || Base {
            head: 1,
            streams: HashMap::from([("a-1".to_owned(), 0)]),
            ..Base::default()
        };
        let next = event(2, "a-1", 1, cmd(1));
        assert!(plan(std::slice::from_ref(&next), base()).is_ok());
        assert!(matches!(
            plan(&[event(3, "a-1", 1, cmd(1))], base()),
            Err(ImportRefused::NotNext { first: 3, head: 1 })
        ));
        assert!(matches!(
            plan(&[event(2, "a-1", 0, cmd(1))], base()),
            Err(ImportRefused::WrongRevision { expected: 1, .. })
        ));
        assert!(matches!(
            plan(&[next.clone(), event(4, "a-1", 2, cmd(2))], base()),
            Err(ImportRefused::Gap {
                previous: 2,
                next: 4
            })
        ));
        let mut known = base();
        known.ids.insert(next.id);
        assert!(matches!(
            plan(std::slice::from_ref(&next), known),
            Err(ImportRefused::IdExists { .. })
        ));
        let mut known = base();
        known.commands.insert(cmd(1));
        assert!(matches!(
            plan(std::slice::from_ref(&next), known),
            Err(ImportRefused::CommandExists { .. })
        ));
        let mut known = base();
        known.last_recorded = Some(next.recorded_at + chrono::Duration::seconds(1));
        assert!(matches!(
            plan(std::slice::from_ref(&next), known),
            Err(ImportRefused::TimeGoesBack { position: 2 })
        ));
        let mut fine = next.clone();
        fine.recorded_at += chrono::Duration::nanoseconds(1);
        assert!(matches!(
            plan(&[fine], base()),
            Err(ImportRefused::SubMicrosecond { position: 2 })
        ));
        let mut bad = next.clone();
        bad.event_type = "no spaces".into();
        assert!(matches!(
            plan(&[bad], base()),
            Err(ImportRefused::Invalid { position: 2, .. })
        ));
        assert!(matches!(plan(&[], base()), Err(ImportRefused::BadSize(0))));
    }

    #[test]
    fn the_events_of_one_command_share_its_envelope() {
        let second = |change: fn(&mut RecordedEvent)| {
            let first = event(1, "a-1", 0, cmd(0));
            let mut e = event(2, "a-1", 1, cmd(0));
            e.recorded_at = first.recorded_at;
            change(&mut e);
            plan(&[first, e], Base::default())
        };
        assert!(second(|_| {}).is_ok());
        for change in [
            (|e: &mut RecordedEvent| e.actor.id = "bob".into()) as fn(&mut RecordedEvent),
            |e| e.correlation_id = Uuid::from_u128(7),
            |e| e.causation_id = Some(Uuid::from_u128(7)),
        ] {
            assert!(matches!(
                second(change),
                Err(ImportRefused::SplitCommand { position: 2, .. })
            ));
        }
    }

    #[test]
    fn a_command_over_the_append_limit_is_refused() {
        let big = serde_json::json!({"s": "x".repeat(MAX_PAYLOAD_BYTES - 100)});
        let first = event(1, "a-1", 0, cmd(0));
        let events: Vec<_> = (0..=(MAX_APPEND_BYTES / MAX_PAYLOAD_BYTES) as u64 + 1)
            .map(|i| {
                let mut e = event(i + 1, "a-1", i, cmd(0));
                e.recorded_at = first.recorded_at;
                e.payload = big.clone();
                e
            })
            .collect();
        assert!(matches!(
            plan(&events, Base::default()),
            Err(ImportRefused::Invalid {
                reason: InvalidAppend::AppendTooLarge { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_command_split_across_streams_is_refused() {
        let events = vec![event(1, "a-1", 0, cmd(0)), {
            let mut e = event(2, "b-1", 0, cmd(0));
            e.recorded_at = event(1, "a-1", 0, cmd(0)).recorded_at;
            e
        }];
        assert!(matches!(
            plan(&events, Base::default()),
            Err(ImportRefused::SplitCommand { position: 2, .. })
        ));
        // The same command again after another one: a second run.
        let events = vec![
            event(1, "a-1", 0, cmd(0)),
            event(2, "b-1", 0, cmd(1)),
            event(3, "a-1", 1, cmd(0)),
        ];
        assert!(matches!(
            plan(&events, Base::default()),
            Err(ImportRefused::CommandExists { position: 3, .. })
        ));
    }
}
