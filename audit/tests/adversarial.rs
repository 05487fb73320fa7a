//! The attacks of issue 5, each tried as an attacker would and each
//! expected to be reported precisely: the exact finding and position.

use chrono::{DateTime, Utc};
use registre_audit::{
    AuditKey, ExportError, Finding, Hash, MerkleTree, ProofError, SignedTreeHead, canonical_bytes,
    empty_root, event_leaf_hash, event_line, head_line, leaf_hash, verify_consistency,
    verify_export, verify_inclusion, verify_log,
};
use registre_schema::{Actor, RecordedEvent, Role, StreamId};
use serde_json::json;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// A small honest log: 10 events, a leaf record and heads at sizes 4 and 10.

fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap()
}

fn event(position: u64) -> RecordedEvent {
    RecordedEvent {
        position,
        id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0000 + position as u128),
        stream_id: StreamId::new(format!("commune-{}", position % 3)).unwrap(),
        revision: position / 3,
        event_type: "DuesPaid".into(),
        schema_version: 1,
        occurred_at: at(1_700_000_000_000_000 + position as i64),
        recorded_at: at(1_700_000_100_000_000 + position as i64 * 1_000),
        actor: Actor {
            id: "sp-bamako".into(),
            role: Role::Secretariat,
        },
        command_id: Uuid::from_u128(position as u128),
        correlation_id: Uuid::from_u128(position as u128),
        causation_id: None,
        payload: json!({"commune": "Ségou", "amount_fcfa": 25_000 + position, "year": 2024}),
    }
}

fn log(n: u64) -> Vec<RecordedEvent> {
    (1..=n).map(event).collect()
}

fn key() -> AuditKey {
    AuditKey::from_seed([7; 32])
}

fn other_key() -> AuditKey {
    AuditKey::from_seed([8; 32])
}

fn record(events: &[RecordedEvent]) -> Vec<Hash> {
    events.iter().map(|e| event_leaf_hash(e).unwrap()).collect()
}

fn heads(events: &[RecordedEvent], sizes: &[u64], signer: &AuditKey) -> Vec<SignedTreeHead> {
    let tree = MerkleTree::from_leaves(record(events));
    sizes
        .iter()
        .map(|&s| {
            signer.sign(
                s,
                tree.root_at(s).unwrap(),
                at(1_700_000_200_000_000 + s as i64),
            )
        })
        .collect()
}

/// The honest log, its record and heads, then `tamper` applied to the
/// events only; verified with the record.
fn check_with_record(tamper: impl FnOnce(&mut Vec<RecordedEvent>)) -> Result<u64, Finding> {
    let honest = log(10);
    let rec = record(&honest);
    let hs = heads(&honest, &[4, 10], &key());
    let mut events = honest;
    tamper(&mut events);
    verify_log(events, Some(rec), hs, &key().public()).map(|v| v.size)
}

/// The same without a leaf record: only the signed heads can tell.
fn check_without_record(tamper: impl FnOnce(&mut Vec<RecordedEvent>)) -> Result<u64, Finding> {
    let honest = log(10);
    let hs = heads(&honest, &[4, 10], &key());
    let mut events = honest;
    tamper(&mut events);
    verify_log(events, None, hs, &key().public()).map(|v| v.size)
}

fn renumber(events: &mut [RecordedEvent]) {
    for (i, e) in events.iter_mut().enumerate() {
        e.position = i as u64 + 1;
    }
}

// ---------------------------------------------------------------------------
// The honest case.

#[test]
fn given_an_honest_log_when_verified_then_it_passes_with_its_size_root_and_latest_head() {
    let events = log(10);
    let rec = record(&events);
    let hs = heads(&events, &[10, 4], &key());
    let v = verify_log(events.clone(), Some(rec.clone()), hs, &key().public()).unwrap();
    assert_eq!(v.size, 10);
    assert_eq!(v.root, MerkleTree::from_leaves(rec).root());
    assert_eq!(v.heads_checked, 2);
    assert_eq!(v.signed_size, 10);
    assert_eq!(v.latest_head.unwrap().tree_size, 10);
    // Without a record too.
    let hs = heads(&events, &[4, 10], &key());
    assert_eq!(
        verify_log(events, None, hs, &key().public()).unwrap().size,
        10
    );
}

