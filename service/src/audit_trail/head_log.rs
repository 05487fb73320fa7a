//! The signed tree heads, kept as append-only JSON lines, one head per
//! line in signing order (the stored form of `registre_audit::sth`).
//!
//! A head is written and fsynced whole, after the leaf records it covers.
//! A crash while writing can leave a partial last line (the beginning of a
//! head, cut before its end): the writer drops it on open, readers skip
//! it. A last line that holds a whole head but no line end (a write cut at
//! its last byte, or an edit) is a head like the others: readers check it,
//! and the writer ends its line rather than drop it, so no signed head is
//! ever lost unseen. Any other line that is not a head, the last one
//! included (a whole head whose line end became another byte), is an
//! error naming its line, never skipped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use registre_audit::SignedTreeHead;

use super::AuditError;

/// Longest line taken for a head (a head is about 300 bytes).
const MAX_LINE: usize = 4096;

/// The head file, open for appending (by the lock holder).
#[derive(Debug)]
pub struct HeadLog {
    file: File,
    path: PathBuf,
}

impl HeadLog {
    /// Opens (or creates) the file, drops a torn last line, and returns
    /// every head in it.
    pub fn open(path: &Path) -> Result<(HeadLog, Vec<SignedTreeHead>), AuditError> {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .append(true)
            .open(path)
            .map_err(AuditError::io("cannot open the tree heads", path))?;
        let (heads, complete_len, unterminated) = read_from(&mut file, path)?;
        let len = file
            .metadata()
            .map_err(AuditError::io("cannot read the tree heads", path))?
            .len();
        if unterminated {
            tracing::warn!(path = %path.display(),
                "the last head of the tree heads had no line end; ending its line");
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(AuditError::io("cannot write the tree heads", path))?;
        } else if complete_len < len {
            tracing::warn!(path = %path.display(),
                "dropping a torn last line of the tree heads (interrupted write)");
            file.set_len(complete_len)
                .and_then(|()| file.sync_all())
                .map_err(AuditError::io("cannot truncate the tree heads", path))?;
        }
        Ok((
            HeadLog {
                file,
                path: path.to_path_buf(),
            },
            heads,
        ))
    }

    /// Appends one head and makes it durable.
    pub fn append(&mut self, head: &SignedTreeHead) -> Result<(), AuditError> {
        let mut line = serde_json::to_vec(head).map_err(|e| AuditError::BadHeadLine {
            path: self.path.clone(),
            line: 0,
            reason: e.to_string(),
        })?;
        line.push(b'\n');
        let before = self.file.metadata().map(|m| m.len());
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if written.is_err()
            && let Ok(len) = before
        {
            // A full disk may have taken part of the line: drop it, so
            // that the next attempt does not follow a torn line.
            let _ = self.file.set_len(len);
        }
        written.map_err(AuditError::io("cannot write the tree heads", &self.path))
    }
}

/// Reads every head without writing; no file means no head.
pub fn read(path: &Path) -> Result<Vec<SignedTreeHead>, AuditError> {
    match File::open(path) {
        Ok(mut f) => Ok(read_from(&mut f, path)?.0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(AuditError::io("cannot open the tree heads", path)(e)),
    }
}

/// The heads, the length in bytes of the complete lines, and whether the
/// last head stands on a line without its end.
fn read_from(file: &mut File, path: &Path) -> Result<(Vec<SignedTreeHead>, u64, bool), AuditError> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(AuditError::io("cannot read the tree heads", path))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut heads = Vec::new();
    for (i, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |reason: String| AuditError::BadHeadLine {
            path: path.to_path_buf(),
            line: i + 1,
            reason,
        };
        if line.len() > MAX_LINE {
            return Err(bad(format!("longer than {MAX_LINE} bytes")));
        }
        heads.push(serde_json::from_slice(line).map_err(|e| bad(e.to_string()))?);
    }
    let tail = &bytes[complete..];
    if tail.is_empty() || is_torn(tail) {
        return Ok((heads, complete as u64, false));
    }
    let bad = |reason: String| AuditError::BadHeadLine {
        path: path.to_path_buf(),
        line: bytes[..complete].iter().filter(|&&b| b == b'\n').count() + 1,
        reason: format!("the last line, without its line end: {reason}"),
    };
    if tail.len() > MAX_LINE {
        return Err(bad(format!("longer than {MAX_LINE} bytes")));
    }
    let head = serde_json::from_slice(tail).map_err(|e| bad(e.to_string()))?;
    heads.push(head);
    Ok((heads, complete as u64, true))
}

