//! The Merkle tree over the log, exactly as RFC 6962 §2.1 and RFC 9162
//! §2.1 define it, with SHA-256:
//!
//! - leaf hash: `SHA-256(0x00 || canonical bytes of the event)`;
//! - node hash: `SHA-256(0x01 || left || right)`;
//! - `MTH({})` = `SHA-256("")`, `MTH({d0})` = leaf hash of d0, and for
//!   n > 1 with k the largest power of two smaller than n,
//!   `MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))`.
//!
//! Leaf i of the tree is the event at global position i + 1.
//!
//! [`MerkleTree`] keeps, for every level h, the hash of every complete
//! subtree of 2^h leaves that exists so far. The hash of any range the RFC
//! algorithms ask for is then a lookup plus at most one node hash per level
//! on the right edge, so a root, an inclusion proof or a consistency proof
//! at any size costs O(log n) hashes (O(log² n) lookups at worst), never
//! O(n). Memory is about two hashes per leaf (64 MB for a million events).
//!
//! The verification functions follow RFC 9162 §2.1.3.2 and §2.1.4.2 step
//! by step; they trust nothing in the proof and fail with a typed error.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Longest proof a tree of up to 2^64 leaves can need; anything longer is
/// refused before any hashing.
pub const MAX_PROOF_LEN: usize = 64;

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Why a proof could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("tree size {requested} is larger than the tree ({size} leaves)")]
    SizeBeyondTree { requested: u64, size: u64 },
    #[error("leaf {index} is not in a tree of {tree_size} leaves")]
    LeafBeyondSize { index: u64, tree_size: u64 },
    #[error("a consistency proof needs the first size ({first}) <= the second ({second})")]
    SizesReversed { first: u64, second: u64 },
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below tree size {tree_size}")]
    IndexBeyondSize { index: u64, tree_size: u64 },
    #[error("the proof has {len} hashes; no valid proof has more than {MAX_PROOF_LEN}")]
    ProofTooLong { len: usize },
    #[error("the proof has the wrong number of hashes for this index and size")]
    WrongProofLength,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
    #[error("the proof does not lead to the expected first root")]
    FirstRootMismatch,
    #[error("the first tree size ({first}) is larger than the second ({second})")]
    SizesReversed { first: u64, second: u64 },
    #[error("a proof between these sizes must be empty")]
    ProofNotEmpty,
    #[error("a proof between these sizes cannot be empty")]
    EmptyProof,
    #[error("the root of the empty tree is SHA-256 of nothing")]
    NotEmptyTreeRoot,
}

/// An append-only Merkle tree over leaf hashes.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    /// `levels[h][i]`: hash of the complete subtree of leaves
    /// `i * 2^h .. (i + 1) * 2^h`. `levels[0]` holds the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over these leaf hashes, in order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The leaf hash at `index` (position - 1).
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// Appends a leaf hash; completes every subtree it closes (amortised
    /// O(1) node hashes per push).
    pub fn push(&mut self, leaf: Hash) {
        let mut h = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == h {
                self.levels.push(Vec::new());
            }
            self.levels[h].push(hash);
            let len = self.levels[h].len();
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&self.levels[h][len - 2], &self.levels[h][len - 1]);
            h += 1;
        }
    }

    /// The root of the tree's first `size` leaves (the tree head that was,
    /// or would have been, signed at that size).
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(empty_root());
        }
        Ok(self.range(0, size))
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_else(|_| empty_root())
    }

    /// The inclusion proof of leaf `index` in the tree of `tree_size`
    /// leaves: RFC 6962 §2.1.1 `PATH(m, D[n])`, the sibling nearest the
    /// leaf first.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(tree_size)?;
        if index >= tree_size {
            return Err(TreeError::LeafBeyondSize { index, tree_size });
        }
        let mut proof = Vec::new();
        self.path(index, 0, tree_size, &mut proof);
        Ok(proof)
    }

    /// The consistency proof that the tree of `second` leaves extends the
    /// tree of `first` leaves: RFC 6962 §2.1.2 `PROOF(m, D[n])`. Empty
    /// when `first` is 0 or equals `second`.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(second)?;
        if first > second {
            return Err(TreeError::SizesReversed { first, second });
        }
        let mut proof = Vec::new();
        if first > 0 && first < second {
            self.subproof(first, 0, second, true, &mut proof);
        }
        Ok(proof)
    }

    fn check_size(&self, requested: u64) -> Result<(), TreeError> {
        if requested > self.size() {
            return Err(TreeError::SizeBeyondTree {
                requested,
                size: self.size(),
            });
        }
        Ok(())
    }

    /// `MTH(D[lo:hi])` for `lo < hi <= size`.
    fn range(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n.is_power_of_two() {
            let h = n.trailing_zeros() as usize;
            if lo.is_multiple_of(n) {
                // A complete, aligned subtree: stored.
                return self.levels[h][(lo >> h) as usize];
            }
        }
        if n == 1 {
            return self.levels[0][lo as usize];
        }
        let k = split(n);
        node_hash(&self.range(lo, lo + k), &self.range(lo + k, hi))
    }

    /// `PATH(m, D[lo:hi])`, appended to `out` deepest first.
    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.range(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.range(lo, lo + k));
        }
    }

    /// `SUBPROOF(m, D[lo:hi], b)`, appended to `out` deepest first.
    fn subproof(&self, m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.range(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out);
            out.push(self.range(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.range(lo, lo + k));
        }
    }
}

