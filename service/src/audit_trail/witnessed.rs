//! A log checked against a checkpoint kept outside the operator's reach,
//! by a witness that cosigned it.
//!
//! Events past the last signed head, and a last head deleted, cannot be
//! told from an honest tail by anything the operator keeps. A checkpoint a
//! witness cosigned can: the log must still hold at least its size, with
//! its root at that size.

use registre_audit::{Checkpoint, Hash, RootBuilder, event_leaf_hash};

use super::check::CheckFailure;
use crate::store::{EventStore, MAX_READ_BATCH};

/// How a log disagrees with a witnessed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessedFinding {
    #[error(
        "the log holds {log} events but a witness cosigned a tree of {cosigned}: \
         events it saw were removed"
    )]
    LogShorter { log: u64, cosigned: u64 },
    #[error(
        "the log's first {tree_size} events do not have the root a witness cosigned: \
         events it saw were altered (the log has {found}, the witness {cosigned})"
    )]
    RootDiffers {
        tree_size: u64,
        found: String,
        cosigned: String,
    },
}

/// The root of the log's first `size` events, hashed from the log itself
/// (never from the leaf record, which the same operator keeps); `None`
/// when the log holds fewer.
pub async fn log_root_at(store: &dyn EventStore, size: u64) -> Result<Option<Hash>, CheckFailure> {
    let mut root = RootBuilder::new();
    let mut from = 1;
    while from <= size {
        let limit = MAX_READ_BATCH.min((size - from + 1) as usize);
        let batch = store
            .read_all(from, limit)
            .await
            .map_err(super::AuditError::from)?;
        let Some(last) = batch.last() else { break };
        from = last.position + 1;
        for event in &batch {
            let leaf = event_leaf_hash(event).map_err(|reason| {
                CheckFailure::Tampered(registre_audit::Finding::Unhashable {
                    position: event.position,
                    reason,
                })
            })?;
            root.push(leaf);
        }
    }
    Ok((root.size() == size).then(|| root.root()))
}

/// Compares the log (its size and its root at the checkpoint's size) with
/// a witnessed checkpoint.
pub fn compare(
    log_size: u64,
    root_at_checkpoint: Option<Hash>,
    checkpoint: &Checkpoint,
) -> Result<(), WitnessedFinding> {
    match root_at_checkpoint {
        None => Err(WitnessedFinding::LogShorter {
            log: log_size,
            cosigned: checkpoint.tree_size,
        }),
        Some(root) if root != checkpoint.root_hash => Err(WitnessedFinding::RootDiffers {
            tree_size: checkpoint.tree_size,
            found: super::hex(&root),
            cosigned: super::hex(&checkpoint.root_hash),
        }),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(size: u64, root: u8) -> Checkpoint {
        Checkpoint {
            origin: "registre/0011223344556677".into(),
            tree_size: size,
            root_hash: [root; 32],
        }
    }

    #[test]
    fn a_log_that_kept_what_the_witness_saw_passes() {
        assert_eq!(compare(12, Some([1; 32]), &checkpoint(10, 1)), Ok(()));
    }

    #[test]
    fn a_log_cut_below_the_witnessed_size_is_named() {
        assert_eq!(
            compare(7, None, &checkpoint(10, 1)),
            Err(WitnessedFinding::LogShorter {
                log: 7,
                cosigned: 10
            })
        );
    }

    #[test]
    fn a_log_rewritten_under_the_witnessed_size_is_named() {
        assert!(matches!(
            compare(10, Some([2; 32]), &checkpoint(10, 1)),
            Err(WitnessedFinding::RootDiffers { tree_size: 10, .. })
        ));
    }
}
