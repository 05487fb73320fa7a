//! `registre verify` on a store: recompute the tree from the log, read in
//! batches, and check it against the leaf record and every signed head
//! with the public key (the crate's [`LogVerifier`] does the judging).
//!
//! It only reads: no lock is taken, so it can run beside a server. The
//! heads are read before the record, and the record before the log, so
//! whatever a running server adds meanwhile only makes the log longer.

use registre_audit::{AuditPublicKey, Finding, LogVerifier, VerifiedLog};
use registre_schema::Position;

use super::dir::AuditDir;
use super::{AuditError, head_log, leaf_record};
use crate::store::{EventStore, MAX_READ_BATCH, StoreError};

/// Why a store did not verify.
#[derive(Debug, thiserror::Error)]
pub enum CheckFailure {
    /// The log, record or heads were altered: what, precisely.
    #[error("{0}")]
    Tampered(Finding),
    /// A stored event cannot even be read back (its bytes were damaged).
    #[error("the event at position {position} cannot be read: {reason}")]
    Unreadable { position: Position, reason: String },
    /// Verification could not run (no audit directory, an I/O error...).
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl CheckFailure {
    /// Whether this is evidence of tampering rather than a failure to run.
    pub fn is_tampering(&self) -> bool {
        matches!(
            self,
            CheckFailure::Tampered(_)
                | CheckFailure::Unreadable { .. }
                | CheckFailure::Audit(AuditError::BadHeadLine { .. })
        )
    }
}

impl From<Finding> for CheckFailure {
    fn from(f: Finding) -> Self {
        CheckFailure::Tampered(f)
    }
}

impl From<StoreError> for CheckFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt {
                position, reason, ..
            } => CheckFailure::Unreadable { position, reason },
            e => CheckFailure::Audit(e.into()),
        }
    }
}

/// Verifies the whole log of `store` against the audit directory, with
/// `key` (the auditor's copy of the public key).
pub async fn check_store(
    store: &dyn EventStore,
    dir: &AuditDir,
    key: &AuditPublicKey,
) -> Result<VerifiedLog, CheckFailure> {
    dir.require()?;
    let heads = head_log::read(&dir.heads_path())?;
    // The server records leaves before it signs a head over them: heads
    // without a record file mean the record was removed.
    let record = match leaf_record::read(&dir.leaves_path())? {
        None if !heads.is_empty() => Some(Vec::new()),
        record => record,
    };
    let mut verifier = LogVerifier::new(heads, record, key)?;
    let mut from = 1;
    loop {
        let batch = store.read_all(from, MAX_READ_BATCH).await?;
        let Some(last) = batch.last() else { break };
        from = last.position + 1;
        for event in batch {
            verifier.feed(event)?;
        }
    }
    Ok(verifier.finish()?)
}
