//! One append inside its group's transaction: the check of its expected
//! revision, and the writing of its command record and events.

use registre_schema::{Position, Revision, StreamId};
use rusqlite::{Connection, OptionalExtension, params};

use super::backend;
use super::revisions::{Known, indexed_revision, last_revision};
use super::rows::micros_to_time;
use super::writer::Payloads;
use crate::{AppendOutcome, AppendRequest, InvalidAppend, StoreError, WriteJob};

/// The transaction of one group, begun and committed by statements
/// prepared once. rusqlite's `Transaction` parses `BEGIN` and `COMMIT`
/// again for every transaction, a sizeable part of the one writer's work
/// (BENCHMARKS.md has the figures).
pub(super) struct GroupTx<'c> {
    conn: &'c Connection,
}

impl<'c> GroupTx<'c> {
    pub(super) fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        if !conn.is_autocommit() {
            // A rollback that failed when a group was dropped: every later
            // BEGIN would fail too.
            conn.execute_batch("ROLLBACK")?;
        }
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(GroupTx { conn })
    }

    /// Commits; should COMMIT fail and leave the transaction open, the
    /// drop that follows rolls it back.
    pub(super) fn commit(self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([]).map(|_| ())
    }
}

impl std::ops::Deref for GroupTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for GroupTx<'_> {
    /// A group abandoned (or whose COMMIT failed) writes nothing.
    fn drop(&mut self) {
        if !self.conn.is_autocommit()
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!(error = %e, "rolling back an append group failed");
        }
    }
}

/// The statements every append runs, taken from the statement cache once
/// a group: taking them for each append (hashing the SQL text, moving the
/// statement in and out of the cache) was about a tenth of the writer's
/// instructions.
pub(super) struct Writes<'c> {
    command: rusqlite::CachedStatement<'c>,
    event: rusqlite::CachedStatement<'c>,
}

impl<'c> Writes<'c> {
    pub(super) fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Writes {
            command: conn.prepare_cached(
                "INSERT INTO commands (command_id, stream_id, first_position, last_position,
                    last_revision, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (command_id) DO NOTHING",
            )?,
            event: conn.prepare_cached(
                "INSERT INTO events (position, id, stream_id, revision, event_type,
                    schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
                    correlation_id, causation_id, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
        })
    }
}

/// How a group's appends are kept apart inside its one transaction.
#[derive(Clone, Copy)]
pub(super) enum GroupMode {
    /// No savepoints. An append's revision check only reads, and a command
    /// already recorded is found by a command record that is not added,
    /// so an append refused for a stale revision, or answered as a retry,
    /// leaves nothing behind; a write that fails midway (an event id
    /// already in the log, a disk error) could leave part of an append,
    /// and it, like any other failed check, abandons the group. Each
    /// savepoint costs two statements and a copy of every page it touches
    /// (SQLite's sub-journal).
    Plain,
    /// A savepoint around each append: a failed write rolls back that
    /// append alone.
    Savepoints,
}

/// A write failed in a group committed without savepoints.
pub(super) struct WriteFailed;

/// What the checks of an append found.
pub(super) enum Checked {
    /// The command is already recorded: its first outcome, nothing to write.
    Done(AppendOutcome),
    /// To be written after the stream's last revision (`None`: no stream).
    Fresh(Option<Revision>),
}

pub(super) fn append_one(
    conn: &Connection,
    writes: &mut Writes<'_>,
    job: &WriteJob<Payloads>,
    known: Known,
    position: &mut Position,
    now: i64,
) -> Result<AppendOutcome, StoreError> {
    match check_append(conn, &job.req, known)? {
        Checked::Done(outcome) => Ok(outcome),
        Checked::Fresh(actual) => write_append(conn, writes, job, actual, position, now),
    }
}

