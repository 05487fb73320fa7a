//! The generated history the replay, start-up, as-of and GraphQL cases run
//! on: its speed and size, and keeping it or taking one given.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use registre_service::commands::CommandHandler;
use registre_service::store::EventStore;
use registre_service::store::sqlite::{Indexing, SqliteStore};

/// Generates a history of `events` events into `dir/history.db`; prints
/// its speed and size on disk.
pub(super) async fn history(
    dir: &Path,
    events: usize,
    seed: u64,
    indexing: Indexing,
) -> anyhow::Result<PathBuf> {
    let db = dir.join("history.db");
    let store = Arc::new(SqliteStore::open_with(&db, indexing).await?);
    let handler = CommandHandler::new(store.clone() as Arc<dyn EventStore>);
    let t = Instant::now();
    let r = crate::history::generate(&handler, seed, events).await?;
    let secs = t.elapsed().as_secs_f64();
    drop(handler);
    // Closed, its last events indexed, before it is measured and copied.
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await?,
        Err(_) => anyhow::bail!("the history's store is still in use"),
    }
    println!(
        "history: {} events ({} commands through the handler, {} raw appends, years to {}) in {secs:.1} s, {:.0} events/s",
        r.events,
        r.commands,
        r.appends,
        r.last_year,
        r.events as f64 / secs
    );
    let size = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let db_bytes = size(db.clone());
    let wal = size(PathBuf::from(format!("{}-wal", db.display())));
    println!(
        "size: {:.1} MB database + {:.1} MB WAL = {:.0} bytes per event",
        db_bytes as f64 / 1e6,
        wal as f64 / 1e6,
        (db_bytes + wal) as f64 / r.events.max(1) as f64
    );
    Ok(db)
}

/// A history database given on the command line, which must exist (the
/// store would otherwise create an empty one).
pub(super) fn existing(db: PathBuf) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(db.is_file(), "no history database at {}", db.display());
    Ok(db)
}

/// Copies the history into `to` (`VACUUM INTO`: a consistent copy, even
/// while the generating store's threads are still closing).
pub(super) fn copy_store(db: &Path, to: &Path) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .with_context(|| format!("cannot copy the history to {}", to.display()))?;
    println!("history kept in {}", to.display());
    Ok(())
}
