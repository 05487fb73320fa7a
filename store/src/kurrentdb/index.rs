//! The position index: registre's dense global positions over KurrentDB's
//! sparse `$all` positions.
//!
//! registre's position `n` is the `n`-th registre event in `$all` (filtered
//! to registre's stream prefix). The index holds, for each registre
//! position, the event's `$all` position and the time registre reports it
//! recorded; and, for appends and stream reads, which position each event
//! id and each command id got. Everything is derived from the filtered
//! `$all` sequence alone, so every registre instance reading the same
//! server computes the same positions.
//!
//! Pure and synchronous: the store feeds it events in `$all` order.

use std::collections::HashMap;

use ::kurrentdb::Position as LogPosition;
use chrono::{DateTime, Utc};
use registre_schema::{Position, Revision, StreamId};
use uuid::Uuid;

/// One registre event as `$all` delivered it, reduced to what the index
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Its position in `$all`.
    pub at: LogPosition,
    pub event_id: Uuid,
    /// `None` for an event in a registre-prefixed stream that registre did
    /// not write (no registre metadata, or a stream name that is not a
    /// registre stream id): it still takes a position, which reads report
    /// as corrupt, so that positions stay the same on every instance.
    pub command: Option<SeenCommand>,
    pub revision: Revision,
    /// KurrentDB's creation time, in microseconds since 1970.
    pub created_micros: i64,
}

/// The command an event belongs to, from its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenCommand {
    pub id: Uuid,
    pub stream_id: StreamId,
    /// How many events its append holds.
    pub append_size: u32,
}

/// What an append did, as the index learnt it from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRecord {
    pub stream_id: StreamId,
    pub first_position: Position,
    pub last_position: Position,
    pub last_revision: Revision,
    pub recorded_at: DateTime<Utc>,
    /// How many events the append holds; the record is complete when the
    /// index has seen them all.
    pub append_size: u32,
}

impl CommandRecord {
    fn is_complete(&self) -> bool {
        self.last_position - self.first_position + 1 >= u64::from(self.append_size)
    }
}

/// Where a read of registre positions starts in `$all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// At the start of `$all`.
    Start,
    /// At the event just before the wanted one: whether the server reads
    /// from a position inclusively or not, the wanted event comes next.
    After(LogPosition),
    /// The wanted position is past the next one to come.
    Beyond,
}

/// See [`LogIndex::place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// An event before the wanted one (where the read started): skip it.
    Before,
    /// The wanted event, recorded at this time.
    Take(DateTime<Utc>),
    /// Appended after the index was last extended: stop here, a later read
    /// gets it.
    NotIndexedYet,
    /// The wanted event is no longer in `$all`: the log was changed.
    Missing,
    /// An event among indexed ones that the index never saw: the log was
    /// changed.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: LogPosition,
    recorded_micros: i64,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct LogIndex {
    /// `entries[n - 1]` is registre position `n`.
    entries: Vec<Entry>,
    by_event: HashMap<Uuid, Position>,
    commands: HashMap<Uuid, CommandRecord>,
    /// The command of the last event, while its events keep coming.
    open_command: Option<Uuid>,
}

impl LogIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// The last registre position (0 for an empty log).
    pub fn head(&self) -> Position {
        self.entries.len() as Position
    }

    /// The `$all` position of the last event indexed.
    pub fn last_at(&self) -> Option<LogPosition> {
        self.entries.last().map(|e| e.at)
    }

    /// Adds the next event of the filtered `$all` sequence and returns the
    /// registre position it got; `None` if it was already indexed (a
    /// subscription that resumes may deliver the last event again).
    ///
    /// The recorded time never decreases along the log, even if the
    /// server's clock did, and all events of one append share the time of
    /// the first, as on every backend.
    pub fn push(&mut self, seen: Seen) -> Option<Position> {
        let previous = self.entries.last().copied();
        if previous.is_some_and(|p| seen.at <= p.at) {
            return None;
        }
        let position = self.head() + 1;
        let command_id = seen.command.as_ref().map(|c| c.id);
        let continues_append = command_id.is_some() && command_id == self.open_command;
        let recorded_micros = match previous {
            Some(p) if continues_append => p.recorded_micros,
            Some(p) => seen.created_micros.max(p.recorded_micros),
            None => seen.created_micros,
        };
        self.entries.push(Entry {
            at: seen.at,
            recorded_micros,
        });
        self.by_event.entry(seen.event_id).or_insert(position);
        self.open_command = command_id;
        if let Some(command) = seen.command {
            let record = self.commands.entry(command.id).or_insert(CommandRecord {
                stream_id: command.stream_id,
                append_size: command.append_size,
                first_position: position,
                last_position: position,
                last_revision: seen.revision,
                recorded_at: micros_to_time(recorded_micros),
            });
            // One append's events are contiguous in `$all`; a command id
            // seen again later (a duplicate write that raced) keeps its
            // first outcome.
            if continues_append && !record.is_complete() && record.last_position + 1 == position {
                record.last_position = position;
                record.last_revision = seen.revision;
            }
        }
        Some(position)
    }

    /// Where to start reading `$all` to get registre position `from`.
    pub fn seek(&self, from: Position) -> Seek {
        let before = from.max(1) - 1;
        if before > self.head() {
            return Seek::Beyond;
        }
        match before.checked_sub(1) {
            None => Seek::Start,
            Some(i) => Seek::After(self.entries[i as usize].at),
        }
    }

    /// The registre position and recorded time of the event at `at`.
    pub fn lookup(&self, at: LogPosition) -> Option<(Position, DateTime<Utc>)> {
        let i = self.entries.binary_search_by(|e| e.at.cmp(&at)).ok()?;
        Some((
            i as Position + 1,
            micros_to_time(self.entries[i].recorded_micros),
        ))
    }

    /// What a read of `$all` that wants registre position `next` does with
    /// the registre event it finds at `at`.
    pub fn place(&self, at: LogPosition, next: Position) -> Place {
        match self.lookup(at) {
            Some((p, _)) if p < next => Place::Before,
            Some((p, recorded_at)) if p == next => Place::Take(recorded_at),
            Some(_) => Place::Missing,
            None if self.last_at().is_none_or(|last| at > last) => Place::NotIndexedYet,
            None => Place::Unknown,
        }
    }

    /// The registre position and recorded time of an event, by its id.
    pub fn lookup_event(&self, id: &Uuid) -> Option<(Position, DateTime<Utc>)> {
        let p = *self.by_event.get(id)?;
        let e = self.entries[(p - 1) as usize];
        Some((p, micros_to_time(e.recorded_micros)))
    }

    pub fn contains_event(&self, id: &Uuid) -> bool {
        self.by_event.contains_key(id)
    }

    /// The first outcome of a command, once all its events are indexed
    /// (the subscription delivers an append's events one by one).
    pub fn command(&self, id: &Uuid) -> Option<&CommandRecord> {
        self.commands.get(id).filter(|r| r.is_complete())
    }
}

