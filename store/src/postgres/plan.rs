//! Deciding a group of appends, without I/O.
//!
//! Under the head lock the writer reads, in one round trip, what the log
//! already holds of the group's command ids, streams and event ids
//! ([`Known`]). Then [`plan`] decides every append in order, exactly as
//! one-by-one appends would: each sees the appends accepted before it in
//! the group. The accepted ones become the rows of one INSERT ([`Rows`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use registre_schema::{Position, Revision};
use uuid::Uuid;

use super::to_micros;
use crate::{AppendOutcome, AppendRequest, InvalidAppend, StoreError};

/// What the log holds of one group's ids, read under the head lock.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Outcomes of commands already recorded (`deduplicated: true`).
    pub commands: HashMap<Uuid, AppendOutcome>,
    /// Last revision of each stream that exists.
    pub streams: HashMap<String, Revision>,
    /// Event ids already in the log.
    pub ids: HashSet<Uuid>,
}

/// Rows to insert, column by column (PostgreSQL `unnest` takes arrays).
#[derive(Debug, Default)]
pub(super) struct Rows {
    pub position: Vec<i64>,
    pub id: Vec<Uuid>,
    pub stream_id: Vec<String>,
    pub revision: Vec<i64>,
    pub event_type: Vec<String>,
    pub schema_version: Vec<i32>,
    pub occurred_at: Vec<DateTime<Utc>>,
    pub actor_id: Vec<String>,
    pub actor_role: Vec<&'static str>,
    pub command_id: Vec<Uuid>,
    pub correlation_id: Vec<Uuid>,
    pub causation_id: Vec<Option<Uuid>>,
    pub payload: Vec<String>,
    /// Each touched stream's last revision after the group.
    pub streams: BTreeMap<String, i64>,
    pub cmd_id: Vec<Uuid>,
    pub cmd_stream: Vec<String>,
    pub cmd_first: Vec<i64>,
    pub cmd_last: Vec<i64>,
    pub cmd_revision: Vec<i64>,
}

impl Rows {
    pub fn is_empty(&self) -> bool {
        self.position.is_empty()
    }
}

/// Decides each append of a group against `known`, the log's state before
/// the group, with positions after `head`. Returns each append's result,
/// the rows to write and the head after them.
pub(super) fn plan(
    group: &[&AppendRequest],
    mut known: Known,
    head: Position,
    now: DateTime<Utc>,
) -> (Vec<Result<AppendOutcome, StoreError>>, Rows, Position) {
    let mut rows = Rows::default();
    let mut position = head;
    let mut results = Vec::with_capacity(group.len());
    for req in group {
        let result = decide(req, &known, position, now);
        if let Ok(out) = &result
            && !out.deduplicated
        {
            accept(req, out, &mut known, &mut rows);
            position = out.last_position;
        }
        results.push(result);
    }
    (results, rows, position)
}

fn decide(
    req: &AppendRequest,
    known: &Known,
    head: Position,
    now: DateTime<Utc>,
) -> Result<AppendOutcome, StoreError> {
    if let Some(earlier) = known.commands.get(&req.meta.command_id) {
        return Ok(earlier.clone());
    }
    let actual = known.streams.get(req.stream_id.as_str()).copied();
    if !req.expected.accepts(actual) {
        return Err(StoreError::WrongExpectedVersion {
            stream_id: req.stream_id.clone(),
            expected: req.expected,
            actual,
        });
    }
    if let Some(e) = req.events.iter().find(|e| known.ids.contains(&e.id)) {
        return Err(InvalidAppend::EventIdExists { id: e.id }.into());
    }
    let count = req.events.len() as u64;
    Ok(AppendOutcome {
        stream_id: req.stream_id.clone(),
        first_position: head + 1,
        last_position: head + count,
        last_revision: actual.map_or(0, |r| r + 1) + count - 1,
        recorded_at: now,
        deduplicated: false,
    })
}

