//! Verifying a log against its signed tree heads, and naming what changed.
//!
//! Signed heads alone only tell that "something among the first N events
//! changed". To name the event, registre keeps a **leaf record** beside
//! the log: each event's leaf hash, written when the event was first seen,
//! stored apart from the events. The verifier
//!
//! 1. checks every signed head's key and signature;
//! 2. checks the leaf record against every head it covers (a record that
//!    disagrees with a signed root was altered itself, and is then not used
//!    to name events);
//! 3. walks the events in position order, recomputes each leaf hash and
//!    compares it with the record, telling an altered event from a deleted,
//!    inserted or moved one by trying the neighbouring positions;
//! 4. checks that the log is not shorter than a head or the record says;
//! 5. rebuilds the tree from the events and checks every head's root
//!    against it.
//!
//! It stops at the first finding, in that order of steps (an event named in
//! step 3 is more precise than a root mismatch in step 5).
//!
//! [`LogVerifier`] takes the events one at a time (`feed`), so a caller
//! reading the store in batches never holds the whole log; it keeps the
//! tree (about 64 bytes per event) and one event of look-ahead.

use registre_schema::{Position, RecordedEvent};

use crate::canonical::{CanonicalError, canonical_bytes, canonical_bytes_at};
use crate::merkle::{Hash, MerkleTree, leaf_hash};
use crate::sth::{AuditPublicKey, SignedTreeHead, SthError};

/// What verification found wrong: the first problem, precisely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    #[error("the tree head of size {tree_size} is signed by key {found}, not the expected key")]
    WrongKey { tree_size: u64, found: String },
    #[error("the tree head of size {tree_size} has an invalid signature")]
    BadSignature { tree_size: u64 },
    #[error("the event at position {position} is not the event first recorded there")]
    Altered { position: Position },
    #[error("the event at position {position} is missing (deleted)")]
    Missing { position: Position },
    #[error("an event that was never recorded stands at position {position}")]
    Inserted { position: Position },
    #[error("the events at positions {position} and {with} are out of place (swapped or moved)")]
    Reordered { position: Position, with: Position },
    #[error("the event at position {position} came after position {previous}")]
    OutOfOrder {
        position: Position,
        previous: Position,
    },
    #[error("the event at position {position} has no canonical form: {reason}")]
    Unhashable {
        position: Position,
        reason: CanonicalError,
    },
    #[error("the log ends at {log_size} events but {expected_size} were signed or recorded")]
    Truncated { log_size: u64, expected_size: u64 },
    #[error(
        "the signed root of size {tree_size} does not match the log; \
         the first {intact_up_to} events match a signed head"
    )]
    HeadRootMismatch { tree_size: u64, intact_up_to: u64 },
    #[error("the leaf record disagrees with the signed tree head of size {tree_size}")]
    LeafRecordMismatch { tree_size: u64 },
    #[error(
        "the leaf record holds {recorded} leaves, fewer than the {tree_size} a signed head \
         covers: it was cut short (a head is only signed once its leaves are recorded)"
    )]
    LeafRecordCutShort { recorded: u64, tree_size: u64 },
}

impl From<SthError> for Finding {
    fn from(e: SthError) -> Self {
        match e {
            SthError::WrongKey {
                tree_size, found, ..
            } => Finding::WrongKey { tree_size, found },
            SthError::BadSignature { tree_size } => Finding::BadSignature { tree_size },
        }
    }
}

/// What a successful verification established.
#[derive(Debug, Clone)]
pub struct VerifiedLog {
    /// Events in the log.
    pub size: u64,
    /// Root of the tree over all of them.
    pub root: Hash,
    /// Signed heads checked.
    pub heads_checked: usize,
    /// The head with the largest size (the latest signed among equals).
    pub latest_head: Option<SignedTreeHead>,
    /// Events covered by a signed head; the rest are only as good as the
    /// leaf record (or unchecked without one).
    pub signed_size: u64,
    /// Entries in the leaf record (0 without one).
    pub recorded_leaves: u64,
    /// The rebuilt tree, to answer proofs.
    pub tree: MerkleTree,
}

/// Incremental verification of a log (see the module doc).
#[derive(Debug)]
pub struct LogVerifier {
    heads: Vec<SignedTreeHead>,
    /// The leaf record, if kept and consistent with every head it covers.
    record: Option<Vec<Hash>>,
    /// Its length, even when it was found altered.
    record_len: u64,
    /// Why the record was set aside; reported if the events reveal nothing.
    record_finding: Option<Finding>,
    tree: MerkleTree,
    pending: Option<RecordedEvent>,
    /// Position the next event must have.
    next: Position,
}

impl LogVerifier {
    /// Steps 1 and 2: `heads` are the stored signed heads in any order,
    /// `record` the leaf record (`record[i]` is the leaf hash of position
    /// i + 1), `None` when none is kept.
    pub fn new(
        heads: Vec<SignedTreeHead>,
        record: Option<Vec<Hash>>,
        key: &AuditPublicKey,
    ) -> Result<Self, Finding> {
        let mut heads = heads;
        heads.sort_by_key(|h| (h.tree_size, h.timestamp));
        for head in &heads {
            head.verify(key)?;
        }
        let record_len = record.as_ref().map_or(0, |r| r.len() as u64);
        let mut record_finding = None;
        if let Some(leaves) = &record {
            let rtree = MerkleTree::from_leaves(leaves.iter().copied());
            record_finding = heads.iter().find_map(|h| {
                if h.tree_size > rtree.size() {
                    Some(Finding::LeafRecordCutShort {
                        recorded: rtree.size(),
                        tree_size: h.tree_size,
                    })
                } else if rtree.root_at(h.tree_size).ok() != Some(h.root_hash) {
                    Some(Finding::LeafRecordMismatch {
                        tree_size: h.tree_size,
                    })
                } else {
                    None
                }
            });
        }
        Ok(LogVerifier {
            heads,
            record: if record_finding.is_some() {
                None
            } else {
                record
            },
            record_len,
            record_finding,
            tree: MerkleTree::new(),
            pending: None,
            next: 1,
        })
    }