/// The check of an append, which only reads: does the stream stand where
/// the append expects it? `known` is the stream's last revision when the
/// writer knows it. A command already recorded is found here only when
/// the check fails (a retry whose stream has moved on since); otherwise
/// `write_append` finds it, by the command record it cannot add.
pub(super) fn check_append(
    conn: &Connection,
    req: &AppendRequest,
    known: Known,
) -> Result<Checked, StoreError> {
    // A refusal is confirmed against the index and the whole tail: should
    // the writer's memory ever be wrong, a valid append is still not
    // turned away for it.
    let stream = req.stream_id.as_str();
    let actual = match known {
        Known::At(r) if req.expected.accepts(Some(r)) => Some(r),
        Known::NotInTail => match indexed_revision(conn, stream)? {
            r if req.expected.accepts(r) => r,
            _ => last_revision(conn, stream)?,
        },
        _ => last_revision(conn, stream)?,
    };
    if !req.expected.accepts(actual) {
        if let Some(earlier) = recorded_command(conn, req)? {
            return Ok(Checked::Done(earlier));
        }
        return Err(StoreError::WrongExpectedVersion {
            stream_id: req.stream_id.clone(),
            expected: req.expected,
            actual,
        });
    }
    Ok(Checked::Fresh(actual))
}

/// The first outcome of the append's command, if it is already recorded.
fn recorded_command(
    conn: &Connection,
    req: &AppendRequest,
) -> Result<Option<AppendOutcome>, StoreError> {
    let command_id = req.meta.command_id.as_bytes().as_slice();
    let earlier = conn
        .prepare_cached(
            "SELECT stream_id, first_position, last_position, last_revision, recorded_at
             FROM commands WHERE command_id = ?1",
        )
        .map_err(backend)?
        .query_row([command_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    let Some((stream, first, last, revision, recorded)) = earlier else {
        return Ok(None);
    };
    Ok(Some(AppendOutcome {
        stream_id: StreamId::new(stream).map_err(|e| StoreError::Backend(e.to_string()))?,
        first_position: first as Position,
        last_position: last as Position,
        last_revision: revision as Revision,
        recorded_at: micros_to_time(recorded)
            .ok_or_else(|| StoreError::Backend("command record with an impossible time".into()))?,
        deduplicated: true,
    }))
}

/// Writes a checked append after the stream's revision `actual`, unless
/// its command is already recorded: then it writes nothing and answers
/// with the command's first outcome.
pub(super) fn write_append(
    conn: &Connection,
    writes: &mut Writes<'_>,
    job: &WriteJob<Payloads>,
    actual: Option<Revision>,
    position: &mut Position,
    now: i64,
) -> Result<AppendOutcome, StoreError> {
    let req = &job.req;
    if job.prepared.len() != req.events.len() {
        // Never so when `submit` made the job; writing fewer events than
        // asked would be worse than refusing the append.
        return Err(StoreError::Backend(
            "an append's payloads do not match its events".into(),
        ));
    }
    let command_id = req.meta.command_id.as_bytes().as_slice();
    let stream = req.stream_id.as_str();
    let count = req.events.len() as Position;
    let first_position = *position + 1;
    let first_revision = actual.map_or(0, |r| r + 1);
    let last_revision = first_revision + count - 1;
    // The command record first, which also tells whether the command is
    // already recorded: one statement where a lookup and an insert were
    // two. Refusing the duplicate key writes nothing.
    let recorded = writes
        .command
        .execute(params![
            command_id,
            stream,
            first_position as i64,
            (*position + count) as i64,
            last_revision as i64,
            now
        ])
        .map_err(backend)?;
    if recorded == 0 {
        return recorded_command(conn, req)?.ok_or_else(|| {
            StoreError::Backend("a command record was refused but is not there".into())
        });
    }
    let insert = &mut writes.event;
    let meta = &req.meta;
    let causation = meta.causation_id.as_ref().map(|c| c.as_bytes().as_slice());
    for (revision, (e, payload)) in (first_revision..).zip(req.events.iter().zip(&job.prepared)) {
        *position += 1;
        insert
            .execute(params![
                *position as i64,
                e.id.as_bytes().as_slice(),
                stream,
                revision as i64,
                e.event_type,
                e.schema_version,
                e.occurred_at.timestamp_micros(),
                now,
                meta.actor.id,
                meta.actor.role.as_str(),
                command_id,
                meta.correlation_id.as_bytes().as_slice(),
                causation,
                payload,
            ])
            .map_err(|err| match err.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    StoreError::Invalid(InvalidAppend::EventIdExists { id: e.id })
                }
                _ => backend(err),
            })?;
    }
    Ok(AppendOutcome {
        stream_id: req.stream_id.clone(),
        first_position,
        last_position: *position,
        last_revision,
        recorded_at: micros_to_time(now).unwrap_or_default(),
        deduplicated: false,
    })
}
