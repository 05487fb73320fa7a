//! As-of states: a past state of the read models is the fold of the log
//! up to that point, whether it comes from a checkpoint, the cache or a
//! replay from the start; the API's `asOf` equals `registre replay
//! --as-of`, and `diff` lists what changed between two dates.

use std::sync::Arc;

use registre_projections::{ReadModel, ReadModels};
use registre_schema::Position;
use registre_service::commands::CommandHandler;
use registre_service::demo::{self, DemoSize};
use registre_service::projector::as_of::{AsOfDate, AsOfError, AsOfService};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, MAX_READ_BATCH};

use crate::support::{Server, create_token, demo_log, graphql, registre, scratch, sqlite_url};

/// The read models folded from the start of the log up to `to`.
async fn fold(store: &dyn EventStore, to: Position) -> ReadModels {
    let mut models = ReadModels::default();
    let mut next = 1;
    while next <= to {
        let batch = store
            .read_all(next, MAX_READ_BATCH.min((to - next + 1) as usize))
            .await
            .unwrap();
        for e in &batch {
            models.apply(e).unwrap();
        }
        next += batch.len() as u64;
    }
    models
}

/// A store the demo history (40 communes over 3 years, drawn from `seed`)
/// is written into in process: its directory, the store and its head.
async fn seeded(seed: u64) -> (tempfile::TempDir, Arc<dyn EventStore>, u64) {
    let dir = scratch();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(&dir.path().join("r.db")).await.unwrap());
    let handler = CommandHandler::new(store.clone());
    demo::seed(
        &handler,
        seed,
        DemoSize {
            communes: 40,
            years: 3,
        },
    )
    .await
    .unwrap();
    let head = store.head().await.unwrap();
    (dir, store, head)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_states_equal_a_fold_from_the_start_through_checkpoints_and_cache() {
    let (dir, store, head) = seeded(7).await;
    assert!(head > 400, "{head}");
    let checkpoints = dir.path().join("as-of");
    let svc = AsOfService::new(store.clone(), Some(checkpoints.clone()), 100);
    // Given a query deep in the log, then the missing checkpoints it
    // passed are written.
    let p = head - 3;
    let got = svc.at(p).await.unwrap();
    assert_eq!(got.digests(), fold(&*store, p).await.digests());
    assert_eq!(got.position, p);
    let files = std::fs::read_dir(&checkpoints).unwrap().count() as u64;
    assert_eq!(files, p / 100);
    // Positions on, before and after a checkpoint, and the ends.
    for p in [0, 1, 99, 100, 101, 250, 300, head] {
        assert_eq!(
            svc.at(p).await.unwrap().digests(),
            fold(&*store, p).await.digests(),
            "position {p}"
        );
    }
    // A damaged checkpoint is ignored: a new service (empty cache) on
    // the same directory still answers right.
    let damaged = std::fs::read_dir(&checkpoints)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("000000000200"))
        .unwrap();
    std::fs::write(&damaged, b"{\"model\":\"read_models\"}\nnot json").unwrap();
    let fresh = AsOfService::new(store.clone(), Some(checkpoints.clone()), 100);
    assert_eq!(
        fresh.at(250).await.unwrap().digests(),
        fold(&*store, 250).await.digests()
    );
    // Beyond the end of the log: a typed error.
    assert!(matches!(
        svc.at(head + 1).await,
        Err(AsOfError::BeyondHead { .. })
    ));
    // The background writer covers the whole log.
    let last = fresh.checkpoint_to(head).await.unwrap();
    assert_eq!(last, head / 100 * 100);

    // A date: the last position recorded at or before it.
    let events = store.read_all(1, MAX_READ_BATCH).await.unwrap();
    assert_eq!(events.len() as u64, head);
    for k in [0usize, 57, 211, events.len() - 1] {
        let t = events[k].recorded_at;
        let p = svc.position_at(AsOfDate::AtOrBefore(t)).await.unwrap();
        assert!(p >= events[k].position);
        assert!(events[..p as usize].iter().all(|e| e.recorded_at <= t));
        assert!(events[p as usize..].iter().all(|e| e.recorded_at > t));
    }
    let before_all = events[0].recorded_at - chrono::Duration::seconds(1);
    assert_eq!(
        svc.position_at(AsOfDate::AtOrBefore(before_all))
            .await
            .unwrap(),
        0
    );

    // With the checkpoints written, an answer replays at most one interval.
    let start = fresh.replay_start(head - 1).await;
    assert!(
        start < head && head - 1 - start < 100,
        "replays from {start} to reach {}",
        head - 1
    );
    assert_eq!(
        fresh.at(head - 1).await.unwrap().digests(),
        fold(&*store, head - 1).await.digests()
    );
}