fn micros_to_time(micros: i64) -> DateTime<Utc> {
    // Out of range only for times beyond year 262 000; not a real clock.
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(commit: u64) -> LogPosition {
        LogPosition {
            commit,
            prepare: commit,
        }
    }

    /// An event of a one-event append.
    fn seen(commit: u64, command: u128, stream: &str, revision: u64, created: i64) -> Seen {
        seen_of(commit, command, 1, stream, revision, created)
    }

    fn seen_of(
        commit: u64,
        command: u128,
        append_size: u32,
        stream: &str,
        revision: u64,
        created: i64,
    ) -> Seen {
        Seen {
            at: at(commit),
            event_id: Uuid::from_u128(commit as u128),
            command: Some(SeenCommand {
                id: Uuid::from_u128(command),
                stream_id: StreamId::new(stream).unwrap(),
                append_size,
            }),
            revision,
            created_micros: created,
        }
    }

    fn time(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap()
    }

    #[test]
    fn sparse_log_positions_become_dense_registre_positions() {
        // Given registre events scattered through `$all` among others
        let mut index = LogIndex::new();
        assert_eq!((index.head(), index.last_at()), (0, None));
        // When they are indexed in order
        let got: Vec<_> = [120, 4_096, 4_400, 90_210]
            .into_iter()
            .enumerate()
            .map(|(i, c)| index.push(seen(c, i as u128 + 1, "a-1", i as u64, 10)))
            .collect();
        // Then they are numbered 1, 2, 3... with no gap
        assert_eq!(got, vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(index.head(), 4);
        assert_eq!(index.last_at(), Some(at(90_210)));
        assert_eq!(index.lookup(at(4_400)).map(|l| l.0), Some(3));
        assert_eq!(index.lookup(at(4_401)), None, "not a registre event");
        assert_eq!(
            index.lookup_event(&Uuid::from_u128(4_096)).map(|l| l.0),
            Some(2)
        );
        assert!(index.contains_event(&Uuid::from_u128(120)));
        assert!(!index.contains_event(&Uuid::from_u128(121)));
    }

    #[test]
    fn prepare_positions_order_events_of_one_commit() {
        let mut index = LogIndex::new();
        let mut e = seen_of(500, 1, 2, "a-1", 0, 10);
        e.at.prepare = 100;
        index.push(e.clone());
        e.at.prepare = 200;
        e.event_id = Uuid::from_u128(2);
        e.revision = 1;
        assert_eq!(index.push(e), Some(2));
        let rec = index.command(&Uuid::from_u128(1)).unwrap();
        assert_eq!((rec.first_position, rec.last_position), (1, 2));
    }

    #[test]
    fn events_delivered_again_on_resubscription_are_ignored() {
        let mut index = LogIndex::new();
        index.push(seen(10, 1, "a-1", 0, 10));
        index.push(seen(20, 2, "a-1", 1, 10));
        assert_eq!(index.push(seen(20, 2, "a-1", 1, 10)), None);
        assert_eq!(index.push(seen(15, 9, "a-1", 9, 10)), None);
        assert_eq!(index.head(), 2);
        // and the log extends as new events arrive
        assert_eq!(index.push(seen(30, 3, "b-1", 0, 10)), Some(3));
    }

    #[test]
    fn seek_starts_just_before_the_wanted_position() {
        let mut index = LogIndex::new();
        for (i, c) in [7, 70, 700].into_iter().enumerate() {
            index.push(seen(c, i as u128 + 1, "a-1", i as u64, 10));
        }
        assert_eq!(index.seek(0), Seek::Start, "0 reads from the start");
        assert_eq!(index.seek(1), Seek::Start);
        assert_eq!(index.seek(2), Seek::After(at(7)));
        assert_eq!(index.seek(3), Seek::After(at(70)));
        assert_eq!(
            index.seek(4),
            Seek::After(at(700)),
            "the next event to come"
        );
        assert_eq!(index.seek(5), Seek::Beyond);
        assert_eq!(index.seek(u64::MAX), Seek::Beyond);
        assert_eq!(LogIndex::new().seek(1), Seek::Start);
        assert_eq!(LogIndex::new().seek(2), Seek::Beyond);
    }

    #[test]
    fn a_read_takes_the_wanted_events_and_stops_at_the_index_head() {
        // Given three indexed events at 7, 70 and 700
        let mut index = LogIndex::new();
        for (i, c) in [7, 70, 700].into_iter().enumerate() {
            index.push(seen(c, i as u128 + 1, "a-1", i as u64, 10 * i as i64));
        }
        // When a read wanting position 2 starts after 7 (inclusively)
        assert_eq!(index.place(at(7), 2), Place::Before);
        assert_eq!(index.place(at(70), 2), Place::Take(time(10)));
        assert_eq!(index.place(at(700), 3), Place::Take(time(20)));
        // Then an event past the head is left for a later read
        assert_eq!(index.place(at(900), 4), Place::NotIndexedYet);
        // And a log that lost or gained events under the index is reported
        assert_eq!(index.place(at(700), 2), Place::Missing);
        assert_eq!(index.place(at(69), 2), Place::Unknown);
        assert_eq!(LogIndex::new().place(at(5), 1), Place::NotIndexedYet);
    }

    #[test]
    fn an_append_is_one_command_record_with_one_recorded_time() {
        // Given an append of three events whose creation times differ by
        // a few microseconds, then another append
        let mut index = LogIndex::new();
        index.push(seen_of(10, 7, 3, "a-1", 4, 1_000));
        index.push(seen_of(11, 7, 3, "a-1", 5, 1_003));
        // (until its last event is indexed, the append is not known)
        assert_eq!(index.command(&Uuid::from_u128(7)), None);
        index.push(seen_of(12, 7, 3, "a-1", 6, 1_004));
        index.push(seen(13, 8, "b-1", 0, 2_000));
        // Then the first is recorded as positions 1..=3, revision 6, at the
        // first event's time, which every event of the append reports
        let rec = index.command(&Uuid::from_u128(7)).unwrap();
        assert_eq!(
            rec,
            &CommandRecord {
                stream_id: StreamId::new("a-1").unwrap(),
                first_position: 1,
                last_position: 3,
                last_revision: 6,
                recorded_at: time(1_000),
                append_size: 3,
            }
        );
        assert_eq!(index.lookup(at(12)).unwrap().1, time(1_000));
        assert_eq!(
            index.command(&Uuid::from_u128(8)).unwrap().first_position,
            4
        );
        assert_eq!(index.lookup(at(13)).unwrap().1, time(2_000));
    }

    #[test]
    fn recorded_times_never_go_back_even_if_the_server_clock_did() {
        let mut index = LogIndex::new();
        index.push(seen(10, 1, "a-1", 0, 5_000));
        index.push(seen(20, 2, "a-1", 1, 4_000));
        index.push(seen(30, 3, "a-1", 2, 6_000));
        let times: Vec<_> = [10, 20, 30]
            .map(|c| index.lookup(at(c)).unwrap().1)
            .to_vec();
        assert_eq!(times, vec![time(5_000), time(5_000), time(6_000)]);
        assert_eq!(
            index.command(&Uuid::from_u128(2)).unwrap().recorded_at,
            time(5_000)
        );
    }

    #[test]
    fn a_command_written_twice_keeps_its_first_outcome() {
        // Given a command whose events were written twice (two retries
        // that raced with no expected revision)
        let mut index = LogIndex::new();
        index.push(seen(10, 1, "a-1", 0, 10));
        index.push(seen(20, 2, "b-1", 0, 10));
        index.push(seen(30, 1, "a-1", 1, 10));
        // Then the record is the first write's, and both events have
        // positions
        let rec = index.command(&Uuid::from_u128(1)).unwrap();
        assert_eq!(
            (rec.first_position, rec.last_position, rec.last_revision),
            (1, 1, 0)
        );
        assert_eq!(index.head(), 3);
    }

    #[test]
    fn foreign_events_take_a_position_but_no_command() {
        let mut index = LogIndex::new();
        let mut foreign = seen(10, 1, "a-1", 0, 10);
        foreign.command = None;
        assert_eq!(index.push(foreign), Some(1));
        assert_eq!(index.command(&Uuid::from_u128(1)), None);
        assert_eq!(index.push(seen(20, 2, "a-1", 1, 10)), Some(2));
    }
}
