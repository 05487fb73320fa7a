//! Reading: a small pool of read connections with their prepared
//! statements, and the decoding of event rows, which reports anything
//! malformed with the event's position and type. Readers never take the
//! head lock, so they never wait for the writer.

use std::sync::{Arc, Mutex};

use registre_schema::{Actor, Position, RecordedEvent, StreamId};
use tokio::sync::Semaphore;
use tokio_postgres::{Client, Row, Statement};

use super::backend;
use super::format::Sql;
use super::target::Target;
use crate::StoreError;

/// Read connections, opened on demand and kept while idle.
pub(super) struct Readers {
    pub(super) target: Target,
    pub(super) sql: Arc<Sql>,
    pub(super) idle: Mutex<Vec<ReadConn>>,
    pub(super) permits: Semaphore,
}

pub(super) struct ReadConn {
    pub(super) client: Client,
    pub(super) read_all: Statement,
    pub(super) read_stream: Statement,
    pub(super) head: Statement,
}

impl Readers {
    pub(super) async fn with<T>(
        &self,
        f: impl AsyncFnOnce(&ReadConn) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the store is closed".into()))?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) if !c.client.is_closed() => c,
            _ => {
                let client = self.target.connect().await?;
                let (read_all, read_stream, head) = futures::try_join!(
                    client.prepare(&self.sql.read_all),
                    client.prepare(&self.sql.read_stream),
                    client.prepare(&self.sql.head),
                )
                .map_err(backend)?;
                ReadConn {
                    client,
                    read_all,
                    read_stream,
                    head,
                }
            }
        };
        let result = f(&conn).await.map_err(backend);
        // A connection is kept only once its query finished: one dropped
        // mid-query (cancelled caller) is dropped with it.
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
        result
    }
}

/// Decodes one event row; anything malformed is reported with the event's
/// position and type.
fn decode_row(row: &Row) -> Result<RecordedEvent, StoreError> {
    decode_row_with(row, |_, _, text| {
        serde_json::from_str(text).map_err(|e| format!("payload is not valid JSON: {e}"))
    })
}

/// Decodes one row, its payload text read by `payload` (given the event
/// type and schema version).
pub(super) fn decode_row_with<P>(
    row: &Row,
    payload: impl FnOnce(&str, u16, &str) -> Result<P, String>,
) -> Result<RecordedEvent<P>, StoreError> {
    let position: i64 = row.try_get(0).map_err(backend)?;
    let event_type: String = row.try_get(4).unwrap_or_else(|_| "?".into());
    let corrupt = |reason: String| StoreError::Corrupt {
        position: position as Position,
        event_type: event_type.clone(),
        reason,
    };
    let stream: &str = row
        .try_get(2)
        .map_err(|e| corrupt(format!("stream id: {e}")))?;
    let revision: i64 = row
        .try_get(3)
        .map_err(|e| corrupt(format!("revision: {e}")))?;
    let schema_version: i32 = row
        .try_get(5)
        .map_err(|e| corrupt(format!("schema version: {e}")))?;
    let role: String = row
        .try_get(9)
        .map_err(|e| corrupt(format!("actor role: {e}")))?;
    let schema_version =
        u16::try_from(schema_version).map_err(|_| corrupt("schema version out of range".into()))?;
    let text: &str = row
        .try_get(13)
        .map_err(|e| corrupt(format!("payload: {e}")))?;
    Ok(RecordedEvent {
        position: position as Position,
        id: row
            .try_get(1)
            .map_err(|e| corrupt(format!("event id: {e}")))?,
        stream_id: StreamId::new(stream).map_err(|e| corrupt(e.to_string()))?,
        revision: u64::try_from(revision).map_err(|_| corrupt("negative revision".into()))?,
        schema_version,
        occurred_at: row
            .try_get(6)
            .map_err(|e| corrupt(format!("occurred_at: {e}")))?,
        recorded_at: row
            .try_get(7)
            .map_err(|e| corrupt(format!("recorded_at: {e}")))?,
        actor: Actor {
            id: row.try_get(8).map_err(|e| corrupt(format!("actor: {e}")))?,
            role: role.parse().map_err(corrupt)?,
        },
        command_id: row
            .try_get(10)
            .map_err(|e| corrupt(format!("command id: {e}")))?,
        correlation_id: row
            .try_get(11)
            .map_err(|e| corrupt(format!("correlation id: {e}")))?,
        causation_id: row
            .try_get(12)
            .map_err(|e| corrupt(format!("causation id: {e}")))?,
        payload: payload(&event_type, schema_version, text).map_err(corrupt)?,
        event_type,
    })
}

pub(super) fn decode_rows(rows: Vec<Row>) -> Result<Vec<RecordedEvent>, StoreError> {
    rows.iter().map(decode_row).collect()
}
