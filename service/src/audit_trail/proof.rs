//! Inclusion and consistency proofs in the form handed to outsiders: the
//! proof with every value needed to check it (hashes in lowercase hex),
//! and the signed head of that size when one exists, so the root can be
//! tied to the instance's key.
//!
//! Every proof is checked with the crate's own verifier before it is
//! returned: registre never hands out a proof it could not verify.

use registre_audit::{Hash, SignedTreeHead, TreeError, verify_consistency, verify_inclusion};
use serde::{Serialize, Serializer};

use super::ledger::TreeState;

const INCLUSION_HOW: &str = "RFC 9162 section 2.1.3.2 with SHA-256: leaf_hash = SHA-256(0x00 || \
    canonical bytes of the event), node = SHA-256(0x01 || left || right); `proof` lists the \
    sibling hashes from the leaf up; leaf_index = position - 1. Check tree_head's Ed25519 \
    signature with the instance's public key, then that the proof leads from leaf_hash to \
    its root_hash.";
const CONSISTENCY_HOW: &str = "RFC 9162 section 2.1.4.2 with SHA-256 (node = SHA-256(0x01 || \
    left || right)): the proof shows that the tree of second_size events extends the tree of \
    first_size events, from first_root to second_root. Check each signed head with the \
    instance's public key.";

/// Why a proof cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofRequestError {
    #[error("positions start at 1")]
    PositionZero,
    #[error("{0}")]
    Tree(#[from] TreeError),
    #[error("the proof failed its own check: {0}")]
    SelfCheck(#[from] registre_audit::ProofError),
}

impl ProofRequestError {
    /// The refusal in French, for a request an auditor can correct; none
    /// for a failed self-check (the record is damaged: the operator must
    /// look, and the adapters answer with an internal error).
    pub fn message_fr(&self) -> Option<String> {
        Some(match self {
            ProofRequestError::PositionZero => "Les positions commencent à 1.".into(),
            ProofRequestError::Tree(TreeError::SizeBeyondTree { requested, size }) => {
                format!("L'arbre ne compte que {size} événements (taille demandée : {requested}).")
            }
            ProofRequestError::Tree(TreeError::LeafBeyondSize { index, tree_size }) => format!(
                "La position {} n'est pas dans un arbre de {tree_size} événements.",
                index + 1
            ),
            ProofRequestError::Tree(TreeError::SizesReversed { first, second }) => format!(
                "La première taille ({first}) doit être inférieure ou égale à la seconde ({second})."
            ),
            ProofRequestError::SelfCheck(_) => return None,
        })
    }

    /// The same refusal in English.
    pub fn message_en(&self) -> Option<String> {
        Some(match self {
            ProofRequestError::PositionZero => "Positions start at 1.".into(),
            ProofRequestError::Tree(TreeError::SizeBeyondTree { requested, size }) => {
                format!("The tree holds only {size} events (size asked for: {requested}).")
            }
            ProofRequestError::Tree(TreeError::LeafBeyondSize { index, tree_size }) => format!(
                "Position {} is not in a tree of {tree_size} events.",
                index + 1
            ),
            ProofRequestError::Tree(TreeError::SizesReversed { first, second }) => {
                format!("The first size ({first}) must be at most the second ({second}).")
            }
            ProofRequestError::SelfCheck(_) => return None,
        })
    }
}

/// Proof that the event at `position` is in the log of `tree_size` events.
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    pub kind: &'static str,
    pub position: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    #[serde(serialize_with = "hex_one")]
    pub leaf_hash: Hash,
    #[serde(serialize_with = "hex_one")]
    pub root_hash: Hash,
    #[serde(serialize_with = "hex_many")]
    pub proof: Vec<Hash>,
    /// A signed head of exactly `tree_size`, if one was signed.
    pub tree_head: Option<SignedTreeHead>,
    pub how_to_check: &'static str,
}

/// Proof that the log of `second_size` events extends that of
/// `first_size`.
#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    pub kind: &'static str,
    pub first_size: u64,
    pub second_size: u64,
    #[serde(serialize_with = "hex_one")]
    pub first_root: Hash,
    #[serde(serialize_with = "hex_one")]
    pub second_root: Hash,
    #[serde(serialize_with = "hex_many")]
    pub proof: Vec<Hash>,
    pub first_head: Option<SignedTreeHead>,
    pub second_head: Option<SignedTreeHead>,
    pub how_to_check: &'static str,
}

