//! The test vectors of `docs/audit-spec.md`, in `docs/audit-vectors/`, are
//! what this crate computes: every file is generated here and compared with
//! the committed one, so the specification's examples cannot drift from the
//! code. Regenerate them (and review the diff) with
//! `REGISTRE_BLESS=1 cargo test -p registre-audit --test vectors`.
//!
//! The keys are test keys whose seeds are published in `keys.json`: anyone
//! can sign with them, so nothing real may ever be signed with them.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use registre_audit::canonical::CanonicalError;
use registre_audit::checkpoint::{Checkpoint, SignedNote, log_origin, note_key_id};
use registre_audit::cosignature::{COSIGNATURE_TYPE, cosigned_message};
use registre_audit::sth::signed_bytes;
use registre_audit::{
    AuditKey, AuditPublicKey, Cosignature, ExportError, Finding, MerkleTree, NoteError,
    SignedTreeHead, WitnessKey, WitnessPublicKey, canonical_bytes, cosignature_line, event_line,
    head_line, leaf_hash, sign_checkpoint, verify_checkpoint, verify_witnessed_export,
};
use registre_schema::RecordedEvent;
use serde_json::{Value, json};

const LOG_SEED: [u8; 32] = [0x07; 32];
const OTHER_LOG_SEED: [u8; 32] = [0x05; 32];
const WITNESS_SEED: [u8; 32] = [0x09; 32];
const WITNESS_NAME: &str = "ministere.example/temoin";
const OTHER_WITNESS_NAME: &str = "partenaire.example/temoin";
const TEST_KEY_WARNING: &str = "TEST KEYS ONLY: their seeds are published here, so anyone can \
     sign with them. Never sign a real log with them, never trust a signature they make.";

fn log_key() -> AuditKey {
    AuditKey::from_seed(LOG_SEED)
}

