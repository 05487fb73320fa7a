//! The audit trail at work: the leaf record, signed tree heads, the
//! follower that keeps them up to date, verification of a store, proofs
//! and the archival export. The pure parts (canonical bytes, the Merkle
//! tree, signatures, verification logic) live in the `registre-audit`
//! crate; this module does their I/O.
//!
//! Architecture invariant: the audit tree is derived from the log's order,
//! so it is the same on every backend; the leaf record is written once per
//! event and never recomputed (re-hashing an event from the current log
//! would launder any change made to it since).
//!
//! ## Layout
//! - [`dir`]: the audit directory (kept apart from the log): its files,
//!   the signing key (created once, secret file mode 0600), the lock that
//!   gives one process the right to write.
//! - [`leaf_record`]: the append-only file of 32-byte leaf hashes.
//! - [`head_log`]: the append-only JSON lines of signed tree heads.
//! - [`ledger`]: the writable audit state (record + tree + heads + key),
//!   owned by whoever holds the lock.
//! - [`trail`]: the background follower `registre serve` runs, and its
//!   handle for the API (size, root, heads, proofs, sign now).
//! - [`proof`]: inclusion and consistency proofs in the form printed for
//!   outsiders.
//! - [`check`]: `registre verify` on a store: the log against the leaf
//!   record and every signed head.
//! - [`export`]: the JSON Lines archival export.
//! - [`witnessed`]: the log checked against a checkpoint a witness
//!   cosigned.
//! - [`witnesses`]: the witnesses the server trusts and the cosignatures
//!   it keeps and serves.
//!
//! ## Files of the audit directory
//! | file | content |
//! | --- | --- |
//! | `audit.key` | the secret signing key (`registre-audit-secret-v1:<hex>`), mode 0600 |
//! | `audit.pub` | its public half (`registre-audit-public-v1:<hex>`), for auditors |
//! | `leaves.bin` | leaf hash of position i at bytes `32 (i-1) .. 32 i` |
//! | `heads.jsonl` | one signed tree head per line, in signing order |
//! | `lock` | locked (advisory) by the process that writes the other files |
//! | `witnesses` | the witness keys (C2SP vkeys, one per line) whose cosignatures the server takes |
//! | `cosignatures.jsonl` | every cosignature taken, one export cosignature line each |

pub mod check;
pub mod dir;
pub mod export;
pub mod head_log;
pub mod leaf_record;
pub mod ledger;
pub mod proof;
pub mod trail;
pub mod witnessed;
pub mod witnesses;

use std::path::{Path, PathBuf};

use registre_audit::{CanonicalError, Finding, KeyError};
use registre_schema::Position;

use crate::store::StoreError;

pub use dir::AuditDir;
pub use ledger::Ledger;
pub use trail::{AuditTrail, TrailTask};

/// The audit directory used when none is configured: `PATH.audit` beside
/// an SQLite store file, `./registre-audit` for other stores.
pub fn default_dir(store_url: &str) -> PathBuf {
    if let Some(path) = store_url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        let mut name = path.to_owned();
        name.push_str(".audit");
        return PathBuf::from(name);
    }
    PathBuf::from("./registre-audit")
}

/// Errors of the audit side. Its text may name files: not for API clients.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no audit directory at {0} (it is created by `registre serve` or `registre audit sign`)"
    )]
    NoAuditDir(PathBuf),
    #[error(
        "the audit directory {0} is in use by another registre process (a running server?); \
         stop it first"
    )]
    Locked(PathBuf),
    #[error("key file {path}: {source}")]
    Key { path: PathBuf, source: KeyError },
    #[error("the public key file {0} does not match the secret key beside it")]
    KeyMismatch(PathBuf),
    #[error("{path}, line {line}: not a signed tree head ({reason})")]
    BadHeadLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(
        "the leaf record holds {recorded} events but the log only {log}: \
         the log was truncated, or this is not its audit directory"
    )]
    RecordAheadOfLog { recorded: u64, log: Position },
    #[error("the audit trail expected position {expected} but read {got}")]
    OutOfOrder { expected: Position, got: Position },
    #[error("the event at position {position} has no canonical form: {source}")]
    Unhashable {
        position: Position,
        source: CanonicalError,
    },
    #[error("the audit record does not match its signed heads: {0}")]
    Tampered(Finding),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} exists; refusing to overwrite it (use --force)")]
    OutputExists(PathBuf),
    #[error("the audit trail has stopped")]
    Stopped,
    #[error("{path}, line {line}: not a witness key ({reason})")]
    BadWitnessKey {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}, line {line}: not a cosignature ({reason})")]
    BadCosignatureLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl AuditError {
    pub(crate) fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| AuditError::Io { what, path, source }
    }
}

/// Lowercase hex of a hash.
pub fn hex(hash: &[u8]) -> String {
    ::hex::encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_dir_sits_beside_an_sqlite_store() {
        assert_eq!(
            default_dir("sqlite:/var/lib/registre/registre.db"),
            PathBuf::from("/var/lib/registre/registre.db.audit")
        );
        assert_eq!(
            default_dir("sqlite://./r.db"),
            PathBuf::from("./r.db.audit")
        );
        assert_eq!(
            default_dir("postgres://u@h/db"),
            PathBuf::from("./registre-audit")
        );
    }
}
