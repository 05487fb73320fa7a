//! The server's copy of the token book, kept current by following the log.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use registre_schema::Position;
use registre_schema::access::TOKEN_CATEGORY;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::book::{Principal, TokenBook};
use super::secret::{self, MAX_SECRET_LEN};
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

/// How often the log is read even when this process appended nothing: the
/// store's head watch only sees this process's own appends, and tokens are
/// issued and revoked by `registre token` from another process (or by
/// another instance sharing the store).
const POLL: Duration = Duration::from_millis(500);

/// Authenticates bearer secrets against the tokens recorded in the log.
pub struct TokenRegistry {
    book: RwLock<TokenBook>,
    /// The last position folded, sent after each fold: long-lived
    /// connections (websockets) wait on it to end a revoked token's rights
    /// at once rather than at their next message.
    folded: watch::Sender<Position>,
}

impl TokenRegistry {
    /// Reads every token event up to the current head, then keeps following
    /// the log in a background task (returned so the caller may stop it).
    pub async fn start(
        store: Arc<dyn EventStore>,
    ) -> Result<(Arc<TokenRegistry>, JoinHandle<()>), StoreError> {
        let registry = Arc::new(TokenRegistry {
            book: RwLock::new(TokenBook::default()),
            folded: watch::Sender::new(0),
        });
        while registry.catch_up(store.as_ref()).await? > 0 {}
        let follower = {
            let registry = registry.clone();
            tokio::spawn(async move { registry.follow(store).await })
        };
        Ok((registry, follower))
    }

    /// A registry over a fixed book (tests, tools).
    pub fn from_book(book: TokenBook) -> Arc<TokenRegistry> {
        let position = book.position;
        Arc::new(TokenRegistry {
            book: RwLock::new(book),
            folded: watch::Sender::new(position),
        })
    }

    /// Folds the next batch of token events; returns how many log
    /// positions it went past (0: nothing new).
    async fn catch_up(&self, store: &dyn EventStore) -> Result<usize, StoreError> {
        let from = self.position() + 1;
        // Only the token streams are read: at start-up this is what keeps
        // a long log from being read whole before the server can serve.
        let batch = match store
            .read_category(TOKEN_CATEGORY, from, MAX_READ_BATCH)
            .await
        {
            Ok(batch) => batch,
            Err(StoreError::Corrupt { position, .. }) if position >= from => {
                return self.catch_up_past_corrupt(store, from).await;
            }
            Err(e) => return Err(e),
        };
        let mut book = self.book.write().unwrap_or_else(|p| p.into_inner());
        for e in &batch.events {
            if let Err(err) = book.apply(e) {
                tracing::error!(%err, "skipping an unreadable token event");
            }
        }
        let passed = batch.next.saturating_sub(from);
        book.position = book.position.max(batch.next.saturating_sub(1));
        let position = book.position;
        drop(book);
        self.announce(position, !batch.events.is_empty());
        Ok(passed as usize)
    }

    /// The log-wide read, event by event as far as the unreadable one.
    async fn catch_up_past_corrupt(
        &self,
        store: &dyn EventStore,
        from: Position,
    ) -> Result<usize, StoreError> {
        let (events, skip) = match store.read_all(from, MAX_READ_BATCH).await {
            Ok(events) => (events, None),
            // An unreadable event must not lock every caller out: fold what
            // precedes it, report it, and go past it. (Auditors find it
            // with `registre log`; its own token, if it was one, stays
            // unusable since it is never folded.)
            Err(StoreError::Corrupt {
                position, reason, ..
            }) if position >= from => {
                let before = match position - from {
                    0 => Vec::new(),
                    n => store.read_all(from, n as usize).await?,
                };
                tracing::error!(position, %reason, "skipping an unreadable event while loading tokens");
                (before, Some(position))
            }
            Err(e) => return Err(e),
        };
        let mut book = self.book.write().unwrap_or_else(|p| p.into_inner());
        if let Some(position) = skip {
            for e in &events {
                if let Err(err) = book.apply(e) {
                    tracing::error!(%err, "skipping an unreadable token event");
                }
            }
            book.position = position;
            drop(book);
            self.announce(position, !events.is_empty());
            return Ok(events.len() + 1);
        }
        for e in &events {
            if let Err(err) = book.apply(e) {
                tracing::error!(%err, "skipping an unreadable token event");
            }
        }
        let position = book.position;
        drop(book);
        self.announce(position, !events.is_empty());
        Ok(events.len())
    }

    async fn follow(&self, store: Arc<dyn EventStore>) {
        let mut head = store.watch_head();
        loop {
            head.borrow_and_update();
            match self.catch_up(store.as_ref()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reading token events failed; retrying"),
            }
            tokio::select! {
                changed = head.changed() => {
                    if changed.is_err() {
                        // The store is closed; polling still notices other writers.
                        tokio::time::sleep(POLL).await;
                    }
                }
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Tells the watchers of [`folded`](Self::folded) that token events
    /// were folded (nothing is sent when no token changed).
    fn announce(&self, position: Position, changed: bool) {
        if changed {
            self.folded.send_replace(position);
        }
    }

    /// Changes whenever token events (issued, revoked) have been folded:
    /// check [`is_active`](Self::is_active) again then.
    pub fn folded(&self) -> watch::Receiver<Position> {
        self.folded.subscribe()
    }

    /// Last log position folded.
    pub fn position(&self) -> Position {
        self.book.read().unwrap_or_else(|p| p.into_inner()).position
    }

    /// The caller a bearer secret stands for, if it is a valid, active token.
    pub fn authenticate(&self, secret: &str) -> Option<Principal> {
        if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
            return None;
        }
        let hash = secret::sha256(secret);
        self.book
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .authenticate(&hash)
    }

    /// Whether the token is still active (checked again by long-lived
    /// subscriptions, so a revocation ends them).
    pub fn is_active(&self, token_id: Uuid) -> bool {
        self.book
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_active(token_id)
    }
}

/// The secret of an `Authorization: Bearer <secret>` value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values_are_parsed() {
        assert_eq!(bearer("Bearer reg_x"), Some("reg_x"));
        assert_eq!(bearer("bearer  reg_x "), Some("reg_x"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("reg_x"), None);
    }
}