fn accept(req: &AppendRequest, out: &AppendOutcome, known: &mut Known, rows: &mut Rows) {
    let stream = req.stream_id.as_str();
    let meta = &req.meta;
    let first_revision = out.last_revision + 1 - req.events.len() as u64;
    for (i, e) in req.events.iter().enumerate() {
        rows.position.push((out.first_position + i as u64) as i64);
        rows.id.push(e.id);
        rows.stream_id.push(stream.to_owned());
        rows.revision.push((first_revision + i as u64) as i64);
        rows.event_type.push(e.event_type.clone());
        rows.schema_version.push(i32::from(e.schema_version));
        rows.occurred_at.push(to_micros(e.occurred_at));
        rows.actor_id.push(meta.actor.id.clone());
        rows.actor_role.push(meta.actor.role.as_str());
        rows.command_id.push(meta.command_id);
        rows.correlation_id.push(meta.correlation_id);
        rows.causation_id.push(meta.causation_id);
        // A Value always serializes; its text is stored exactly.
        rows.payload
            .push(serde_json::to_string(&e.payload).unwrap_or_default());
        known.ids.insert(e.id);
    }
    rows.streams
        .insert(stream.to_owned(), out.last_revision as i64);
    rows.cmd_id.push(meta.command_id);
    rows.cmd_stream.push(stream.to_owned());
    rows.cmd_first.push(out.first_position as i64);
    rows.cmd_last.push(out.last_position as i64);
    rows.cmd_revision.push(out.last_revision as i64);
    known.streams.insert(stream.to_owned(), out.last_revision);
    known.commands.insert(
        meta.command_id,
        AppendOutcome {
            deduplicated: true,
            ..out.clone()
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExpectedState;
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    fn req(stream: &str, expected: ExpectedState, count: usize) -> AppendRequest {
        AppendRequest {
            stream_id: StreamId::new(stream).unwrap(),
            expected,
            meta: CommandMeta::new(Actor::system()),
            events: (0..count)
                .map(|n| EventData::new("T", 1, Utc::now(), serde_json::json!({ "n": n })))
                .collect(),
        }
    }

    #[test]
    fn appends_of_one_group_see_those_accepted_before_them() {
        // Given a stream at revision 4 and a log at position 10
        let mut known = Known::default();
        known.streams.insert("s-1".into(), 4);
        let a = req("s-1", ExpectedState::Exact(4), 2);
        let b = req("s-1", ExpectedState::Exact(6), 1);
        let stale = req("s-1", ExpectedState::Exact(4), 1);
        let fresh = req("s-2", ExpectedState::NoStream, 3);
        // When one group holds them all
        let (results, rows, head) = plan(&[&a, &b, &stale, &fresh], known, 10, Utc::now());
        // Then each was decided as if appended alone, in order
        let outs: Vec<_> = results.iter().take(2).map(|r| r.clone().unwrap()).collect();
        assert_eq!((outs[0].first_position, outs[0].last_revision), (11, 6));
        assert_eq!((outs[1].first_position, outs[1].last_revision), (13, 7));
        assert!(matches!(
            results[2],
            Err(StoreError::WrongExpectedVersion {
                actual: Some(7),
                ..
            })
        ));
        let last = results[3].clone().unwrap();
        assert_eq!(
            (last.first_position, last.last_position, last.last_revision),
            (14, 16, 2)
        );
        assert_eq!(head, 16);
        assert_eq!(rows.position, (11..=16).collect::<Vec<i64>>());
        assert_eq!(rows.revision, vec![5, 6, 7, 0, 1, 2]);
        assert_eq!(
            rows.streams,
            BTreeMap::from([("s-1".into(), 7), ("s-2".into(), 2)])
        );
        assert_eq!(rows.cmd_id.len(), 3);
    }

    #[test]
    fn a_retry_in_the_same_group_is_deduplicated_and_writes_nothing() {
        let a = req("s-1", ExpectedState::NoStream, 2);
        let (results, rows, head) = plan(&[&a, &a], Known::default(), 0, Utc::now());
        let (first, again) = (results[0].clone().unwrap(), results[1].clone().unwrap());
        assert!(!first.deduplicated && again.deduplicated);
        assert_eq!(
            AppendOutcome {
                deduplicated: false,
                ..again
            },
            first
        );
        assert_eq!((rows.position.len(), head), (2, 2));
    }

    #[test]
    fn a_recorded_command_wins_over_a_stale_expectation() {
        let a = req("s-1", ExpectedState::NoStream, 1);
        let mut known = Known::default();
        known.streams.insert("s-1".into(), 0);
        let earlier = AppendOutcome {
            stream_id: a.stream_id.clone(),
            first_position: 1,
            last_position: 1,
            last_revision: 0,
            recorded_at: Utc::now(),
            deduplicated: true,
        };
        known.commands.insert(a.meta.command_id, earlier.clone());
        let (results, rows, head) = plan(&[&a], known, 1, Utc::now());
        assert_eq!(results[0].clone().unwrap(), earlier);
        assert!(rows.is_empty());
        assert_eq!(head, 1);
    }

    #[test]
    fn an_event_id_already_used_refuses_the_whole_append() {
        let a = req("s-1", ExpectedState::Any, 1);
        let mut b = req("s-2", ExpectedState::Any, 3);
        b.events[2].id = a.events[0].id;
        let mut known = Known::default();
        let taken = Uuid::now_v7();
        known.ids.insert(taken);
        let mut c = req("s-3", ExpectedState::Any, 2);
        c.events[1].id = taken;
        let (results, rows, head) = plan(&[&a, &b, &c], known, 0, Utc::now());
        assert!(results[0].is_ok());
        for (r, id) in [(&results[1], a.events[0].id), (&results[2], taken)] {
            match r {
                Err(StoreError::Invalid(InvalidAppend::EventIdExists { id: got })) => {
                    assert_eq!(*got, id)
                }
                other => panic!("expected EventIdExists, got {other:?}"),
            }
        }
        assert_eq!((rows.position, head), (vec![1], 1));
    }
}
