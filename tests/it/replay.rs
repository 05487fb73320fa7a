//! `registre replay`: digests from the log alone, `--to` and `--as-of`,
//! and `--check` against the read models a running server saved.

use std::path::Path;
use std::process::Output;

use chrono::NaiveDate;
use registre_schema::events::{
    BodyEstablished, BodyKind, BodyLevel, CommuneAdmitted, DuesPaid, TerritorialUnitKey,
};
use registre_schema::{DomainEvent, EventData, RecordedEvent};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, ExpectedState};
use uuid::Uuid;

use crate::support::{Server, by_system, registre, scratch, serve_until_saved, sqlite_url};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn append(store: &dyn EventStore, stream: &str, events: Vec<EventData>) -> u64 {
    store
        .append(by_system(stream, ExpectedState::Any, events))
        .await
        .unwrap()
        .last_position
}

fn data(e: impl Into<DomainEvent>) -> EventData {
    let e: DomainEvent = e.into();
    EventData::new(
        e.event_type(),
        e.schema_version(),
        chrono::Utc::now(),
        e.to_payload(),
    )
}

fn admitted(n: u128) -> EventData {
    data(CommuneAdmitted {
        member_id: Uuid::from_u128(n),
        unit: TerritorialUnitKey {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            code: format!("ML0101{n:02}"),
        },
        name: format!("Commune {n}"),
        dues_category: "rurale".into(),
        admitted_on: day(2020, 1, 1),
        deliberation_ref: "DEL".into(),
        decision_ref: "BEN".into(),
        statutes_version: 1,
    })
}

/// Five members with a payment each, a body and an event of another kind:
/// 12 events.
async fn seed(store: &dyn EventStore, from: u128) -> u64 {
    let mut last = 0;
    for n in from..from + 5 {
        let paid = data(DuesPaid {
            member_id: Uuid::from_u128(n),
            year: 2024,
            amount_xof: 50_000,
            paid_on: day(2024, 2, 1),
            receipt_ref: format!("R{n}"),
        });
        last = append(
            store,
            &format!("member-{}", Uuid::from_u128(n)),
            vec![admitted(n), paid],
        )
        .await;
    }
    let body = Uuid::from_u128(from + 100);
    append(
        store,
        &format!("body-{body}"),
        vec![data(BodyEstablished {
            body_id: body,
            name: "Congrès".into(),
            kind: BodyKind::Instance,
            level: BodyLevel::National,
            territorial_unit: None,
            convened_by_body_id: None,
            parent_body_id: None,
            statutory_body: None,
        })],
    )
    .await;
    let other = EventData::new(
        "AccessTokenIssued",
        1,
        chrono::Utc::now(),
        serde_json::json!({"name": "x"}),
    );
    last.max(append(store, "token-1", vec![other]).await)
}

fn replay(db: &Path, args: &[&str]) -> Output {
    registre()
        .args(["replay", "--store", &sqlite_url(db)])
        .args(args)
        .output()
        .expect("run registre replay")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn digest_of(out: &str, model: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(model).filter(|r| r.starts_with(' ')))
        .map(|r| r.split_whitespace().next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no digest for {model} in {out}"))
}

#[tokio::test]
async fn replay_prints_digests_and_stops_where_asked() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let last = seed(&store, 1).await;
    drop(store);
    assert_eq!(last, 12);

    let full = replay(&db, &[]);
    assert!(full.status.success(), "{full:?}");
    let full = stdout(&full);
    assert!(full.starts_with("position 12: 12 events"), "{full}");
    for model in [
        "membership",
        "dues",
        "sessions",
        "resolutions",
        "bodies",
        "minutes",
        "statutes",
        "audit_timeline",
        "indicators",
    ] {
        assert_eq!(digest_of(&full, model).len(), 64);
    }
    // Deterministic: a second replay prints the same digests.
    let again = stdout(&replay(&db, &[]));
    assert_eq!(digest_of(&full, "dues"), digest_of(&again, "dues"));

    let to = stdout(&replay(&db, &["--to", "4"]));
    assert!(to.starts_with("position 4: 4 events"), "{to}");
    assert_ne!(digest_of(&full, "membership"), digest_of(&to, "membership"));
    assert_eq!(digest_of(&full, "sessions"), digest_of(&to, "sessions"));

    let before = stdout(&replay(&db, &["--as-of", "2000-01-01"]));
    assert!(before.starts_with("position 0: 0 events"), "{before}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    let all = stdout(&replay(&db, &["--as-of", &tomorrow.to_string()]));
    assert_eq!(
        digest_of(&full, "audit_timeline"),
        digest_of(&all, "audit_timeline")
    );

    let bad = replay(&db, &["--as-of", "last tuesday"]);
    assert!(!bad.status.success());
}

#[tokio::test]
async fn check_matches_what_a_server_saved_and_catches_a_difference() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let store = SqliteStore::open(&db).await.unwrap();
    seed(&store, 1).await;
    drop(store);

    let saved = serve_until_saved(&db);

    // More events after the save: the check replays to the saved position.
    let store = SqliteStore::open(&db).await.unwrap();
    seed(&store, 50).await;
    drop(store);
    let ok = replay(&db, &["--check"]);
    assert!(
        ok.status.success(),
        "{}\n{}",
        stdout(&ok),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout(&ok).contains("match the replay"));

    // A saved model that says something the log does not.
    // (Binary: a name changed in place, same length, still decodes.)
    let mut bytes = std::fs::read(&saved).unwrap();
    let at = bytes
        .windows(9)
        .position(|w| w == b"Commune 3")
        .expect("the saved models name the communes");
    bytes[at + 8] = b'4';
    std::fs::write(&saved, bytes).unwrap();
    let bad = replay(&db, &["--check"]);
    assert!(!bad.status.success());
    let out = stdout(&bad);
    assert!(
        out.lines()
            .any(|l| l.starts_with("membership") && l.ends_with("DIFFERS")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("dues") && l.ends_with("same")),
        "{out}"
    );

    // No saved models at all: a clear error.
    let none = registre()
        .args([
            "replay",
            "--check",
            "--store",
            &sqlite_url(&db),
            "--state-dir",
        ])
        .arg(dir.path().join("elsewhere"))
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no saved read models"));
}