fn witness() -> WitnessKey {
    WitnessKey::from_seed(WITNESS_NAME, WITNESS_SEED).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

// ---------------------------------------------------------------------------
// The log: 13 events, given in the form `registre log` prints (one
// RecordedEvent as JSON), written by hand with unsorted members, escapes
// the canonical form does not use, and other time zones.

/// The events that implementers get wrong, then ordinary ones.
fn event_inputs() -> Vec<(&'static str, String)> {
    let mut inputs: Vec<(&'static str, String)> = vec![
        (
            "French text: accents, cedilla, apostrophes, guillemets, no causation",
            r#"{"position": 1, "stream_id": "commune-0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c6d", "revision": 0,
 "event_type": "CommuneAdmitted", "schema_version": 1,
 "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c01",
 "occurred_at": "2024-03-01T09:30:00Z", "recorded_at": "2024-03-01T09:30:00.000123Z",
 "actor": {"role": "secretariat", "id": "sp-bamako"},
 "command_id": "0192f0c1-0000-7000-8000-000000000001",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000001", "causation_id": null,
 "payload": {"nom": "Commune de Ségou", "région": "Ségou", "président": "Aminata Traoré",
  "motif": "l'adhésion a été reçue par le secrétariat ; reçu n° 12 — « façade » d’accueil",
  "français": "ça, garçon, déjà, œuvre, Ç"}}"#
                .to_string(),
        ),
        (
            "control characters and the characters JSON escapes",
            r#"{"payload": {"texte": "ligne 1\nligne 2\tcolonne\r\u0000nul\u0001\u001f unité\u007f del \"cité\" \\ /barre/ \b\f \u2028"},
 "position": 2, "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c02", "stream_id": "commune-12",
 "revision": 1, "event_type": "MinutesAmended", "schema_version": 2,
 "occurred_at": "2024-03-02T00:00:00.5Z", "recorded_at": "2024-03-02T00:00:01Z",
 "actor": {"id": "sp-bamako", "role": "secretariat"},
 "command_id": "0192f0c1-0000-7000-8000-000000000002",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000002", "causation_id": null}"#
                .to_string(),
        ),
        (
            "nested objects with unsorted keys, empty key, non-ASCII keys sorted by UTF-8 bytes",
            r#"{"position": 3, "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c03", "stream_id": "body-cn.2024",
 "revision": 0, "event_type": "BodyConstituted", "schema_version": 1,
 "occurred_at": "2024-03-03T12:00:00.000000Z", "recorded_at": "2024-03-03T12:00:00.000001Z",
 "actor": {"id": "registre", "role": "system"},
 "command_id": "0192f0c1-0000-7000-8000-000000000003",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000003", "causation_id": null,
 "payload": {"z": {"b": 1, "a": {"d": [3, {"y": null, "x": true}], "c": false}},
  "é": {}, "e": "", "ab": 0, "a": [], "B": 2, "": "clé vide",
  "\ud83d\ude00": "U+1F600 sorts after U+FB01 in UTF-8, before it in UTF-16", "\ufb01": "ﬁ"}}"#
                .to_string(),
        ),
        (
            "large integers and negative numbers",
            r#"{"position": 4, "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c04", "stream_id": "commune-12",
 "revision": 2, "event_type": "DuesPaid", "schema_version": 1,
 "occurred_at": "2024-03-04T08:00:00Z", "recorded_at": "2024-03-04T08:00:00.250000Z",
 "actor": {"id": "sp-bamako", "role": "secretariat"},
 "command_id": "0192f0c1-0000-7000-8000-000000000004",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000004", "causation_id": null,
 "payload": {"u64_max": 18446744073709551615, "i64_min": -9223372036854775808,
  "i64_max_plus_one": 9223372036854775808, "moins_un": -1, "zero": 0,
  "montants_fcfa": [25000, -25000, 1000000000000], "vrai": true, "faux": false, "rien": null}}"#
                .to_string(),
        ),
        (
            "a causation id, another role, times in another zone and finer than a microsecond",
            r#"{"position": 5, "id": "0192F0C1-8D3E-7A4B-9C2D-1E2F3A4B5C05", "stream_id": "commune-12",
 "revision": 3, "event_type": "DuesCorrected", "schema_version": 1,
 "occurred_at": "2024-03-05T10:30:00.123456789+01:00", "recorded_at": "2024-03-05T09:30:01.999999999Z",
 "actor": {"id": "controle-interne", "role": "auditor"},
 "command_id": "0192f0c1-0000-7000-8000-000000000005",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000004",
 "causation_id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c04",
 "payload": {"corrige": 4, "raison": "erreur de saisie : 25 000 et non 250 000"}}"#
                .to_string(),
        ),
        (
            "a payload that is not an object, escaped non-ASCII in the input",
            r#"{"position": 6, "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c06", "stream_id": "token-x_1:a",
 "revision": 0, "event_type": "TokenIssued", "schema_version": 1,
 "occurred_at": "1999-12-31T23:59:59.999999Z", "recorded_at": "2024-03-06T00:00:00Z",
 "actor": {"id": "op\u00e9rateur \"nuit\"", "role": "dashboard"},
 "command_id": "0192f0c1-0000-7000-8000-000000000006",
 "correlation_id": "0192f0c1-0000-7000-8000-000000000006", "causation_id": null,
 "payload": ["d\u00e9j\u00e0", 1, [], {}, "\ud83d\ude00"]}"#
                .to_string(),
        ),
    ];
    for p in 7..=13u64 {
        inputs.push((
            "an ordinary event",
            format!(
                r#"{{"position": {p}, "id": "0192f0c1-8d3e-7a4b-9c2d-1e2f3a4b5c{p:02x}", "stream_id": "commune-{c}",
 "revision": {r}, "event_type": "DuesPaid", "schema_version": 1,
 "occurred_at": "2024-04-{p:02}T09:00:00Z", "recorded_at": "2024-04-{p:02}T09:00:00.{p:06}Z",
 "actor": {{"id": "sp-bamako", "role": "secretariat"}},
 "command_id": "0192f0c1-0000-7000-8000-0000000000{p:02x}",
 "correlation_id": "0192f0c1-0000-7000-8000-0000000000{p:02x}", "causation_id": null,
 "payload": {{"commune": "Kéniéba", "montant_fcfa": {amount}, "année": 2024}}}}"#,
                c = p % 3,
                r = p / 3,
                amount = 25_000 + p,
            ),
        ));
    }
    inputs
}

fn events() -> Vec<RecordedEvent> {
    event_inputs()
        .iter()
        .map(|(_, text)| serde_json::from_str(text).unwrap())
        .collect()
}

fn tree() -> MerkleTree {
    MerkleTree::from_leaves(
        events()
            .iter()
            .map(|e| leaf_hash(&canonical_bytes(e).unwrap())),
    )
}

fn hex_list(hashes: &[[u8; 32]]) -> Value {
    hashes.iter().map(hex::encode).collect()
}

// ---------------------------------------------------------------------------
// The files.

