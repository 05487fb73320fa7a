//! Streams' last revisions: what the writer keeps of them, and how they
//! are read from the stream index and the log's tail.

use std::collections::HashMap;

use registre_schema::{Position, Revision};
use rusqlite::Connection;

use super::backend;
use super::stream_index::INDEXED_THROUGH;
use crate::StoreError;

/// Most streams whose last revision the writer keeps in memory.
pub(super) const KNOWN_STREAMS: usize = 200_000;

/// The last revision of streams the writer wrote, as committed, so that
/// an append's check need not read the stream index and the log's tail.
/// Valid only while nothing else appends: it is dropped whenever the log's
/// tail is not where the writer left it. Were it ever wrong, the event
/// written would be refused when its group's tail is indexed, too late to
/// refuse the append: this check and the one reading the store are what
/// keep a revision from being taken twice.
pub(super) struct Revisions {
    pub(super) by_stream: HashMap<String, Revision>,
    /// Every event after this position was written by the writer, its
    /// stream's revision kept in `by_stream`: once the stream index's
    /// watermark has passed it, a stream not in `by_stream` has no event
    /// in the log's tail, and the index alone says where it stands.
    pub(super) complete_after: Position,
}

impl Revisions {
    /// What the writer knows of `stream`, the stream index's watermark
    /// being at `through`.
    pub(super) fn known(&self, stream: &str, through: Position) -> Known {
        match self.by_stream.get(stream) {
            Some(r) => Known::At(*r),
            None if through >= self.complete_after => Known::NotInTail,
            None => Known::Unknown,
        }
    }

    /// Drops what the writer knew, which the log may have left behind up
    /// to `position`.
    pub(super) fn forget(&mut self, position: Position) {
        self.by_stream.clear();
        self.complete_after = self.complete_after.max(position);
    }

    /// Drops what the writer knew of `stream`, which the log may have left
    /// behind up to `position`.
    pub(super) fn forget_stream(&mut self, stream: &str, position: Position) {
        self.by_stream.remove(stream);
        self.complete_after = self.complete_after.max(position);
    }
}

/// What the writer knows of a stream's last revision before reading it.
#[derive(Clone, Copy)]
pub(super) enum Known {
    /// Its last revision, as this thread wrote it.
    At(Revision),
    /// It has no event in the log's tail: the stream index says.
    NotInTail,
    /// Nothing: the stream index and the log's tail say.
    Unknown,
}

/// The greater of the stream's last indexed revision and its last one in
/// the log's tail.
pub(super) fn last_revision_sql() -> String {
    format!(
        "SELECT max(r) FROM (
            SELECT max(revision) AS r FROM stream_index WHERE stream_id = ?1
            UNION ALL
            SELECT max(revision) FROM events WHERE position > {INDEXED_THROUGH} AND stream_id = ?1)"
    )
}

/// A stream's last revision, `None` for a stream with no events: one probe
/// of the stream index and a scan of the log's tail. The writer asks only
/// for streams it does not know (see `Writer::revisions`).
pub(super) fn last_revision(
    conn: &Connection,
    stream: &str,
) -> Result<Option<Revision>, StoreError> {
    revision_by(conn, &last_revision_sql(), stream)
}

/// A stream's last indexed revision: one probe of the stream index.
pub(super) fn indexed_revision(
    conn: &Connection,
    stream: &str,
) -> Result<Option<Revision>, StoreError> {
    revision_by(
        conn,
        "SELECT max(revision) FROM stream_index WHERE stream_id = ?1",
        stream,
    )
}

fn revision_by(conn: &Connection, sql: &str, stream: &str) -> Result<Option<Revision>, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_row([stream], |r| r.get::<_, Option<i64>>(0)))
        .map(|r| r.map(|r| r as Revision))
        .map_err(backend)
}
