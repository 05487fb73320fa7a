//! `registre replay`: digests from the log alone, `--to` and `--as-of`,
//! and `--check` against the read models a running server saved.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use registre::store::sqlite::SqliteStore;
use registre::store::{AppendRequest, EventStore, ExpectedState};
use registre_schema::events::{
    BodyEstablished, BodyKind, BodyLevel, CommuneAdmitted, DuesPaid, TerritorialUnitKey,
};
use registre_schema::{Actor, CommandMeta, DomainEvent, EventData, StreamId};
use uuid::Uuid;

use crate::support::{Server, registre, scratch, sqlite_url};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn append(store: &dyn EventStore, stream: &str, events: Vec<EventData>) -> u64 {
    store
        .append(AppendRequest {
            stream_id: StreamId::new(stream).unwrap(),
            expected: ExpectedState::Any,
            meta: CommandMeta::new(Actor::system()),
            events,
        })
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

    let saved = dir.path().join("registre.db.state").join(format!(
        "read_models.v{}.snap",
        <registre_projections::ReadModels as registre_projections::ReadModel>::VERSION
    ));
    {
        let server = Server::start(&db);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !saved.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(server);
    }
    assert!(saved.exists(), "the server saved no read models");

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
