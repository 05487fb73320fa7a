//! A saved read model: one file holding the model and the position it has
//! read up to, replaced whole by rename.
//!
//! Format: one JSON header line `{"model":NAME,"version":V,"position":P}`,
//! then the model as JSON. A file that cannot be read back (torn by a crash
//! before rename is impossible, but a disk can still lie) is reported and
//! ignored: the model is rebuilt from the log, which is always possible.

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
    #[error("cannot encode the read model {model}: {source}")]
    Encode {
        model: &'static str,
        source: serde_json::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct Header {
    model: String,
    version: u32,
    position: Position,
}

fn file<M: ReadModel>(dir: &Path) -> PathBuf {
    dir.join(format!("{}.v{}.json", M::NAME, M::VERSION))
}

pub fn encode<M: ReadModel>(model: &M, position: Position) -> Result<Vec<u8>, SnapshotError> {
    let err = |source| SnapshotError::Encode {
        model: M::NAME,
        source,
    };
    let mut out = serde_json::to_vec(&Header {
        model: M::NAME.into(),
        version: M::VERSION,
        position,
    })
    .map_err(err)?;
    out.push(b'\n');
    serde_json::to_writer(&mut out, model).map_err(err)?;
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
    let model = serde_json::from_slice(&bytes[newline + 1..]).map_err(|e| format!("body: {e}"))?;
    Ok((model, header.position))
}

/// The saved model and its position, if a usable one exists.
pub async fn load<M: ReadModel>(dir: &Path) -> Result<Option<(M, Position)>, SnapshotError> {
    let path = file::<M>(dir);
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
        let tmp = target.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)?;
        std::fs::File::open(&dir)?.sync_all()
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r)
    .map_err(|e| (path, e))
}