#[test]
fn given_an_empty_log_then_only_the_empty_root_is_accepted() {
    let v = verify_log(Vec::new(), Some(Vec::new()), Vec::new(), &key().public()).unwrap();
    assert_eq!((v.size, v.root), (0, empty_root()));
    let empty_head = key().sign(0, empty_root(), at(0));
    verify_log(Vec::new(), None, vec![empty_head], &key().public()).unwrap();
    let wrong = key().sign(0, [1; 32], at(0));
    assert_eq!(
        verify_log(Vec::new(), None, vec![wrong], &key().public()).unwrap_err(),
        Finding::HeadRootMismatch {
            tree_size: 0,
            intact_up_to: 0
        }
    );
}

#[test]
fn events_after_the_last_head_are_checked_against_the_record() {
    let honest = log(12);
    let rec = record(&honest);
    let hs = heads(&honest, &[4, 10], &key());
    let v = verify_log(
        honest.clone(),
        Some(rec.clone()),
        hs.clone(),
        &key().public(),
    )
    .unwrap();
    assert_eq!((v.size, v.signed_size), (12, 10));
    let mut events = honest;
    events[10].payload["amount_fcfa"] = json!(1);
    assert_eq!(
        verify_log(events, Some(rec), hs, &key().public()).unwrap_err(),
        Finding::Altered { position: 11 }
    );
}

// ---------------------------------------------------------------------------
// A byte changed in one payload.

#[test]
fn a_byte_changed_in_one_payload_names_the_event() {
    let tamper = |e: &mut Vec<RecordedEvent>| {
        e[5].payload["commune"] = json!("Ségoa");
    };
    assert_eq!(
        check_with_record(tamper),
        Err(Finding::Altered { position: 6 })
    );
    // Without the record, the signed heads bound it: events 1-4 are intact.
    assert_eq!(
        check_without_record(tamper),
        Err(Finding::HeadRootMismatch {
            tree_size: 10,
            intact_up_to: 4
        })
    );
    assert_eq!(
        check_without_record(|e| e[0].payload["year"] = json!(2025)),
        Err(Finding::HeadRootMismatch {
            tree_size: 4,
            intact_up_to: 0
        })
    );
}

#[test]
fn a_change_in_any_envelope_field_is_an_alteration() {
    type Tamper = fn(&mut RecordedEvent);
    let tampers: [Tamper; 6] = [
        |e| e.actor.id = "intrus".into(),
        |e| e.actor.role = Role::System,
        |e| e.recorded_at = at(e.recorded_at.timestamp_micros() + 1),
        |e| e.event_type = "DuesRefunded".into(),
        |e| e.causation_id = Some(Uuid::nil()),
        |e| e.revision += 1,
    ];
    for t in tampers {
        assert_eq!(
            check_with_record(|e| t(&mut e[2])),
            Err(Finding::Altered { position: 3 })
        );
    }
}

#[test]
fn the_first_altered_event_is_named_when_several_are() {
    assert_eq!(
        check_with_record(|e| {
            e[8].payload["year"] = json!(1);
            e[3].payload["year"] = json!(1);
        }),
        Err(Finding::Altered { position: 4 })
    );
}

// ---------------------------------------------------------------------------
// An event deleted.

#[test]
fn a_deleted_event_leaves_a_gap_that_is_named() {
    assert_eq!(
        check_with_record(|e| {
            e.remove(4);
        }),
        Err(Finding::Missing { position: 5 })
    );
    assert_eq!(
        check_without_record(|e| {
            e.remove(4);
        }),
        Err(Finding::Missing { position: 5 })
    );
    assert_eq!(
        check_with_record(|e| {
            e.remove(0);
        }),
        Err(Finding::Missing { position: 1 })
    );
}

#[test]
fn a_deleted_event_is_named_even_when_later_positions_were_renumbered() {
    assert_eq!(
        check_with_record(|e| {
            e.remove(4);
            renumber(e);
        }),
        Err(Finding::Missing { position: 5 })
    );
}

// ---------------------------------------------------------------------------
// Two events swapped.

