//! Imports: a batch of recorded events written in one transaction, on a
//! connection of its own.

use std::path::Path;

use registre_schema::{Position, RecordedEvent};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::backend;
use super::checkpoint::WAL_SIZE_LIMIT;
use super::format::{report_upgrade, upgrade_format};
use super::readers::{Access, open_reader};
use super::revisions::last_revision;
use super::rows::micros_to_time;
use super::stream_index::{IndexFailure, index_tail};
use crate::{StoreError, import};

/// Writes an import in one transaction on its own connection. SQLite's
/// write lock orders it with the writer thread, which reads the log's tail
/// again under that lock before each group.
pub(super) fn import_events(path: &Path, events: &[RecordedEvent]) -> Result<Position, StoreError> {
    let mut conn = open_reader(path, Access::ReadWrite)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    // An import may be the write that starts the WAL over (see
    // `open_writer`).
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
        .map_err(backend)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let upgraded = upgrade_format(&tx)?;
    // The last row holds the latest time (see `open_writer`): one probe,
    // where `max(recorded_at)` read the whole table for every batch.
    let (head, last_recorded) = tx
        .query_row(
            "SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, Some(r.get::<_, i64>(1)?))),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or((0, None));
    let (streams, ids, commands) = import::keys(events);
    let mut base = import::Base {
        head: head as Position,
        last_recorded: last_recorded.and_then(micros_to_time),
        ..import::Base::default()
    };
    {
        for s in streams {
            if let Some(r) = last_revision(&tx, s)? {
                base.streams.insert(s.to_owned(), r);
            }
        }
        let mut by_id = tx
            .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
            .map_err(backend)?;
        for id in ids {
            if by_id.exists([id.as_bytes().as_slice()]).map_err(backend)? {
                base.ids.insert(id);
            }
        }
        let mut by_command = tx
            .prepare_cached("SELECT 1 FROM commands WHERE command_id = ?1")
            .map_err(backend)?;
        for c in commands {
            if by_command
                .exists([c.as_bytes().as_slice()])
                .map_err(backend)?
            {
                base.commands.insert(c);
            }
        }
    }
    let plan = import::plan(events, base)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (position, id, stream_id, revision, event_type,
                    schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
                    correlation_id, causation_id, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(backend)?;
        for e in events {
            let payload = serde_json::to_string(&e.payload)
                .map_err(|err| StoreError::Backend(format!("encoding a payload: {err}")))?;
            insert
                .execute(params![
                    e.position as i64,
                    e.id.as_bytes().as_slice(),
                    e.stream_id.as_str(),
                    e.revision as i64,
                    e.event_type,
                    e.schema_version,
                    e.occurred_at.timestamp_micros(),
                    e.recorded_at.timestamp_micros(),
                    e.actor.id,
                    e.actor.role.as_str(),
                    e.command_id.as_bytes().as_slice(),
                    e.correlation_id.as_bytes().as_slice(),
                    e.causation_id.as_ref().map(|c| c.as_bytes().as_slice()),
                    payload,
                ])
                .map_err(backend)?;
        }
        let mut command = tx
            .prepare_cached(
                "INSERT INTO commands (command_id, stream_id, first_position, last_position,
                    last_revision, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?;
        for c in &plan.commands {
            command
                .execute(params![
                    c.command_id.as_bytes().as_slice(),
                    c.stream_id,
                    c.first_position as i64,
                    c.last_position as i64,
                    c.last_revision as i64,
                    c.recorded_at.timestamp_micros(),
                ])
                .map_err(backend)?;
        }
    }
    // An import is a batch already: indexed with it, as a whole. The
    // import's plan refused any revision taken twice, so a refusal here
    // means a log edited behind registre's back: the import is refused.
    index_tail(&tx).map_err(|(IndexFailure::Undone(e) | IndexFailure::Torn(e))| backend(e))?;
    tx.commit().map_err(backend)?;
    if upgraded {
        report_upgrade();
    }
    Ok(plan.head)
}
