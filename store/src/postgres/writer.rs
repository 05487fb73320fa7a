//! The one task per process that writes: it takes the appends queued while
//! the previous group committed and commits them in one transaction under
//! the head lock, deciding them with `plan`; should PostgreSQL
//! refuse the group's write, it commits them one by one.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use registre_schema::{Position, Revision, StreamId};
use tokio::sync::{mpsc, watch};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};
use uuid::Uuid;

use super::format::Sql;
use super::target::Target;
use super::{GROUP, backend, plan, to_micros};
use crate::{AppendOutcome, AppendRequest, StoreError, WriteJob, answer_all, gather};

/// The write connection and its prepared statements.
pub(super) struct WriteConn {
    pub(super) client: Client,
    pub(super) lock_head: Statement,
    pub(super) known_commands: Statement,
    pub(super) known_streams: Statement,
    pub(super) known_ids: Statement,
    pub(super) write: Statement,
}

impl WriteConn {
    pub(super) async fn prepare(client: Client, sql: &Sql) -> Result<WriteConn, StoreError> {
        let (lock_head, known_commands, known_streams, known_ids, write) = futures::try_join!(
            client.prepare(&sql.lock_head),
            client.prepare(&sql.known_commands),
            client.prepare(&sql.known_streams),
            client.prepare(&sql.known_ids),
            client.prepare(&sql.write),
        )
        .map_err(backend)?;
        Ok(WriteConn {
            client,
            lock_head,
            known_commands,
            known_streams,
            known_ids,
            write,
        })
    }
}

/// The task that writes: commits queued appends in groups.
pub(super) struct Writer {
    pub(super) target: Target,
    pub(super) sql: Arc<Sql>,
    pub(super) conn: Option<WriteConn>,
    pub(super) head: Arc<watch::Sender<Position>>,
}

impl Writer {
    pub(super) async fn run(mut self, mut queue: mpsc::Receiver<WriteJob>) {
        let mut group: Vec<WriteJob> = Vec::with_capacity(GROUP.appends);
        while let Some(first) = queue.recv().await {
            gather(first, &mut queue, GROUP, &mut group);
            let results = self.commit(&group).await;
            answer_all(&mut group, results);
        }
    }

