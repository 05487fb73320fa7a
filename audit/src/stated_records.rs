//! The records an official document states, with their proofs: what a
//! printed document carries (as an attached file) so that anyone holding
//! the instance's public key can check it offline.
//!
//! The bundle names the document's reference, a head signed at the
//! position the document was made at, and for each stated event its
//! canonical JSON (the export's form) and its inclusion proof in that
//! head's tree. [`StatedRecords::verify`] checks the head's signature,
//! that each event is canonical, and that each leads to the signed root.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::{CanonicalError, canonical_bytes, event_from_canonical_value};
use crate::merkle::{Hash, leaf_hash, verify_inclusion};
use crate::sth::{AuditKey, AuditPublicKey, SignedTreeHead, SthError};

/// Bytes of a document reference's check code.
pub const REFERENCE_CHECK_LEN: usize = 5;

/// A document reference's check code: the first bytes of the audit key's
/// Ed25519 signature of the reference (domain-separated). Ed25519 is
/// deterministic, so the server that issued a reference computes the same
/// code again; without the secret key no one makes a reference it
/// accepts, so references cannot be guessed or enumerated.
pub fn reference_check(key: &AuditKey, reference: &str) -> [u8; REFERENCE_CHECK_LEN] {
    let mut message = b"registre document reference v1\n".to_vec();
    message.extend_from_slice(reference.as_bytes());
    let signature = key.sign_message(&message);
    let mut check = [0; REFERENCE_CHECK_LEN];
    check.copy_from_slice(&signature[..REFERENCE_CHECK_LEN]);
    check
}

/// The bundle's format name, checked on reading.
pub const STATED_RECORDS_FORMAT: &str = "registre-stated-records/1";

/// The records a document states, their proofs and the head they lead to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatedRecords {
    pub format: String,
    /// The document's reference (`PV-812-1600`).
    pub reference: String,
    /// The head signed at the position the document was made at.
    pub tree_head: SignedTreeHead,
    pub records: Vec<StatedRecord>,
}

/// One stated event and its inclusion proof in the head's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatedRecord {
    /// The event as its canonical JSON object.
    pub event: Value,
    /// Sibling hashes from the leaf up, lowercase hex (RFC 9162).
    pub proof: Vec<String>,
}

/// Why a document's records do not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatedRecordsError {
    #[error("the records cannot be read: {0}")]
    Malformed(String),
    #[error("the tree head: {0}")]
    Head(#[from] SthError),
    #[error("record {index}: {error}")]
    NotCanonical { index: usize, error: CanonicalError },
    #[error("record {index} (position {position}) is beyond the signed tree of {tree_size} events")]
    BeyondHead {
        index: usize,
        position: u64,
        tree_size: u64,
    },
    #[error(
        "record {index} (position {position}) does not lead to the signed root: it was altered"
    )]
    NotIncluded { index: usize, position: u64 },
}

/// The positions of the records that checked, in the bundle's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRecords {
    pub reference: String,
    pub tree_size: u64,
    pub positions: Vec<u64>,
}

impl StatedRecords {
    pub fn from_json(bytes: &[u8]) -> Result<Self, StatedRecordsError> {
        let records: StatedRecords = serde_json::from_slice(bytes)
            .map_err(|e| StatedRecordsError::Malformed(e.to_string()))?;
        if records.format != STATED_RECORDS_FORMAT {
            return Err(StatedRecordsError::Malformed(format!(
                "format {:?}, expected {STATED_RECORDS_FORMAT:?}",
                records.format
            )));
        }
        Ok(records)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("stated records always serialize")
    }