/// Whether a last line without its end is what an interrupted write
/// leaves: the beginning of a head, cut before its closing brace, maybe
/// followed by zero bytes (a file grown before its data reached the
/// disk). Anything else there (a whole head followed by other bytes, say
/// its line end edited) is a damaged head, reported and never skipped.
fn is_torn(tail: &[u8]) -> bool {
    let end = tail.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let start = &tail[..end];
    start.is_empty()
        || (start.len() <= MAX_LINE
            && serde_json::from_slice::<SignedTreeHead>(start).is_err_and(|e| e.is_eof()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_audit::AuditKey;

    #[test]
    fn heads_append_reload_a_torn_line_is_dropped_and_garbage_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("heads.jsonl");
        assert!(read(&path).unwrap().is_empty());
        let key = AuditKey::from_seed([1; 32]);
        let h1 = key.sign(1, [1; 32], chrono::Utc::now());
        let h2 = key.sign(2, [2; 32], chrono::Utc::now());
        let (mut log, heads) = HeadLog::open(&path).unwrap();
        assert!(heads.is_empty());
        log.append(&h1).unwrap();
        log.append(&h2).unwrap();
        drop(log);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"tree_size\":3,\"ro")
            .unwrap();
        assert_eq!(read(&path).unwrap(), vec![h1.clone(), h2.clone()]);
        let (_, heads) = HeadLog::open(&path).unwrap();
        assert_eq!(heads, vec![h1, h2]);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"not a head\n")
            .unwrap();
        assert!(matches!(
            read(&path),
            Err(AuditError::BadHeadLine { line: 3, .. })
        ));
    }

    #[test]
    fn a_whole_last_head_without_its_line_end_is_kept_and_its_line_ended() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("heads.jsonl");
        let key = AuditKey::from_seed([1; 32]);
        let h1 = key.sign(1, [1; 32], chrono::Utc::now());
        let h2 = key.sign(2, [2; 32], chrono::Utc::now());
        let (mut log, _) = HeadLog::open(&path).unwrap();
        log.append(&h1).unwrap();
        log.append(&h2).unwrap();
        drop(log);
        let whole = std::fs::read(&path).unwrap();
        // The last newline removed, or turned into a space.
        for ending in [&b""[..], b" "] {
            let mut bytes = whole[..whole.len() - 1].to_vec();
            bytes.extend_from_slice(ending);
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read(&path).unwrap(), vec![h1.clone(), h2.clone()]);
            let h3 = key.sign(3, [3; 32], chrono::Utc::now());
            let (mut log, heads) = HeadLog::open(&path).unwrap();
            assert_eq!(heads, vec![h1.clone(), h2.clone()]);
            log.append(&h3).unwrap();
            assert_eq!(read(&path).unwrap(), vec![h1.clone(), h2.clone(), h3]);
        }
    }

    #[test]
    fn a_last_head_whose_line_end_became_another_byte_is_refused_naming_its_line() {
        // Given two heads, the second one's line end turned into a letter
        // or a zero byte.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("heads.jsonl");
        let key = AuditKey::from_seed([1; 32]);
        let (mut log, _) = HeadLog::open(&path).unwrap();
        log.append(&key.sign(1, [1; 32], chrono::Utc::now()))
            .unwrap();
        log.append(&key.sign(2, [2; 32], chrono::Utc::now()))
            .unwrap();
        drop(log);
        let whole = std::fs::read(&path).unwrap();
        for ending in [b'x', 0] {
            let mut bytes = whole.clone();
            *bytes.last_mut().unwrap() = ending;
            std::fs::write(&path, &bytes).unwrap();
            // Then neither a reader nor the writer skips it: both name line 2.
            for result in [read(&path).map(|_| ()), HeadLog::open(&path).map(|_| ())] {
                assert!(
                    matches!(result, Err(AuditError::BadHeadLine { line: 2, .. })),
                    "{result:?}"
                );
            }
            assert_eq!(std::fs::read(&path).unwrap(), bytes);
        }
    }

    #[test]
    fn a_head_cut_by_a_crash_even_padded_with_zero_bytes_is_dropped() {
        // Given a head whose write stopped partway, its end zero-filled.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("heads.jsonl");
        let key = AuditKey::from_seed([1; 32]);
        let h1 = key.sign(1, [1; 32], chrono::Utc::now());
        let (mut log, _) = HeadLog::open(&path).unwrap();
        log.append(&h1).unwrap();
        drop(log);
        let whole = std::fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(&whole[..40]);
        torn.extend_from_slice(&[0; 64]);
        std::fs::write(&path, &torn).unwrap();
        // Then it is an interrupted write: skipped, and dropped by the writer.
        assert_eq!(read(&path).unwrap(), vec![h1.clone()]);
        let (_, heads) = HeadLog::open(&path).unwrap();
        assert_eq!(heads, vec![h1]);
        assert_eq!(std::fs::read(&path).unwrap(), whole);
    }
}