/// The inclusion proof of `position` in the tree of `size` leaves; by
/// default the latest signed head's size (if it covers the position),
/// else the whole tree.
pub fn inclusion(
    state: &TreeState,
    position: u64,
    size: Option<u64>,
) -> Result<InclusionProof, ProofRequestError> {
    let index = position
        .checked_sub(1)
        .ok_or(ProofRequestError::PositionZero)?;
    let tree = &state.tree;
    let size = size.unwrap_or_else(|| {
        state
            .latest_head()
            .map(|h| h.tree_size)
            .filter(|&s| s >= position)
            .unwrap_or(tree.size())
    });
    let proof = tree.inclusion_proof(index, size)?;
    let root = tree.root_at(size)?;
    let leaf = tree.leaf(index).ok_or(TreeError::LeafBeyondSize {
        index,
        tree_size: size,
    })?;
    verify_inclusion(index, size, &leaf, &proof, &root)?;
    Ok(InclusionProof {
        kind: "inclusion",
        position,
        leaf_index: index,
        tree_size: size,
        leaf_hash: leaf,
        root_hash: root,
        proof,
        tree_head: state.head_at(size).cloned(),
        how_to_check: INCLUSION_HOW,
    })
}

/// The consistency proof between the trees of `first` and `second` leaves.
pub fn consistency(
    state: &TreeState,
    first: u64,
    second: u64,
) -> Result<ConsistencyProof, ProofRequestError> {
    let tree = &state.tree;
    let proof = tree.consistency_proof(first, second)?;
    let first_root = tree.root_at(first)?;
    let second_root = tree.root_at(second)?;
    verify_consistency(first, second, &first_root, &second_root, &proof)?;
    Ok(ConsistencyProof {
        kind: "consistency",
        first_size: first,
        second_size: second,
        first_root,
        second_root,
        proof,
        first_head: state.head_at(first).cloned(),
        second_head: state.head_at(second).cloned(),
        how_to_check: CONSISTENCY_HOW,
    })
}

fn hex_one<S: Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(h))
}

fn hex_many<S: Serializer>(hs: &[Hash], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(hs.iter().map(hex::encode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use registre_audit::{AuditKey, MerkleTree, leaf_hash};

    fn state(n: u8, signed: &[u64]) -> TreeState {
        let tree = MerkleTree::from_leaves((0..n).map(|i| leaf_hash(&[i])));
        let key = AuditKey::from_seed([3; 32]);
        let heads = signed
            .iter()
            .map(|&s| key.sign(s, tree.root_at(s).unwrap(), chrono::Utc::now()))
            .collect();
        TreeState { tree, heads }
    }

    #[test]
    fn given_a_signed_head_when_asked_for_inclusion_then_the_proof_uses_its_size() {
        let s = state(10, &[7]);
        let p = inclusion(&s, 3, None).unwrap();
        assert_eq!((p.tree_size, p.leaf_index), (7, 2));
        assert_eq!(p.tree_head.as_ref().unwrap().root_hash, p.root_hash);
        // A position beyond the latest head: the whole tree, unsigned.
        let p = inclusion(&s, 9, None).unwrap();
        assert_eq!(p.tree_size, 10);
        assert!(p.tree_head.is_none());
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["leaf_hash"], hex::encode(leaf_hash(&[8])));
        assert_eq!(
            inclusion(&s, 0, None).unwrap_err(),
            ProofRequestError::PositionZero
        );
        assert!(matches!(
            inclusion(&s, 11, Some(11)),
            Err(ProofRequestError::Tree(TreeError::SizeBeyondTree { .. }))
        ));
        assert!(matches!(
            inclusion(&s, 8, Some(7)),
            Err(ProofRequestError::Tree(TreeError::LeafBeyondSize { .. }))
        ));
    }

    #[test]
    fn consistency_proofs_carry_both_roots_and_heads() {
        let s = state(10, &[4, 10]);
        let p = consistency(&s, 4, 10).unwrap();
        assert_eq!(p.first_root, s.tree.root_at(4).unwrap());
        assert!(p.first_head.is_some() && p.second_head.is_some());
        assert!(!p.proof.is_empty());
        assert!(matches!(
            consistency(&s, 5, 4),
            Err(ProofRequestError::Tree(TreeError::SizesReversed { .. }))
        ));
    }
}