    /// Checks the head with `key`, then each record against its root.
    pub fn verify(&self, key: &AuditPublicKey) -> Result<VerifiedRecords, StatedRecordsError> {
        let head = &self.tree_head;
        head.verify(key)?;
        let mut positions = Vec::with_capacity(self.records.len());
        for (index, record) in self.records.iter().enumerate() {
            let event = event_from_canonical_value(&record.event)
                .map_err(|error| StatedRecordsError::NotCanonical { index, error })?;
            let position = event.position;
            let not_included = StatedRecordsError::NotIncluded { index, position };
            if position == 0 || position > head.tree_size {
                return Err(StatedRecordsError::BeyondHead {
                    index,
                    position,
                    tree_size: head.tree_size,
                });
            }
            let proof = record
                .proof
                .iter()
                .map(|h| parse_hash(h))
                .collect::<Option<Vec<Hash>>>()
                .ok_or_else(|| not_included.clone())?;
            let leaf = leaf_hash(
                &canonical_bytes(&event)
                    .map_err(|error| StatedRecordsError::NotCanonical { index, error })?,
            );
            verify_inclusion(position - 1, head.tree_size, &leaf, &proof, &head.root_hash)
                .map_err(|_| not_included)?;
            positions.push(position);
        }
        Ok(VerifiedRecords {
            reference: self.reference.clone(),
            tree_size: head.tree_size,
            positions,
        })
    }
}

fn parse_hash(text: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    (hex::encode(out) == text).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MerkleTree;
    use crate::sth::AuditKey;
    use registre_schema::RecordedEvent;

    fn event(position: u64) -> RecordedEvent {
        serde_json::from_value(serde_json::json!({
            "position": position, "id": uuid::Uuid::from_u128(position as u128),
            "stream_id": "member-00000000-0000-0000-0000-000000000001", "revision": position - 1,
            "event_type": "MemberAdmitted", "schema_version": 1,
            "occurred_at": "2025-01-01T00:00:00Z", "recorded_at": "2025-01-01T00:00:00Z",
            "actor": {"id": "secretariat", "role": "secretariat"},
            "command_id": uuid::Uuid::from_u128(1000 + position as u128),
            "correlation_id": uuid::Uuid::from_u128(2000 + position as u128),
            "causation_id": null, "payload": {"n": position}
        }))
        .unwrap()
    }

    fn bundle(key: &AuditKey, stated: &[u64]) -> StatedRecords {
        let events: Vec<RecordedEvent> = (1..=5).map(event).collect();
        let tree = MerkleTree::from_leaves(
            events
                .iter()
                .map(|e| leaf_hash(&canonical_bytes(e).unwrap())),
        );
        let head = key.sign(5, tree.root(), chrono::Utc::now());
        StatedRecords {
            format: STATED_RECORDS_FORMAT.into(),
            reference: "RECU-2-5".into(),
            tree_head: head,
            records: stated
                .iter()
                .map(|&p| StatedRecord {
                    event: serde_json::from_slice(
                        &canonical_bytes(&events[p as usize - 1]).unwrap(),
                    )
                    .unwrap(),
                    proof: tree
                        .inclusion_proof(p - 1, 5)
                        .unwrap()
                        .iter()
                        .map(hex::encode)
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn given_records_and_their_proofs_when_verified_then_their_positions_are_given() {
        let key = AuditKey::from_seed([7; 32]);
        let records = bundle(&key, &[2, 5]);
        let read = StatedRecords::from_json(&records.to_json()).unwrap();
        assert_eq!(read.verify(&key.public()).unwrap().positions, vec![2, 5]);
    }

    #[test]
    fn given_an_altered_record_when_verified_then_it_is_named() {
        let key = AuditKey::from_seed([7; 32]);
        let mut records = bundle(&key, &[2, 5]);
        records.records[1].event["payload"]["n"] = serde_json::json!(6);
        assert_eq!(
            records.verify(&key.public()),
            Err(StatedRecordsError::NotIncluded {
                index: 1,
                position: 5
            })
        );
    }

    #[test]
    fn given_another_key_when_verified_then_the_head_is_refused() {
        let records = bundle(&AuditKey::from_seed([7; 32]), &[2]);
        let other = AuditKey::from_seed([8; 32]).public();
        assert!(matches!(
            records.verify(&other),
            Err(StatedRecordsError::Head(_))
        ));
    }

    #[test]
    fn given_a_record_moved_to_another_position_when_verified_then_it_fails() {
        let key = AuditKey::from_seed([7; 32]);
        let mut records = bundle(&key, &[2]);
        records.records[0].event["position"] = serde_json::json!(3);
        assert!(records.verify(&key.public()).is_err());
    }
}