#[test]
fn two_swapped_events_are_named() {
    // Contents exchanged, positions left in place (an edit of the store).
    assert_eq!(
        check_with_record(|e| {
            e.swap(4, 5);
            renumber(e);
        }),
        Err(Finding::Reordered {
            position: 5,
            with: 6
        })
    );
    // Lines exchanged with their positions (an edited export or dump).
    assert_eq!(
        check_with_record(|e| e.swap(4, 5)),
        Err(Finding::Reordered {
            position: 5,
            with: 6
        })
    );
    assert_eq!(
        check_without_record(|e| e.swap(4, 5)),
        Err(Finding::Reordered {
            position: 5,
            with: 6
        })
    );
    // Without a record, exchanged contents are only bounded by the heads.
    assert_eq!(
        check_without_record(|e| {
            e.swap(4, 5);
            renumber(e);
        }),
        Err(Finding::HeadRootMismatch {
            tree_size: 10,
            intact_up_to: 4
        })
    );
}

#[test]
fn a_distant_swap_names_its_first_position() {
    assert_eq!(
        check_with_record(|e| {
            e.swap(2, 7);
            renumber(e);
        }),
        Err(Finding::Altered { position: 3 })
    );
}

// ---------------------------------------------------------------------------
// The log truncated.

#[test]
fn a_truncated_log_is_reported_with_both_sizes() {
    assert_eq!(
        check_with_record(|e| e.truncate(7)),
        Err(Finding::Truncated {
            log_size: 7,
            expected_size: 10
        })
    );
    assert_eq!(
        check_without_record(|e| e.truncate(7)),
        Err(Finding::Truncated {
            log_size: 7,
            expected_size: 10
        })
    );
    assert_eq!(
        check_without_record(|e| e.clear()),
        Err(Finding::Truncated {
            log_size: 0,
            expected_size: 10
        })
    );
}

#[test]
fn a_log_shorter_than_its_record_is_truncated_even_past_the_last_head() {
    let honest = log(12);
    let rec = record(&honest);
    let hs = heads(&honest, &[10], &key());
    let mut events = honest;
    events.truncate(11);
    assert_eq!(
        verify_log(events, Some(rec), hs, &key().public()).unwrap_err(),
        Finding::Truncated {
            log_size: 11,
            expected_size: 12
        }
    );
}

// ---------------------------------------------------------------------------
// An event inserted in the middle.

#[test]
fn an_inserted_event_is_named() {
    let intruder = |position| {
        let mut e = event(position);
        e.id = Uuid::from_u128(0xdead);
        e.payload = json!({"commune": "Fictive", "amount_fcfa": 1});
        e
    };
    // Later positions shifted to make room.
    assert_eq!(
        check_with_record(|e| {
            e.insert(4, intruder(5));
            renumber(e);
        }),
        Err(Finding::Inserted { position: 5 })
    );
    // Slipped in under an existing position.
    assert_eq!(
        check_with_record(|e| e.insert(5, intruder(5))),
        Err(Finding::Inserted { position: 5 })
    );
    assert_eq!(
        check_without_record(|e| e.insert(5, intruder(5))),
        Err(Finding::Inserted { position: 5 })
    );
    // Without a record, a shifted log is bounded by the heads.
    assert_eq!(
        check_without_record(|e| {
            e.insert(4, intruder(5));
            renumber(e);
        }),
        Err(Finding::HeadRootMismatch {
            tree_size: 10,
            intact_up_to: 4
        })
    );
}

#[test]
fn events_read_back_out_of_order_are_refused() {
    assert_eq!(
        check_with_record(|e| {
            let moved = e.remove(1);
            e.insert(6, moved);
        }),
        Err(Finding::Missing { position: 2 })
    );
    assert_eq!(
        check_without_record(|e| {
            let moved = e.remove(6);
            e.insert(3, moved);
        }),
        Err(Finding::Reordered {
            position: 4,
            with: 7
        })
    );
    assert_eq!(
        check_without_record(|e| e.insert(6, event(2))),
        Err(Finding::OutOfOrder {
            position: 2,
            previous: 6
        })
    );
}

// ---------------------------------------------------------------------------
// Tree heads: another key, a modified size or root with the old signature.

#[test]
fn a_head_signed_by_another_key_is_refused() {
    let events = log(10);
    let mut hs = heads(&events, &[4], &key());
    hs.extend(heads(&events, &[10], &other_key()));
    assert_eq!(
        verify_log(events.clone(), None, hs, &key().public()).unwrap_err(),
        Finding::WrongKey {
            tree_size: 10,
            found: other_key().public().key_id()
        }
    );
    // The other key claiming the expected key's id.
    let mut forged = heads(&events, &[10], &other_key());
    forged[0].key_id = key().public().key_id();
    assert_eq!(
        verify_log(events, None, forged, &key().public()).unwrap_err(),
        Finding::BadSignature { tree_size: 10 }
    );
}

