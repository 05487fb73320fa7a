//! A saved read model: one file holding the model and the position it has
//! read up to, replaced whole by rename.
//!
//! Format (`NAME.vV.snap`): one JSON header line
//! `{"model":NAME,"version":V,"position":P,"format":"postcard"}`, then the
//! model in postcard, a compact binary serde format: a million events' read
//! models load several times faster than from JSON, which is what start-up
//! with saved read models waits for. A header without `format` is
//! followed by the model as JSON: the earlier `NAME.vV.json` files are
//! still read (once; the next save is binary). A file that cannot be read
//! back (torn by a crash before rename is impossible, but a disk can still
//! lie) is reported and ignored: the model is rebuilt from the log, which
//! is always possible.

use std::path::{Path, PathBuf};

use registre_projections::ReadModel;
use registre_schema::Position;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot save the read model {model} in {path}: {source}")]
    Io {
        model: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the read model {model}: {reason}")]
    Encode { model: &'static str, reason: String },
}

/// The body's format, named in the header.
const POSTCARD: &str = "postcard";

#[derive(Serialize, Deserialize)]
struct Header {
    model: String,
    version: u32,
    position: Position,
    /// Absent: JSON (files written before the binary format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<String>,
}

fn file<M: ReadModel>(dir: &Path) -> PathBuf {
    dir.join(format!("{}.v{}.snap", M::NAME, M::VERSION))
}

/// Where the JSON form was saved before the binary one.
fn legacy_file<M: ReadModel>(dir: &Path) -> PathBuf {
    dir.join(format!("{}.v{}.json", M::NAME, M::VERSION))
}

pub fn encode<M: ReadModel>(model: &M, position: Position) -> Result<Vec<u8>, SnapshotError> {
    let err = |reason: String| SnapshotError::Encode {
        model: M::NAME,
        reason,
    };
    let mut out = serde_json::to_vec(&Header {
        model: M::NAME.into(),
        version: M::VERSION,
        position,
        format: Some(POSTCARD.into()),
    })
    .map_err(|e| err(e.to_string()))?;
    out.push(b'\n');
    postcard::to_io(model, &mut out).map_err(|e| err(e.to_string()))?;
    Ok(out)
}

pub(super) fn decode<M: ReadModel>(bytes: &[u8]) -> Result<(M, Position), String> {
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("no header line")?;
    let header: Header =
        serde_json::from_slice(&bytes[..newline]).map_err(|e| format!("header: {e}"))?;
    if header.model != M::NAME || header.version != M::VERSION {
        return Err(format!(
            "holds {} v{}, expected {} v{}",
            header.model,
            header.version,
            M::NAME,
            M::VERSION
        ));
    }
    let body = &bytes[newline + 1..];
    let model = match header.format.as_deref() {
        Some(POSTCARD) => match postcard::take_from_bytes(body) {
            Ok((model, [])) => model,
            Ok((_, rest)) => return Err(format!("body: {} bytes after the model", rest.len())),
            Err(e) => return Err(format!("body: {e}")),
        },
        Some(other) => return Err(format!("unknown format {other:?}")),
        None => serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?,
    };
    Ok((model, header.position))
}

/// The saved model and its position, if a usable one exists.
pub async fn load<M: ReadModel>(dir: &Path) -> Result<Option<(M, Position)>, SnapshotError> {
    let path = file::<M>(dir);
    let legacy = legacy_file::<M>(dir);
    let path = if !path.exists() && legacy.exists() {
        legacy
    } else {
        path
    };
    let read_path = path.clone();
    let read = tokio::task::spawn_blocking(move || match std::fs::read(&read_path) {
        Ok(bytes) => Ok(Some(decode::<M>(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r)
    .map_err(|source| SnapshotError::Io {
        model: M::NAME,
        path: path.clone(),
        source,
    })?;
    match read {
        None => Ok(None),
        Some(Ok(found)) => Ok(Some(found)),
        Some(Err(reason)) => {
            tracing::warn!(model = M::NAME, path = %path.display(), %reason,
                "saved read model unusable; rebuilding it from the log");
            Ok(None)
        }
    }
}

/// Replaces the saved model: temporary file, fsync, rename, fsync the
/// directory, so the file is always either the old state or the new one.
pub async fn write<M: ReadModel>(dir: &Path, bytes: Vec<u8>) -> Result<(), SnapshotError> {
    write_to(&file::<M>(dir), bytes)
        .await
        .map_err(|(path, source)| SnapshotError::Io {
            model: M::NAME,
            path,
            source,
        })
}

/// Writes `bytes` to `path` as [`write`] does (creating its directory).
pub(super) async fn write_to(path: &Path, bytes: Vec<u8>) -> Result<(), (PathBuf, std::io::Error)> {
    let path = path.to_path_buf();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let target = path.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&dir)?;
        let mut tmp = target.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            // A full disk leaves a partial file: free its space for the
            // rest of the system and for the next attempt.
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &target)?;
        std::fs::File::open(&dir)?.sync_all()
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r)
    .map_err(|e| (path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_projections::LogSummary;

    fn summary() -> LogSummary {
        let mut s = LogSummary {
            events: 3,
            last_position: 3,
            first_recorded_at: Some(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()),
            ..LogSummary::default()
        };
        s.by_type.insert("CommuneAdmitted".into(), 2);
        s.by_category.insert("member".into(), 3);
        s
    }

    #[test]
    fn a_saved_model_reads_back_with_its_position() {
        let bytes = encode(&summary(), 3).unwrap();
        let header_end = bytes.iter().position(|b| *b == b'\n').unwrap();
        assert!(
            std::str::from_utf8(&bytes[..header_end])
                .unwrap()
                .contains("\"postcard\"")
        );
        let (model, position) = decode::<LogSummary>(&bytes).unwrap();
        assert_eq!((model, position), (summary(), 3));
    }

    #[test]
    fn the_earlier_json_form_is_still_read() {
        let mut bytes = br#"{"model":"log_summary","version":1,"position":3}"#.to_vec();
        bytes.push(b'\n');
        bytes.extend(serde_json::to_vec(&summary()).unwrap());
        assert_eq!(decode::<LogSummary>(&bytes).unwrap(), (summary(), 3));
    }

    #[test]
    fn damaged_or_unknown_files_are_refused() {
        let good = encode(&summary(), 3).unwrap();
        let torn = &good[..good.len() - 4];
        assert!(decode::<LogSummary>(torn).is_err());
        let mut longer = good.clone();
        longer.push(0);
        assert!(
            decode::<LogSummary>(&longer)
                .unwrap_err()
                .contains("after the model")
        );
        let header_end = good.iter().position(|b| *b == b'\n').unwrap();
        let other = String::from_utf8_lossy(&good[..header_end]).replace("postcard", "cbor");
        let mut unknown = other.into_bytes();
        unknown.extend_from_slice(&good[header_end..]);
        assert!(
            decode::<LogSummary>(&unknown)
                .unwrap_err()
                .contains("unknown format")
        );
        let wrong_model = encode(&summary(), 3)
            .map(|b| String::from_utf8_lossy(&b[..header_end]).replace("log_summary", "other"))
            .unwrap();
        let mut wrong = wrong_model.into_bytes();
        wrong.extend_from_slice(&good[header_end..]);
        assert!(decode::<LogSummary>(&wrong).is_err());
    }

    #[tokio::test]
    async fn load_prefers_the_binary_file_and_falls_back_to_the_json_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut legacy = br#"{"model":"log_summary","version":1,"position":2}"#.to_vec();
        legacy.push(b'\n');
        legacy.extend(serde_json::to_vec(&LogSummary::default()).unwrap());
        std::fs::write(dir.path().join("log_summary.v1.json"), legacy).unwrap();
        let (_, at) = load::<LogSummary>(dir.path()).await.unwrap().unwrap();
        assert_eq!(at, 2);
        write::<LogSummary>(dir.path(), encode(&summary(), 3).unwrap())
            .await
            .unwrap();
        assert!(dir.path().join("log_summary.v1.snap").exists());
        let (model, at) = load::<LogSummary>(dir.path()).await.unwrap().unwrap();
        assert_eq!((model, at), (summary(), 3));
    }
}
