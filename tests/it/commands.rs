//! The command handler against the real SQLite store: rejected commands
//! write nothing, command ids are idempotent, and racing commands on one
//! stream never both break an invariant.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use registre_domain::body::BodyCommand;
use registre_domain::member::MemberCommand;
use registre_domain::statutes::{StatutesCommand, defaults};
use registre_domain::territory::{TerritoryCommand, UnitRow};
use registre_schema::events::{BodyKind, BodyLevel, TerritorialLevel, TerritorialUnitKey};
use registre_schema::{Actor, CommandMeta, Role};
use registre_service::commands::{CommandError, CommandHandler};
use registre_service::store::EventStore;
use registre_service::store::sqlite::SqliteStore;
use uuid::Uuid;

use crate::support::{by_system, event_now};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn meta() -> CommandMeta {
    CommandMeta::new(Actor {
        id: "sp".into(),
        role: Role::Secretariat,
    })
}

fn key(code: &str) -> TerritorialUnitKey {
    TerritorialUnitKey {
        scheme: "ocha-pcode".into(),
        edition: "2015".into(),
        code: code.into(),
    }
}

async fn setup() -> (tempfile::TempDir, Arc<CommandHandler>) {
    let dir = crate::support::scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("c.db"))
            .await
            .expect("store"),
    );
    let h = Arc::new(CommandHandler::new(store));
    let t = Utc.with_ymd_and_hms(2016, 1, 1, 9, 0, 0).unwrap();
    h.handle(
        meta(),
        t,
        StatutesCommand::Adopt {
            statutes: defaults(day(2001, 2, 1)),
            reference: "AG".into(),
        },
    )
    .await
    .unwrap();
    let row = |code: &str, level, parent: Option<&str>| UnitRow {
        code: code.into(),
        level,
        name: code.into(),
        parent_code: parent.map(Into::into),
    };
    h.handle(
        meta(),
        t,
        TerritoryCommand::Import {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            units: vec![
                row("ML01", TerritorialLevel::Region, None),
                row("ML0101", TerritorialLevel::Cercle, Some("ML01")),
                row("ML010101", TerritorialLevel::Commune, Some("ML0101")),
                row("ML010102", TerritorialLevel::Commune, Some("ML0101")),
            ],
        },
    )
    .await
    .unwrap();
    (dir, h)
}

fn admit(code: &str) -> MemberCommand {
    MemberCommand::Admit {
        unit: key(code),
        name: String::new(),
        keep_different_name: false,
        dues_category: "rurale".into(),
        admitted_on: day(2016, 2, 1),
        deliberation_ref: "D-1".into(),
        decision_ref: "BEN-1".into(),
    }
}

fn when() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2016, 2, 1, 9, 0, 0).unwrap()
}

#[tokio::test]
async fn racing_admissions_of_one_commune_admit_it_once() {
    let (_dir, h) = setup().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.handle(meta(), when(), admit("ML010101")).await })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(o) => {
                assert_eq!(o.events.len(), 1);
                admitted += 1;
            }
            Err(CommandError::Rejected(e)) => assert_eq!(e.code(), "COMMUNE_ALREADY_MEMBER"),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(admitted, 1);
}

#[tokio::test]
async fn a_rejected_command_writes_nothing_and_command_ids_apply_once() {
    let (_dir, h) = setup().await;
    let head = h.store().head().await.unwrap();
    let err = h
        .handle(meta(), when(), admit("ML999999"))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(ref e) if e.code() == "UNKNOWN_TERRITORIAL_UNIT"));
    assert_eq!(h.store().head().await.unwrap(), head);

    let m = meta();
    let first = h
        .handle(m.clone(), when(), admit("ML010101"))
        .await
        .unwrap();
    assert_eq!(first.events.len(), 1);
    let again = h.handle(m, when(), admit("ML010101")).await.unwrap();
    assert!(again.already_applied);
    // Nothing is written again; the answer is the first call's events.
    assert_eq!(again.events, first.events);
    assert_eq!(h.store().head().await.unwrap(), head + 1);
}

