//! Imports: a batch of recorded events, checked against what the log
//! holds and written in one transaction under the head lock, on a
//! connection of their own. Apart from the writer because an import keeps
//! each event's own position and times instead of assigning them.

use chrono::{DateTime, Utc};
use registre_schema::{Position, RecordedEvent, Revision};
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::backend;
use super::format::Sql;
use crate::{StoreError, import};

/// One import in one transaction, under the head lock like any append, so
/// it is ordered with every writer of every process.
pub(super) async fn import_events(
    client: &mut Client,
    sql: &Sql,
    events: &[RecordedEvent],
) -> Result<Position, StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    let head = tx.query_one(&sql.lock_head, &[]).await.map_err(backend)?;
    let (streams, ids, commands) = import::keys(events);
    let mut base = import::Base {
        head: head.try_get::<_, i64>(0).map_err(backend)? as Position,
        last_recorded: head.try_get(1).map_err(backend)?,
        ..import::Base::default()
    };
    for row in tx
        .query(&sql.known_streams, &[&streams])
        .await
        .map_err(backend)?
    {
        let revision: i64 = row.try_get(1).map_err(backend)?;
        base.streams
            .insert(row.try_get(0).map_err(backend)?, revision as Revision);
    }
    for row in tx.query(&sql.known_ids, &[&ids]).await.map_err(backend)? {
        base.ids.insert(row.try_get(0).map_err(backend)?);
    }
    for row in tx
        .query(&sql.known_commands, &[&commands])
        .await
        .map_err(backend)?
    {
        base.commands.insert(row.try_get(0).map_err(backend)?);
    }
    let plan = match import::plan(events, base) {
        Ok(plan) => plan,
        Err(refused) => {
            // Release the head lock now rather than when the drop's
            // rollback reaches the server.
            let _ = tx.rollback().await;
            return Err(refused.into());
        }
    };
    let col = |f: fn(&RecordedEvent) -> i64| events.iter().map(f).collect::<Vec<i64>>();
    let positions = col(|e| e.position as i64);
    let revisions = col(|e| e.revision as i64);
    let ev_ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let stream_ids: Vec<&str> = events.iter().map(|e| e.stream_id.as_str()).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let versions: Vec<i32> = events.iter().map(|e| i32::from(e.schema_version)).collect();
    let occurred: Vec<DateTime<Utc>> = events.iter().map(|e| e.occurred_at).collect();
    let recorded: Vec<DateTime<Utc>> = events.iter().map(|e| e.recorded_at).collect();
    let actors: Vec<&str> = events.iter().map(|e| e.actor.id.as_str()).collect();
    let roles: Vec<&str> = events.iter().map(|e| e.actor.role.as_str()).collect();
    let command_ids: Vec<Uuid> = events.iter().map(|e| e.command_id).collect();
    let correlations: Vec<Uuid> = events.iter().map(|e| e.correlation_id).collect();
    let causations: Vec<Option<Uuid>> = events.iter().map(|e| e.causation_id).collect();
    let payloads = events
        .iter()
        .map(|e| serde_json::to_string(&e.payload))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| StoreError::Backend(format!("encoding a payload: {e}")))?;
    let (st_ids, st_revisions): (Vec<&str>, Vec<i64>) = plan
        .streams
        .iter()
        .map(|(s, r)| (s.as_str(), *r as i64))
        .unzip();
    let cm = &plan.commands;
    let cm_ids: Vec<Uuid> = cm.iter().map(|c| c.command_id).collect();
    let cm_streams: Vec<&str> = cm.iter().map(|c| c.stream_id.as_str()).collect();
    let cm_first: Vec<i64> = cm.iter().map(|c| c.first_position as i64).collect();
    let cm_last: Vec<i64> = cm.iter().map(|c| c.last_position as i64).collect();
    let cm_revision: Vec<i64> = cm.iter().map(|c| c.last_revision as i64).collect();
    let cm_recorded: Vec<DateTime<Utc>> = cm.iter().map(|c| c.recorded_at).collect();
    let end = plan.head as i64;
    let last_recorded = recorded.last().copied();
    let params: [&(dyn ToSql + Sync); 25] = [
        &positions,
        &ev_ids,
        &stream_ids,
        &revisions,
        &types,
        &versions,
        &occurred,
        &recorded,
        &actors,
        &roles,
        &command_ids,
        &correlations,
        &causations,
        &payloads,
        &st_ids,
        &st_revisions,
        &cm_ids,
        &cm_streams,
        &cm_first,
        &cm_last,
        &cm_revision,
        &cm_recorded,
        &end,
        &last_recorded,
        &sql.channel,
    ];
    tx.execute(&sql.import, &params).await.map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(plan.head)
}