fn keys_json() -> Value {
    let log = log_key();
    let public = log.public();
    let w = witness().public();
    json!({
        "warning": TEST_KEY_WARNING,
        "log": {
            "seed": hex::encode(LOG_SEED),
            "secret_key_text": log.to_secret_text(),
            "public_key": hex::encode(public.as_bytes()),
            "public_key_text": public.to_text(),
            "key_id": public.key_id(),
            "checkpoint_origin": log_origin(&public),
            "note_key_id": hex::encode(note_key_id(&log_origin(&public), 0x01, public.as_bytes())),
        },
        "other_log": {
            "seed": hex::encode(OTHER_LOG_SEED),
            "public_key_text": AuditKey::from_seed(OTHER_LOG_SEED).public().to_text(),
            "key_id": AuditKey::from_seed(OTHER_LOG_SEED).public().key_id(),
        },
        "witness": {
            "name": WITNESS_NAME,
            "seed": hex::encode(WITNESS_SEED),
            "secret_key_text": witness().to_secret_text(),
            "vkey": w.to_vkey(),
            "key_id": hex::encode(w.key_id()),
            "key_id_preimage": format!(
                "{} || 0a || {:02x} || {}",
                hex::encode(WITNESS_NAME),
                COSIGNATURE_TYPE,
                hex::encode(
                    &BASE64.decode(w.to_vkey().rsplit('+').next().unwrap()).unwrap()[1..]
                )
            ),
        },
    })
}