/// The largest power of two smaller than `n` (n >= 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Checks that `leaf` is leaf `index` of the tree of `tree_size` leaves
/// whose root is `root`: RFC 9162 §2.1.3.2, step by step.
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // 1. leaf_index must be below tree_size.
    if index >= tree_size {
        return Err(ProofError::IndexBeyondSize { index, tree_size });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::ProofTooLong { len: proof.len() });
    }
    // 2.-3.
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = *leaf;
    // 4.
    for p in proof {
        // 4a. A proof longer than the path.
        if snode == 0 {
            return Err(ProofError::WrongProofLength);
        }
        // 4b.
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // 4c.
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. A proof shorter than the path leaves snode above 0.
    if snode != 0 {
        return Err(ProofError::WrongProofLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `second` leaves with root `second_root` extends
/// the tree of `first` leaves with root `first_root`: RFC 9162 §2.1.4.2
/// step by step, plus the trivial cases the RFC leaves to the caller
/// (first = 0: the proof must be empty and `first_root` must be the empty
/// tree's root; first = second: the proof must be empty and the roots
/// equal).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesReversed { first, second });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::ProofTooLong { len: proof.len() });
    }
    if first == 0 {
        if !proof.is_empty() {
            return Err(ProofError::ProofNotEmpty);
        }
        if *first_root != empty_root() {
            return Err(ProofError::NotEmptyTreeRoot);
        }
        return Ok(());
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::ProofNotEmpty);
        }
        if first_root != second_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // 1.
    if proof.is_empty() {
        return Err(ProofError::EmptyProof);
    }
    // 2. When first is a power of two, its root is the proof's implicit
    // first element.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(first_root);
    }
    path.extend(proof.iter());
    // 3.
    let mut fnode = first - 1;
    let mut snode = second - 1;
    // 4.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // 5.
    let mut fr = *path[0];
    let mut sr = *path[0];
    // 6.
    for c in &path[1..] {
        // 6a.
        if snode == 0 {
            return Err(ProofError::WrongProofLength);
        }
        // 6b.
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // 6c.
        fnode >>= 1;
        snode >>= 1;
    }
    // 7.
    if snode != 0 {
        return Err(ProofError::WrongProofLength);
    }
    if fr != *first_root {
        return Err(ProofError::FirstRootMismatch);
    }
    if sr != *second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The root of a tree fed one leaf at a time, in O(log n) memory: only
/// the hashes of the complete subtrees on the right edge are kept. For a
/// whole log whose proofs are not needed (comparing two copies of it),
/// where [`MerkleTree`] would hold every leaf.
#[derive(Debug, Clone, Default)]
pub struct RootBuilder {
    /// (height, hash) of complete subtrees, left to right, heights strictly
    /// decreasing: the binary digits of `size`.
    edge: Vec<(u32, Hash)>,
    size: u64,
}