/// `registre replay` output: the position and each model's digest.
fn replay(db: &std::path::Path, args: &[&str]) -> (u64, Vec<(String, String)>) {
    let o = registre()
        .args(["replay", "--store", &sqlite_url(db)])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut lines = out.lines();
    let position = lines
        .next()
        .unwrap()
        .strip_prefix("position ")
        .and_then(|l| l.split(':').next())
        .unwrap()
        .parse()
        .unwrap();
    let digests = lines
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap().to_owned(), w.next().unwrap().to_owned())
        })
        .collect();
    (position, digests)
}

#[test]
fn as_of_a_past_date_over_graphql_equals_the_offline_replay() {
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let events = demo_log(&db, "30", "2");
    let dashboard = create_token(&db, "dashboard", "tableau");
    let server = Server::start(&db);
    for k in [events.len() / 3, events.len() / 2] {
        let instant = events[k].recorded_at.to_rfc3339();
        let (position, digests) = replay(&db, &["--as-of", &instant]);
        let j = graphql(
            server.addr,
            &dashboard,
            &format!(
                "{{ asOf(date: \"{instant}\") {{ position date digests {{ model digest }} \
                   memberCounts {{ status count }} members(status: \"active\", first: 60) {{ memberId }} \
                   duesPositions(year: 2024, first: 50) {{ memberId balance }} resolutions(first: 50) {{ motionId result }} }} }}"
            ),
        )
        .json();
        let a = &j["data"]["asOf"];
        assert_eq!(a["position"].as_u64(), Some(position), "{j}");
        let served: Vec<(String, String)> = a["digests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["model"].as_str().unwrap().to_owned(),
                    d["digest"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(served, digests);
        // The same by position.
        let j = graphql(
            server.addr,
            &dashboard,
            &format!("{{ asOf(position: {position}) {{ digests {{ digest }} }} }}"),
        )
        .json();
        assert_eq!(
            j["data"]["asOf"]["digests"][0]["digest"].as_str(),
            Some(digests[0].1.as_str())
        );
        let active = a["memberCounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == "active")
            .map_or(0, |c| c["count"].as_u64().unwrap());
        assert_eq!(a["members"].as_array().unwrap().len() as u64, active);
    }
    // What changed between a third of the way and the end.
    let from = events[events.len() / 3].recorded_at.to_rfc3339();
    let to = events.last().unwrap().recorded_at.to_rfc3339();
    let j = graphql(
        server.addr,
        &dashboard,
        &format!(
            "{{ diff(from: \"{from}\", to: \"{to}\") {{ fromPosition toPosition memberChanges \
               members {{ memberId before after }} resolutionChanges resolutions {{ title before after }} }} }}"
        ),
    )
    .json();
    let d = &j["data"]["diff"];
    assert!(d["fromPosition"].as_u64() < d["toPosition"].as_u64(), "{j}");
    assert_eq!(
        d["members"].as_array().unwrap().len() as u64,
        d["memberChanges"].as_u64().unwrap().min(100)
    );
    assert!(
        d["memberChanges"].as_u64().unwrap() + d["resolutionChanges"].as_u64().unwrap() > 0,
        "{j}"
    );
    for m in d["members"].as_array().unwrap() {
        assert_ne!(m["before"], m["after"]);
    }
    // Bad arguments are refused plainly.
    for q in [
        "{ asOf { position } }",
        "{ asOf(position: 1, date: \"2024-01-01\") { position } }",
        "{ asOf(date: \"hier\") { position } }",
        "{ asOf(position: 99999999) { position } }",
        "{ diff(from: \"2030-01-01\", to: \"2020-01-01\") { toPosition } }",
    ] {
        let j = graphql(server.addr, &dashboard, q).json();
        assert_eq!(
            j["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{q}: {j}"
        );
    }
}

/// The nodes of a connection in a GraphQL answer.
fn nodes(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {v}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_model_queries_as_of_a_past_point_equal_a_replay_stopped_there() {
    use async_graphql::Request;
    use registre_projections::membership::MemberFilter;
    use registre_projections::resolutions::ResolutionFilter;
    use registre_schema::Role;
    use registre_service::application::Application;
    use registre_service::auth::{Principal, TokenRegistry};
    use registre_service::graphql::{Caller, build_schema};
    use registre_service::projector::Projector;
    use serde_json::json;

    let (_dir, store, head) = seeded(11).await;
    let (registry, _follower) = TokenRegistry::start(store.clone()).await.unwrap();
    let live: Projector<ReadModels> = Projector::start(store.clone(), None).await.unwrap();
    live.wait_for(head, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let app = Application::new(store.clone(), registry)
        .with_read_models(live)
        .with_past_states(AsOfService::new(store.clone(), None, 100));
    let schema = build_schema(Arc::new(app));
    let caller = Caller(Principal {
        token_id: uuid::Uuid::now_v7(),
        name: "tableau".into(),
        role: Role::Dashboard,
    });
    let run = |q: String| {
        let (schema, caller) = (&schema, caller.clone());
        async move {
            let r = schema.execute(Request::new(q.clone()).data(caller)).await;
            (r.data.into_json().unwrap(), r.errors)
        }
    };

    // Half-way, and at least past the first dues schedule and the first
    // decided motion, so every register compared holds something.
    let events = store.read_all(1, MAX_READ_BATCH).await.unwrap();
    let first = |t: &str| {
        events
            .iter()
            .find(|e| e.event_type == t)
            .unwrap_or_else(|| panic!("the demo records a {t}"))
            .position
    };
    let past = (head / 2)
        .max(first("DuesScheduleSet") + 1)
        .max(first("MotionAdopted") + 1);
    assert!(past < head);
    let replayed = fold(&*store, past).await;
    let year = *replayed
        .dues
        .schedules
        .keys()
        .next()
        .expect("a dues schedule");
    let judged = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let selection = |point: &str| {
        format!(
            "{{ members(asOf: {point}, first: 500) {{ position totalCount edges {{ node {{ id status history {{ totalCount }} }} }} }} \
               resolutions(asOf: {point}, first: 500) {{ totalCount edges {{ node {{ id result votesFor }} }} }} \
               sessions(asOf: {point}, first: 500) {{ totalCount }} bodies(asOf: {point}) {{ totalCount }} \
               minutesRegister(asOf: {point}) {{ totalCount }} memberCounts(asOf: {point}) {{ position total }} \
               dues(year: {year}, judgedOn: \"{judged}\", asOf: {point}, first: 500) {{ edges {{ node {{ memberId balance }} }} }} \
               indicators(asOf: {point}) {{ position sessionsConvened quorumReached quorumFailed }} }}"
        )
    };
    let (got, errors) = run(selection(&format!("{{position: {past}}}"))).await;
    assert!(errors.is_empty(), "{errors:?}");

    // What the registers held at `past`, from the replay.
    let mut members: Vec<_> = replayed
        .membership
        .members(&MemberFilter::default())
        .into_iter()
        .map(|m| {
            json!({"id": m.member_id.to_string(), "status": m.status.as_str().to_uppercase(),
                   "history": {"totalCount": m.history.len()}})
        })
        .collect();
    members.sort_by_key(|m| m["id"].as_str().unwrap().to_owned());
    assert_eq!(got["members"]["position"], past);
    assert_eq!(nodes(&got["members"]), members);
    let mut motions: Vec<_> = replayed
        .resolutions
        .list(&ResolutionFilter::default())
        .into_iter()
        .map(|r| {
            (
                r.motion_id.to_string(),
                format!("{:?}", r.result).to_uppercase(),
                r.votes_for,
            )
        })
        .collect();
    motions.sort();
    let mut served: Vec<_> = nodes(&got["resolutions"])
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
                r["votesFor"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    served.sort();
    assert_eq!(served, motions);
    assert_eq!(
        got["sessions"]["totalCount"],
        replayed.sessions.sessions.len()
    );
    assert_eq!(got["bodies"]["totalCount"], replayed.bodies.bodies.len());
    assert_eq!(
        got["minutesRegister"]["totalCount"],
        replayed.minutes.minutes.len()
    );
    assert_eq!(got["memberCounts"]["position"], past);
    let mut dues: Vec<_> = replayed
        .dues
        .positions_for_year(year, judged)
        .into_iter()
        .map(|d| json!({"memberId": d.member_id.to_string(), "balance": d.balance}))
        .collect();
    dues.sort_by_key(|d| d["memberId"].as_str().unwrap().to_owned());
    assert!(!members.is_empty(), "members at {past}");
    assert!(!motions.is_empty(), "motions at {past}");
    assert!(!dues.is_empty(), "dues of {year} at {past}");
    assert_eq!(nodes(&got["dues"]), dues);
    let i = &replayed.indicators;
    assert_eq!(
        got["indicators"],
        json!({"position": past, "sessionsConvened": i.sessions_convened,
               "quorumReached": i.quorum_reached, "quorumFailed": i.quorum_failed})
    );

    // The live registers have moved on since: the answer above is not theirs.
    let (now, errors) = run("{ resolutions { totalCount } members { position } }".into()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(now["members"]["position"], head);
    assert_ne!(
        now["resolutions"]["totalCount"],
        got["resolutions"]["totalCount"]
    );

    // By date: the same as by the position that date stands for.
    let instant = events[past as usize - 1].recorded_at;
    let at = AsOfService::new(store.clone(), None, 100)
        .position_at(AsOfDate::AtOrBefore(instant))
        .await
        .unwrap();
    let (by_date, errors) = run(selection(&format!(
        "{{date: \"{}\"}}",
        instant.to_rfc3339()
    )))
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    let (by_position, _) = run(selection(&format!("{{position: {at}}}"))).await;
    assert_eq!(by_date, by_position);

    // asOf with minPosition, beyond the log, or not a date: refused.
    for q in [
        "{ members(asOf: {position: 1}, minPosition: 1) { totalCount } }".to_owned(),
        format!(
            "{{ member(id: \"{}\", asOf: {{position: {}}}) {{ id }} }}",
            uuid::Uuid::nil(),
            head + 1
        ),
        "{ indicators(asOf: {date: \"hier\"}) { position } }".into(),
    ] {
        let (data, errors) = run(q.clone()).await;
        let code = errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .cloned();
        assert_eq!(
            code,
            Some(async_graphql::Value::from("BAD_USER_INPUT")),
            "{q}: {errors:?}"
        );
        assert_eq!(data, serde_json::Value::Null, "{q}");
    }
    // Naming both points, or none, does not pass validation.
    for point in ["{}", "{position: 1, date: \"2024-01-01\"}"] {
        let (_, errors) = run(format!("{{ sessions(asOf: {point}) {{ totalCount }} }}")).await;
        assert!(!errors.is_empty(), "{point}");
    }
}

/// The state a replay stopped by date reaches: every event recorded at or
/// before `t`, found by reading the log from the start (not by the
/// service's binary search).
async fn fold_until(store: &dyn EventStore, t: chrono::DateTime<chrono::Utc>) -> ReadModels {
    let mut models = ReadModels::default();
    let mut next = 1;
    'read: loop {
        let batch = store.read_all(next, MAX_READ_BATCH).await.unwrap();
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            if e.recorded_at > t {
                break 'read;
            }
            models.apply(e).unwrap();
            next = e.position + 1;
        }
    }
    models
}

/// What `registre bench as-of` checks at 100,000+ events, at a scale a
/// test can afford: on the generated history (payments and sessions
/// written in bulk, not only the demo), past positions and dates answered
/// as the server answers them, on a fresh service over written
/// checkpoints and again from its cache, equal a replay stopped there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_on_a_generated_history_equals_a_replay_stopped_there() {
    let dir = scratch();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(&dir.path().join("h.db")).await.unwrap());
    let handler = CommandHandler::new(store.clone());
    let report = registre_bench::history::generate(&handler, 3, 9_000)
        .await
        .unwrap();
    let head = store.head().await.unwrap();
    assert_eq!(report.events as u64, head);
    assert!(
        report.appends > 0,
        "the bulk phase wrote nothing: {report:?}"
    );
    let interval = 700;
    let checkpoints = dir.path().join("as-of");
    let last = AsOfService::new(store.clone(), Some(checkpoints.clone()), interval)
        .checkpoint_to(head)
        .await
        .unwrap();
    assert_eq!(last, head / interval * interval);

    for p in [
        1,
        interval - 1,
        interval,
        2 * interval + 333,
        head - 5,
        head,
    ] {
        let want = fold(&*store, p).await;
        let svc = AsOfService::new(store.clone(), Some(checkpoints.clone()), interval);
        for round in ["cold", "warm"] {
            let got = svc.at(p).await.unwrap();
            assert_eq!(got.position, p, "{round} at position {p}");
            assert_eq!(got.digests(), want.digests(), "{round} at position {p}");
        }
    }
    let events = store.read_all(head / 3, 1).await.unwrap();
    let later = store.read_all(head * 4 / 5, 1).await.unwrap();
    for e in [&events[0], &later[0]] {
        let t = e.recorded_at;
        let want = fold_until(&*store, t).await;
        assert!(want.position >= e.position);
        let svc = AsOfService::new(store.clone(), Some(checkpoints.clone()), interval);
        for round in ["cold", "warm"] {
            let p = svc.position_at(AsOfDate::AtOrBefore(t)).await.unwrap();
            let got = svc.at(p).await.unwrap();
            assert_eq!(got.position, want.position, "{round} at {t}");
            assert_eq!(got.digests(), want.digests(), "{round} at {t}");
        }
    }
}
