//! The writable audit state: the leaf record, the tree built over it, the
//! signed heads and the key. One process owns it at a time (the directory
//! lock): the server's trail, or an offline `registre audit sign`.
//!
//! Opening it reads the leaf record and builds the tree from the stored
//! hashes (no event is hashed again), then checks every stored head's root
//! against that tree and the latest head's signature: a record that
//! disagrees with a head it signed is never extended or signed over.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use registre_audit::{
    AuditKey, AuditPublicKey, Finding, Hash, MerkleTree, SignedTreeHead, event_leaf_hash,
};
use registre_schema::RecordedEvent;

use super::AuditError;
use super::dir::{AuditDir, DirLock};
use super::head_log::{self, HeadLog};
use super::leaf_record::{self, LeafRecord};
use crate::store::{EventStore, MAX_READ_BATCH};

/// The tree and the heads, as readers (proofs, the API) see them.
#[derive(Debug, Default)]
pub struct TreeState {
    pub tree: MerkleTree,
    /// Every signed head, in signing order (so by growing size).
    pub heads: Vec<SignedTreeHead>,
}

impl TreeState {
    /// Reads the leaf record and heads without the lock (for proofs and
    /// checks while a server may be writing).
    pub fn load(dir: &AuditDir) -> Result<TreeState, AuditError> {
        dir.require()?;
        // Heads first: the record is always synced before a head is
        // written, so a record read afterwards covers every head read.
        let heads = head_log::read(&dir.heads_path())?;
        let leaves = leaf_record::read(&dir.leaves_path())?.unwrap_or_default();
        Ok(TreeState {
            tree: MerkleTree::from_leaves(leaves),
            heads,
        })
    }

    /// The latest signed head (the largest).
    pub fn latest_head(&self) -> Option<&SignedTreeHead> {
        self.heads.iter().max_by_key(|h| (h.tree_size, h.timestamp))
    }

    /// The latest head signed at exactly this size.
    pub fn head_at(&self, size: u64) -> Option<&SignedTreeHead> {
        self.heads.iter().rev().find(|h| h.tree_size == size)
    }

    /// The first head whose root disagrees with the tree, among those the
    /// tree covers; a head larger than the tree means records were lost.
    fn first_disagreement(&self) -> Option<Finding> {
        self.heads.iter().find_map(|h| {
            if h.tree_size > self.tree.size() {
                Some(Finding::LeafRecordCutShort {
                    recorded: self.tree.size(),
                    tree_size: h.tree_size,
                })
            } else {
                (self.tree.root_at(h.tree_size).ok() != Some(h.root_hash)).then_some(
                    Finding::LeafRecordMismatch {
                        tree_size: h.tree_size,
                    },
                )
            }
        })
    }
}

/// The audit state open for writing.
#[derive(Debug)]
pub struct Ledger {
    dir: AuditDir,
    _lock: DirLock,
    key: Arc<AuditKey>,
    record: LeafRecord,
    heads: HeadLog,
    state: Arc<RwLock<TreeState>>,
    created_key: bool,
}

impl Ledger {
    /// Takes the lock, creates the key on first use, loads the record and
    /// heads and checks them (module doc).
    pub fn open(dir: &AuditDir) -> Result<Ledger, AuditError> {
        let lock = dir.lock()?;
        let (key, created) = dir.load_or_create_key(&lock)?;
        if created {
            tracing::info!(
                public_key = %dir.public_key_path().display(),
                key_id = %key.public().key_id(),
                "created the audit signing key; give auditors the public key file"
            );
        }
        let (record, leaves) = LeafRecord::open(&dir.leaves_path())?;
        let (heads, stored) = HeadLog::open(&dir.heads_path())?;
        let state = TreeState {
            tree: MerkleTree::from_leaves(leaves),
            heads: stored,
        };
        if let Some(finding) = state.first_disagreement() {
            return Err(AuditError::Tampered(finding));
        }
        if let Some(latest) = state.latest_head() {
            latest
                .verify(&key.public())
                .map_err(|e| AuditError::Tampered(e.into()))?;
        }
        Ok(Ledger {
            dir: dir.clone(),
            _lock: lock,
            key: Arc::new(key),
            record,
            heads,
            state: Arc::new(RwLock::new(state)),
            created_key: created,
        })
    }

    pub fn dir(&self) -> &AuditDir {
        &self.dir
    }

    /// The signing key, for the checkpoints the server hands witnesses
    /// (signed on demand: Ed25519 gives the same bytes for the same head).
    pub fn signer(&self) -> Arc<AuditKey> {
        self.key.clone()
    }

    pub fn public_key(&self) -> AuditPublicKey {
        self.key.public()
    }

    /// Whether the key was created by this open (a new audit directory).
    pub fn created_key(&self) -> bool {
        self.created_key
    }

    /// The shared view for readers.
    pub fn state(&self) -> Arc<RwLock<TreeState>> {
        self.state.clone()
    }

    /// Leaves recorded so far.
    pub fn size(&self) -> u64 {
        self.record.len()
    }

    /// Size of the latest signed head (0 without one).
    pub fn signed_size(&self) -> u64 {
        self.read(|s| s.latest_head().map_or(0, |h| h.tree_size))
    }

    fn read<T>(&self, f: impl FnOnce(&TreeState) -> T) -> T {
        f(&self.state.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Records the next events: each must stand at the next position.
    /// Nothing is written if one of them cannot be hashed.
    pub fn append(&mut self, events: &[RecordedEvent]) -> Result<(), AuditError> {
        let mut leaves: Vec<Hash> = Vec::with_capacity(events.len());
        for (expected, e) in (self.record.len() + 1..).zip(events) {
            if e.position != expected {
                return Err(AuditError::OutOfOrder {
                    expected,
                    got: e.position,
                });
            }
            leaves.push(event_leaf_hash(e).map_err(|source| AuditError::Unhashable {
                position: e.position,
                source,
            })?);
        }
        self.record.append(&leaves)?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        for leaf in leaves {
            state.tree.push(leaf);
        }
        Ok(())
    }

    /// Makes the recorded leaves durable.
    pub fn sync(&mut self) -> Result<(), AuditError> {
        self.record.sync()
    }

    /// Signs the head of the tree as it is, after making its leaves
    /// durable, and keeps it.
    pub fn sign(&mut self, now: DateTime<Utc>) -> Result<SignedTreeHead, AuditError> {
        self.record.sync()?;
        let (size, root) = self.read(|s| (s.tree.size(), s.tree.root()));
        let head = self.key.sign(size, root, now);
        self.heads.append(&head)?;
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .heads
            .push(head.clone());
        Ok(head)
    }

    /// Signs a head if the tree grew since the latest one (or none was
    /// ever signed).
    pub fn sign_if_grown(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<SignedTreeHead>, AuditError> {
        let (size, latest) = self.read(|s| (s.tree.size(), s.latest_head().map(|h| h.tree_size)));
        if latest.is_some_and(|l| l >= size) {
            return Ok(None);
        }
        self.sign(now).map(Some)
    }

    /// Records every event committed in the log so far, reading it in
    /// batches. Refuses a log shorter than the record.
    pub async fn catch_up(&mut self, store: &dyn EventStore) -> Result<u64, AuditError> {
        let head = store.head().await?;
        if self.size() > head {
            return Err(AuditError::RecordAheadOfLog {
                recorded: self.size(),
                log: head,
            });
        }
        while self.size() < head {
            let batch = store.read_all(self.size() + 1, MAX_READ_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            self.append(&batch)?;
        }
        self.sync()?;
        Ok(self.size())
    }
}
