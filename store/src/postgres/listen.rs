//! The task behind [`EventStore::watch_head`](crate::EventStore::watch_head):
//! a connection that LISTENs for the writers' notifications and polls
//! anyway, so a lost notification only delays readers (see the module doc
//! of `postgres`).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use registre_schema::Position;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, Client};

use super::format::Sql;
use super::target::Target;
use super::writer::advance;
use super::{POLL_EVERY, backend};
use crate::StoreError;

/// Follows the head: on every notification, and every [`POLL_EVERY`]
/// whether or not one came, reads `log_head` and advances the watch.
/// Reconnects after a lost connection; stops when the store is dropped.
pub(super) async fn listen(target: Target, sql: Arc<Sql>, head: Arc<watch::Sender<Position>>) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (client, mut notified) = match listening(&target, &sql).await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for new events; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            tokio::select! {
                note = notified.recv() => if note.is_none() { break },
                _ = tick.tick() => {}
            }
            match client.query_one(&sql.head, &[]).await {
                Ok(row) => match row.try_get::<_, i64>(0) {
                    Ok(p) => advance(&head, p as Position),
                    Err(e) => tracing::warn!(error = %e, "unreadable log head"),
                },
                Err(_) => break,
            }
        }
    }
}

/// A connection that LISTENs on the store's channel, and the receiver of
/// its notifications.
async fn listening(target: &Target, sql: &Sql) -> Result<(Client, mpsc::Receiver<()>), StoreError> {
    let (client, mut connection) = target
        .config
        .connect(target.tls.clone())
        .await
        .map_err(|e| target.refused(e))?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(_) = message {
                // Full means a wake-up is already pending: enough.
                let _ = tx.try_send(());
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN \"{}\"", sql.channel))
        .await
        .map_err(backend)?;
    Ok((client, rx))
}
