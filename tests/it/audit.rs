//! Tamper evidence end to end (issue 5): the real binary records and signs
//! a store's log, then the SQLite file is edited behind registre's back
//! and `registre verify` must name what changed, exit status 3. Exports
//! are checked with nothing but the file and the public key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use registre_audit::{AuditKey, Hash, SignedTreeHead, verify_consistency, verify_inclusion};
use registre_schema::EventData;
use registre_service::audit_trail::AuditDir;
use registre_service::audit_trail::trail::{AuditTrail, TrailSettings};
use registre_service::store::sqlite::{Indexing, SqliteStore};
use registre_service::store::{EventStore, ExpectedState};

use crate::support::{
    Server, by_system, event_now, eventually, registre, run_with_reader_gone, scratch, sqlite_url,
};

const TAMPERED: i32 = 3;

async fn append(store: &dyn EventStore, n: u64) {
    for i in 0..n {
        store
            .append(by_system(
                &format!("commune-{}", i % 3),
                ExpectedState::Any,
                vec![event_now(
                    "AuditProbeRecorded",
                    serde_json::json!({"commune": "Ségou", "amount_fcfa": 25_000 + i, "year": 2024}),
                )],
            ))
            .await
            .unwrap();
    }
}

/// A store of `n` events, made in this process and closed again (its
/// streams indexed).
fn store_with(db: &Path, n: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(db).await.unwrap();
        append(&store, n).await;
        store.close().await.unwrap();
    });
}

