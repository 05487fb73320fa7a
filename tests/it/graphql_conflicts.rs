//! Mutations that lose a race: the command handler reloads and decides
//! again on a conflict, so a loser either gets the domain's refusal of the
//! new state or, when the stream never stops changing, `CONFLICT`. Either
//! way the client gets a stable code in `extensions.code` and nothing of
//! its command is in the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Request, Value};
use async_trait::async_trait;
use registre_schema::Role;
use registre_service::application::Application;
use registre_service::auth::{Principal, TokenRegistry};
use registre_service::commands::MAX_ATTEMPTS;
use registre_service::graphql::{Caller, build_schema};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{AppendOutcome, AppendRequest, EventStore, StoreError, StoreWrapper};

use crate::graphql_mutations::founded;
use crate::support::{graphql, scratch};

/// A store where another writer always changed the stream first: every
/// append is refused with the conflict a real race produces, and counted.
struct AlwaysOvertaken {
    inner: Arc<dyn EventStore>,
    appends: AtomicUsize,
}

#[async_trait]
impl StoreWrapper for AlwaysOvertaken {
    fn inner(&self) -> &dyn EventStore {
        self.inner.as_ref()
    }
    async fn append(&self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::WrongExpectedVersion {
            stream_id: req.stream_id,
            expected: req.expected,
            actual: Some(0),
        })
    }
    fn describe(&self) -> String {
        "always overtaken".into()
    }
}

#[tokio::test]
async fn a_command_that_keeps_losing_its_race_gets_conflict_and_writes_nothing() {
    let dir = scratch();
    let inner: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(dir.path().join("r.db")).await.unwrap());
    let store = Arc::new(AlwaysOvertaken {
        inner: inner.clone(),
        appends: AtomicUsize::new(0),
    });
    let as_store: Arc<dyn EventStore> = store.clone();
    let (registry, _follower) = TokenRegistry::start(inner.clone()).await.unwrap();
    let schema = build_schema(Arc::new(Application::new(as_store, registry)));
    let caller = Caller(Principal {
        token_id: uuid::Uuid::now_v7(),
        name: "secretariat-permanent".into(),
        role: Role::Secretariat,
    });
    let head_before = inner.head().await.unwrap();

    let r = schema
        .execute(
            Request::new(
                r#"mutation { adoptStatutes(statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts") { commandId events { position } } }"#,
            )
            .data(caller),
        )
        .await;

    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(
        e.extensions.as_ref().and_then(|x| x.get("code")),
        Some(&Value::from("CONFLICT")),
        "{e:?}"
    );
    assert!(e.message.contains("réessayez"), "{}", e.message);
    // Nothing internal leaks: not the stream, not the store's wording.
    assert!(!e.message.contains("statutes") && !e.message.contains("expected"));
    assert_eq!(r.data, Value::Null);
    // The handler reloaded and decided again before giving up.
    assert_eq!(store.appends.load(Ordering::SeqCst), MAX_ATTEMPTS);
    assert_eq!(inner.head().await.unwrap(), head_before);
}

#[test]
fn racing_admissions_of_one_commune_admit_it_once_and_refuse_the_others_with_a_code() {
    const RACERS: usize = 6;
    let dir = scratch();
    let (server, sec, aud) = founded(&dir.path().join("r.db"));
    let addr = server.addr;
    let barrier = Arc::new(std::sync::Barrier::new(RACERS));
    let answers: Vec<serde_json::Value> = (0..RACERS)
        .map(|i| {
            let (sec, barrier) = (sec.clone(), barrier.clone());
            std::thread::spawn(move || {
                // Distinct command ids: six different commands, not retries.
                let q = format!(
                    r#"mutation {{ admitCommune(commandId: "00000000-0000-4000-8000-00000000000{i}", unit: {{scheme: "ocha-pcode", edition: "2015", code: "ML010101"}}, duesCategory: "urbaine", admittedOn: "2020-01-15", deliberationRef: "D{i}", decisionRef: "B{i}") {{ commandId entityId events {{ position eventType }} }} }}"#
                );
                barrier.wait();
                graphql(addr, &sec, &q).json()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();

    let (won, lost): (Vec<_>, Vec<_>) = answers.iter().partition(|a| a.get("errors").is_none());
    assert_eq!(won.len(), 1, "{answers:?}");
    let winner = &won[0]["data"]["admitCommune"];
    assert_eq!(
        winner["events"][0]["eventType"], "CommuneAdmitted",
        "{winner}"
    );
    for a in &lost {
        let e = &a["errors"][0];
        assert_eq!(e["extensions"]["code"], "COMMUNE_ALREADY_MEMBER", "{a}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{a}");
        assert_eq!(a["data"], serde_json::Value::Null, "{a}");
    }

    // The log holds the winner's admission and nothing of the losers'.
    let member = winner["entityId"].as_str().unwrap();
    let v = graphql(
        addr,
        &aud,
        &format!(r#"{{ stream(id: "member-{member}") {{ eventType commandId }} }}"#),
    )
    .json();
    let events = v["data"]["stream"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{v}");
    assert_eq!(events[0]["commandId"], winner["commandId"], "{v}");
    let v = graphql(addr, &aud, "{ members { totalCount } }").json();
    assert_eq!(v["data"]["members"]["totalCount"], 1, "{v}");
}
