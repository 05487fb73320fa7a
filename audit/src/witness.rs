//! What a witness decides when a log offers it a new checkpoint.
//!
//! The witness keeps the last checkpoint it cosigned. A new one is
//! cosigned only if the log signed it and it extends the last one:
//! - a smaller tree is a rollback: the log lost what the witness saw;
//! - the same size with another root is a split view: the log shows two
//!   histories, and the two signed checkpoints prove it;
//! - a larger tree needs a consistency proof from the last one.
//!
//! The first checkpoint a witness sees is taken on trust (as every
//! witness of the transparency-log ecosystem does): from then on, the log
//! cannot rewrite what came before it without being caught.

use crate::checkpoint::{Checkpoint, NoteError, SignedNote, verify_checkpoint};
use crate::cosignature::{Cosignature, WitnessKey};
use crate::merkle::{Hash, ProofError, verify_consistency};
use crate::sth::AuditPublicKey;

/// Why a witness refused to cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessRefusal {
    #[error("the checkpoint is not a valid checkpoint of this log: {0}")]
    NotSigned(#[from] NoteError),
    #[error(
        "split view: the log signed two roots for the tree of {tree_size} events \
         (cosigned {cosigned}, now offered {offered})"
    )]
    SplitView {
        tree_size: u64,
        cosigned: String,
        offered: String,
    },
    #[error(
        "rollback: the log offers a tree of {offered} events after the witness \
         cosigned one of {cosigned}"
    )]
    Rollback { cosigned: u64, offered: u64 },
    #[error("the tree of {to} events does not extend the cosigned tree of {from} events: {reason}")]
    Inconsistent {
        from: u64,
        to: u64,
        reason: ProofError,
    },
}

/// What the witness cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub checkpoint: Checkpoint,
    pub cosignature: Cosignature,
}

/// Decides on `offered` given the `last` checkpoint cosigned (none the
/// first time) and a consistency proof from it; cosigns at `now`
/// (seconds since 1970).
pub fn witness(
    log: &AuditPublicKey,
    key: &WitnessKey,
    last: Option<&Checkpoint>,
    offered: &SignedNote,
    proof: &[Hash],
    now: u64,
) -> Result<Cosigned, WitnessRefusal> {
    let checkpoint = verify_checkpoint(offered, log)?;
    if let Some(last) = last {
        if checkpoint.splits_from(last) {
            return Err(WitnessRefusal::SplitView {
                tree_size: checkpoint.tree_size,
                cosigned: hex::encode(last.root_hash),
                offered: hex::encode(checkpoint.root_hash),
            });
        }
        if checkpoint.tree_size < last.tree_size {
            return Err(WitnessRefusal::Rollback {
                cosigned: last.tree_size,
                offered: checkpoint.tree_size,
            });
        }
        verify_consistency(
            last.tree_size,
            checkpoint.tree_size,
            &last.root_hash,
            &checkpoint.root_hash,
            proof,
        )
        .map_err(|reason| WitnessRefusal::Inconsistent {
            from: last.tree_size,
            to: checkpoint.tree_size,
            reason,
        })?;
    }
    let cosignature = key.cosign(&checkpoint, now);
    Ok(Cosigned {
        checkpoint,
        cosignature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::sign_checkpoint;
    use crate::merkle::MerkleTree;
    use crate::sth::AuditKey;
    use chrono::{TimeZone, Utc};

    fn log() -> AuditKey {
        AuditKey::from_seed([7; 32])
    }

    fn witness_key() -> WitnessKey {
        WitnessKey::from_seed("ministere.example/temoin", [9; 32]).unwrap()
    }

    fn tree(leaves: &[u8]) -> MerkleTree {
        MerkleTree::from_leaves(leaves.iter().map(|&b| [b; 32]))
    }

    fn note(tree: &MerkleTree, size: u64) -> SignedNote {
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap();
        sign_checkpoint(&log(), &log().sign(size, tree.root_at(size).unwrap(), at))
    }

    fn run(
        last: Option<&Checkpoint>,
        offered: &SignedNote,
        proof: &[Hash],
    ) -> Result<Cosigned, WitnessRefusal> {
        witness(
            &log().public(),
            &witness_key(),
            last,
            offered,
            proof,
            1_736_931_600,
        )
    }

    #[test]
    fn a_log_that_grows_honestly_is_cosigned_at_each_step() {
        // given a witness that cosigned the tree of 3 events
        let t = tree(&[1, 2, 3, 4, 5, 6, 7]);
        let first = run(None, &note(&t, 3), &[]).unwrap();
        // when the log offers the tree of 7 with a consistency proof
        let proof = t.consistency_proof(3, 7).unwrap();
        let second = run(Some(&first.checkpoint), &note(&t, 7), &proof).unwrap();
        // then it cosigns, and its cosignature verifies
        assert_eq!(second.checkpoint.tree_size, 7);
        second
            .cosignature
            .verify(&witness_key().public(), &second.checkpoint)
            .unwrap();
    }

    #[test]
    fn a_rewritten_history_is_refused_as_inconsistent() {
        let honest = tree(&[1, 2, 3, 4, 5]);
        let rewritten = tree(&[1, 9, 3, 4, 5, 6]);
        let first = run(None, &note(&honest, 5), &[]).unwrap();
        let proof = rewritten.consistency_proof(5, 6).unwrap();
        assert!(matches!(
            run(Some(&first.checkpoint), &note(&rewritten, 6), &proof),
            Err(WitnessRefusal::Inconsistent { from: 5, to: 6, .. })
        ));
    }

    #[test]
    fn two_roots_at_one_size_are_reported_as_a_split_view() {
        let first = run(None, &note(&tree(&[1, 2, 3]), 3), &[]).unwrap();
        assert!(matches!(
            run(Some(&first.checkpoint), &note(&tree(&[1, 2, 4]), 3), &[]),
            Err(WitnessRefusal::SplitView { tree_size: 3, .. })
        ));
    }

    #[test]
    fn a_smaller_tree_is_a_rollback() {
        let t = tree(&[1, 2, 3, 4]);
        let first = run(None, &note(&t, 4), &[]).unwrap();
        assert_eq!(
            run(Some(&first.checkpoint), &note(&t, 2), &[]),
            Err(WitnessRefusal::Rollback {
                cosigned: 4,
                offered: 2
            })
        );
    }

    #[test]
    fn a_checkpoint_the_log_did_not_sign_is_refused() {
        let t = tree(&[1, 2]);
        let mut forged = note(&t, 2);
        forged.text = forged.text.replace("\n2\n", "\n1\n");
        assert!(matches!(
            run(None, &forged, &[]),
            Err(WitnessRefusal::NotSigned(_))
        ));
    }
}
