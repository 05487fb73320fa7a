//! `registre copy`: the demo log from SQLite to PostgreSQL, interrupted and
//! resumed, checked event by event and by Merkle root; a target holding
//! another log is refused untouched; and a server on the copy answers the
//! same queries as a server on the original.

use std::process::Output;

use registre_audit::{MerkleTree, event_leaf_hash};
use registre_schema::RecordedEvent;

use crate::store_postgres::fresh_schema;
use crate::support::{
    Server, create_token_url, demo_url, graphql, log_of, run, run_ok, scratch, sqlite_url,
};

fn copy(from: &str, to: &str, extra: &[&str]) -> Output {
    run(&[&["copy", "--from", from, "--to", to], extra].concat())
}

/// A copy that must succeed: what it printed.
fn copy_ok(from: &str, to: &str, extra: &[&str]) -> String {
    let out = run_ok(&[&["copy", "--from", from, "--to", to], extra].concat());
    String::from_utf8(out.stdout).unwrap()
}

fn root_hex(events: &[RecordedEvent]) -> String {
    let tree = MerkleTree::from_leaves(events.iter().map(|e| event_leaf_hash(e).unwrap()));
    hex::encode(tree.root())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_log_moves_to_postgres_resumably_and_serves_the_same_answers() {
    let Some((_admin, schema)) = fresh_schema().await else {
        return;
    };
    let dir = scratch();
    let sqlite = sqlite_url(&dir.path().join("demo.db"));
    let pg = schema.url();
    demo_url(&sqlite, "40", "2");
    // Tokens are events too: they travel with the log.
    let dashboard = create_token_url(&sqlite, "dashboard", "tableau-de-bord");
    let auditor = create_token_url(&sqlite, "auditor", "auditrice");
    let source = log_of(&sqlite);
    assert!(source.len() > 500, "the demo wrote {} events", source.len());

    // Interrupted: stops after about 300 events, at a command boundary.
    let out = copy_ok(&sqlite, &pg, &["--limit", "300", "--batch", "128"]);
    assert!(out.contains("stopped at the limit"), "{out}");
    let partial = log_of(&pg);
    assert!(
        partial.len() >= 300 && partial.len() < source.len(),
        "{} of {}",
        partial.len(),
        source.len()
    );
    assert_eq!(partial[..], source[..partial.len()]);
    let last = partial.len();
    if last < source.len() {
        assert_ne!(
            source[last - 1].command_id,
            source[last].command_id,
            "a command was split"
        );
    }

    // Resumed: the rest, then the roots compared.
    let out = copy_ok(&sqlite, &pg, &["--batch", "128"]);
    let root = root_hex(&source);
    assert!(
        out.contains(&format!(
            "merkle root (size {}): {root} on both sides",
            source.len()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("copied {} events", source.len() - last)),
        "{out}"
    );
    let copied = log_of(&pg);
    assert_eq!(copied, source, "ids, order, revisions, times, actors kept");
    // Nothing left: a third run copies nothing and checks again.
    let out = copy_ok(&sqlite, &pg, &[]);
    assert!(out.contains("copied 0 events"), "{out}");
    assert!(out.contains(&root), "{out}");

    // A server on each store: the same answers.
    let sqlite_work = scratch();
    let pg_work = scratch();
    let on_sqlite = Server::start_url(&sqlite, sqlite_work.path());
    let on_pg = Server::start_url(&pg, pg_work.path());
    let head = source.len();
    let queries = [
        (
            &dashboard,
            format!(
                "{{ memberCounts(minPosition: {head}) {{ position total byRegion {{ code count }} byStatus {{ status count }} }} }}"
            ),
        ),
        (
            &dashboard,
            format!(
                r#"{{ indicators(on: "2024-06-30", minPosition: {head}) {{ position goodStanding {{ part whole }} attendance {{ part whole }} quorumFailed quorumReached unsignedMinutes }} }}"#
            ),
        ),
        (
            &dashboard,
            format!(
                "{{ members(first: 500, minPosition: {head}) {{ totalCount edges {{ node {{ id name }} }} }} }}"
            ),
        ),
        (
            &auditor,
            format!(
                r#"{{ history(entityId: "member:{}") {{ totalCount edges {{ node {{ position eventType actor {{ id role }} }} }} }} }}"#,
                member_id(&source)
            ),
        ),
        (&auditor, "{ head }".to_owned()),
    ];
    for (token, q) in &queries {
        let a = graphql(on_sqlite.addr, token, q).json();
        let b = graphql(on_pg.addr, token, q).json();
        assert!(a.get("errors").is_none(), "{q}: {a}");
        assert_eq!(a, b, "{q}");
    }
}

/// The first admitted commune's member id.
fn member_id(events: &[RecordedEvent]) -> String {
    let admitted = events
        .iter()
        .find(|e| e.event_type == "CommuneAdmitted")
        .expect("the demo admits communes");
    admitted.payload["member_id"]
        .as_str()
        .expect("a member id")
        .to_owned()
}

#[test]
fn a_target_holding_another_log_is_refused_and_left_alone() {
    let dir = scratch();
    let source = sqlite_url(&dir.path().join("a.db"));
    let other = sqlite_url(&dir.path().join("b.db"));
    demo_url(&source, "12", "2");
    create_token_url(&other, "dashboard", "ailleurs");
    let before = log_of(&other);
    let out = copy(&source, &other, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds other events than the source"), "{err}");
    assert_eq!(log_of(&other), before, "the refused target was changed");

    // A target longer than the source is no copy of it either.
    let out = copy(&other, &source, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than the source"), "{err}");

    // A missing source is not created.
    let missing = sqlite_url(&dir.path().join("none.db"));
    let out = copy(&missing, &sqlite_url(&dir.path().join("c.db")), &[]);
    assert!(!out.status.success());
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn sqlite_to_sqlite_copies_are_identical() {
    let dir = scratch();
    let source = sqlite_url(&dir.path().join("a.db"));
    let target = sqlite_url(&dir.path().join("b.db"));
    demo_url(&source, "12", "2");
    let out = copy_ok(&source, &target, &["--limit", "1"]);
    assert!(out.contains("stopped at the limit"), "{out}");
    let out = copy_ok(&source, &target, &[]);
    let events = log_of(&source);
    assert!(out.contains(&root_hex(&events)), "{out}");
    assert_eq!(log_of(&target), events);
}