fn canonical_json_file() -> Value {
    let valid: Vec<Value> = event_inputs()
        .iter()
        .zip(events())
        .map(|((about, input), event)| {
            let bytes = canonical_bytes(&event).unwrap();
            json!({
                "about": about,
                "input": input,
                "canonical": String::from_utf8(bytes.clone()).unwrap(),
                "canonical_hex": hex::encode(&bytes),
                "leaf_hash": hex::encode(leaf_hash(&bytes)),
            })
        })
        .collect();
    // Inputs (the `registre log` form) that parse but have no canonical form.
    let first = &event_inputs()[0].1;
    let no_form: Vec<Value> = [
        ("a fraction", r#""payload": {"montant": 1.5}"#),
        ("an integer written with a fraction", r#""payload": {"montant": 25000.0}"#),
        ("an integer written with an exponent", r#""payload": {"montant": 1e3}"#),
        ("2^64, above the largest integer", r#""payload": [18446744073709551616]"#),
        ("-2^63 - 1, below the smallest integer", r#""payload": {"a": {"b": [-9223372036854775809]}}"#),
    ]
    .iter()
    .map(|(about, payload)| {
        let start = first.find(r#""payload""#).unwrap();
        let input = format!("{}{payload}}}", &first[..start]);
        let event: RecordedEvent = serde_json::from_str(&input).unwrap();
        let Err(CanonicalError::NonIntegerNumber(n)) = canonical_bytes(&event) else {
            panic!("{about} has a canonical form");
        };
        json!({"about": about, "input": input, "verdict": "no_canonical_form", "registre": format!("a number that is not an integer ({n}) has no canonical form")})
    })
    .collect();
    json!({
        "about": "Each `input` is an event as `registre log` prints it (a RecordedEvent in JSON, \
                  members in any order, any JSON escapes, RFC 3339 times in any zone and \
                  precision). `canonical` is its canonical bytes as UTF-8 text, `canonical_hex` \
                  the same bytes in hex, `leaf_hash` SHA-256(0x00 || canonical bytes). These 13 \
                  events, in order, are the log of tree.json and export.jsonl.",
        "events": valid,
        "no_canonical_form": no_form,
    })
}

fn tree_json() -> Value {
    let tree = tree();
    let roots: Vec<Value> = [0u64, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13]
        .iter()
        .map(|&n| json!({"tree_size": n, "root": hex::encode(tree.root_at(n).unwrap())}))
        .collect();
    let inclusion: Vec<Value> = [
        (0u64, 1u64),
        (0, 2),
        (1, 3),
        (2, 3),
        (0, 8),
        (5, 8),
        (6, 7),
        (4, 13),
        (8, 13),
        (11, 13),
        (12, 13),
    ]
    .iter()
    .map(|&(i, n)| {
        json!({
            "leaf_index": i,
            "tree_size": n,
            "leaf_hash": hex::encode(tree.leaf(i).unwrap()),
            "root": hex::encode(tree.root_at(n).unwrap()),
            "proof": hex_list(&tree.inclusion_proof(i, n).unwrap()),
        })
    })
    .collect();
    let consistency: Vec<Value> = [
        (0u64, 5u64),
        (1, 2),
        (1, 8),
        (2, 5),
        (3, 7),
        (4, 8),
        (6, 8),
        (7, 13),
        (8, 13),
        (12, 13),
        (13, 13),
    ]
    .iter()
    .map(|&(m, n)| {
        json!({
            "first_size": m,
            "second_size": n,
            "first_root": hex::encode(tree.root_at(m).unwrap()),
            "second_root": hex::encode(tree.root_at(n).unwrap()),
            "proof": hex_list(&tree.consistency_proof(m, n).unwrap()),
        })
    })
    .collect();
    let t = tree.clone();
    let root = |n| hex::encode(t.root_at(n).unwrap());
    let proof = |i, n| hex_list(&t.inclusion_proof(i, n).unwrap());
    let cproof = |m, n| hex_list(&t.consistency_proof(m, n).unwrap());
    let mut bad_inclusion = proof(5, 8);
    bad_inclusion[1] = json!(root(2));
    let invalid = json!([
        {"about": "an inclusion proof with one hash replaced", "kind": "inclusion", "leaf_index": 5, "tree_size": 8,
         "leaf_hash": hex::encode(t.leaf(5).unwrap()), "root": root(8), "proof": bad_inclusion, "verdict": "root_mismatch"},
        {"about": "an inclusion proof of another leaf", "kind": "inclusion", "leaf_index": 5, "tree_size": 8,
         "leaf_hash": hex::encode(t.leaf(4).unwrap()), "root": root(8), "proof": proof(5, 8), "verdict": "root_mismatch"},
        {"about": "an inclusion proof one hash short", "kind": "inclusion", "leaf_index": 4, "tree_size": 13,
         "leaf_hash": hex::encode(t.leaf(4).unwrap()), "root": root(13),
         "proof": Value::Array(proof(4, 13).as_array().unwrap()[..3].to_vec()), "verdict": "wrong_proof_length"},
        {"about": "an inclusion proof with an index beyond the size", "kind": "inclusion", "leaf_index": 8, "tree_size": 8,
         "leaf_hash": hex::encode(t.leaf(7).unwrap()), "root": root(8), "proof": proof(7, 8), "verdict": "index_beyond_size"},
        {"about": "a consistency proof to a root of another size", "kind": "consistency", "first_size": 6, "second_size": 8,
         "first_root": root(6), "second_root": root(7), "proof": cproof(6, 8), "verdict": "root_mismatch"},
        {"about": "a consistency proof from a root of another size", "kind": "consistency", "first_size": 6, "second_size": 8,
         "first_root": root(5), "second_root": root(8), "proof": cproof(6, 8), "verdict": "first_root_mismatch"},
        {"about": "an empty consistency proof between different sizes", "kind": "consistency", "first_size": 7, "second_size": 13,
         "first_root": root(7), "second_root": root(13), "proof": [], "verdict": "empty_proof"},
        {"about": "a consistency proof from size 0 that is not empty", "kind": "consistency", "first_size": 0, "second_size": 5,
         "first_root": root(0), "second_root": root(5), "proof": [root(1)], "verdict": "proof_not_empty"},
        {"about": "sizes given the wrong way round", "kind": "consistency", "first_size": 8, "second_size": 6,
         "first_root": root(8), "second_root": root(6), "proof": cproof(6, 8), "verdict": "sizes_reversed"},
    ]);
    // The verdicts above are registre's own.
    for case in invalid.as_array().unwrap() {
        let h = |v: &Value| -> [u8; 32] {
            hex::decode(v.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        };
        let hs = |v: &Value| v.as_array().unwrap().iter().map(h).collect::<Vec<_>>();
        let n = |k: &str| case[k].as_u64().unwrap();
        let got = if case["kind"] == "inclusion" {
            registre_audit::verify_inclusion(
                n("leaf_index"),
                n("tree_size"),
                &h(&case["leaf_hash"]),
                &hs(&case["proof"]),
                &h(&case["root"]),
            )
        } else {
            registre_audit::verify_consistency(
                n("first_size"),
                n("second_size"),
                &h(&case["first_root"]),
                &h(&case["second_root"]),
                &hs(&case["proof"]),
            )
        };
        let expected = case["verdict"].as_str().unwrap();
        assert_eq!(
            got.map_err(|e| proof_verdict(&e)),
            Err(expected),
            "{}",
            case["about"]
        );
    }
    json!({
        "about": "The RFC 9162 tree over the leaf hashes of canonical.json's 13 events. Leaf \
                  indexes count from 0 (leaf i is the event at position i + 1). Proofs list \
                  hashes in the order RFC 9162 gives them (nearest the leaf first).",
        "empty_root": hex::encode(tree.root_at(0).unwrap()),
        "leaf_hashes": hex_list(&(0..13).map(|i| tree.leaf(i).unwrap()).collect::<Vec<_>>()),
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
        "invalid": invalid,
    })
}

fn proof_verdict(e: &registre_audit::ProofError) -> &'static str {
    use registre_audit::ProofError::*;
    match e {
        IndexBeyondSize { .. } => "index_beyond_size",
        ProofTooLong { .. } => "proof_too_long",
        WrongProofLength => "wrong_proof_length",
        RootMismatch => "root_mismatch",
        FirstRootMismatch => "first_root_mismatch",
        SizesReversed { .. } => "sizes_reversed",
        ProofNotEmpty => "proof_not_empty",
        EmptyProof => "empty_proof",
        NotEmptyTreeRoot => "not_empty_tree_root",
    }
}

/// The heads of the export: sizes 5, 8 and 13.
fn head(size: u64) -> SignedTreeHead {
    let time = match size {
        5 => "2024-03-05T09:31:00Z",
        8 => "2024-04-08T09:01:00.5Z",
        _ => "2025-01-15T09:00:00.123456Z",
    };
    log_key().sign(size, tree().root_at(size).unwrap(), at(time))
}

const COSIGNED_AT: u64 = 1_736_931_660;

fn cosignature(size: u64) -> Cosignature {
    let checkpoint = Checkpoint::of_head(&head(size), &log_key().public());
    witness().cosign(&checkpoint, COSIGNED_AT + size)
}

fn note_verdict(e: &NoteError) -> &'static str {
    match e {
        NoteError::TooLong => "too_long",
        NoteError::ControlCharacter => "control_character",
        NoteError::NoSignatures => "no_signatures",
        NoteError::TooManySignatures => "too_many_signatures",
        NoteError::MalformedSignature(_) => "malformed_signature",
        NoteError::MalformedCheckpoint(_) => "malformed_checkpoint",
        NoteError::WrongOrigin { .. } => "wrong_origin",
        NoteError::NotSignedByLog => "not_signed_by_log",
    }
}

fn signatures_json() -> Value {
    let key = log_key();
    let public = key.public();
    let h = head(13);
    let bytes = signed_bytes(h.tree_size, h.timestamp.timestamp_micros(), &h.root_hash);
    let note = sign_checkpoint(&key, &h);
    let checkpoint = Checkpoint::of_head(&h, &public);
    let cosig = cosignature(13);
    let mut cosigned = note.clone();
    cosigned.signatures.push(cosig.to_note_signature());
    let cosig_blob = {
        let line = cosig.to_note_signature();
        let mut b = line.key_id.to_vec();
        b.extend_from_slice(&line.bytes);
        b
    };

    // Notes that must be refused, with what registre says of each.
    let good = note.to_text();
    let other = sign_checkpoint(&AuditKey::from_seed(OTHER_LOG_SEED), &h).to_text();
    let invalid_notes: Vec<Value> = [
        (
            "an extension line in the checkpoint",
            good.replacen("\n13\n", "\n13\nextension\n", 1),
        ),
        (
            "the size with a leading zero",
            good.replacen("\n13\n", "\n013\n", 1),
        ),
        ("the size altered", good.replacen("\n13\n", "\n12\n", 1)),
        (
            "the root in base64 without padding",
            good.replacen("=\n\n", "\n\n", 1),
        ),
        (
            "no empty line before the signatures",
            good.replacen("\n\n", "\n", 1),
        ),
        (
            "a hyphen instead of the em dash",
            good.replace('\u{2014}', "-"),
        ),
        ("a control character", format!("{good}\u{7}")),
        ("no final newline", good.trim_end().to_string()),
        ("signed by another log's key", other),
        (
            "the log's signature line under the right name and key id, another signature",
            {
                let mut n = note.clone();
                n.signatures[0].bytes[10] ^= 1;
                n.to_text()
            },
        ),
    ]
    .into_iter()
    .map(|(about, text)| {
        let verdict = SignedNote::parse(&text)
            .and_then(|n| verify_checkpoint(&n, &public))
            .map(|_| "accepted")
            .unwrap_or_else(|e| note_verdict(&e));
        assert_ne!(verdict, "accepted", "{about}");
        json!({"about": about, "note": text, "verdict": verdict})
    })
    .collect();

    let w = witness().public();
    let other_cp = Checkpoint::of_head(&head(8), &public);
    let impostor = WitnessKey::from_seed(WITNESS_NAME, [0x0b; 32]).unwrap();
    let mut later = cosig.clone();
    later.timestamp += 1;
    let invalid_cosignatures: Vec<Value> = [
        (
            "the cosignature of head 13 moved to head 8",
            &cosig,
            &other_cp,
        ),
        ("its time altered by one second", &later, &checkpoint),
        (
            "made by another key under the witness's name",
            &impostor.cosign(&checkpoint, COSIGNED_AT),
            &checkpoint,
        ),
    ]
    .into_iter()
    .map(|(about, c, cp)| {
        let verdict = match c.verify(&w, cp) {
            Ok(()) => "accepted",
            Err(_) => "bad_signature",
        };
        assert_ne!(verdict, "accepted", "{about}");
        json!({
            "about": about,
            "checkpoint": cp.body(),
            "signature_line": c.to_note_signature().line(),
            "verdict": verdict,
        })
    })
    .collect();

    json!({
        "about": "Signatures made with the test keys of keys.json over the tree of tree.json.",
        "tree_head": {
            "tree_size": h.tree_size,
            "root_hash": hex::encode(h.root_hash),
            "timestamp": "2025-01-15T09:00:00.123456Z",
            "timestamp_micros": h.timestamp.timestamp_micros(),
            "signed_bytes": hex::encode(&bytes),
            "signature": hex::encode(h.signature),
            "key_id": h.key_id,
            "stored_form": serde_json::to_string(&h).unwrap(),
            "export_line": head_line(&h),
        },
        "checkpoint": {
            "note_text": note.text,
            "log_signature_line": note.signatures[0].line(),
            "signed_note": note.to_text(),
        },
        "cosignature": {
            "witness_vkey": w.to_vkey(),
            "timestamp": cosig.timestamp,
            "signed_message": cosigned_message(&checkpoint, cosig.timestamp),
            "signature": hex::encode(cosig.signature),
            "signature_line": cosig.to_note_signature().line(),
            "cosigned_note": cosigned.to_text(),
            "export_line": cosignature_line(13, &cosig),
            "export_line_blob_hex": hex::encode(cosig_blob),
        },
        "invalid_notes": invalid_notes,
        "invalid_cosignatures": invalid_cosignatures,
    })
}

/// The export: 13 events, heads at 5, 8 and 13, the witness's
/// cosignatures of heads 8 and 13.
fn export_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for e in events() {
        lines.push(event_line(&e).unwrap());
        if [5, 8, 13].contains(&e.position) {
            lines.push(head_line(&head(e.position)));
            if e.position != 5 {
                lines.push(cosignature_line(e.position, &cosignature(e.position)));
            }
        }
    }
    lines
}

/// One edit of export.jsonl's lines (numbered from 1).
fn apply(lines: &[String], edits: &[Value]) -> Vec<String> {
    let mut out = lines.to_vec();
    for e in edits {
        let line = |k: &str| e[k].as_u64().unwrap() as usize;
        match e["op"].as_str().unwrap() {
            "replace" => out[line("line") - 1] = e["text"].as_str().unwrap().to_string(),
            "delete" => {
                out.remove(line("line") - 1);
            }
            "insert" => out.insert(line("line") - 1, e["text"].as_str().unwrap().to_string()),
            "swap" => out.swap(line("line") - 1, line("with") - 1),
            other => panic!("no edit {other}"),
        }
    }
    out
}

/// An export verdict: its category, and the line or position registre
/// names.
fn export_verdict(e: &ExportError) -> (&'static str, Option<usize>, Option<u64>) {
    match e {
        ExportError::LineTooLong { line } | ExportError::Malformed { line, .. } => {
            ("malformed", Some(*line), None)
        }
        ExportError::NotSealed { .. } => ("not_sealed", None, None),
        ExportError::RepeatedEvent { line, position, .. } => {
            ("sequence", Some(*line), Some(*position))
        }
        ExportError::RepeatedHead { line, .. } => ("sequence", Some(*line), None),
        ExportError::Cosignature { line, .. } => ("witness", Some(*line), None),
        ExportError::NotWitnessed { .. } => ("witness", None, None),
        ExportError::Tampered(f) => match f {
            Finding::WrongKey { .. } => ("wrong_key", None, None),
            Finding::BadSignature { .. } => ("bad_signature", None, None),
            Finding::Altered { position } => ("altered", None, Some(*position)),
            Finding::HeadRootMismatch { .. } | Finding::LeafRecordMismatch { .. } => {
                ("altered", None, None)
            }
            Finding::Missing { position }
            | Finding::Inserted { position }
            | Finding::Reordered { position, .. }
            | Finding::OutOfOrder { position, .. } => ("sequence", None, Some(*position)),
            Finding::Unhashable { position, .. } => ("malformed", None, Some(*position)),
            Finding::Truncated { .. } | Finding::LeafRecordCutShort { .. } => {
                ("truncated", None, None)
            }
        },
    }
}

fn export_json(lines: &[String]) -> Value {
    let l = |n: usize| lines[n - 1].clone();
    let other_key = AuditKey::from_seed(OTHER_LOG_SEED);
    let partner = WitnessKey::from_seed(OTHER_WITNESS_NAME, [0x0a; 32]).unwrap();
    let appended = {
        let mut e: RecordedEvent = events().pop().unwrap();
        e.position = 14;
        e.revision += 1;
        event_line(&e).unwrap()
    };
    let resigned = log_key().sign(8, tree().root_at(7).unwrap(), head(8).timestamp);
    let altered_and_rehashed = {
        let mut e = events()[11].clone();
        e.payload["montant_fcfa"] = json!(25_013);
        event_line(&e).unwrap()
    };
    let flip_hex = |line: String, key: &str| {
        let start = line.find(&format!("\"{key}\":\"")).unwrap() + key.len() + 4;
        let mut bytes = line.into_bytes();
        bytes[start] = if bytes[start] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    let w = witness().public().to_vkey();
    let cases = [
        (
            "a payload byte changed, the leaf hash kept",
            json!([{"op": "replace", "line": 15, "text": l(15).replace("25012", "25013")}]),
            vec![],
            None,
        ),
        (
            "a leaf hash changed, the event kept",
            json!([{"op": "replace", "line": 4, "text": flip_hex(l(4), "leaf_hash")}]),
            vec![],
            None,
        ),
        (
            "an event changed and its leaf hash recomputed",
            json!([{"op": "replace", "line": 15, "text": altered_and_rehashed}]),
            vec![],
            None,
        ),
        (
            "an event line deleted",
            json!([{"op": "delete", "line": 7}]),
            vec![],
            None,
        ),
        (
            "two event lines swapped",
            json!([{"op": "swap", "line": 13, "with": 14}]),
            vec![],
            None,
        ),
        (
            "an event line given twice",
            json!([{"op": "insert", "line": 5, "text": l(4)}]),
            vec![],
            None,
        ),
        (
            "a head's root altered",
            json!([{"op": "replace", "line": 10, "text": flip_hex(l(10), "root_hash")}]),
            vec![],
            None,
        ),
        (
            "a head's signature altered",
            json!([{"op": "replace", "line": 6, "text": flip_hex(l(6), "signature")}]),
            vec![],
            None,
        ),
        (
            "a head of another key",
            json!([{"op": "replace", "line": 17, "text": head_line(&other_key.sign(13, tree().root(), head(13).timestamp))}]),
            vec![],
            None,
        ),
        (
            "a head signed by the log's key over another root",
            json!([{"op": "replace", "line": 10, "text": head_line(&resigned)}]),
            vec![],
            None,
        ),
        (
            "checked with another log's public key",
            json!([]),
            vec![],
            Some(other_key.public().to_text()),
        ),
        (
            "the last head removed (and its cosignature)",
            json!([{"op": "delete", "line": 18}, {"op": "delete", "line": 17}]),
            vec![],
            None,
        ),
        (
            "the file cut after line 14",
            json!([{"op": "delete", "line": 18}, {"op": "delete", "line": 17}, {"op": "delete", "line": 16}, {"op": "delete", "line": 15}]),
            vec![],
            None,
        ),
        (
            "an event appended after the last head",
            json!([{"op": "insert", "line": 19, "text": appended}]),
            vec![],
            None,
        ),
        (
            "an event member given twice (a reader keeping the first sees another actor)",
            json!([{"op": "replace", "line": 2, "text": l(2).replacen("{\"event\":{", "{\"event\":{\"actor\":{\"id\":\"x\",\"role\":\"auditor\"},", 1)}]),
            vec![],
            None,
        ),
        (
            "an accented letter written as an escape",
            json!([{"op": "replace", "line": 7, "text": l(7).replacen("é", "\\u00e9", 1)}]),
            vec![],
            None,
        ),
        (
            "the last head given a second time",
            json!([{"op": "insert", "line": 19, "text": l(17)}]),
            vec![],
            None,
        ),
        (
            "the last events removed, the last head kept",
            json!([{"op": "delete", "line": 16}, {"op": "delete", "line": 15}]),
            vec![],
            None,
        ),
        (
            "a non-integer number in a payload",
            json!([{"op": "replace", "line": 15, "text": l(15).replace("25012", "25012.0")}]),
            vec![],
            None,
        ),
        (
            "a member added to an event",
            json!([{"op": "replace", "line": 2, "text": l(2).replacen("{\"actor\"", "{\"note\":\"hors hachage\",\"actor\"", 1)}]),
            vec![],
            None,
        ),
        (
            "a line that is not JSON",
            json!([{"op": "insert", "line": 3, "text": "registre"}]),
            vec![],
            None,
        ),
        (
            "a line of unknown type",
            json!([{"op": "insert", "line": 3, "text": "{\"type\":\"comment\"}"}]),
            vec![],
            None,
        ),
        (
            "a cosignature not after the head it cosigns",
            json!([{"op": "swap", "line": 17, "with": 18}]),
            vec![],
            None,
        ),
        (
            "the cosignature of head 13 moved to head 8",
            json!([{"op": "delete", "line": 18}, {"op": "insert", "line": 11, "text": l(18).replace("\"tree_size\":13", "\"tree_size\":8")}]),
            vec![w.clone()],
            None,
        ),
        (
            "a witness that cosigned no head required",
            json!([]),
            vec![partner.public().to_vkey()],
            None,
        ),
    ];
    let invalid: Vec<Value> = cases
        .into_iter()
        .map(|(about, edits, witnesses, key)| {
            let edited = apply(lines, edits.as_array().unwrap());
            let key_text = key.clone().unwrap_or_else(|| log_key().public().to_text());
            let public = AuditPublicKey::from_text(&key_text).unwrap();
            let ws: Vec<WitnessPublicKey> = witnesses
                .iter()
                .map(|v| WitnessPublicKey::from_vkey(v).unwrap())
                .collect();
            let err = verify_witnessed_export(&edited, &public, &ws)
                .err()
                .unwrap_or_else(|| panic!("accepted: {about}"));
            let (verdict, line, position) = export_verdict(&err);
            let mut case = json!({"about": about, "edits": edits, "verdict": verdict, "registre": err.to_string()});
            if let Some(line) = line {
                case["line"] = json!(line);
            }
            if let Some(position) = position {
                case["position"] = json!(position);
            }
            if !witnesses.is_empty() {
                case["witnesses"] = json!(witnesses);
            }
            if let Some(key) = key {
                case["public_key_text"] = json!(key);
            }
            case
        })
        .collect();

    let (verified, witnessed) =
        verify_witnessed_export(lines, &log_key().public(), &[witness().public()]).unwrap();
    json!({
        "about": "export.jsonl is a registre-log-export-v1 file of canonical.json's 13 events \
                  with heads at sizes 5, 8 and 13 signed by the test log key (export.pub) and \
                  the test witness's cosignatures of heads 8 and 13. `valid` is what checking it \
                  establishes. Each `invalid` case is export.jsonl after its `edits`, applied in \
                  order to the list of lines (numbered from 1): `replace` line with text, \
                  `delete` line, `insert` text so that it becomes line N, `swap` line with line. \
                  It is checked with export.pub (or `public_key_text`) and, when given, the \
                  `witnesses`; `verdict` is the category of the finding, `line` and `position` \
                  what it names when given, `registre` what registre says.",
        "valid": {
            "events": verified.size,
            "tree_size": verified.size,
            "root": hex::encode(verified.root),
            "heads": verified.heads_checked,
            "latest_head_size": verified.latest_head.map(|h| h.tree_size),
            "witnesses": witnessed.iter().map(|w| json!({"vkey": witness().public().to_vkey(), "name": w.witness, "largest_cosigned_size": w.tree_size, "timestamp": w.timestamp})).collect::<Vec<_>>(),
        },
        "invalid": invalid,
    })
}

// ---------------------------------------------------------------------------

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/audit-vectors")
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

#[test]
fn the_committed_vectors_are_what_the_code_computes() {
    // Given every vector file generated from the code
    let lines = export_lines();
    let files = [
        ("keys.json", pretty(&keys_json())),
        ("canonical.json", pretty(&canonical_json_file())),
        ("tree.json", pretty(&tree_json())),
        ("signatures.json", pretty(&signatures_json())),
        ("export.jsonl", lines.join("\n") + "\n"),
        ("export.pub", log_key().public().to_text() + "\n"),
        ("export.json", pretty(&export_json(&lines))),
    ];
    let bless = std::env::var_os("REGISTRE_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(dir()).unwrap();
    }
    // When compared with the committed ones (or written, to bless them)
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir().join(name);
        if bless {
            std::fs::write(&path, text).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != *text {
            stale.push(*name);
        }
    }
    let strays: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !files.iter().any(|(f, _)| f == n))
        .collect();
    // Then nothing differs and nothing else lies there
    assert!(
        stale.is_empty() && strays.is_empty(),
        "docs/audit-vectors/ is not what the code computes (differs: {stale:?}; not \
         generated: {strays:?}); regenerate with\n  \
         REGISTRE_BLESS=1 cargo test -p registre-audit --test vectors\n\
         and review the diff: a changed vector is a changed format"
    );
}

#[test]
fn the_valid_export_verifies_and_its_events_read_back() {
    // Given the committed export, when checked with the test key, then it is intact
    let lines = export_lines();
    let (verified, _) = registre_audit::read_export(&lines, &log_key().public()).unwrap();
    assert_eq!(verified.size, 13);
    // and each event line holds the canonical bytes verbatim
    let event_lines = lines.iter().filter(|l| l.contains("\"type\":\"event\""));
    for (line, e) in event_lines.zip(events()) {
        let bytes = canonical_bytes(&e).unwrap();
        assert!(line.starts_with(&format!(
            "{{\"event\":{}",
            std::str::from_utf8(&bytes).unwrap()
        )));
    }
}
