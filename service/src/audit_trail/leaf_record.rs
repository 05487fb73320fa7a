//! The leaf record: each event's leaf hash, written when the event is
//! first seen, in a file apart from the log.
//!
//! ## Format
//! A bare sequence of 32-byte SHA-256 leaf hashes: bytes `32 (p-1) .. 32 p`
//! hold the leaf hash of the event at position p. No header, so the file
//! can only grow by whole records and its length says how many it holds.
//!
//! Writes are appended and fsynced in batches (before any head that covers
//! them is signed). A crash can leave a torn last record (a length that is
//! not a multiple of 32): the writer drops that partial record when it
//! opens the file, and the event is hashed again from the log. Only the torn
//! tail is ever recomputed; a complete record is never rewritten.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use registre_audit::Hash;

use super::AuditError;

const RECORD: u64 = 32;

/// The leaf record, open for appending (by the lock holder).
#[derive(Debug)]
pub struct LeafRecord {
    file: File,
    path: PathBuf,
    len: u64,
    unsynced: bool,
}

impl LeafRecord {
    /// Opens (or creates) the record for appending, drops a torn last
    /// record, and returns every complete leaf hash in it.
    pub fn open(path: &Path) -> Result<(LeafRecord, Vec<Hash>), AuditError> {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .append(true)
            .open(path)
            .map_err(AuditError::io("cannot open the leaf record", path))?;
        let (leaves, torn) = read_from(&mut file, path)?;
        let len = leaves.len() as u64;
        if torn > 0 {
            tracing::warn!(path = %path.display(), bytes = torn, position = len + 1,
                "dropping a torn last record of the leaf record (interrupted write)");
            file.set_len(len * RECORD)
                .and_then(|()| file.sync_all())
                .map_err(AuditError::io("cannot truncate the leaf record", path))?;
        }
        Ok((
            LeafRecord {
                file,
                path: path.to_path_buf(),
                len,
                unsynced: false,
            },
            leaves,
        ))
    }

    /// Number of complete records.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends the leaf hashes of the next positions (not yet fsynced).
    pub fn append(&mut self, leaves: &[Hash]) -> Result<(), AuditError> {
        if leaves.is_empty() {
            return Ok(());
        }
        let bytes: Vec<u8> = leaves.iter().flatten().copied().collect();
        if let Err(e) = self.file.write_all(&bytes) {
            // A full disk may have taken part of the batch: drop it, so
            // that a retry writes each leaf at its own offset.
            let _ = self.file.set_len(self.len * RECORD);
            return Err(AuditError::io("cannot write the leaf record", &self.path)(
                e,
            ));
        }
        self.len += leaves.len() as u64;
        self.unsynced = true;
        Ok(())
    }

    /// Makes every appended record durable.
    pub fn sync(&mut self) -> Result<(), AuditError> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(AuditError::io("cannot sync the leaf record", &self.path))?;
            self.unsynced = false;
        }
        Ok(())
    }
}

/// Reads the record without writing (verification, proofs). A partial
/// last record (a write in progress, or a crash) is left out. `None` when
/// there is no record file.
pub fn read(path: &Path) -> Result<Option<Vec<Hash>>, AuditError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::io("cannot open the leaf record", path)(e)),
    };
    Ok(Some(read_from(&mut file, path)?.0))
}

/// The complete records and the size of a torn tail in bytes.
fn read_from(file: &mut File, path: &Path) -> Result<(Vec<Hash>, u64), AuditError> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(AuditError::io("cannot read the leaf record", path))?;
    let chunks = bytes.chunks_exact(RECORD as usize);
    let torn = chunks.remainder().len() as u64;
    let leaves = chunks
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect();
    Ok((leaves, torn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_append_reload_and_a_torn_tail_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("leaves.bin");
        assert_eq!(read(&path).unwrap(), None);
        let (mut rec, leaves) = LeafRecord::open(&path).unwrap();
        assert!(leaves.is_empty() && rec.is_empty());
        rec.append(&[[1; 32], [2; 32]]).unwrap();
        rec.append(&[[3; 32]]).unwrap();
        rec.sync().unwrap();
        drop(rec);
        // A crash in the middle of the fourth record.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&[4; 13])
            .unwrap();
        assert_eq!(read(&path).unwrap().unwrap().len(), 3);
        let (mut rec, leaves) = LeafRecord::open(&path).unwrap();
        assert_eq!(leaves, vec![[1; 32], [2; 32], [3; 32]]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 96);
        rec.append(&[[5; 32]]).unwrap();
        rec.sync().unwrap();
        assert_eq!(read(&path).unwrap().unwrap()[3], [5; 32]);
        assert_eq!(rec.len(), 4);
    }
}
