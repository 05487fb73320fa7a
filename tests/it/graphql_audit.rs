//! The audit trail over GraphQL: the tree head, the public key and proofs
//! that an outsider checks with the audit crate's verifier and the public
//! key alone; refusals of bad requests and of the dashboard role.

use chrono::{DateTime, Utc};
use registre_audit::{
    AuditPublicKey, Hash, SignedTreeHead, event_leaf_hash, verify_consistency, verify_inclusion,
};
use serde_json::Value;

use crate::support::{Server, create_token, demo_log, eventually, graphql, scratch};

fn hash(v: &Value) -> Hash {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(hash).collect()
}

fn head(v: &Value) -> SignedTreeHead {
    SignedTreeHead {
        tree_size: v["treeSize"].as_u64().unwrap(),
        root_hash: hash(&v["rootHash"]),
        timestamp: v["timestamp"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        key_id: v["keyId"].as_str().unwrap().to_owned(),
        signature: hex::decode(v["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    }
}

#[test]
fn an_auditor_checks_the_served_proofs_with_the_public_key_alone() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let events = demo_log(&db, "12", "2");
    let n = events.len() as u64;
    assert!(n > 20);
    let auditor = create_token(&db, "auditor", "auditeur");
    let dashboard = create_token(&db, "dashboard", "tableau");
    let server = Server::start(&db);
    let addr = server.addr;
    // The trail signs a head once it has caught up (the token events
    // are part of the log too).
    let total = n + 2;
    let mut tree = Value::Null;
    eventually(30, "a signed head of the whole log", || {
        let a = graphql(
            addr,
            &auditor,
            "{ treeHead { size rootHash latestSignedHead { treeSize rootHash timestamp keyId signature } } \
               publicKey { keyId text } }",
        );
        tree = a.json()["data"].clone();
        tree["treeHead"]["latestSignedHead"]["treeSize"].as_u64() == Some(total)
    });
    let key = AuditPublicKey::from_text(tree["publicKey"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(tree["publicKey"]["keyId"], key.key_id());
    let signed = head(&tree["treeHead"]["latestSignedHead"]);
    signed.verify(&key).unwrap();
    assert_eq!(hash(&tree["treeHead"]["rootHash"]), signed.root_hash);

    // Inclusion of an event the auditor hashes themselves.
    let e = &events[7];
    let a = graphql(
        addr,
        &auditor,
        &format!(
            "{{ inclusionProof(position: {}) {{ position leafIndex treeSize leafHash rootHash proof \
               treeHead {{ treeSize rootHash timestamp keyId signature }} howToCheck }} }}",
            e.position
        ),
    );
    let p = &a.json()["data"]["inclusionProof"];
    assert_eq!(p["treeSize"].as_u64(), Some(total), "{}", a.body);
    let leaf = event_leaf_hash(e).unwrap();
    assert_eq!(hash(&p["leafHash"]), leaf);
    let root = hash(&p["rootHash"]);
    verify_inclusion(e.position - 1, total, &leaf, &hashes(&p["proof"]), &root).unwrap();
    let ph = head(&p["treeHead"]);
    ph.verify(&key).unwrap();
    assert_eq!(ph.root_hash, root);
    // A forged proof (one sibling flipped) does not check out.
    let mut forged = hashes(&p["proof"]);
    forged[0][0] ^= 1;
    assert!(verify_inclusion(e.position - 1, total, &leaf, &forged, &root).is_err());

    // Consistency between an unsigned past size and the signed head.
    let a = graphql(
        addr,
        &auditor,
        &format!(
            "{{ consistencyProof(from: 10, to: {total}) {{ firstSize secondSize firstRoot secondRoot proof \
               firstHead {{ treeSize }} secondHead {{ treeSize rootHash timestamp keyId signature }} }} }}"
        ),
    );
    let c = &a.json()["data"]["consistencyProof"];
    assert!(c["firstHead"].is_null(), "{}", a.body);
    let second = head(&c["secondHead"]);
    second.verify(&key).unwrap();
    let first_root = hash(&c["firstRoot"]);
    verify_consistency(
        10,
        total,
        &first_root,
        &second.root_hash,
        &hashes(&c["proof"]),
    )
    .unwrap();
    // The first root is the root of the first 10 events: check it by
    // an inclusion proof at size 10 of an event we hash.
    let a = graphql(
        addr,
        &auditor,
        "{ inclusionProof(position: 3, treeSize: 10) { rootHash proof } }",
    );
    let p = &a.json()["data"]["inclusionProof"];
    assert_eq!(hash(&p["rootHash"]), first_root);
    verify_inclusion(
        2,
        10,
        &event_leaf_hash(&events[2]).unwrap(),
        &hashes(&p["proof"]),
        &first_root,
    )
    .unwrap();

    // Bad requests are refused with a French message and a code.
    for q in [
        "{ inclusionProof(position: 0) { rootHash } }".to_owned(),
        format!(
            "{{ inclusionProof(position: 5, treeSize: {}) {{ rootHash }} }}",
            total + 1
        ),
        "{ inclusionProof(position: 9, treeSize: 8) { rootHash } }".to_owned(),
        "{ consistencyProof(from: 9, to: 8) { proof } }".to_owned(),
    ] {
        let j = graphql(addr, &auditor, &q).json();
        assert_eq!(
            j["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{q}: {j}"
        );
        assert!(j["data"].is_null(), "{q}: {j}");
    }
    // The dashboard sees none of it.
    let j = graphql(addr, &dashboard, "{ treeHead { size } }").json();
    assert_eq!(j["errors"][0]["extensions"]["code"], "FORBIDDEN", "{j}");
}