    /// The write connection, made anew if the last one was lost.
    async fn connection(&mut self) -> Result<&mut WriteConn, StoreError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            let client = self.target.connect().await?;
            self.conn = Some(WriteConn::prepare(client, &self.sql).await?);
        }
        Ok(self.conn.as_mut().expect("connection just made"))
    }

    /// Commits a group; if PostgreSQL refuses its one write (say, a time it
    /// cannot represent), commits each append alone so only the faulty one
    /// fails.
    async fn commit(&mut self, group: &[WriteJob]) -> Vec<Result<AppendOutcome, StoreError>> {
        let reqs: Vec<&AppendRequest> = group.iter().map(|j| &j.req).collect();
        match self.commit_reqs(&reqs).await {
            Err(Refused(e)) if reqs.len() > 1 => {
                tracing::warn!(error = %e, "an append group was refused; committing one by one");
                let mut results = Vec::with_capacity(reqs.len());
                for req in reqs {
                    results.push(match self.commit_reqs(&[req]).await {
                        Ok(mut r) => r.pop().expect("one result per append"),
                        Err(Refused(e)) => Err(e),
                        Err(Failed(e)) => Err(e),
                    });
                }
                results
            }
            Ok(results) => results,
            Err(Refused(e) | Failed(e)) => reqs.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    async fn commit_reqs(
        &mut self,
        reqs: &[&AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, GroupError> {
        let channel = self.sql.channel.clone();
        let conn = self.connection().await.map_err(Failed)?;
        match commit_group(conn, &channel, reqs).await {
            Ok((results, head)) => {
                advance(&self.head, head);
                Ok(results)
            }
            Err(Failed(e)) => {
                // The connection may be inside a transaction or broken:
                // start afresh (closing it rolls back whatever was open).
                tracing::error!(error = %e, "commit of an append group failed");
                self.conn = None;
                Err(Failed(e))
            }
            Err(refused) => Err(refused),
        }
    }
}

/// Why a group was not committed.
enum GroupError {
    /// PostgreSQL refused the group's write and rolled it back; the
    /// connection is clean.
    Refused(StoreError),
    /// Anything else; the outcome may be unknown.
    Failed(StoreError),
}
use GroupError::{Failed, Refused};

/// Moves the head watch forward, never back (a poll may read an older head
/// than a commit just reported).
pub(super) fn advance(head: &watch::Sender<Position>, to: Position) {
    head.send_if_modified(|h| {
        if to > *h {
            *h = to;
            true
        } else {
            false
        }
    });
}

/// One transaction for the whole group: lock the head, read what the log
/// holds of the group's ids, decide every append, write them all in one
/// statement, commit. Two round trips, whatever the group's size.
/// Returns each append's result and the head after commit.
async fn commit_group(
    conn: &WriteConn,
    channel: &str,
    reqs: &[&AppendRequest],
) -> Result<(Vec<Result<AppendOutcome, StoreError>>, Position), GroupError> {
    let failed = |e| Failed(backend(e));
    let c = &conn.client;
    let mut command_ids: Vec<Uuid> = reqs.iter().map(|r| r.meta.command_id).collect();
    command_ids.sort_unstable();
    command_ids.dedup();
    let mut streams: Vec<&str> = reqs.iter().map(|r| r.stream_id.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let event_ids: Vec<Uuid> = reqs
        .iter()
        .flat_map(|r| r.events.iter().map(|e| e.id))
        .collect();
    // Sent together, run in order: the reads come after the lock is
    // granted, so they see every commit that came before ours.
    let by_command: [&(dyn ToSql + Sync); 1] = [&command_ids];
    let by_stream: [&(dyn ToSql + Sync); 1] = [&streams];
    let by_id: [&(dyn ToSql + Sync); 1] = [&event_ids];
    let (begun, head, commands, known_streams, ids) = futures::join!(
        c.batch_execute("BEGIN"),
        c.query_one(&conn.lock_head, &[]),
        c.query(&conn.known_commands, &by_command),
        c.query(&conn.known_streams, &by_stream),
        c.query(&conn.known_ids, &by_id),
    );
    begun.map_err(failed)?;
    let head = head.map_err(failed)?;
    let start: i64 = head.try_get(0).map_err(failed)?;
    let last_recorded: Option<DateTime<Utc>> = head.try_get(1).map_err(failed)?;
    let mut known = plan::Known::default();
    for row in commands.map_err(failed)? {
        let outcome = earlier_outcome(&row).map_err(Failed)?;
        known
            .commands
            .insert(row.try_get(0).map_err(failed)?, outcome);
    }
    for row in known_streams.map_err(failed)? {
        let revision: i64 = row.try_get(1).map_err(failed)?;
        known
            .streams
            .insert(row.try_get(0).map_err(failed)?, revision as Revision);
    }
    for row in ids.map_err(failed)? {
        known.ids.insert(row.try_get(0).map_err(failed)?);
    }
    // recorded_at never goes back along the log, even if this machine's
    // clock is behind another instance's.
    let now = to_micros(Utc::now()).max(last_recorded.unwrap_or_default());
    let (results, rows, end) = plan::plan(reqs, known, start as Position, now);
    if rows.is_empty() {
        // Nothing to write (retries, conflicts): just release the lock.
        c.batch_execute("ROLLBACK").await.map_err(failed)?;
        return Ok((results, start as Position));
    }
    let (stream_ids, stream_revisions): (Vec<&str>, Vec<i64>) =
        rows.streams.iter().map(|(s, r)| (s.as_str(), *r)).unzip();
    let end = end as i64;
    let params: [&(dyn ToSql + Sync); 23] = [
        &rows.position,
        &rows.id,
        &rows.stream_id,
        &rows.revision,
        &rows.event_type,
        &rows.schema_version,
        &rows.occurred_at,
        &rows.actor_id,
        &rows.actor_role,
        &rows.command_id,
        &rows.correlation_id,
        &rows.causation_id,
        &rows.payload,
        &now,
        &stream_ids,
        &stream_revisions,
        &rows.cmd_id,
        &rows.cmd_stream,
        &rows.cmd_first,
        &rows.cmd_last,
        &rows.cmd_revision,
        &end,
        &channel,
    ];
    let (written, committed) =
        futures::join!(c.execute(&conn.write, &params), c.batch_execute("COMMIT"),);
    match written {
        Ok(_) => {}
        // The statement failed inside the server: the transaction was
        // aborted, and the COMMIT that followed rolled it back.
        Err(e) if e.as_db_error().is_some() && committed.is_ok() => {
            return Err(Refused(backend(e)));
        }
        Err(e) => return Err(failed(e)),
    }
    committed.map_err(|e| {
        Failed(StoreError::Backend(format!(
            "commit failed, its outcome is unknown (retry with the same command id): {}",
            backend(e)
        )))
    })?;
    Ok((results, end as Position))
}

/// The outcome a recorded command had, as a retry receives it.
fn earlier_outcome(row: &Row) -> Result<AppendOutcome, StoreError> {
    let stream: String = row.try_get(1).map_err(backend)?;
    let get = |i: usize| row.try_get::<_, i64>(i).map_err(backend);
    Ok(AppendOutcome {
        stream_id: StreamId::new(stream).map_err(|e| StoreError::Backend(e.to_string()))?,
        first_position: get(2)? as Position,
        last_position: get(3)? as Position,
        last_revision: get(4)? as Revision,
        recorded_at: row.try_get(5).map_err(backend)?,
        deduplicated: true,
    })
}
