//! The store's file: its tables, the header that says it is a registre
//! store of a given format, and the upgrade of an older format.

use std::path::Path;

use rusqlite::Connection;

use super::backend;
use crate::StoreError;

/// `PRAGMA application_id` of a registre store ("REG1").
pub(super) const APPLICATION_ID: i64 = 0x5245_4731;

/// `PRAGMA user_version`: the store format this build writes and reads.
///
/// Format 1 also kept each stream's last revision in a `streams` table,
/// one more row written per append on a page of its own. Format 2 read it
/// from a `(stream_id, revision)` unique index on the events, which every
/// append wrote: a page of its own for each append to another stream, the
/// largest part of the writer's work. Format 3 indexes streams in sorted
/// batches, off most appends' path (see `index_tail`). A store of an
/// older format is read as it is, and upgraded by its first write (see
/// `upgrade_format`).
pub const STORE_FORMAT: i64 = 3;

pub(super) const SCHEMA: &str = "
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    id             BLOB    NOT NULL UNIQUE,
    stream_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL, -- microseconds since 1970, UTC
    recorded_at    INTEGER NOT NULL, -- microseconds since 1970, UTC
    actor_id       TEXT    NOT NULL,
    actor_role     TEXT    NOT NULL,
    command_id     BLOB    NOT NULL,
    correlation_id BLOB    NOT NULL,
    causation_id   BLOB,
    payload        TEXT    NOT NULL  -- JSON
) STRICT;
CREATE TABLE commands (
    command_id     BLOB    PRIMARY KEY,
    stream_id      TEXT    NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    last_revision  INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- The log is append-only; these refuse edits made through SQL by mistake.
-- (Deliberate tampering is what the audit tree detects.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'registre events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'registre events are append-only'); END;
";

/// The stream index of format 3, created with a new store or by the
/// upgrade of an older one: where each stream's events are. Every event up
/// to `indexed_through` has its entry; those after it, the log's tail, are
/// found by scanning the tail (see `index_tail`). Entries are never edited
/// either, and the watermark only moves forward.
pub(super) const STREAM_INDEX_SCHEMA: &str = "
CREATE TABLE stream_index (
    stream_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    PRIMARY KEY (stream_id, revision)
) STRICT, WITHOUT ROWID;
CREATE TABLE stream_index_state (
    only            INTEGER PRIMARY KEY CHECK (only = 1),
    indexed_through INTEGER NOT NULL
) STRICT;
INSERT INTO stream_index_state VALUES (1, 0);
CREATE TRIGGER stream_index_no_update BEFORE UPDATE ON stream_index
BEGIN SELECT RAISE(ABORT, 'the stream index is append-only'); END;
CREATE TRIGGER stream_index_no_delete BEFORE DELETE ON stream_index
BEGIN SELECT RAISE(ABORT, 'the stream index is append-only'); END;
CREATE TRIGGER stream_index_forward BEFORE UPDATE ON stream_index_state
WHEN NEW.indexed_through < OLD.indexed_through
BEGIN SELECT RAISE(ABORT, 'the stream index never moves back'); END;
";

/// What the first page of a store's file says.
pub(super) struct Header {
    pub(super) application_id: i64,
    pub(super) format: i64,
    /// Tables, indexes and triggers in the file.
    pub(super) objects: i64,
}

impl Header {
    /// Whether the file is empty (a new store); an error if it is not
    /// a registre store this build can read.
    pub(super) fn check(&self, path: &Path) -> Result<bool, StoreError> {
        let Header {
            application_id,
            format,
            objects,
        } = *self;
        if application_id == 0 && format == 0 && objects == 0 {
            return Ok(true);
        }
        if application_id != APPLICATION_ID {
            return Err(not_a_store(
                path,
                format!("SQLite application id {application_id:#x}"),
            ));
        }
        if format > STORE_FORMAT {
            return Err(StoreError::Format(format!(
                "{} was written by a newer registre (store format {format}); this build reads format {STORE_FORMAT} at most",
                path.display()
            )));
        }
        Ok(false)
    }
}

pub(super) fn read_header(conn: &Connection) -> rusqlite::Result<Header> {
    conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                (SELECT user_version FROM pragma_user_version),
                (SELECT count(*) FROM sqlite_schema)",
        [],
        |r| {
            Ok(Header {
                application_id: r.get(0)?,
                format: r.get(1)?,
                objects: r.get(2)?,
            })
        },
    )
}

pub(super) fn not_a_store(path: &Path, detail: String) -> StoreError {
    StoreError::Format(format!(
        "{} is not a registre store ({detail})",
        path.display()
    ))
}

/// Brings a store of an older format to this build's, inside the caller's
/// write transaction: a store is upgraded by its first write, never by a
/// read (`verify`, `export`, `copy --from` leave the file as it was). The
/// format is read again under the write lock, since another process may
/// have upgraded it since it was opened. Returns whether it upgraded.
///
/// Format 1 also kept each stream's last revision in a `streams` table;
/// the table is derived from the events, so dropping it loses nothing.
/// Builds of format 1 then refuse the file as a newer format.
pub(super) fn upgrade_format(conn: &Connection) -> Result<bool, StoreError> {
    let format: i64 = conn
        .prepare_cached("SELECT user_version FROM pragma_user_version")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    match format {
        1 | 2 => {
            conn.execute_batch(&format!(
                "DROP TABLE IF EXISTS streams; {STREAM_INDEX_SCHEMA} PRAGMA user_version = {STORE_FORMAT};"
            ))
            .map_err(backend)?;
            Ok(true)
        }
        f if f > STORE_FORMAT => Err(StoreError::Format(format!(
            "the store was upgraded to format {f} by a newer registre; this build writes format {STORE_FORMAT}"
        ))),
        _ => Ok(false),
    }
}

/// Said once the transaction that upgraded the store has committed.
pub(super) fn report_upgrade() {
    tracing::info!(
        "store format upgraded to {STORE_FORMAT}: streams are indexed in batches, in a table of their own"
    );
}