#[tokio::test]
async fn racing_elections_never_exceed_a_posts_seats() {
    let (_dir, h) = setup().await;
    // Six communes race for two seats (one commune holds one seat): four
    // more communes of the cercle first.
    let codes = [
        "ML010101", "ML010102", "ML010103", "ML010104", "ML010105", "ML010106",
    ];
    h.handle(
        meta(),
        when(),
        TerritoryCommand::Import {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            units: codes[2..]
                .iter()
                .map(|code| UnitRow {
                    code: (*code).into(),
                    level: TerritorialLevel::Commune,
                    name: (*code).into(),
                    parent_code: Some("ML0101".into()),
                })
                .collect(),
        },
    )
    .await
    .unwrap();
    for code in codes {
        h.handle(meta(), when(), admit(code)).await.unwrap();
    }
    let body_id = Uuid::now_v7();
    let post_id = Uuid::now_v7();
    h.handle(
        meta(),
        when(),
        BodyCommand::Establish {
            body_id,
            name: "BEN".into(),
            kind: BodyKind::Organ,
            level: BodyLevel::National,
            territorial_unit: None,
            convened_by_body_id: None,
            parent_body_id: None,
            statutory_body: None,
        },
    )
    .await
    .unwrap();
    h.handle(
        meta(),
        when(),
        BodyCommand::DefinePost {
            body_id,
            post_id,
            title: "Vice-président".into(),
            seats: 2,
        },
    )
    .await
    .unwrap();
    let tasks: Vec<_> = codes
        .iter()
        .map(|code| {
            let h = h.clone();
            let member = registre_domain::streams::member_id_for(&key(code));
            tokio::spawn(async move {
                h.handle(
                    meta(),
                    when(),
                    BodyCommand::ElectOfficer {
                        body_id,
                        post_id,
                        mandate_id: Uuid::now_v7(),
                        member_id: member,
                        holder_name: "Maire".into(),
                        session_id: None,
                        starts_on: day(2016, 3, 1),
                    },
                )
                .await
            })
        })
        .collect();
    let mut elected = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => elected += 1,
            Err(CommandError::Rejected(e)) => assert_eq!(e.code(), "POST_FULL"),
            Err(CommandError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(elected, 2);
}

/// The commune `unit` succeeds the member `predecessor` on 1 January 2017,
/// inheriting its dues.
fn succession(predecessor: Uuid, unit: &str) -> MemberCommand {
    MemberCommand::Succeed {
        member_id: predecessor,
        successor_unit: key(unit),
        successor_name: String::new(),
        keep_different_name: false,
        dues_category: "rurale".into(),
        effective_on: day(2017, 1, 1),
        inherits_dues: true,
        reorganisation_id: None,
    }
}

#[tokio::test]
async fn a_succession_ends_the_predecessor_and_admits_the_successor_once() {
    let (_dir, h) = setup().await;
    h.handle(meta(), when(), admit("ML010101")).await.unwrap();
    let predecessor = registre_domain::streams::member_id_for(&key("ML010101"));
    let successor = registre_domain::streams::member_id_for(&key("ML010102"));
    let succeed = |unit: &str| succession(predecessor, unit);
    let m = meta();
    let outcome = h
        .handle(m.clone(), when(), succeed("ML010102"))
        .await
        .unwrap();
    assert_eq!(outcome.events.len(), 1);
    for id in [predecessor, successor] {
        let stream = registre_schema::StreamId::new(format!("member-{id}")).unwrap();
        let events = h.store().read_stream(&stream, 0, 10).await.unwrap();
        assert_eq!(events.last().unwrap().event_type, "MembershipSucceeded");
    }
    assert!(
        h.handle(m, when(), succeed("ML010102"))
            .await
            .unwrap()
            .already_applied
    );
    // The predecessor has left: a second succession is refused.
    let err = h
        .handle(meta(), when(), succeed("ML010102"))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(ref e) if e.code() == "MEMBER_ALREADY_LEFT"));
    // The successor is a member: admitting it again is refused.
    let err = h
        .handle(meta(), when(), admit("ML010102"))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(ref e) if e.code() == "COMMUNE_ALREADY_MEMBER"));
}

/// Copies `events` into `store`, one append per command as they were made.
async fn replay_into(store: &dyn EventStore, events: &[registre_schema::RecordedEvent]) {
    use registre_service::store::{AppendRequest, ExpectedState};
    let mut i = 0;
    while i < events.len() {
        let first = &events[i];
        let same: Vec<_> = events[i..]
            .iter()
            .take_while(|e| e.command_id == first.command_id && e.stream_id == first.stream_id)
            .collect();
        store
            .append(AppendRequest {
                stream_id: first.stream_id.clone(),
                expected: ExpectedState::Any,
                meta: CommandMeta {
                    command_id: first.command_id,
                    actor: first.actor.clone(),
                    correlation_id: first.correlation_id,
                    causation_id: first.causation_id,
                },
                events: same
                    .iter()
                    .map(|e| registre_schema::EventData {
                        id: e.id,
                        event_type: e.event_type.clone(),
                        schema_version: e.schema_version,
                        occurred_at: e.occurred_at,
                        payload: e.payload.clone(),
                    })
                    .collect(),
            })
            .await
            .unwrap();
        i += same.len();
    }
}

