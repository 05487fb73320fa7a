//! Reading events: the SQL texts of the log, stream and category reads,
//! and the decoding of their rows.

use chrono::{DateTime, Utc};
use registre_schema::{Actor, DecodedEvent, Position, RecordedEvent, Role, StreamId};
use rusqlite::Connection;
use uuid::Uuid;

use super::backend;
use super::stream_index::INDEXED_THROUGH;
use crate::StoreError;

const SELECT_EVENT: &str = "SELECT position, id, stream_id, revision, event_type, schema_version,
    occurred_at, recorded_at, actor_id, actor_role, command_id, correlation_id, causation_id,
    payload FROM events";

/// The log from a position (`?1`), at most `?2` events.
pub(super) fn log_sql() -> String {
    format!("{SELECT_EVENT} WHERE position >= ?1 ORDER BY position LIMIT ?2")
}

/// A stream (`?1`) from a revision (`?2`), at most `?3` events: the
/// indexed events, then those of the log's tail. The two parts are read
/// in one statement, hence one snapshot, so that none is read twice or
/// missed while a group indexes the tail; each comes in revision order,
/// and SQLite merges them.
pub(super) fn stream_sql() -> String {
    format!(
        "SELECT e.position, e.id, i.stream_id, i.revision, e.event_type, e.schema_version,
            e.occurred_at, e.recorded_at, e.actor_id, e.actor_role, e.command_id,
            e.correlation_id, e.causation_id, e.payload
         FROM stream_index AS i JOIN events AS e ON e.position = i.position
         WHERE i.stream_id = ?1 AND i.revision >= ?2
            AND e.stream_id = i.stream_id AND e.revision = i.revision
         UNION ALL
         {SELECT_EVENT} WHERE position > {INDEXED_THROUGH} AND stream_id = ?1 AND revision >= ?2
         ORDER BY 4, 1 LIMIT ?3"
    )
}

/// [`stream_sql`] for a store opened at an older format: its events carry
/// their own `(stream_id, revision)` index, which its upgrade keeps, so
/// this stays right after this process or another upgrades it.
pub(super) fn inline_stream_sql() -> String {
    format!("{SELECT_EVENT} WHERE stream_id = ?1 AND revision >= ?2 ORDER BY revision LIMIT ?3")
}

/// Stream ids in `[?1, ?2)` at positions `?3` to `?4`, at most `?5` events.
pub(super) fn category_sql() -> String {
    format!(
        "{SELECT_EVENT} WHERE stream_id >= ?1 AND stream_id < ?2 \
         AND position BETWEEN ?3 AND ?4 ORDER BY position LIMIT ?5"
    )
}