#[test]
fn a_head_with_a_modified_size_or_root_under_the_old_signature_is_refused() {
    let events = log(10);
    let honest = heads(&events, &[4, 10], &key());
    let mut bigger = honest.clone();
    bigger[1].tree_size = 9;
    assert_eq!(
        verify_log(events.clone(), None, bigger, &key().public()).unwrap_err(),
        Finding::BadSignature { tree_size: 9 }
    );
    // An attacker who changed event 6 recomputes the root to match.
    let mut altered = events.clone();
    altered[5].payload["year"] = json!(1999);
    let mut rerooted = honest;
    rerooted[1].root_hash = MerkleTree::from_leaves(record(&altered)).root();
    assert_eq!(
        verify_log(altered, None, rerooted, &key().public()).unwrap_err(),
        Finding::BadSignature { tree_size: 10 }
    );
}

// ---------------------------------------------------------------------------
// The leaf record itself attacked.

#[test]
fn an_altered_leaf_record_is_reported_and_not_trusted() {
    let events = log(10);
    let hs = heads(&events, &[4, 10], &key());
    // Only the record changed: the events are fine and the heads say so.
    let mut rec = record(&events);
    rec[6][0] ^= 1;
    assert_eq!(
        verify_log(events.clone(), Some(rec), hs.clone(), &key().public()).unwrap_err(),
        Finding::LeafRecordMismatch { tree_size: 10 }
    );
    // Event and record changed together: the heads still catch it.
    let mut altered = events;
    altered[6].payload["year"] = json!(1);
    let rec = record(&altered);
    assert_eq!(
        verify_log(altered, Some(rec), hs, &key().public()).unwrap_err(),
        Finding::HeadRootMismatch {
            tree_size: 10,
            intact_up_to: 4
        }
    );
}

#[test]
fn a_leaf_record_cut_short_of_a_signed_head_is_reported() {
    let events = log(10);
    let hs = heads(&events, &[4, 10], &key());
    // Cut to nothing, to half, and to one leaf short of the last head:
    // the log is intact, but the record lost leaves a head was signed on.
    for kept in [0, 5, 9] {
        let rec = record(&events)[..kept].to_vec();
        assert_eq!(
            verify_log(events.clone(), Some(rec), hs.clone(), &key().public()).unwrap_err(),
            Finding::LeafRecordCutShort {
                recorded: kept as u64,
                tree_size: if kept < 4 { 4 } else { 10 },
            }
        );
    }
    // A record longer than the heads is the unsigned tail: not a finding.
    let hs = heads(&events, &[4], &key());
    assert!(verify_log(events.clone(), Some(record(&events)), hs, &key().public()).is_ok());
}

#[test]
fn an_event_without_canonical_form_is_reported() {
    assert!(matches!(
        check_with_record(|e| e[3].payload["amount_fcfa"] = json!(1.5)),
        Err(Finding::Unhashable { position: 4, .. })
    ));
}

#[test]
fn given_events_of_years_past_rfc_3339_when_verified_then_the_untouched_log_passes() {
    // Given a log into which an older build let years 10000 and -1.
    let mut events = log(10);
    events[3].occurred_at = "+10000-01-01T00:00:00Z".parse().unwrap();
    events[6].occurred_at = "-0001-01-01T00:00:00Z".parse().unwrap();
    let rec = record(&events);
    let hs = heads(&events, &[4, 10], &key());
    // When verified untouched, then it passes; altered, it is named.
    assert_eq!(
        verify_log(
            events.clone(),
            Some(rec.clone()),
            hs.clone(),
            &key().public()
        )
        .unwrap()
        .size,
        10
    );
    events[3].occurred_at = "+10000-01-02T00:00:00Z".parse().unwrap();
    assert_eq!(
        verify_log(events, Some(rec), hs, &key().public()).unwrap_err(),
        Finding::Altered { position: 4 }
    );
}

// ---------------------------------------------------------------------------
// Forged inclusion proofs.

