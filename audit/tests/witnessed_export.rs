//! An export whose heads witnesses cosigned: checked with the log's key
//! and the witnesses' keys alone.

use chrono::{DateTime, Utc};
use registre_audit::{
    AuditKey, Checkpoint, ExportError, MerkleTree, WitnessKey, WitnessPublicKey, cosignature_line,
    event_leaf_hash, event_line, head_line, verify_witnessed_export,
};
use registre_schema::{Actor, RecordedEvent, Role, StreamId};
use serde_json::json;
use uuid::Uuid;

fn event(position: u64) -> RecordedEvent {
    let at = DateTime::<Utc>::from_timestamp(1_700_000_000 + position as i64, 0).unwrap();
    RecordedEvent {
        position,
        id: Uuid::from_u128(position as u128),
        stream_id: StreamId::new("commune-1").unwrap(),
        revision: position - 1,
        event_type: "DuesPaid".into(),
        schema_version: 1,
        occurred_at: at,
        recorded_at: at,
        actor: Actor {
            id: "sp-bamako".into(),
            role: Role::Secretariat,
        },
        command_id: Uuid::from_u128(position as u128),
        correlation_id: Uuid::from_u128(position as u128),
        causation_id: None,
        payload: json!({"amount_fcfa": 25_000 + position}),
    }
}

fn log_key() -> AuditKey {
    AuditKey::from_seed([7; 32])
}

fn ministry() -> WitnessKey {
    WitnessKey::from_seed("ministere.example/temoin", [9; 32]).unwrap()
}

fn partner() -> WitnessKey {
    WitnessKey::from_seed("partenaire.example/temoin", [10; 32]).unwrap()
}

/// Six events, heads at 3 and 6; `cosign` says which witness cosigns
/// which head.
fn export(cosign: &[(&WitnessKey, u64)]) -> Vec<String> {
    let events: Vec<RecordedEvent> = (1..=6).map(event).collect();
    let tree = MerkleTree::from_leaves(events.iter().map(|e| event_leaf_hash(e).unwrap()));
    let mut lines = Vec::new();
    for e in &events {
        lines.push(event_line(e).unwrap());
        if e.position % 3 == 0 {
            let at = DateTime::<Utc>::from_timestamp(1_700_001_000, 0).unwrap();
            let head = log_key().sign(e.position, tree.root_at(e.position).unwrap(), at);
            lines.push(head_line(&head));
            let checkpoint = Checkpoint::of_head(&head, &log_key().public());
            for (witness, _) in cosign.iter().filter(|(_, size)| *size == e.position) {
                let cosignature = witness.cosign(&checkpoint, 1_700_002_000);
                lines.push(cosignature_line(e.position, &cosignature));
            }
        }
    }
    lines
}

fn check(
    lines: &[String],
    witnesses: &[WitnessPublicKey],
) -> Result<Vec<(String, u64)>, ExportError> {
    verify_witnessed_export(lines, &log_key().public(), witnesses)
        .map(|(_, w)| w.into_iter().map(|w| (w.witness, w.tree_size)).collect())
}

#[test]
fn each_required_witness_is_reported_with_the_largest_head_it_cosigned() {
    // given an export whose heads the ministry cosigned at 3 and 6 and the partner at 3
    let lines = export(&[(&ministry(), 3), (&ministry(), 6), (&partner(), 3)]);
    // when it is checked requiring both witnesses
    let witnessed = check(&lines, &[ministry().public(), partner().public()]).unwrap();
    // then each is named with the largest head it saw
    assert_eq!(
        witnessed,
        vec![
            ("ministere.example/temoin".to_string(), 6),
            ("partenaire.example/temoin".to_string(), 3)
        ]
    );
    // and the export stays sealed with cosignatures after its last head
    assert!(lines.last().unwrap().contains("\"type\":\"cosignature\""));
}

#[test]
fn a_required_witness_without_a_cosignature_is_refused() {
    let lines = export(&[(&ministry(), 6)]);
    assert_eq!(
        check(&lines, &[partner().public()]),
        Err(ExportError::NotWitnessed {
            witness: "partenaire.example/temoin".into()
        })
    );
    // nobody required: the cosignatures are not needed
    assert_eq!(check(&lines, &[]), Ok(vec![]));
}

#[test]
fn a_cosignature_moved_to_another_head_or_forged_is_refused_with_its_line() {
    // given the ministry's cosignature of head 3 moved under head 6
    let honest = export(&[(&ministry(), 3)]);
    let mut moved = export(&[]);
    let cosig = honest[4].replace("\"tree_size\":3", "\"tree_size\":6");
    moved.push(cosig);
    let refused = check(&moved, &[ministry().public()]);
    assert!(
        matches!(refused, Err(ExportError::Cosignature { line: 9, .. })),
        "{refused:?}"
    );
    // given a cosignature made by another key under the ministry's name
    let impostor = WitnessKey::from_seed("ministere.example/temoin", [11; 32]).unwrap();
    let forged = export(&[(&impostor, 6)]);
    // then it does not count for the ministry
    assert!(matches!(
        check(&forged, &[ministry().public()]),
        Err(ExportError::NotWitnessed { .. })
    ));
}

#[test]
fn a_cosignature_not_after_its_head_is_malformed() {
    let mut lines = export(&[(&ministry(), 3)]);
    let cosig = lines.remove(4);
    lines.insert(1, cosig);
    assert!(matches!(
        check(&lines, &[ministry().public()]),
        Err(ExportError::Malformed { line: 2, .. })
    ));
}
