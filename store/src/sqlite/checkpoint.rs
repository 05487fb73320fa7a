//! The checkpointer thread, which copies the WAL into the database file
//! off the writer's path, and indexes the log's tail when appends stop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::stream_index::{IndexHold, index_idle};

/// WAL length (frames, i.e. pages, since the WAL last started over) above
/// which the writer finishes a checkpoint that copied all it found, and the
/// most that checkpoint may have left it to copy (see `checkpointer`).
const CATCH_UP_FRAMES: i64 = 1024;

/// Size the WAL file is cut back to when it restarts after a burst.
pub(super) const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// Copies the WAL back into the database file after commits, off the
/// writer's path. PASSIVE checkpoints never block the writer or readers;
/// the thread ends with the writer (its sender is dropped).
///
/// Under a steady stream of commits a checkpoint never catches up: the
/// writer adds frames while it copies. SQLite starts the WAL over only
/// when a write begins with every frame copied, so the WAL would grow
/// without end, and each commit would write into new pages of the file,
/// which costs far more than overwriting ones already there (allocating
/// blocks, and an `fdatasync` that must also record the file's new size).
/// So when the WAL holds more than `CATCH_UP_FRAMES` and a checkpoint
/// copied all but at most that many of the frames it found, the
/// checkpointer asks the writer to finish the job between two groups: a
/// short pause, for the frames committed while this checkpoint ran. A
/// checkpoint held back further (a reader keeping an old snapshot) asks
/// nothing: the backlog is copied here, off the writer's path, once the
/// reader is done.
///
/// When commits stop for `idle`, it also indexes what they left out of the
/// stream index (see `index_idle`), so that reads of a store at rest scan
/// no tail.
pub(super) fn checkpointer(
    conn: Connection,
    committed: std::sync::mpsc::Receiver<()>,
    catch_up: &AtomicBool,
    idle: Duration,
    hold: &IndexHold,
) {
    use std::sync::mpsc::RecvTimeoutError;
    // Commits came since the tail was last looked at.
    let mut since_index = false;
    loop {
        let next = if since_index {
            committed.recv_timeout(idle)
        } else {
            committed.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match next {
            Ok(()) => {
                since_index = true;
                // Let commits accumulate: one checkpoint for many groups.
                std::thread::sleep(Duration::from_millis(50));
                match wal_checkpoint(&conn) {
                    Ok(wal) if wal.finished_but_long() => catch_up.store(true, Ordering::Release),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed; it will be retried")
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                since_index = false;
                index_idle(&conn, hold);
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// What a checkpoint reports, as the WAL stood when it began.
pub(super) struct WalState {
    /// Another checkpoint was running: this one did nothing.
    busy: bool,
    /// Frames since the WAL last started over.
    frames: i64,
    /// Of those, frames copied into the database file.
    copied: i64,
}

impl WalState {
    /// A long WAL that this checkpoint copied all but a little of.
    fn finished_but_long(&self) -> bool {
        !self.busy && self.frames > CATCH_UP_FRAMES && self.frames - self.copied <= CATCH_UP_FRAMES
    }
}

/// A PASSIVE checkpoint: it copies what no reader still needs, and never
/// waits.
pub(super) fn wal_checkpoint(conn: &Connection) -> rusqlite::Result<WalState> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(WalState {
            busy: r.get::<_, i64>(0)? != 0,
            frames: r.get(1)?,
            copied: r.get(2)?,
        })
    })
}
