//! The log's export for an auditor's download: the JSON Lines file that
//! `registre verify --export` and the independent verifier check, of what
//! the latest signed head covers. It is written to a temporary file
//! that is gone once its handle is dropped; one at a time, written and
//! sent, as it reads the whole log and holds a copy of it.

use crate::audit_trail::check::CheckFailure;
use crate::audit_trail::export::{ExportSummary, write_served_export};

use super::Application;

/// Why the export is not given.
#[derive(Debug, thiserror::Error)]
pub enum LogExportError {
    #[error("this server keeps no audit trail")]
    Unavailable,
    #[error("an export is already being written")]
    Busy,
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Failed(#[from] CheckFailure),
}

/// The written export: its file, open for reading from the start, and
/// the turn it holds until dropped (a download in progress keeps its
/// copy on disk: one at a time, written or sent).
pub struct LogExport {
    pub file: std::fs::File,
    pub summary: ExportSummary,
    pub turn: tokio::sync::OwnedSemaphorePermit,
}

impl Application {
    /// Writes the export of the log as the audit trail last signed it.
    pub async fn log_export(&self) -> Result<LogExport, LogExportError> {
        let trail = self
            .audit_trail
            .as_ref()
            .ok_or(LogExportError::Unavailable)?;
        let turn = self
            .log_exports
            .clone()
            .try_acquire_owned()
            .map_err(|_| LogExportError::Busy)?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("journal.jsonl");
        let summary = write_served_export(&*self.store, trail.dir(), &path).await?;
        // Open before the directory goes: the handle keeps the data.
        let file = std::fs::File::open(&path)?;
        Ok(LogExport {
            file,
            summary,
            turn,
        })
    }
}