fn tree(n: u64) -> MerkleTree {
    MerkleTree::from_leaves((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
}

#[test]
fn forged_inclusion_proofs_are_refused_for_every_leaf_of_small_trees() {
    let big = tree(33);
    for n in 1..=33u64 {
        let root = big.root_at(n).unwrap();
        for i in 0..n {
            let leaf = big.leaf(i).unwrap();
            let proof = big.inclusion_proof(i, n).unwrap();
            verify_inclusion(i, n, &leaf, &proof, &root).unwrap();

            // Wrong index.
            for j in [i.wrapping_sub(1), i + 1, i ^ 2, n, u64::MAX] {
                if j != i {
                    assert!(
                        verify_inclusion(j, n, &leaf, &proof, &root).is_err(),
                        "{i}->{j}/{n}"
                    );
                }
            }
            // Another leaf, or the root, as the leaf.
            for other in [big.leaf((i + 1) % 33).unwrap(), root, [0; 32]] {
                if other != leaf {
                    assert!(verify_inclusion(i, n, &other, &proof, &root).is_err());
                }
            }
            // Each sibling with one bit flipped.
            for k in 0..proof.len() {
                for bit in [0, 7] {
                    let mut forged = proof.clone();
                    forged[k][k % 32] ^= 1 << bit;
                    assert_eq!(
                        verify_inclusion(i, n, &leaf, &forged, &root),
                        Err(ProofError::RootMismatch)
                    );
                }
            }
            // A missing element, an extra one, one added in front.
            if !proof.is_empty() {
                assert_eq!(
                    verify_inclusion(i, n, &leaf, &proof[..proof.len() - 1], &root),
                    Err(ProofError::WrongProofLength)
                );
                assert_eq!(
                    verify_inclusion(i, n, &leaf, &proof[1..], &root),
                    Err(ProofError::WrongProofLength)
                );
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert_eq!(
                verify_inclusion(i, n, &leaf, &longer, &root),
                Err(ProofError::WrongProofLength)
            );
            let mut front = vec![leaf];
            front.extend(proof.iter().copied());
            assert_eq!(
                verify_inclusion(i, n, &leaf, &front, &root),
                Err(ProofError::WrongProofLength)
            );
            // The proof of another tree size, against this head.
            for m in [i + 1, n - 1, n + 1, 2 * n] {
                if m == n || m <= i || m > 33 {
                    continue;
                }
                let other = big.inclusion_proof(i, m).unwrap();
                if big.root_at(m).unwrap() != root {
                    assert!(verify_inclusion(i, n, &leaf, &other, &root).is_err());
                    assert!(verify_inclusion(i, m, &leaf, &other, &root).is_err());
                }
            }
        }
    }
}

#[test]
fn inclusion_edge_cases_are_refused() {
    let t = tree(8);
    let leaf = t.leaf(0).unwrap();
    // Size 0 has no leaves.
    assert_eq!(
        verify_inclusion(0, 0, &leaf, &[], &empty_root()),
        Err(ProofError::IndexBeyondSize {
            index: 0,
            tree_size: 0
        })
    );
    // Size 1: the root is the leaf and the proof is empty.
    verify_inclusion(0, 1, &leaf, &[], &leaf).unwrap();
    assert_eq!(
        verify_inclusion(0, 1, &leaf, &[leaf], &leaf),
        Err(ProofError::WrongProofLength)
    );
    assert_eq!(
        verify_inclusion(0, 1, &leaf, &[], &t.leaf(1).unwrap()),
        Err(ProofError::RootMismatch)
    );
    // A power of two: the last leaf's proof, then one too short.
    let proof = t.inclusion_proof(7, 8).unwrap();
    verify_inclusion(7, 8, &t.leaf(7).unwrap(), &proof, &t.root()).unwrap();
    assert_eq!(
        verify_inclusion(7, 8, &t.leaf(7).unwrap(), &proof[..2], &t.root()),
        Err(ProofError::WrongProofLength)
    );
    // Absurd lengths are refused before any hashing.
    assert_eq!(
        verify_inclusion(0, u64::MAX, &leaf, &vec![leaf; 65], &leaf),
        Err(ProofError::ProofTooLong { len: 65 })
    );
}

// ---------------------------------------------------------------------------
// Forged consistency proofs.

#[test]
fn a_consistency_proof_between_unrelated_trees_is_refused() {
    let a = tree(20);
    let b = MerkleTree::from_leaves((0..20u64).map(|i| leaf_hash(&(i + 1000).to_be_bytes())));
    for n in 1..=20 {
        for m in 1..n {
            let proof = a.consistency_proof(m, n).unwrap();
            verify_consistency(m, n, &a.root_at(m).unwrap(), &a.root_at(n).unwrap(), &proof)
                .unwrap();
            // A's proof between B's heads, and mixed heads.
            for (r1, r2) in [
                (b.root_at(m).unwrap(), b.root_at(n).unwrap()),
                (a.root_at(m).unwrap(), b.root_at(n).unwrap()),
                (b.root_at(m).unwrap(), a.root_at(n).unwrap()),
            ] {
                assert!(
                    verify_consistency(m, n, &r1, &r2, &proof).is_err(),
                    "{m}->{n}"
                );
            }
            // B's own proof does not join A's old head to B's new one.
            let bp = b.consistency_proof(m, n).unwrap();
            assert!(
                verify_consistency(m, n, &a.root_at(m).unwrap(), &b.root_at(n).unwrap(), &bp)
                    .is_err()
            );
        }
    }
}

#[test]
fn forged_consistency_proofs_are_refused() {
    let t = tree(33);
    for n in 2..=33u64 {
        let r2 = t.root_at(n).unwrap();
        for m in 1..n {
            let r1 = t.root_at(m).unwrap();
            let proof = t.consistency_proof(m, n).unwrap();
            for k in 0..proof.len() {
                let mut forged = proof.clone();
                forged[k][31 - k % 32] ^= 0x10;
                assert!(verify_consistency(m, n, &r1, &r2, &forged).is_err());
            }
            assert!(verify_consistency(m, n, &r1, &r2, &proof[..proof.len() - 1]).is_err());
            let mut longer = proof.clone();
            longer.push(r2);
            assert!(verify_consistency(m, n, &r1, &r2, &longer).is_err());
            let mut front = vec![r1];
            front.extend(proof.iter().copied());
            assert!(verify_consistency(m, n, &r1, &r2, &front).is_err());
            assert!(verify_consistency(m, n, &r2, &r1, &proof).is_err());
            for (m2, n2) in [(m - 1, n), (m + 1, n), (m, n + 1), (m, n - 1), (m, 2 * n)] {
                if (m2, n2) != (m, n) && m2 >= 1 && m2 < n2 && n2 <= 33 {
                    let wrong = t.consistency_proof(m2, n2).unwrap();
                    if wrong != proof {
                        assert!(verify_consistency(m, n, &r1, &r2, &wrong).is_err());
                    }
                }
            }
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let t = tree(8);
    let root = t.root();
    // m = 0: only an empty proof from the empty tree.
    verify_consistency(0, 8, &empty_root(), &root, &[]).unwrap();
    assert_eq!(
        verify_consistency(0, 8, &empty_root(), &root, &[root]),
        Err(ProofError::ProofNotEmpty)
    );
    assert_eq!(
        verify_consistency(0, 8, &root, &root, &[]),
        Err(ProofError::NotEmptyTreeRoot)
    );
    verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
    // m = n: equal roots and an empty proof.
    verify_consistency(8, 8, &root, &root, &[]).unwrap();
    assert_eq!(
        verify_consistency(8, 8, &root, &t.root_at(7).unwrap(), &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(8, 8, &root, &root, &[root]),
        Err(ProofError::ProofNotEmpty)
    );
    // m > n, an empty proof where one is needed, absurd lengths.
    assert_eq!(
        verify_consistency(5, 4, &root, &root, &[]),
        Err(ProofError::SizesReversed {
            first: 5,
            second: 4
        })
    );
    assert_eq!(
        verify_consistency(4, 8, &t.root_at(4).unwrap(), &root, &[]),
        Err(ProofError::EmptyProof)
    );
    assert_eq!(
        verify_consistency(3, 8, &root, &root, &vec![root; 65]),
        Err(ProofError::ProofTooLong { len: 65 })
    );
    // Powers of two at both ends.
    let proof = t.consistency_proof(4, 8).unwrap();
    assert_eq!(proof.len(), 1);
    verify_consistency(4, 8, &t.root_at(4).unwrap(), &root, &proof).unwrap();
    // A power-of-two first root is part of the proof: a wrong one shows in
    // the second root.
    assert_eq!(
        verify_consistency(4, 8, &t.root_at(3).unwrap(), &root, &proof),
        Err(ProofError::RootMismatch)
    );
    let proof = t.consistency_proof(3, 8).unwrap();
    assert_eq!(
        verify_consistency(3, 8, &t.root_at(2).unwrap(), &root, &proof),
        Err(ProofError::FirstRootMismatch)
    );
}

// ---------------------------------------------------------------------------
// Exports.

fn export(n: u64, head_sizes: &[u64]) -> Vec<String> {
    let events = log(n);
    let hs = heads(&events, head_sizes, &key());
    let mut lines = Vec::new();
    for e in &events {
        lines.push(event_line(e).unwrap());
        for h in hs.iter().filter(|h| h.tree_size == e.position) {
            lines.push(head_line(h));
        }
    }
    lines
}

fn check_export(lines: &[String]) -> Result<u64, ExportError> {
    verify_export(lines, &key().public()).map(|v| v.size)
}

#[test]
fn an_honest_export_verifies_with_nothing_but_the_public_key() {
    let lines = export(10, &[4, 10]);
    assert_eq!(lines.len(), 12);
    let text = lines.join("\n") + "\n";
    let public = registre_audit::AuditPublicKey::from_text(&key().public().to_text()).unwrap();
    let v = verify_export(text.lines(), &public).unwrap();
    assert_eq!((v.size, v.signed_size, v.heads_checked), (10, 10, 2));
    // The event member is the canonical bytes themselves.
    assert!(lines[0].starts_with(&format!(
        "{{\"event\":{}",
        String::from_utf8(canonical_bytes(&event(1)).unwrap()).unwrap()
    )));
    assert!(lines[4].starts_with("{\"tree_head\":{\"key_id\":"));
}

#[test]
fn an_export_with_a_byte_changed_names_the_event() {
    let mut lines = export(10, &[4, 10]);
    lines[6] = lines[6].replacen("Ségou", "Ségoa", 1); // event 6 (after head 4)
    assert_eq!(
        check_export(&lines),
        Err(ExportError::Tampered(Finding::Altered { position: 6 }))
    );
}

#[test]
fn an_export_with_an_event_and_its_leaf_hash_rewritten_is_caught_by_the_heads() {
    let mut lines = export(10, &[4, 10]);
    let mut forged = event(6);
    forged.payload["commune"] = json!("Ségoa");
    lines[6] = event_line(&forged).unwrap();
    assert_eq!(
        check_export(&lines),
        Err(ExportError::Tampered(Finding::HeadRootMismatch {
            tree_size: 10,
            intact_up_to: 4
        }))
    );
}

#[test]
fn an_export_whose_last_head_was_removed_is_refused() {
    let mut lines = export(10, &[4, 10]);
    lines.pop();
    assert_eq!(
        check_export(&lines),
        Err(ExportError::NotSealed {
            events: 10,
            last_head_size: Some(4)
        })
    );
    let mut only = export(10, &[10]);
    only.pop();
    assert_eq!(
        check_export(&only),
        Err(ExportError::NotSealed {
            events: 10,
            last_head_size: None
        })
    );
}

#[test]
fn an_export_with_an_event_appended_after_its_last_head_is_refused() {
    let mut lines = export(10, &[4, 10]);
    lines.push(event_line(&event(11)).unwrap());
    assert_eq!(
        check_export(&lines),
        Err(ExportError::NotSealed {
            events: 11,
            last_head_size: Some(10)
        })
    );
    // Even with a head of its own, if signed by another key.
    let mut with_head = lines.clone();
    let forged = heads(&log(11), &[11], &other_key());
    with_head.push(head_line(&forged[0]));
    assert!(matches!(
        check_export(&with_head),
        Err(ExportError::Tampered(Finding::WrongKey {
            tree_size: 11,
            ..
        }))
    ));
}

#[test]
fn an_export_with_a_line_deleted_swapped_or_cut_is_refused_precisely() {
    let mut deleted = export(10, &[4, 10]);
    deleted.remove(7); // event 7
    assert_eq!(
        check_export(&deleted),
        Err(ExportError::Tampered(Finding::Missing { position: 7 }))
    );
    let mut swapped = export(10, &[4, 10]);
    swapped.swap(7, 8); // events 7 and 8
    assert_eq!(
        check_export(&swapped),
        Err(ExportError::Tampered(Finding::Reordered {
            position: 7,
            with: 8
        }))
    );
    // Events cut before the last head, which is kept.
    let mut cut = export(10, &[4, 10]);
    cut.drain(9..11); // events 9 and 10
    assert_eq!(
        check_export(&cut),
        Err(ExportError::Tampered(Finding::Truncated {
            log_size: 8,
            expected_size: 10
        }))
    );
}

#[test]
fn an_export_with_a_line_repeated_names_both_lines() {
    // Event 7 (line 8) given again right after itself, and again at the end.
    let mut twice = export(10, &[4, 10]);
    twice.insert(8, twice[7].clone());
    assert_eq!(
        check_export(&twice),
        Err(ExportError::RepeatedEvent {
            line: 9,
            first_line: 8,
            position: 7
        })
    );
    let mut at_end = export(10, &[4, 10]);
    at_end.push(at_end[7].clone());
    assert_eq!(
        check_export(&at_end),
        Err(ExportError::RepeatedEvent {
            line: 13,
            first_line: 8,
            position: 7
        })
    );
}

#[test]
fn an_export_with_a_head_line_repeated_names_both_lines() {
    // Given the heads of sizes 4 (line 5) and 10 (line 12): the first
    // given again right after itself, the last given again at the end
    // (the export still ends with a head covering every event).
    let mut after_itself = export(10, &[4, 10]);
    after_itself.insert(5, after_itself[4].clone());
    let mut at_end = export(10, &[4, 10]);
    at_end.push(at_end[11].clone());
    // Then each is refused, naming the repeated line and the first one.
    assert_eq!(
        check_export(&after_itself),
        Err(ExportError::RepeatedHead {
            line: 6,
            first_line: 5,
            tree_size: 4
        })
    );
    assert_eq!(
        check_export(&at_end),
        Err(ExportError::RepeatedHead {
            line: 13,
            first_line: 12,
            tree_size: 10
        })
    );
}

#[test]
fn malformed_export_lines_are_refused_with_their_line_number() {
    let base = export(3, &[3]);
    let mut extra = base.clone();
    extra[1] = extra[1].replacen("{\"event\":{", "{\"event\":{\"note\":\"x\",", 1);
    assert!(matches!(
        check_export(&extra),
        Err(ExportError::Malformed { line: 2, .. })
    ));
    let mut garbage = base.clone();
    garbage.insert(1, "not json".into());
    assert!(matches!(
        check_export(&garbage),
        Err(ExportError::Malformed { line: 2, .. })
    ));
    let mut member = base.clone();
    member[0] = member[0].replacen("\"type\":\"event\"", "\"type\":\"event\",\"x\":1", 1);
    assert!(matches!(
        check_export(&member),
        Err(ExportError::Malformed { line: 1, .. })
    ));
    let mut position = base.clone();
    position[0] = position[0].replacen("\"position\":1,", "\"position\":2,", 1);
    assert!(matches!(
        check_export(&position),
        Err(ExportError::Malformed { line: 1, .. })
    ));
    let mut long = base;
    long.insert(0, "x".repeat(registre_audit::export::MAX_LINE_BYTES + 1));
    assert_eq!(
        check_export(&long),
        Err(ExportError::LineTooLong { line: 1 })
    );
    assert_eq!(
        check_export(&[]),
        Err(ExportError::NotSealed {
            events: 0,
            last_head_size: None
        })
    );
}

// ---------------------------------------------------------------------------
// Scale: run with `cargo test -p registre-audit --test adversarial -- --ignored --nocapture`.

#[test]
#[ignore = "timing: a million leaves and a 100k-event log"]
fn timing_at_scale() {
    use std::time::Instant;
    let t0 = Instant::now();
    let big = tree(1_000_000);
    let built = t0.elapsed();
    let t1 = Instant::now();
    for s in [999_999u64, 1_000_000] {
        let root = big.root_at(s).unwrap();
        let proof = big.inclusion_proof(123_457, s).unwrap();
        verify_inclusion(123_457, s, &big.leaf(123_457).unwrap(), &proof, &root).unwrap();
        let c = big.consistency_proof(654_321, s).unwrap();
        verify_consistency(654_321, s, &big.root_at(654_321).unwrap(), &root, &c).unwrap();
    }
    println!(
        "1M leaves: build {built:?}; 2 roots + 2 inclusion + 2 consistency proofs {:?}",
        t1.elapsed()
    );
    let events = log(100_000);
    let rec = record(&events);
    let hs = heads(&events, &[50_000, 100_000], &key());
    let t2 = Instant::now();
    let v = verify_log(events, Some(rec), hs, &key().public()).unwrap();
    println!("verify_log of 100k events: {:?}", t2.elapsed());
    assert_eq!(v.size, 100_000);
}
