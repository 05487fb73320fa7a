//! # registre-audit: tamper evidence for auditors
//!
//! Auditors must be able to prove, without trusting the operator, that the
//! log they are shown is complete and unaltered. registre does it the way
//! Certificate Transparency does (RFC 6962 / RFC 9162): every event's
//! canonical bytes are a leaf of a Merkle tree over the global order, and
//! the instance signs tree heads (size, root, time) with its Ed25519 audit
//! key. Inclusion proofs show an event is in the log of size N; consistency
//! proofs show the log of size N extends the log of size M.
//!
//! The formats are specified, normatively, in `docs/audit-spec.md`
//! ("registre audit trail, version 1"), with test vectors in
//! `docs/audit-vectors/` that `tests/vectors.rs` checks against this code;
//! the module docs below summarise the same rules.
//!
//! ## Layout
//! - [`canonical`]: the canonical bytes of an event (the exact format, for
//!   auditors reimplementing it).
//! - [`merkle`]: the RFC 9162 tree, roots at any size, inclusion and
//!   consistency proofs and their verification.
//! - [`sth`]: signed tree heads, the audit key and its text forms.
//! - [`verify`]: checking a log, its leaf record and its signed heads;
//!   names the first altered, missing, inserted or moved event.
//! - [`checkpoint`]: signed tree heads as C2SP checkpoints (signed
//!   notes), the form witnesses read.
//! - [`cosignature`]: witness keys and their cosignatures of checkpoints.
//! - [`witness`]: what a witness decides on a new checkpoint (cosign,
//!   or report a rollback, a split view or an inconsistent tree).
//! - [`stated_records`]: the records an official document states and
//!   their proofs, checked with the public key alone.
//! - [`export`]: the JSON Lines archival export and its verification with
//!   nothing but the file and the public key.
//!
//! ## API Boundary
//! Everything here is pure and synchronous: no file, database or clock.
//! The caller reads events and heads from the store, passes the time to
//! sign at, and keeps the secret key apart from the log.

pub mod canonical;
pub mod checkpoint;
pub mod cosignature;
pub mod export;
pub mod merkle;
pub mod stated_records;
pub mod sth;
pub mod verify;
pub mod witness;

pub use canonical::{CanonicalError, canonical_bytes};
pub use checkpoint::{Checkpoint, NoteError, SignedNote, sign_checkpoint, verify_checkpoint};
pub use cosignature::{Cosignature, CosignatureError, WitnessKey, WitnessPublicKey};
pub use export::{
    ExportError, Witnessed, cosignature_line, event_line, head_line, read_export, verify_export,
    verify_witnessed_export,
};
pub use merkle::{
    Hash, MerkleTree, ProofError, RootBuilder, TreeError, empty_root, leaf_hash, node_hash,
    verify_consistency, verify_inclusion,
};
pub use stated_records::{
    REFERENCE_CHECK_LEN, STATED_RECORDS_FORMAT, StatedRecord, StatedRecords, StatedRecordsError,
    VerifiedRecords, reference_check,
};
pub use sth::{AuditKey, AuditPublicKey, KeyError, SignedTreeHead, SthError};
pub use verify::{Finding, LogVerifier, VerifiedLog, event_leaf_hash, verify_log};
pub use witness::{WitnessRefusal, witness};