    /// Step 3 for one more event, in the order the log gives them.
    pub fn feed(&mut self, event: RecordedEvent) -> Result<(), Finding> {
        if let Some(current) = self.pending.take() {
            self.check(&current, Some(&event))?;
        }
        self.pending = Some(event);
        Ok(())
    }

    /// Steps 3 (last event), 4 and 5.
    pub fn finish(mut self) -> Result<VerifiedLog, Finding> {
        if let Some(current) = self.pending.take() {
            self.check(&current, None)?;
        }
        let size = self.tree.size();
        let expected = self
            .heads
            .last()
            .map_or(0, |h| h.tree_size)
            .max(self.record_len);
        if expected > size {
            return Err(Finding::Truncated {
                log_size: size,
                expected_size: expected,
            });
        }
        let mut intact_up_to = 0;
        for head in &self.heads {
            if self.tree.root_at(head.tree_size).ok() != Some(head.root_hash) {
                return Err(Finding::HeadRootMismatch {
                    tree_size: head.tree_size,
                    intact_up_to,
                });
            }
            intact_up_to = head.tree_size;
        }
        if let Some(finding) = self.record_finding {
            return Err(finding);
        }
        Ok(VerifiedLog {
            size,
            root: self.tree.root(),
            heads_checked: self.heads.len(),
            signed_size: self.heads.last().map_or(0, |h| h.tree_size),
            latest_head: self.heads.last().cloned(),
            recorded_leaves: self.record_len,
            tree: self.tree,
        })
    }

    fn check(
        &mut self,
        event: &RecordedEvent,
        next: Option<&RecordedEvent>,
    ) -> Result<(), Finding> {
        let p = self.next;
        let q = event.position;
        if q < p {
            // A second event claiming a position already seen is an
            // insertion; anything further back is disorder.
            return Err(if q + 1 == p {
                Finding::Inserted { position: q }
            } else {
                Finding::OutOfOrder {
                    position: q,
                    previous: p - 1,
                }
            });
        }
        if q > p {
            // Position p is absent here; if it comes next, the two moved.
            return Err(match next {
                Some(n) if n.position == p => Finding::Reordered {
                    position: p,
                    with: q,
                },
                _ => Finding::Missing { position: p },
            });
        }
        let hash = hash_of(event, None)?;
        if let Some(expected) = self.recorded(p)
            && hash != expected
        {
            return Err(self.classify(event, next));
        }
        self.tree.push(hash);
        self.next = p + 1;
        Ok(())
    }

    /// The event at `p` (its claimed position) differs from the record:
    /// was it moved, did an event vanish or appear, or was it altered?
    fn classify(&self, event: &RecordedEvent, next: Option<&RecordedEvent>) -> Finding {
        let p = event.position;
        let matches = |e: &RecordedEvent, at: Position| {
            self.recorded(at)
                .is_some_and(|r| hash_of(e, Some(at)).is_ok_and(|h| h == r))
        };
        // This event is the one recorded at p + 1: the one at p is gone or
        // moved after it.
        let belongs_next = matches(event, p + 1);
        // The next event is the one recorded at p: this one was slipped in
        // or moved before it.
        let next_belongs_here = next.is_some_and(|n| n.position == p + 1 && matches(n, p));
        match (belongs_next, next_belongs_here) {
            (true, true) => Finding::Reordered {
                position: p,
                with: p + 1,
            },
            (true, false) => Finding::Missing { position: p },
            (false, true) => Finding::Inserted { position: p },
            (false, false) => Finding::Altered { position: p },
        }
    }

    fn recorded(&self, position: Position) -> Option<Hash> {
        let index = usize::try_from(position.checked_sub(1)?).ok()?;
        self.record.as_ref()?.get(index).copied()
    }
}

/// Leaf hash of an event, or of the event moved to `at`.
fn hash_of(event: &RecordedEvent, at: Option<Position>) -> Result<Hash, Finding> {
    let bytes = match at {
        None => canonical_bytes(event),
        Some(at) => canonical_bytes_at(event, at),
    }
    .map_err(|reason| Finding::Unhashable {
        position: event.position,
        reason,
    })?;
    Ok(leaf_hash(&bytes))
}

/// Verifies a whole log held in memory (or streamed by the iterator): the
/// events in position order, the leaf record if one is kept, the stored
/// signed heads and the public key.
pub fn verify_log(
    events: impl IntoIterator<Item = RecordedEvent>,
    record: Option<Vec<Hash>>,
    heads: Vec<SignedTreeHead>,
    key: &AuditPublicKey,
) -> Result<VerifiedLog, Finding> {
    let mut verifier = LogVerifier::new(heads, record, key)?;
    for event in events {
        verifier.feed(event)?;
    }
    verifier.finish()
}

/// The leaf hash of an event as the log's tree uses it: what the audit
/// side writes into the leaf record when it first sees the event.
pub fn event_leaf_hash(event: &RecordedEvent) -> Result<Hash, CanonicalError> {
    Ok(leaf_hash(&canonical_bytes(event)?))
}