/// The last committed position, 0 for an empty log. Kept prepared: each
/// category read asks first, and the token registry reads its category
/// after every commit.
pub(super) fn read_head(c: &Connection) -> Result<Position, StoreError> {
    c.prepare_cached("SELECT coalesce(max(position), 0) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
        .map(|p| p as Position)
        .map_err(backend)
}

/// Reads one row of `SELECT_EVENT`, given the stream id of the row read
/// before it, if any (see [`StreamId::parse_after`]).
pub(super) type Decode<P> =
    fn(&rusqlite::Row<'_>, &mut Option<StreamId>) -> Result<RecordedEvent<P>, StoreError>;

/// Decodes one row of `SELECT_EVENT`; anything malformed is reported with
/// the event's position and type.
pub(super) fn decode_row(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
) -> Result<RecordedEvent, StoreError> {
    decode_row_with(row, last, |_, _, text| {
        serde_json::from_str(text).map_err(|e| format!("payload is not valid JSON: {e}"))
    })
}

/// Like [`decode_row`], with the payload decoded for a fold: the text is
/// parsed straight into the domain event, no `Value` in between.
pub(super) fn decode_row_for_fold(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
) -> Result<DecodedEvent, StoreError> {
    decode_row_with(row, last, crate::decode_payload_text)
}

/// Decodes one row, its payload text read by `payload` (given the event
/// type and schema version).
fn decode_row_with<P>(
    row: &rusqlite::Row<'_>,
    last: &mut Option<StreamId>,
    payload: impl FnOnce(&str, u16, &str) -> Result<P, String>,
) -> Result<RecordedEvent<P>, StoreError> {
    let position: i64 = row.get(0).map_err(backend)?;
    let event_type: String = row.get(4).unwrap_or_else(|_| "?".into());
    let corrupt = |reason: String| StoreError::Corrupt {
        position: position as Position,
        event_type: event_type.clone(),
        reason,
    };
    // Blobs and most text are borrowed from the row; the event type and
    // the actor's id are copied into the event's own strings.
    let get_uuid = |i: usize, what: &str| -> Result<Uuid, StoreError> {
        let blob = row
            .get_ref(i)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(|e| corrupt(format!("{what}: {e}")))?;
        Uuid::from_slice(blob).map_err(|e| corrupt(format!("{what}: {e}")))
    };
    let get_time = |i: usize, what: &str| -> Result<DateTime<Utc>, StoreError> {
        let micros: i64 = row.get(i).map_err(|e| corrupt(format!("{what}: {e}")))?;
        micros_to_time(micros).ok_or_else(|| corrupt(format!("{what} out of range")))
    };
    let stream = row
        .get_ref(2)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(|e| corrupt(format!("stream id: {e}")))?;
    let revision: i64 = row.get(3).map_err(|e| corrupt(format!("revision: {e}")))?;
    let schema_version: i64 = row
        .get(5)
        .map_err(|e| corrupt(format!("schema version: {e}")))?;
    let schema_version =
        u16::try_from(schema_version).map_err(|_| corrupt("schema version out of range".into()))?;
    let actor_id: String = row.get(8).map_err(|e| corrupt(format!("actor: {e}")))?;
    let role = row
        .get_ref(9)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(|e| corrupt(format!("actor role: {e}")))?;
    let causation = row
        .get_ref(12)
        .and_then(|v| v.as_blob_or_null().map_err(Into::into))
        .map_err(|e| corrupt(format!("causation id: {e}")))?;
    let text = row
        .get_ref(13)
        .map_err(|e| corrupt(format!("payload: {e}")))?
        .as_str()
        .map_err(|e| corrupt(format!("payload: {e}")))?;
    Ok(RecordedEvent {
        position: position as Position,
        id: get_uuid(1, "event id")?,
        stream_id: StreamId::parse_after(stream, last).map_err(|e| corrupt(e.to_string()))?,
        revision: u64::try_from(revision).map_err(|_| corrupt("negative revision".into()))?,
        schema_version,
        occurred_at: get_time(6, "occurred_at")?,
        recorded_at: get_time(7, "recorded_at")?,
        actor: Actor {
            id: actor_id,
            role: role.parse::<Role>().map_err(corrupt)?,
        },
        command_id: get_uuid(10, "command id")?,
        correlation_id: get_uuid(11, "correlation id")?,
        causation_id: causation
            .map(Uuid::from_slice)
            .transpose()
            .map_err(|e| corrupt(format!("causation id: {e}")))?,
        payload: payload(&event_type, schema_version, text).map_err(corrupt)?,
        event_type,
    })
}

pub(super) fn query_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, StoreError> {
    query_events_with(conn, sql, params, decode_row, 0)
}

pub(super) fn query_events_with<P>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    decode: Decode<P>,
    capacity: usize,
) -> Result<Vec<RecordedEvent<P>>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut rows = stmt.query(params).map_err(backend)?;
    let mut out = Vec::with_capacity(capacity);
    let mut last = None;
    while let Some(row) = rows.next().map_err(backend)? {
        out.push(decode(row, &mut last)?);
    }
    Ok(out)
}

pub(super) fn micros_to_time(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}