impl RootBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves fed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Feeds the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0, leaf);
        while let Some(&(height, left)) = self.edge.last() {
            if height != node.0 {
                break;
            }
            self.edge.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.edge.push(node);
        self.size += 1;
    }

    /// The root of the leaves fed so far: RFC 6962's `MTH`, the subtrees
    /// of the right edge joined from the right.
    pub fn root(&self) -> Hash {
        let mut nodes = self.edge.iter().rev();
        let Some(&(_, mut root)) = nodes.next() else {
            return empty_root();
        };
        for (_, left) in nodes {
            root = node_hash(left, &root);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hash {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    // Test vectors of RFC 6962's reference implementation, as published in
    // transparency-dev/merkle (proof/verify_test.go, originally from the
    // Certificate Transparency code base): eight leaves, the root of each
    // prefix, and inclusion and consistency proofs.
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    /// (leaf index, tree size, proof)
    const INCLUSION: [(u64, u64, &[&str]); 4] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    /// (first size, second size, proof)
    const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (
            6,
            7,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];

    fn vector_tree() -> MerkleTree {
        MerkleTree::from_leaves(LEAVES.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())))
    }

    fn hashes(proof: &[&str]) -> Vec<Hash> {
        proof.iter().map(|p| h(p)).collect()
    }

    /// MTH straight from the RFC's recursive definition, O(n): the oracle
    /// the stored-subtree tree is compared with.
    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn the_rfc_vectors_give_the_published_roots() {
        let tree = vector_tree();
        assert_eq!(
            tree.root_at(0).unwrap(),
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        for (i, root) in ROOTS.iter().enumerate() {
            assert_eq!(
                tree.root_at(i as u64 + 1).unwrap(),
                h(root),
                "size {}",
                i + 1
            );
        }
    }

    #[test]
    fn the_rfc_vectors_give_the_published_inclusion_proofs() {
        let tree = vector_tree();
        for (index, size, proof) in INCLUSION {
            let expected = hashes(proof);
            assert_eq!(tree.inclusion_proof(index, size).unwrap(), expected);
            let root = h(ROOTS[size as usize - 1]);
            let leaf = tree.leaf(index).unwrap();
            verify_inclusion(index, size, &leaf, &expected, &root).unwrap();
        }
        // Size 1: the proof is empty and the root is the leaf.
        assert!(tree.inclusion_proof(0, 1).unwrap().is_empty());
        verify_inclusion(0, 1, &tree.leaf(0).unwrap(), &[], &h(ROOTS[0])).unwrap();
    }

    #[test]
    fn the_rfc_vectors_give_the_published_consistency_proofs() {
        let tree = vector_tree();
        for (first, second, proof) in CONSISTENCY {
            let expected = hashes(proof);
            assert_eq!(tree.consistency_proof(first, second).unwrap(), expected);
            let r1 = h(ROOTS[first as usize - 1]);
            let r2 = h(ROOTS[second as usize - 1]);
            verify_consistency(first, second, &r1, &r2, &expected).unwrap();
        }
    }

    #[test]
    fn every_proof_of_small_trees_verifies_and_roots_match_the_definition() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = MerkleTree::from_leaves(leaves.iter().copied());
        for n in 0..=40u64 {
            let root = tree.root_at(n).unwrap();
            assert_eq!(root, naive_root(&leaves[..n as usize]), "size {n}");
            for i in 0..n {
                let proof = tree.inclusion_proof(i, n).unwrap();
                verify_inclusion(i, n, &leaves[i as usize], &proof, &root).unwrap();
            }
            for m in 0..=n {
                let proof = tree.consistency_proof(m, n).unwrap();
                let r1 = tree.root_at(m).unwrap();
                verify_consistency(m, n, &r1, &root, &proof)
                    .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            }
        }
    }

    #[test]
    fn proofs_beyond_the_tree_are_refused() {
        let tree = vector_tree();
        assert_eq!(
            tree.root_at(9),
            Err(TreeError::SizeBeyondTree {
                requested: 9,
                size: 8
            })
        );
        assert_eq!(
            tree.inclusion_proof(3, 3),
            Err(TreeError::LeafBeyondSize {
                index: 3,
                tree_size: 3
            })
        );
        assert!(tree.inclusion_proof(0, 0).is_err());
        assert_eq!(
            tree.consistency_proof(5, 4),
            Err(TreeError::SizesReversed {
                first: 5,
                second: 4
            })
        );
        assert!(tree.consistency_proof(1, 9).is_err());
    }

    #[test]
    fn a_100k_leaf_tree_answers_roots_and_proofs_that_verify() {
        let n = 100_000u64;
        let mut tree = MerkleTree::new();
        for i in 0..n {
            tree.push(leaf_hash(&i.to_be_bytes()));
        }
        assert_eq!(tree.size(), n);
        for &size in &[1, 2, 3, 65_536, 65_537, 99_999, n] {
            let root = tree.root_at(size).unwrap();
            for &i in &[0, size / 2, size - 1] {
                let proof = tree.inclusion_proof(i, size).unwrap();
                assert!(proof.len() <= 17);
                verify_inclusion(i, size, &tree.leaf(i).unwrap(), &proof, &root).unwrap();
            }
            for &m in &[1, size / 3, size - 1] {
                if m == 0 {
                    continue;
                }
                let proof = tree.consistency_proof(m, size).unwrap();
                verify_consistency(m, size, &tree.root_at(m).unwrap(), &root, &proof).unwrap();
            }
        }
        // The full root agrees with the RFC definition computed from scratch.
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        assert_eq!(tree.root(), naive_root(&leaves));
    }

    #[test]
    fn the_streaming_root_is_the_tree_root_at_every_size() {
        let mut builder = RootBuilder::new();
        assert_eq!(builder.root(), empty_root());
        for (i, leaf) in LEAVES.iter().enumerate() {
            builder.push(leaf_hash(&hex::decode(leaf).unwrap()));
            assert_eq!(builder.size(), i as u64 + 1);
            assert_eq!(builder.root(), h(ROOTS[i]), "size {}", i + 1);
        }
        let mut tree = MerkleTree::new();
        let mut builder = RootBuilder::new();
        for i in 0u32..300 {
            let leaf = leaf_hash(&i.to_be_bytes());
            tree.push(leaf);
            builder.push(leaf);
            assert_eq!(builder.root(), tree.root(), "size {}", i + 1);
        }
    }
}