fn run(db: &Path, args: &[&str]) -> Output {
    registre()
        .args(args)
        .args(["--store", &sqlite_url(db)])
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs `registre ARGS…` on the store, which must succeed.
fn run_ok(db: &Path, args: &[&str]) -> Output {
    let o = run(db, args);
    assert!(o.status.success(), "{:?}", text(&o));
    o
}

/// `registre audit sign`, which must succeed.
fn sign(db: &Path) {
    run_ok(db, &["audit", "sign"]);
}

/// `registre verify --export FILE --key KEY`: an export checked with no
/// store at all.
fn verify_export(file: &Path, key: &Path) -> Command {
    let mut cmd = registre();
    cmd.args(["verify", "--export"])
        .arg(file)
        .arg("--key")
        .arg(key);
    cmd
}

/// Runs `registre verify` and expects tampering naming `finding`.
fn assert_tampered(db: &Path, finding: &str) {
    let o = run(db, &["verify"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(TAMPERED), "{out}\n{err}");
    assert!(err.contains(finding), "expected {finding:?} in: {err}");
}

/// Runs `registre verify`, which must find the store intact; its output.
fn assert_intact(db: &Path) -> String {
    let o = run(db, &["verify"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    out
}

/// Edits the store file directly once `triggers` that guard it are
/// dropped, as an attacker with file access would.
fn edit_past(db: &Path, triggers: [&str; 2], sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for trigger in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {trigger};"))
            .unwrap();
    }
    conn.execute_batch(sql).unwrap();
}

/// Edits the log directly.
fn tamper(db: &Path, sql: &str) {
    edit_past(db, ["events_no_update", "events_no_delete"], sql);
}

/// Edits the stream index directly.
fn tamper_index(db: &Path, sql: &str) {
    edit_past(
        db,
        ["stream_index_no_update", "stream_index_no_delete"],
        sql,
    );
}

/// A store of 20 events, recorded and signed.
fn signed_store() -> (tempfile::TempDir, PathBuf) {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    store_with(&db, 20);
    sign(&db);
    (dir, db)
}

fn audit_dir(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.audit", db.display()))
}

fn heads(db: &Path) -> Vec<SignedTreeHead> {
    std::fs::read_to_string(audit_dir(db).join("heads.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn hash(v: &serde_json::Value) -> Hash {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn an_intact_store_verifies_and_its_proofs_check_out_for_an_outsider() {
    let (_dir, db) = signed_store();
    let head = heads(&db).pop().unwrap();
    assert_eq!(head.tree_size, 20);
    let out = assert_intact(&db);
    assert!(out.contains("tree size: 20"), "{out}");
    assert!(
        out.contains("stream index: 20 entries, one for each event up to position 20"),
        "{out}"
    );
    let root = hex::encode(head.root_hash);
    assert!(out.contains(&format!("root: {root}")), "{out}");
    assert!(
        out.contains(&format!("latest signed head: size 20, root {root}")),
        "{out}"
    );

    // An outsider checks an inclusion proof with the public key alone.
    let key_text = text(&run(&db, &["audit", "public-key"])).0;
    let key = registre_audit::AuditPublicKey::from_text(&key_text).unwrap();
    let o = run_ok(&db, &["proof", "inclusion", "--position", "7"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let signed: SignedTreeHead = serde_json::from_value(p["tree_head"].clone()).unwrap();
    signed.verify(&key).unwrap();
    let canonical = registre_audit::canonical::canonical_json(&p["event"]).unwrap();
    let leaf = registre_audit::leaf_hash(&canonical);
    assert_eq!(leaf, hash(&p["leaf_hash"]));
    let proof: Vec<Hash> = p["proof"].as_array().unwrap().iter().map(hash).collect();
    verify_inclusion(6, 20, &leaf, &proof, &signed.root_hash).unwrap();
    // The same proof does not hold for another event.
    assert!(verify_inclusion(7, 20, &leaf, &proof, &signed.root_hash).is_err());

    let o = run_ok(&db, &["proof", "consistency", "--from", "5", "--to", "20"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let proof: Vec<Hash> = p["proof"].as_array().unwrap().iter().map(hash).collect();
    assert_eq!(hash(&p["second_root"]), signed.root_hash);
    verify_consistency(5, 20, &hash(&p["first_root"]), &signed.root_hash, &proof).unwrap();

    let o = run(&db, &["proof", "inclusion", "--position", "21"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
}

/// An older build accepted dates past RFC 3339's years (issue "Hostile
/// input and faults"); the log holding them must still be signed and
/// verify as intact.
#[test]
fn a_log_holding_years_past_9999_or_before_0_is_signed_and_verifies() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    store_with(&db, 3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&db).await.unwrap();
        for (i, at) in ["+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"]
            .into_iter()
            .enumerate()
        {
            let paid_on = &at[..at.len() - 10];
            store
                .append(by_system(
                    &format!("member-{i}"),
                    ExpectedState::Any,
                    vec![EventData::new(
                        "AuditProbeRecorded",
                        1,
                        at.parse().unwrap(),
                        serde_json::json!({"paid_on": paid_on, "amount_xof": 25_000}),
                    )],
                ))
                .await
                .unwrap();
        }
        store.close().await.unwrap();
    });
    sign(&db);
    assert_eq!(heads(&db).pop().unwrap().tree_size, 5);
    let out = assert_intact(&db);
    assert!(out.contains("tree size: 5"), "{out}");
    let o = run_ok(&db, &["proof", "inclusion", "--position", "4"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["event"]["occurred_at"], "+10000-01-01T00:00:00.000000Z");
}

#[test]
fn a_byte_changed_in_one_payload_is_named() {
    assert_log_tampered(
        "UPDATE events SET payload = replace(payload, '25006', '25906') WHERE position = 7;",
        "the event at position 7 is not the event first recorded there",
    );
}

#[test]
fn a_payload_damaged_beyond_reading_is_named() {
    assert_log_tampered(
        "UPDATE events SET payload = substr(payload, 2) WHERE position = 12;",
        "the event at position 12 cannot be read",
    );
}

#[test]
fn a_deleted_event_is_named() {
    assert_log_tampered(
        "DELETE FROM events WHERE position = 7;",
        "the event at position 7 is missing",
    );
}

#[test]
fn two_swapped_events_are_named() {
    // Every column but the position moves: the two events trade places.
    assert_log_tampered(
        "CREATE TEMP TABLE two AS SELECT * FROM events WHERE position IN (7, 8);
         DELETE FROM events WHERE position IN (7, 8);
         INSERT INTO events SELECT 15 - position, id, stream_id, revision, event_type,
             schema_version, occurred_at, recorded_at, actor_id, actor_role, command_id,
             correlation_id, causation_id, payload FROM two;",
        "the events at positions 7 and 8 are out of place",
    );
}

/// A signed store whose log `sql` edits: `registre verify` must name
/// `finding`.
fn assert_log_tampered(sql: &str, finding: &str) {
    let (_dir, db) = signed_store();
    tamper(&db, sql);
    assert_tampered(&db, finding);
}

/// A signed store whose stream index `sql` edits: `registre verify`
/// must name `finding`.
fn assert_index_tampered(sql: &str, finding: &str) {
    let (_dir, db) = signed_store();
    tamper_index(&db, sql);
    assert_tampered(&db, finding);
}

#[test]
fn an_event_left_out_of_the_stream_index_is_named() {
    let left_out = "the event at position 7 has no entry of its own in the stream index";
    assert_index_tampered("DELETE FROM stream_index WHERE position = 7;", left_out);
    // An entry pointing at another event leaves its own event out too.
    assert_index_tampered(
        "UPDATE stream_index SET position = 10 WHERE position = 7;",
        left_out,
    );
}

#[test]
fn a_stream_index_entry_that_matches_no_event_is_named() {
    assert_index_tampered(
        "INSERT INTO stream_index VALUES ('commune-0', 99, 5);",
        "the stream index holds an entry for \"commune-0\" revision 99 at position 5, where no such event is",
    );
    assert_index_tampered(
        "INSERT INTO stream_index VALUES ('commune-0', 99, 21);",
        "the stream index holds an entry for \"commune-0\" revision 99 at position 21, past its watermark 20",
    );
}

#[test]
fn a_stream_index_watermark_moved_or_lost_is_named() {
    // The trigger lets the watermark move forward: past the log's end,
    // the events appended up to it would be neither indexed nor scanned.
    assert_index_tampered(
        "UPDATE stream_index_state SET indexed_through = 1000;",
        "the stream index's watermark, position 1000, is past the log's last event, 20",
    );
    assert_index_tampered(
        "DELETE FROM stream_index_state;",
        "the stream index has lost its watermark",
    );
}

/// A server's store mid-burst: events past the watermark are the log's
/// tail, not a finding.
#[test]
fn a_store_with_an_unindexed_tail_verifies() {
    let (_dir, db) = signed_store();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(async {
        let never = Indexing {
            batch: 1_000_000,
            delay: Duration::from_secs(3600),
        };
        let store = SqliteStore::open_with(&db, never).await.unwrap();
        append(&store, 5).await;
        store
    });
    sign(&db);
    let out = assert_intact(&db);
    assert!(out.contains("tree size: 25"), "{out}");
    assert!(
        out.contains("stream index: 20 entries, one for each event up to position 20"),
        "{out}"
    );
    rt.block_on(store.close()).unwrap();
}

/// A store of format 2 indexes streams inside its events table, which
/// SQLite keeps: there is no index of its own to check.
#[test]
fn an_older_store_has_no_stream_index_to_check() {
    let (_dir, db) = signed_store();
    crate::support::to_older_format(&db, 2);
    let out = assert_intact(&db);
    assert!(out.contains("tree size: 20"), "{out}");
    assert!(!out.contains("stream index"), "{out}");
}

#[test]
fn a_truncated_log_is_named() {
    assert_log_tampered(
        "DELETE FROM events WHERE position > 17;",
        "the log ends at 17 events but 20 were signed or recorded",
    );
}

#[test]
fn an_event_inserted_in_the_middle_is_named() {
    // Make room at 7 by renumbering (in two steps: positions are unique),
    // then slip a forged event in.
    assert_log_tampered(
        "UPDATE events SET position = -position WHERE position >= 7;
         UPDATE events SET position = 1 - position WHERE position < 0;
         INSERT INTO events SELECT 7, randomblob(16), 'forged-1', 0, event_type,
             schema_version, occurred_at, recorded_at, actor_id, actor_role, randomblob(16),
             correlation_id, causation_id, payload FROM events WHERE position = 1;",
        "an event that was never recorded stands at position 7",
    );
}

#[test]
fn an_altered_leaf_record_is_refused_and_a_torn_tail_is_recovered() {
    let (_dir, db) = signed_store();
    let leaves = audit_dir(&db).join("leaves.bin");
    // A crash in the middle of writing a record: only the tail is dropped.
    store_with(&db, 2);
    let mut bytes = std::fs::read(&leaves).unwrap();
    bytes.extend_from_slice(&[0xAB; 13]);
    std::fs::write(&leaves, &bytes).unwrap();
    sign(&db);
    assert_eq!(std::fs::metadata(&leaves).unwrap().len(), 22 * 32);
    assert!(run(&db, &["verify"]).status.success());
    // A record edited behind registre's back disagrees with its heads.
    let mut bytes = std::fs::read(&leaves).unwrap();
    bytes[3 * 32] ^= 1;
    std::fs::write(&leaves, &bytes).unwrap();
    let o = run(&db, &["audit", "sign"]);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("leaf record disagrees"),
        "{:?}",
        text(&o)
    );
    assert_tampered(
        &db,
        "the leaf record disagrees with the signed tree head of size 20",
    );
}

#[test]
fn a_leaf_record_cut_short_or_a_last_head_edited_or_removed_is_never_passed_silently() {
    let (_dir, db) = signed_store();
    let leaves = audit_dir(&db).join("leaves.bin");
    let whole = std::fs::read(&leaves).unwrap();
    // Cut to nothing, to half, in the middle of a record, or removed.
    for cut in [0, 10 * 32, 10 * 32 + 13] {
        std::fs::write(&leaves, &whole[..cut]).unwrap();
        assert_tampered(&db, "cut short");
    }
    std::fs::remove_file(&leaves).unwrap();
    assert_tampered(&db, "the leaf record holds 0 leaves");
    std::fs::write(&leaves, &whole).unwrap();

    // Two heads (20 and 22 events); the last one's line end edited.
    store_with(&db, 2);
    sign(&db);
    let heads_file = audit_dir(&db).join("heads.jsonl");
    let both = std::fs::read(&heads_file).unwrap();
    for ending in [&b""[..], b" "] {
        let mut edited = both[..both.len() - 1].to_vec();
        edited.extend_from_slice(ending);
        std::fs::write(&heads_file, &edited).unwrap();
        let out = assert_intact(&db);
        assert!(out.contains("2 signed tree head(s)"), "{out}");
        assert!(!out.contains("covered by no signed head"), "{out}");
    }
    // Its line end turned into another byte: a damaged head, named, not
    // skipped as an interrupted write would be.
    let mut damaged = both.clone();
    *damaged.last_mut().unwrap() = b'x';
    std::fs::write(&heads_file, &damaged).unwrap();
    assert_tampered(&db, "heads.jsonl, line 2: not a signed tree head");
    // The last head deleted: nothing here can prove it, so verify says
    // plainly which events no head covers.
    let first_line = both.iter().position(|&b| b == b'\n').unwrap() + 1;
    std::fs::write(&heads_file, &both[..first_line]).unwrap();
    let out = assert_intact(&db);
    assert!(out.contains("1 signed tree head(s)"), "{out}");
    assert!(
        out.contains("2 event(s), positions 21 to 22, are covered by no signed head"),
        "{out}"
    );
}

#[test]
fn the_log_of_events_longer_than_the_output_buffer_ends_quietly_when_its_reader_goes_away() {
    // Given an event of about 8 KiB, more than standard output buffers.
    let dir = scratch();
    let db = dir.path().join("r.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&db).await.unwrap();
        store
            .append(by_system(
                "commune-0",
                ExpectedState::Any,
                vec![event_now(
                    "AuditProbeRecorded",
                    serde_json::json!({"note": "Ségou ".repeat(1200)}),
                )],
            ))
            .await
            .unwrap();
        store.close().await.unwrap();
    });
    // When `registre log` writes it to a reader that already left,
    let o = run_with_reader_gone(registre().args(["log", "--store", &sqlite_url(&db)]));
    // Then the listing just ends.
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).1.is_empty(), "{:?}", text(&o));
}

#[test]
fn exports_verify_with_the_public_key_alone_and_refuse_tampering() {
    let (dir, db) = signed_store();
    // Two more events: the export must sign a head covering them.
    store_with(&db, 2);
    let export = dir.path().join("log.jsonl");
    let export_s = export.to_str().unwrap();
    let o = run_ok(&db, &["export", "log", "--out", export_s]);
    assert!(
        text(&o).0.contains("exported 22 event(s)"),
        "{:?}",
        text(&o)
    );
    let o = run(&db, &["export", "log", "--out", export_s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("use --force"), "{:?}", text(&o));
    assert!(
        run(&db, &["export", "log", "--out", export_s, "--force"])
            .status
            .success()
    );

    // Checked with no store at all.
    let key = audit_dir(&db).join("audit.pub");
    let verify = |file: &Path, key: &Path| verify_export(file, key).output().unwrap();
    let o = verify(&export, &key);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("tree size: 22") && out.contains("latest signed head: size 22"));

    // A reader that stops early (`| head -1`) is no crash, and the exit
    // status still gives the verdict.
    let o = run_with_reader_gone(&mut verify_export(&export, &key));
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(!text(&o).1.contains("panicked"), "{:?}", text(&o));

    // A line given twice is named, with the line it repeats.
    let body = std::fs::read_to_string(&export).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    lines.insert(5, lines[4]);
    let twice = dir.path().join("twice.jsonl");
    std::fs::write(&twice, lines.join("\n") + "\n").unwrap();
    let o = verify(&twice, &key);
    assert_eq!(o.status.code(), Some(TAMPERED), "{:?}", text(&o));
    assert!(
        text(&o)
            .1
            .contains("line 6: the event at position 5 stands a second time (first on line 5)"),
        "{:?}",
        text(&o)
    );

    // The last head removed: not sealed.
    let body = std::fs::read_to_string(&export).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    assert!(lines.last().unwrap().contains("\"tree_head\""));
    lines.pop();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines.join("\n") + "\n").unwrap();
    let o = verify(&cut, &key);
    assert_eq!(o.status.code(), Some(TAMPERED), "{:?}", text(&o));
    assert!(text(&o).1.contains("not sealed"), "{:?}", text(&o));

    // Another instance's key.
    let other = dir.path().join("other.pub");
    std::fs::write(&other, AuditKey::from_seed([5; 32]).public().to_text()).unwrap();
    let o = verify(&export, &other);
    assert_eq!(o.status.code(), Some(TAMPERED), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("not the expected key"),
        "{:?}",
        text(&o)
    );

    // The store checked with another key too.
    let o = run(&db, &["verify", "--key", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(TAMPERED), "{:?}", text(&o));

    // A tampered store is not exported.
    tamper(&db, "DELETE FROM events WHERE position = 3;");
    let o = run(&db, &["export", "log", "--out", export_s, "--force"]);
    assert_eq!(o.status.code(), Some(TAMPERED), "{:?}", text(&o));
    assert!(!export.exists());
}

#[test]
fn the_server_records_and_signs_and_holds_the_audit_directory() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    store_with(&db, 30);
    let server = Server::start(&db);
    // The trail signs once it has caught up at start.
    eventually(30, "a head of size 30 signed", || {
        heads(&db).last().is_some_and(|h| h.tree_size >= 30)
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(audit_dir(&db).join("audit.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the secret key is readable by others");
    }
    // One writer at a time.
    let o = run(&db, &["audit", "sign"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("in use"), "{:?}", text(&o));
    // Readers need no lock.
    let o = run_ok(&db, &["verify"]);
    assert!(text(&o).0.contains("tree size: 30"));
    // An export beside a running server is sealed by its latest head.
    let export = dir.path().join("live.jsonl");
    run_ok(&db, &["export", "log", "--out", export.to_str().unwrap()]);
    drop(server);
    let o = verify_export(&export, &audit_dir(&db).join("audit.pub"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_follows_live_signs_on_demand_and_on_stop() {
    let dir = scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("registre.db"))
            .await
            .unwrap(),
    );
    append(&*store, 5).await;
    let audit = AuditDir::new(dir.path().join("audit"));
    let (trail, task) = AuditTrail::start(store.clone(), audit.clone(), TrailSettings::default())
        .await
        .unwrap();
    trail.wait_for(5, Duration::from_secs(10)).await.unwrap();
    append(&*store, 4).await;
    trail.wait_for(9, Duration::from_secs(10)).await.unwrap();
    let head = trail.sign_now().await.unwrap();
    assert_eq!(head.tree_size, 9);
    head.verify(&trail.public_key()).unwrap();
    assert_eq!(head.root_hash, trail.root());
    let p = trail.inclusion_proof(3, None).unwrap();
    assert_eq!(p.tree_size, 9);
    verify_inclusion(2, 9, &p.leaf_hash, &p.proof, &head.root_hash).unwrap();
    let c = trail.consistency_proof(5, 9).unwrap();
    verify_consistency(5, 9, &c.first_root, &c.second_root, &c.proof).unwrap();

    // Events committed just before stopping are sealed by the last head.
    append(&*store, 3).await;
    task.stop().await;
    assert!(trail.sign_now().await.is_err());
    let stored = registre_service::audit_trail::ledger::TreeState::load(&audit).unwrap();
    assert_eq!(stored.latest_head().unwrap().tree_size, 12);
    assert_eq!(stored.tree.size(), 12);
}

#[test]
fn a_million_leaf_record_loads_without_hashing_events() {
    let dir = scratch();
    let audit = AuditDir::new(dir.path().join("audit"));
    drop(registre_service::audit_trail::Ledger::open(&audit).unwrap());
    let leaves: Vec<u8> = (0u32..1_000_000)
        .flat_map(|i| registre_audit::leaf_hash(&i.to_be_bytes()))
        .collect();
    std::fs::write(audit.leaves_path(), &leaves).unwrap();
    // No store is given: the tree is built from the record's hashes alone.
    let mut ledger = registre_service::audit_trail::Ledger::open(&audit).unwrap();
    assert_eq!(ledger.size(), 1_000_000);
    let head = ledger.sign(chrono::Utc::now()).unwrap();
    assert_eq!(head.tree_size, 1_000_000);
    // Reopening checks the head against the tree built from the record.
    drop(ledger);
    assert!(registre_service::audit_trail::Ledger::open(&audit).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_signs_at_intervals_while_events_keep_coming() {
    let dir = scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("registre.db"))
            .await
            .unwrap(),
    );
    let settings = TrailSettings {
        sign_every: Duration::from_millis(100),
        sync_every: Duration::from_millis(20),
    };
    let (trail, task) = AuditTrail::start(
        store.clone(),
        AuditDir::new(dir.path().join("audit")),
        settings,
    )
    .await
    .unwrap();
    // A steady stream: heads keep being signed without being asked.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sizes = std::collections::BTreeSet::new();
    while sizes.len() < 3 {
        assert!(Instant::now() < deadline, "heads signed: {sizes:?}");
        append(&*store, 5).await;
        if let Some(h) = trail.latest_head() {
            sizes.insert(h.tree_size);
        }
    }
    task.stop().await;
}