/// A succession is two appends. When the second was lost (the process died
/// between them), re-issuing the command with the same id completes it.
#[tokio::test]
async fn a_succession_interrupted_between_its_appends_completes_on_retry() {
    let (_dir, h) = setup().await;
    h.handle(meta(), when(), admit("ML010101")).await.unwrap();
    let predecessor = registre_domain::streams::member_id_for(&key("ML010101"));
    let succeed = succession(predecessor, "ML010102");
    let m = meta();
    h.handle(m.clone(), when(), succeed.clone()).await.unwrap();

    // The same history without its last event: the predecessor's append.
    let all = h.store().read_all(1, 10_000).await.unwrap();
    let (last, before) = all.split_last().unwrap();
    assert_eq!(last.stream_id.as_str(), format!("member-{predecessor}"));
    let dir = crate::support::scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("partial.db"))
            .await
            .unwrap(),
    );
    replay_into(&*store, before).await;
    let partial = CommandHandler::new(store.clone());

    let retried = partial.handle(m, when(), succeed).await.unwrap();
    assert!(!retried.already_applied);
    assert_eq!(retried.events.len(), 1);
    let stream = registre_schema::StreamId::new(format!("member-{predecessor}")).unwrap();
    let events = store.read_stream(&stream, 0, 10).await.unwrap();
    assert_eq!(events.last().unwrap().event_type, "MembershipSucceeded");
    assert_eq!(store.head().await.unwrap(), all.len() as u64);
}

/// Events outside the governance domain (access tokens) share the log;
/// the handler's view passes over them.
#[tokio::test]
async fn commands_work_on_a_log_that_also_holds_access_tokens() {
    use registre_service::store::ExpectedState;
    let (_dir, h) = setup().await;
    h.store()
        .append(by_system(
            "token-1",
            ExpectedState::NoStream,
            vec![event_now(
                "AccessTokenIssued",
                serde_json::json!({"name": "tableau", "role": "dashboard"}),
            )],
        ))
        .await
        .unwrap();
    let out = h.handle(meta(), when(), admit("ML010101")).await.unwrap();
    assert_eq!(out.events.len(), 1);
}

#[tokio::test]
async fn tokens_are_issued_through_the_command_path_once_per_name_and_id() {
    use registre_domain::access::AccessCommand;
    use registre_service::commands::Command;
    let (_dir, h) = setup().await;
    let issue = |token: u128, name: &str| {
        Command::Access(AccessCommand::Issue {
            token_id: Uuid::from_u128(token),
            name: name.into(),
            role: Role::Auditor,
            secret_sha256: "ab".repeat(32),
        })
    };
    let m = CommandMeta::new(Actor::system());
    let first = h
        .handle(m.clone(), when(), issue(1, "controle"))
        .await
        .unwrap();
    assert_eq!(first.events.len(), 1);
    assert_eq!(first.events[0].event_type, "AccessTokenIssued");
    // The same command id again: the first call's answer, nothing written.
    let head = h.store().head().await.unwrap();
    let again = h.handle(m, when(), issue(1, "controle")).await.unwrap();
    assert!(again.already_applied);
    assert_eq!(again.events, first.events);
    // Another command for the same name: the aggregate refuses it.
    let operator = || CommandMeta::new(Actor::system());
    let err = h
        .handle(operator(), when(), issue(2, "controle"))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(ref e) if e.code() == "TOKEN_NAME_TAKEN"));
    // Only the operator manages tokens, whatever an adapter would submit.
    let err = h
        .handle(meta(), when(), issue(3, "autre"))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(ref e) if e.code() == "OPERATOR_ONLY"));
    assert_eq!(h.store().head().await.unwrap(), head);
}

/// Two handlers on one store stand for two processes: each caches the
/// states it decided on, and the other's appends outdate that cache.
#[tokio::test]
async fn a_state_cached_by_one_handler_never_decides_past_another_handlers_appends() {
    let (_dir, a) = setup().await;
    let b = CommandHandler::new(a.store().clone());
    let member_id = registre_domain::streams::member_id_for(&key("ML010101"));
    let at = |m: u32| Utc.with_ymd_and_hms(2016, m, 1, 9, 0, 0).unwrap();
    let suspend = |m: u32| MemberCommand::Suspend {
        member_id,
        effective_on: day(2016, m, 1),
        reason: "dues".into(),
    };
    let reinstate = |m: u32| MemberCommand::Reinstate {
        member_id,
        effective_on: day(2016, m, 1),
        reason: "paid".into(),
    };
    a.handle(meta(), when(), admit("ML010101")).await.unwrap();
    a.handle(meta(), at(3), suspend(3)).await.unwrap();
    // `a` caches a suspended member; `b` reinstates it.
    b.handle(meta(), at(4), reinstate(4)).await.unwrap();
    // On its cache `a` would refuse; on the stream the suspension is valid.
    let o = a.handle(meta(), at(5), suspend(5)).await.unwrap();
    assert_eq!(o.events.len(), 1);
    // Now `a` caches a suspension it wrote; `b` reinstates again, and a
    // reinstatement by `a` (valid on its cache) must be refused by the
    // store's revision check and then by the domain on the real state.
    b.handle(meta(), at(6), reinstate(6)).await.unwrap();
    let head = a.store().head().await.unwrap();
    let err = a.handle(meta(), at(7), reinstate(7)).await.unwrap_err();
    assert!(matches!(err, CommandError::Rejected(_)), "{err}");
    assert_eq!(a.store().head().await.unwrap(), head);
}
