//! Connections other than the writer's: the pool of read-only
//! connections, and how each is opened.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::backend;
use super::read_only::{self, ReadMode};
use crate::StoreError;

/// Idle read connections kept open.
const READER_POOL: usize = 8;

/// How much of the database file a reader maps (address space, not
/// memory: pages are shared with the OS cache); SQLite caps it at its
/// build's limit (2 GiB by default), and reads pages beyond it as before.
/// A mapped file must never shrink under a reader: the log is append-only
/// (triggers refuse deletes) and registre never runs `VACUUM` on it.
const READER_MMAP_BYTES: i64 = 0x7fff_0000;

/// How a connection other than the writer's opens the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    /// The checkpointer and imports.
    ReadWrite,
    /// Readers.
    Read(ReadMode),
}

pub(super) fn open_reader(path: &Path, access: Access) -> Result<Connection, StoreError> {
    let c = match access {
        Access::ReadWrite => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
        Access::Read(mode) => read_only::connect(path, mode),
    }
    .map_err(backend)?;
    c.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(backend)?;
    c.set_prepared_statement_cache_capacity(16);
    plan_once(&c)?;
    if access != Access::ReadWrite {
        // Readers map the database file instead of copying each page they
        // read through `pread`: a replay reads every page of the log.
        c.pragma_update(None, "mmap_size", READER_MMAP_BYTES)
            .map_err(backend)?;
    }
    Ok(c)
}

/// Plans each statement without looking at the values bound to it
/// (SQLite's query planner stability guarantee).
///
/// Without it SQLite 3.50 plans a bound `LIMIT ?` for the value it has
/// and expires the statement whenever a value is bound to that parameter,
/// so every read of the log, of a stream or of a category (each binds its
/// batch's `LIMIT`) was parsed and planned anew: about 20 µs a read, most
/// of a small read's cost. registre runs no `ANALYZE`, so `LIMIT` is the
/// only bound value SQLite would look at, and it changes no plan here.
pub(super) fn plan_once(c: &Connection) -> Result<(), StoreError> {
    c.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(|_| ())
        .map_err(backend)
}

/// Idle read-only connections, opened on demand.
pub(super) struct ReaderPool {
    pub(super) path: PathBuf,
    pub(super) mode: ReadMode,
    pub(super) idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_reader(&self.path, Access::Read(self.mode))?,
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < READER_POOL {
            idle.push(conn);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;
    use crate::sqlite::SqliteStore;
    use crate::sqlite::rows::{category_sql, log_sql, stream_sql};

    /// Each read binds new bounds to a cached statement; none of them may
    /// send SQLite back to parsing and planning it (see `plan_once`).
    #[tokio::test]
    async fn reads_of_the_log_are_planned_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plan.db");
        drop(SqliteStore::open(&path).await.expect("store"));
        let conn = open_reader(&path, Access::Read(ReadMode::Shared)).expect("reader");
        for sql in [log_sql(), stream_sql(), category_sql()] {
            let mut stmt = conn.prepare_cached(&sql).expect("prepare");
            for n in 1..=3_i64 {
                let bounds: Vec<Box<dyn rusqlite::ToSql>> = match stmt.parameter_count() {
                    2 => vec![Box::new(n), Box::new(n * 10)],
                    3 => vec![Box::new("member-x"), Box::new(n), Box::new(n * 10)],
                    _ => vec![
                        Box::new("member"),
                        Box::new("member."),
                        Box::new(n),
                        Box::new(n * 100),
                        Box::new(n * 10),
                    ],
                };
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(bounds.iter()))
                    .expect("query");
                assert!(rows.next().expect("step").is_none());
            }
            assert_eq!(
                stmt.get_status(StatementStatus::RePrepare),
                0,
                "re-planned at each read: {sql}"
            );
        }
    }
}