/// Every model's digest in `registre replay` output, in order.
fn digests(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter(|l| !l.starts_with("position ") && !l.starts_with("export intact"))
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap().to_owned(), w.next().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn an_export_alone_replays_to_the_store_digests_and_a_damaged_one_is_refused() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    crate::support::demo(&db, "40", "2");
    let url = sqlite_url(&db);
    let export = dir.path().join("log.jsonl");
    let o = registre()
        .args(["export", "log", "--store", &url, "--out"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key = dir.path().join("registre.db.audit").join("audit.pub");
    assert!(key.is_file());
    // The demo history verifies: size, root and the latest signed head.
    let head = registre()
        .args(["log", "--store", &url])
        .output()
        .unwrap()
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(head > 100, "{head}");
    let o = registre()
        .args(["verify", "--store", &url])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(&format!("tree size: {head}\n")), "{out}");
    let root = out
        .lines()
        .find_map(|l| l.strip_prefix("root: "))
        .unwrap_or_else(|| panic!("no root in {out}"));
    assert_eq!(root.len(), 64, "{out}");
    assert!(
        out.contains(&format!(
            "latest signed head: size {head}, root {root}, signed at "
        )),
        "{out}"
    );

    // No store is opened: the one named does not exist and is not created.
    let absent = dir.path().join("absent.db");
    let from_export = |file: &Path, args: &[&str]| {
        registre()
            .args(["replay", "--store", &sqlite_url(&absent), "--export"])
            .arg(file)
            .arg("--key")
            .arg(&key)
            .args(args)
            .output()
            .unwrap()
    };
    for args in [&[][..], &["--to", "100"], &["--as-of", "2000-01-01"]] {
        let store = replay(&db, args);
        assert!(store.status.success(), "{store:?}");
        let file = from_export(&export, args);
        assert!(
            file.status.success(),
            "{}",
            String::from_utf8_lossy(&file.stderr)
        );
        let (store, file) = (stdout(&store), stdout(&file));
        assert!(file.starts_with("export intact: "), "{file}");
        let position = |out: &str| {
            out.lines()
                .find(|l| l.starts_with("position "))
                .and_then(|l| l.split(':').next())
                .map(str::to_owned)
        };
        assert_eq!(position(&store), position(&file), "{args:?}");
        assert_eq!(digests(&store).len(), 9);
        assert_eq!(digests(&store), digests(&file), "{args:?}");
    }
    assert!(!absent.exists());
    let full = stdout(&from_export(&export, &[]));
    let to = stdout(&from_export(&export, &["--to", "100"]));
    assert!(to.contains("position 100: 100 events"), "{to}");
    assert_ne!(digests(&full), digests(&to));

    // Damaged copies: refused with the line or the event named, exit 3,
    // and no digest printed.
    let body = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines.len() > 100);
    let damaged = |name: &str, lines: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let o = from_export(&path, &[]);
        assert_eq!(o.status.code(), Some(3), "{name}: {o:?}");
        assert!(stdout(&o).is_empty(), "{name}: {}", stdout(&o));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    // A payload changed: still a well-formed event, but not the one hashed.
    let i = owned
        .iter()
        .position(|l| l.contains("\"CommuneAdmitted\""))
        .unwrap();
    let mut altered = owned.clone();
    altered[i] = altered[i].replacen("\"name\":\"", "\"name\":\"X", 1);
    assert_ne!(altered[i], owned[i]);
    let err = damaged("altered.jsonl", &altered);
    let position = serde_json::from_str::<serde_json::Value>(&owned[i]).unwrap()["position"]
        .as_u64()
        .unwrap();
    assert!(
        err.contains(&format!(
            "the event at position {position} is not the event first recorded there"
        )),
        "{err}"
    );
    // Cut in the middle of a line.
    let mut cut = owned[..50].to_vec();
    let half = cut[49].len() / 2;
    cut[49].truncate(half);
    let err = damaged("cut.jsonl", &cut);
    assert!(err.contains("line 50"), "{err}");
    // Garbage in the middle.
    let mut garbled = owned.clone();
    garbled[20] = "\u{1}{not json".into();
    let err = damaged("garbled.jsonl", &garbled);
    assert!(err.contains("line 21"), "{err}");
    // The last head removed: not sealed.
    let err = damaged("unsealed.jsonl", &owned[..owned.len() - 1]);
    assert!(err.contains("not sealed"), "{err}");
    // No such file: an error, not tampering.
    let o = from_export(&dir.path().join("nowhere.jsonl"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot open"));
}

#[test]
fn check_passes_after_a_running_server_processed_a_stream_of_mutations() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    crate::support::demo(&db, "12", "2");
    let o = registre()
        .args(["log", "--store", &sqlite_url(&db)])
        .output()
        .unwrap();
    let members: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<RecordedEvent>(l).unwrap())
        .filter(|e| e.event_type == "CommuneAdmitted")
        .map(|e| e.payload["member_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(members.len() >= 10, "{members:?}");
    let sec = crate::support::create_token(&db, "secretariat", "secretariat-permanent");
    let server = Server::start(&db);
    let mut last = 0;
    for (n, member) in members.iter().cycle().take(60).enumerate() {
        let r = crate::graphql_mutations::ok(
            server.addr,
            &sec,
            "recordPayment",
            &format!(
                r#"memberId: "{member}", year: 2024, amountXof: 1000, paidOn: "2024-06-01", receiptRef: "S-{n}""#
            ),
        );
        last = r["position"].as_u64().unwrap();
    }
    // While the server runs: the check replays to what it saved so far.
    let running = replay(&db, &["--check"]);
    assert!(
        running.status.success(),
        "{}\n{}",
        stdout(&running),
        String::from_utf8_lossy(&running.stderr)
    );
    assert!(server.stop().success());
    // After a clean stop the saved models cover every mutation.
    let ok = replay(&db, &["--check"]);
    let out = stdout(&ok);
    assert!(
        ok.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        out.contains(&format!(
            "saved read models at position {last} match the replay"
        )),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.ends_with(" same")).count(),
        9,
        "{out}"
    );
}

/// A rebuild over several full batches (read two at a time, ahead of the
/// fold) folds every event once, in order, and stops where `keep` says,
/// mid-batch included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_reads_batch_after_batch_to_the_end() {
    use std::sync::Arc;

    use registre_service::projector::rebuild::rebuild;
    use registre_service::store::MAX_READ_BATCH;

    let dir = scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("registre.db"))
            .await
            .unwrap(),
    );
    let total = 2 * MAX_READ_BATCH as u64 + 1_234;
    let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let mut written = 0;
    while written < total {
        let n = (total - written).min(5_000);
        let events = (0..n)
            .map(|i| EventData::new("Noted", 1, at, serde_json::json!({ "n": written + i })))
            .collect();
        written = append(store.as_ref(), "notes-1", events).await;
    }
    assert_eq!(written, total);

    let all = rebuild(&store, |_| true).await.unwrap();
    assert_eq!(all.events, total);
    assert_eq!(all.models.position, total);

    let stop = MAX_READ_BATCH as u64 + 17;
    let part = rebuild(&store, |e| e.position <= stop).await.unwrap();
    assert_eq!(part.events, stop);
    assert_eq!(part.models.position, stop);
}
