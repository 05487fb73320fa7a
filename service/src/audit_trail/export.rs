//! `registre export log`: the JSON Lines archival export of the
//! `registre-audit` crate (`registre-log-export-v1`): every event with its
//! position, canonical form and leaf hash, and every signed head after the
//! last event it covers, the file ending with a head that covers all.
//!
//! The export is verified while it is written, against the leaf record
//! and the stored heads: a log that fails verification is not exported.
//!
//! When no server runs, the exporter takes the audit directory's lock,
//! records any event not yet recorded and signs a fresh head if the latest
//! does not cover the whole log. When a server holds the lock, it exports
//! the events covered by the latest signed head (the server signs every
//! minute) and says how many it left out.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use registre_audit::{Hash, LogVerifier, SignedTreeHead, event_line, head_line};

use super::AuditError;
use super::check::CheckFailure;
use super::dir::AuditDir;
use super::ledger::{Ledger, TreeState};
use super::witnesses::read_cosignatures;
use crate::store::{EventStore, MAX_READ_BATCH};

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub events: u64,
    pub heads: usize,
    /// The head the file ends with.
    pub sealed_by: SignedTreeHead,
    /// Whether that head was signed for this export.
    pub signed_now: bool,
    /// Events of the log left out (a server holds the key and has not
    /// signed them yet).
    pub left_out: u64,
}

/// Writes the export of `store` to `out`.
pub async fn write_export(
    store: &dyn EventStore,
    dir: &AuditDir,
    out: &Path,
    force: bool,
) -> Result<ExportSummary, CheckFailure> {
    if out.exists() && !force {
        return Err(AuditError::OutputExists(out.to_path_buf()).into());
    }
    let (state, key, signed_now) = match Ledger::open(dir) {
        Ok(mut ledger) => {
            ledger.catch_up(store).await?;
            let signed = ledger.sign_if_grown(chrono::Utc::now())?.is_some();
            let state =
                std::mem::take(&mut *ledger.state().write().unwrap_or_else(|p| p.into_inner()));
            (state, ledger.public_key(), signed)
        }
        Err(AuditError::Locked(_)) => {
            let state = TreeState::load(dir)?;
            (state, dir.public_key()?, false)
        }
        Err(e) => return Err(e.into()),
    };
    export_state(store, dir, (out, force, true), (state, key, signed_now)).await
}

/// The export a running server offers auditors to download: what its
/// latest signed head covers, read from the audit directory as another
/// process would (the server's own trail holds the key and goes on
/// signing). `out` must not exist.
pub async fn write_served_export(
    store: &dyn EventStore,
    dir: &AuditDir,
    out: &Path,
) -> Result<ExportSummary, CheckFailure> {
    // Rebuilding the tree from the leaf record is long: off the runtime.
    let loading = dir.clone();
    let state = tokio::task::spawn_blocking(move || TreeState::load(&loading))
        .await
        .map_err(|_| AuditError::Stopped)??;
    let sealed = (state, dir.public_key()?, false);
    // A temporary file for one download: nothing to make durable.
    export_state(store, dir, (out, false, false), sealed).await
}

/// Writes the events `state`'s latest head covers, verified as they go.
async fn export_state(
    store: &dyn EventStore,
    dir: &AuditDir,
    (out, force, durable): (&Path, bool, bool),
    (state, key, signed_now): (TreeState, registre_audit::AuditPublicKey, bool),
) -> Result<ExportSummary, CheckFailure> {
    let Some(sealed_by) = state.latest_head().cloned() else {
        return Err(AuditError::NoAuditDir(dir.path().to_path_buf()).into());
    };
    let size = sealed_by.tree_size;
    let left_out = store.head().await?.saturating_sub(size);
    let mut heads = state.heads.clone();
    heads.sort_by_key(|h| (h.tree_size, h.timestamp));
    // A head stored twice is written once: an export never repeats a line.
    heads.dedup();
    let record: Vec<Hash> = (0..size.min(state.tree.size()))
        .filter_map(|i| state.tree.leaf(i))
        .collect();
    let mut verifier = LogVerifier::new(heads.clone(), Some(record), &key)?;

    let target = (out, force, durable);
    let result = write_lines(store, dir, target, size, &heads, &mut verifier).await;
    let result = result.and_then(|()| Ok(verifier.finish()?));
    match result {
        Ok(_) => Ok(ExportSummary {
            events: size,
            heads: heads.len(),
            sealed_by,
            signed_now,
            left_out,
        }),
        // Never remove a file this export did not create.
        Err(e @ CheckFailure::Audit(AuditError::OutputExists(_))) => Err(e),
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(e)
        }
    }
}

async fn write_lines(
    store: &dyn EventStore,
    dir: &AuditDir,
    (out, force, durable): (&Path, bool, bool),
    size: u64,
    heads: &[SignedTreeHead],
    verifier: &mut LogVerifier,
) -> Result<(), CheckFailure> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let path: PathBuf = out.to_path_buf();
    let io = |what| AuditError::io(what, &path);
    let file = options.open(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => AuditError::OutputExists(path.clone()),
        _ => io("cannot create")(e),
    })?;
    let mut w = BufWriter::new(file);
    let cosignatures = read_cosignatures(&dir.cosignatures_path())?;
    let mut next_head = heads.iter().peekable();
    let mut write_heads_up_to = |w: &mut BufWriter<std::fs::File>, p: u64| {
        while let Some(h) = next_head.next_if(|h| h.tree_size <= p) {
            writeln!(w, "{}", head_line(h))?;
            // Witnesses' cosignatures follow the last head of their size.
            if next_head.peek().is_none_or(|n| n.tree_size != h.tree_size) {
                for c in cosignatures.iter().filter(|c| c.tree_size == h.tree_size) {
                    if let Some(line) = c.export_line() {
                        writeln!(w, "{line}")?;
                    }
                }
            }
        }
        Ok::<(), std::io::Error>(())
    };
    write_heads_up_to(&mut w, 0).map_err(io("cannot write"))?;
    let mut from = 1;
    while from <= size {
        let limit = MAX_READ_BATCH.min((size - from + 1) as usize);
        let batch = store.read_all(from, limit).await?;
        let Some(last) = batch.last() else { break };
        from = last.position + 1;
        for event in batch {
            let line =
                event_line(&event).map_err(|reason| registre_audit::Finding::Unhashable {
                    position: event.position,
                    reason,
                })?;
            let position = event.position;
            verifier.feed(event)?;
            writeln!(w, "{line}").map_err(io("cannot write"))?;
            write_heads_up_to(&mut w, position).map_err(io("cannot write"))?;
        }
    }
    let file = w
        .into_inner()
        .map_err(|e| io("cannot write")(e.into_error()))?;
    if durable {
        file.sync_all().map_err(io("cannot sync"))?;
    }
    Ok(())
}
