//! Opening a store to read it only, as auditors do, possibly on read-only
//! media (a disc, a write-protected key, a read-only mount).
//!
//! SQLite reads a WAL database through its `-shm` index, which it creates
//! beside the file when missing; since 3.22 a read-only connection may
//! create it too, or use one already there, but on read-only media it can
//! do neither, and the open fails with "unable to open database file". A
//! store closed cleanly has no WAL left (registre empties it on closing,
//! and SQLite removes both files with the last connection), so everything
//! is in the file itself: it is then opened `immutable=1`, which reads the
//! file alone, without locks, WAL or `-shm`. A store whose `-wal` still
//! holds frames (not closed cleanly, or being written) can only be read
//! through it: if SQLite cannot, the store is refused, in French, rather
//! than read without its last commits.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::backend;
use super::format::{not_a_store, read_header};
use super::readers::{Access, open_reader};
use crate::StoreError;
use registre_schema::Position;

/// How a read-only connection opens the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ReadMode {
    /// As SQLite reads any WAL database, beside its writers.
    Shared,
    /// The file alone: SQLite is told nothing will change it.
    Immutable,
}

/// A store opened read-only.
pub(super) struct Opened {
    pub conn: Connection,
    pub mode: ReadMode,
    pub format: i64,
    pub last_position: Position,
}

/// Opens one read-only connection in `mode`.
pub(super) fn connect(path: &Path, mode: ReadMode) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match mode {
        ReadMode::Shared => Connection::open_with_flags(path, flags),
        ReadMode::Immutable => {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
        }
    }
}

/// Opens the existing store at `path` read-only, shared if SQLite can,
/// else immutable if no WAL holds anything (see the module docs).
pub(super) fn open(path: &Path) -> Result<Opened, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Format(format!(
            "no store file at {}",
            path.display()
        )));
    }
    let first = probe(path, ReadMode::Shared);
    let (conn, mode) = match first {
        Ok(conn) => (conn, ReadMode::Shared),
        Err(shared) => {
            if wal_holds_frames(path) {
                return Err(not_closed_cleanly(path));
            }
            match probe(path, ReadMode::Immutable) {
                Ok(conn) => (conn, ReadMode::Immutable),
                Err(_) => return Err(not_a_store(path, shared.to_string())),
            }
        }
    };
    let header = read_header(&conn).map_err(backend)?;
    if header.check(path)? {
        return Err(not_a_store(path, "an empty file".into()));
    }
    let last_position = conn
        .query_row(
            "SELECT position FROM events ORDER BY position DESC LIMIT 1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or(0);
    Ok(Opened {
        conn,
        mode,
        format: header.format,
        last_position: last_position as Position,
    })
}

/// A reader in `mode` that could read the file's header.
fn probe(path: &Path, mode: ReadMode) -> Result<Connection, StoreError> {
    let conn = open_reader(path, Access::Read(mode))?;
    read_header(&conn).map_err(backend)?;
    Ok(conn)
}

/// The refusal of an append or an import.
pub(super) fn refused() -> StoreError {
    StoreError::Unavailable("the store was opened read-only".into())
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Whether the store's `-wal` holds anything (a missing or empty WAL is
/// what closing cleanly leaves).
fn wal_holds_frames(path: &Path) -> bool {
    std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0)
}

fn not_closed_cleanly(path: &Path) -> StoreError {
    StoreError::Format(format!(
        "le registre {} n'a pas été fermé proprement : son journal {} n'est pas vide, et \
         SQLite ne peut le lire qu'en créant son index (-shm) à côté, ce que ce support en \
         lecture seule interdit. Copiez le registre avec ses fichiers -wal et -shm, ou \
         lisez-le depuis un support inscriptible.",
        path.display(),
        wal_path(path).display()
    ))
}

/// `file:` URI naming `path` with `immutable=1`: every byte but unreserved
/// ones and `/` is percent-encoded, so `?`, `#` or `%` in a path stay
/// part of it.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use crate::{AppendRequest, EventStore, ExpectedState};
    use registre_schema::{Actor, CommandMeta, EventData, StreamId};

    fn append_one() -> AppendRequest {
        AppendRequest {
            stream_id: StreamId::new("probe-1").expect("stream"),
            expected: ExpectedState::Any,
            meta: CommandMeta::new(Actor::system()),
            events: vec![EventData::new(
                "ProbeRecorded",
                1,
                chrono::Utc::now(),
                serde_json::json!({"n": 1}),
            )],
        }
    }

    #[tokio::test]
    async fn a_store_opened_read_only_reads_and_refuses_every_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.db");
        let store = SqliteStore::open(&path).await.expect("store");
        store.append(append_one()).await.expect("append");
        store.close().await.expect("close");

        let store = SqliteStore::open_read_only(&path).await.expect("read-only");
        assert_eq!(store.head().await.expect("head"), 1);
        assert_eq!(store.read_all(1, 10).await.expect("read").len(), 1);
        let refused = store.append(append_one()).await.expect_err("append");
        assert!(matches!(refused, StoreError::Unavailable(_)), "{refused}");
        let events = store.read_all(1, 10).await.expect("read");
        let refused = store.import(events).await.expect_err("import");
        assert!(matches!(refused, StoreError::Unavailable(_)), "{refused}");
        store.close().await.expect("close");
        assert_eq!(
            SqliteStore::open(&path)
                .await
                .expect("store")
                .head()
                .await
                .expect("head"),
            1
        );
    }

    #[tokio::test]
    async fn an_immutable_connection_opens_a_path_with_uri_characters() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clé usb #1?%.db");
        SqliteStore::open(&path)
            .await
            .expect("store")
            .close()
            .await
            .expect("close");
        let conn = connect(&path, ReadMode::Immutable).expect("immutable");
        let header = read_header(&conn).expect("header");
        assert!(!header.check(&path).expect("a store"));
    }

    #[tokio::test]
    async fn a_missing_or_foreign_file_is_not_opened_nor_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.db");
        assert!(SqliteStore::open_read_only(&missing).await.is_err());
        assert!(!missing.exists());
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").expect("write");
        let refused = SqliteStore::open_read_only(&empty)
            .await
            .err()
            .expect("refused");
        assert!(
            refused.to_string().contains("not a registre store"),
            "{refused}"
        );
    }

    #[test]
    fn paths_are_escaped_in_the_immutable_uri() {
        assert_eq!(
            immutable_uri(Path::new("/media/clé usb/registre?1#a%.db")),
            "file:/media/cl%C3%A9%20usb/registre%3F1%23a%25.db?immutable=1"
        );
    }
}
