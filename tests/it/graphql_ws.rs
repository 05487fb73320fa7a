//! Subscriptions over websockets (graphql-transport-ws) against the real
//! server.

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{
    Server, Ws, create_token, open_ws, scratch, serve_new, serve_territory, token_cli,
};

async fn connect(addr: SocketAddr) -> Ws {
    let (ws, resp) = open_ws(addr).await;
    assert_eq!(
        resp.headers().get("sec-websocket-protocol").unwrap(),
        "graphql-transport-ws"
    );
    ws
}

/// The next message, which must come within 10 s.
async fn next(ws: &mut Ws) -> Message {
    tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a message within 10 s")
        .expect("the socket is open")
        .expect("a readable message")
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match next(ws).await {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthenticated_init_is_closed_with_4403_before_anything_runs() {
    let (_dir, _db, server, [_]) = serve_new([("auditor", "audit")]);
    for payload in [
        json!({}),
        json!({"authorization": "Bearer reg_faux"}),
        json!(null),
    ] {
        let mut ws = connect(server.addr).await;
        send(
            &mut ws,
            json!({"type": "connection_init", "payload": payload}),
        )
        .await;
        // A subscribe sent right after must not run.
        let _ = ws
            .send(Message::Text(
                json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { events(from: 1) { position } }"}})
                    .to_string()
                    .into(),
            ))
            .await;
        match next(&mut ws).await {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, CloseCode::from(4403), "{payload}")
            }
            other => panic!("expected a close frame for {payload}, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_gets_the_backlog_then_live_events_and_roles_apply() {
    let (_dir, db, server, [auditor, dashboard]) =
        serve_new([("auditor", "audit"), ("dashboard", "tableau")]);

    let mut ws = connect(server.addr).await;
    send(&mut ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {auditor}")}})).await;
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    send(
        &mut ws,
        json!({"id": "feed", "type": "subscribe", "payload": {"query":
            "subscription { events(from: 1, streamCategory: \"token\") { position eventType payload } }"}}),
    )
    .await;
    // The backlog: the two tokens issued before the server started.
    for expected in [1, 2] {
        let m = next_json(&mut ws).await;
        assert_eq!(m["type"], "next", "{m}");
        assert_eq!(m["payload"]["data"]["events"]["position"], expected, "{m}");
    }
    // Live: an event appended by another process while subscribed.
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || create_token(&db2, "secretariat", "sp"))
        .await
        .unwrap();
    let m = next_json(&mut ws).await;
    assert_eq!(m["payload"]["data"]["events"]["position"], 3, "{m}");
    assert_eq!(
        m["payload"]["data"]["events"]["payload"]["name"], "sp",
        "{m}"
    );

    // A dashboard may not read raw events.
    let mut ws2 = connect(server.addr).await;
    send(&mut ws2, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {dashboard}")}})).await;
    assert_eq!(next_json(&mut ws2).await["type"], "connection_ack");
    send(
        &mut ws2,
        json!({"id": "x", "type": "subscribe", "payload": {"query": "subscription { events(from: 1) { position } }"}}),
    )
    .await;
    let m = next_json(&mut ws2).await;
    let errors = if m["type"] == "error" {
        &m["payload"]
    } else {
        &m["payload"]["errors"]
    };
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{m}");

    // Revoking the auditor ends its subscription at the next event.
    let db3 = db.clone();
    tokio::task::spawn_blocking(move || {
        assert!(token_cli(&db3, &["revoke", "audit"]).0);
    })
    .await
    .unwrap();
    let m = next_json(&mut ws).await;
    assert_eq!(m["type"], "complete", "{m}");
}

async fn subscribe_as(addr: SocketAddr, token: &str, id: &str, query: &str) -> Ws {
    let mut ws = connect(addr).await;
    send(
        &mut ws,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    send(
        &mut ws,
        json!({"id": id, "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    ws
}

/// The data of the next `next` message, which must carry no error.
async fn next_data(ws: &mut Ws, field: &str) -> Value {
    let m = next_json(ws).await;
    assert_eq!(m["type"], "next", "{m}");
    assert!(m["payload"].get("errors").is_none(), "{m}");
    m["payload"]["data"][field].clone()
}

fn run_mutation(addr: SocketAddr, token: &str, field: &str, args: &str) -> Value {
    crate::graphql_mutations::ok(addr, token, field, args)
}

fn admit(addr: SocketAddr, token: &str, code: &str, name: &str) -> Value {
    run_mutation(
        addr,
        token,
        "admitCommune",
        &format!(
            r#"unit: {{scheme: "ocha-pcode", edition: "2015", code: "{code}"}}, name: "{name}", duesCategory: "rurale", admittedOn: "2020-01-15", deliberationRef: "D", decisionRef: "B""#
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_changes_and_the_region_feed_give_the_backlog_then_live_changes() {
    let (_dir, _db, server, [sec, auditor, dashboard]) = serve_territory([
        ("secretariat", "sp"),
        ("auditor", "audit"),
        ("dashboard", "tableau"),
    ]);
    let a = server.addr;
    let blocking = |f: Box<dyn FnOnce() -> Value + Send>| tokio::task::spawn_blocking(f);

    let head = blocking(Box::new({
        let (t, s) = (auditor.clone(), sec.clone());
        move || {
            run_mutation(
                a,
                &s,
                "adoptStatutes",
                r#"statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts constitutifs""#,
            );
            crate::support::graphql(a, &t, "{ head }").json()["data"]["head"].clone()
        }
    }))
    .await
    .unwrap()
    .as_u64()
    .unwrap();
    // Before subscribing: a commune of Kayes (ML01) and one of Koulikoro (ML02).
    let kayes = blocking(Box::new({
        let t = sec.clone();
        move || admit(a, &t, "ML010101", "Bangassi")
    }))
    .await
    .unwrap();
    let koulikoro = blocking(Box::new({
        let t = sec.clone();
        move || admit(a, &t, "ML020101", "Dinandougou")
    }))
    .await
    .unwrap();

    let from = head + 1;
    let mut changes = subscribe_as(
        a,
        &dashboard,
        "changes",
        &format!(
            "subscription {{ registerChanged(registers: [MEMBERSHIP], from: {from}) {{ position eventType registers entityIds }} }}"
        ),
    )
    .await;
    let mut region = subscribe_as(
        a,
        &auditor,
        "region",
        &format!(
            "subscription {{ events(from: {from}, region: \"ML01\") {{ position eventType streamId }} }}"
        ),
    )
    .await;

    // The backlog: both admissions, in log order, for the register...
    for admitted in [&kayes, &koulikoro] {
        let c = next_data(&mut changes, "registerChanged").await;
        assert_eq!(c["position"], admitted["events"][0]["position"], "{c}");
        assert_eq!(c["eventType"], "CommuneAdmitted", "{c}");
        assert_eq!(c["registers"], json!(["MEMBERSHIP"]), "{c}");
        let member = format!("member:{}", admitted["entityId"].as_str().unwrap());
        assert!(
            c["entityIds"].as_array().unwrap().contains(&json!(member)),
            "{c}"
        );
    }
    // ...and only Kayes' for the region.
    let e = next_data(&mut region, "events").await;
    assert_eq!(e["position"], kayes["events"][0]["position"], "{e}");

    // Live: a new body changes no membership row and is not sent; a dues
    // schedule changes every member's dues and is; suspending each commune
    // is, and Kayes' reaches the region feed.
    let later = blocking(Box::new({
        let t = sec.clone();
        let (k, o) = (
            kayes["entityId"].as_str().unwrap().to_owned(),
            koulikoro["entityId"].as_str().unwrap().to_owned(),
        );
        move || {
            run_mutation(
                a,
                &t,
                "establishBody",
                r#"name: "Bureau Exécutif National", kind: ORGAN, level: NATIONAL"#,
            );
            let mut out = vec![run_mutation(
                a,
                &t,
                "setDuesSchedule",
                r#"year: 2024, tiers: [{category: "rurale", amountXof: 50000}], dueOn: "2024-03-31""#,
            )];
            for m in [o, k] {
                out.push(run_mutation(
                    a,
                    &t,
                    "suspendMember",
                    &format!(r#"memberId: "{m}", effectiveOn: "2024-06-01", reason: "Arriérés""#),
                ));
            }
            json!(out)
        }
    }))
    .await
    .unwrap();
    let later = later.as_array().unwrap();
    let c = next_data(&mut changes, "registerChanged").await;
    assert_eq!(c["position"], later[0]["events"][0]["position"], "{c}");
    assert_eq!(c["eventType"], "DuesScheduleSet", "{c}");
    assert_eq!(c["registers"], json!(["MEMBERSHIP"]), "{c}");
    for suspended in &later[1..] {
        let c = next_data(&mut changes, "registerChanged").await;
        assert_eq!(c["position"], suspended["events"][0]["position"], "{c}");
        assert_eq!(c["eventType"], "MemberSuspended", "{c}");
    }
    let e = next_data(&mut region, "events").await;
    assert_eq!(e["position"], later[2]["events"][0]["position"], "{e}");
    assert_eq!(e["eventType"], "MemberSuspended", "{e}");

    // On receipt, the read models already show the change.
    let kayes_id = kayes["entityId"].as_str().unwrap().to_owned();
    let status = blocking(Box::new({
        let t = dashboard.clone();
        move || {
            crate::support::graphql(
                a,
                &t,
                &format!(r#"{{ member(id: "{kayes_id}") {{ status }} }}"#),
            )
            .json()["data"]["member"]["status"]
                .clone()
        }
    }))
    .await
    .unwrap();
    assert_eq!(status, "SUSPENDED");
}

/// The next frame must close the socket: its code and reason.
async fn closed(ws: &mut Ws) -> (u16, String) {
    loop {
        match next(ws).await {
            Message::Close(Some(frame)) => {
                return (u16::from(frame.code), frame.reason.as_str().to_owned());
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

async fn init(ws: &mut Ws, token: &str) {
    send(
        ws,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    assert_eq!(next_json(ws).await["type"], "connection_ack");
}

fn head(addr: SocketAddr, token: &str) -> Value {
    crate::support::graphql(addr, token, "{ head }").json()["data"]["head"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_while_its_socket_is_open_can_do_nothing_more_on_it() {
    let (_dir, db, server, [sec, auditor]) =
        serve_new([("secretariat", "sp"), ("auditor", "audit")]);
    let a = server.addr;
    let mut for_mutation = connect(a).await;
    init(&mut for_mutation, &sec).await;
    let mut for_subscription = connect(a).await;
    init(&mut for_subscription, &sec).await;

    // Revoked through the log, as `registre token revoke` does; once the
    // server knows (HTTP answers 401), the open sockets must know too.
    let (sec2, db2, auditor2) = (sec.clone(), db.clone(), auditor.clone());
    let head_after_revocation = tokio::task::spawn_blocking(move || {
        assert!(token_cli(&db2, &["revoke", "sp"]).0);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while crate::support::graphql(a, &sec2, "{ head }").status != 401 {
            assert!(std::time::Instant::now() < deadline, "revocation not seen");
            std::thread::sleep(Duration::from_millis(50));
        }
        head(a, &auditor2)
    })
    .await
    .unwrap();

    let _ = for_mutation
        .send(Message::Text(
            json!({"id": "m", "type": "subscribe", "payload": {"query":
                r#"mutation { adoptStatutes(statutes: {effectiveFrom: "2001-02-01"}, reference: "Statuts") { position } }"#}})
            .to_string()
            .into(),
        ))
        .await;
    assert_eq!(closed(&mut for_mutation).await.0, 4403);
    let _ = for_subscription
        .send(Message::Text(
            json!({"id": "s", "type": "subscribe", "payload": {"query": "subscription { events(from: 1) { position } }"}})
                .to_string()
                .into(),
        ))
        .await;
    assert_eq!(closed(&mut for_subscription).await.0, 4403);

    // Nothing was appended.
    let now = tokio::task::spawn_blocking(move || head(a, &auditor))
        .await
        .unwrap();
    assert_eq!(now, head_after_revocation);
    assert!(now.is_u64(), "{now}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_subscription_of_a_revoked_token_ends_and_its_socket_closes_with_4403() {
    let (_dir, db, server, [auditor]) = serve_new([("auditor", "audit")]);
    // Live only: no event comes after the revocation but the revocation.
    let mut ws = subscribe_as(
        server.addr,
        &auditor,
        "live",
        "subscription { events(streamCategory: \"member\") { position } }",
    )
    .await;
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || assert!(token_cli(&db2, &["revoke", "audit"]).0))
        .await
        .unwrap();
    let m = next_json(&mut ws).await;
    assert_eq!(m["type"], "complete", "{m}");
    assert_eq!(closed(&mut ws).await.0, 4403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_faults_close_with_the_protocol_codes_and_short_fixed_reasons() {
    let (_dir, _db, server, [auditor]) = serve_new([("auditor", "audit")]);
    let a = server.addr;
    let long_id = "x".repeat(300);
    let subscribe = |id: &str| json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { events(from: 1) { position } }"}});

    // Before connection_init: 4401.
    let mut ws = connect(a).await;
    send(&mut ws, subscribe("1")).await;
    assert_eq!(closed(&mut ws).await, (4401, "Unauthorized".into()));

    // Not a message of the protocol: 4400, whatever was sent, and the
    // reason never repeats it.
    let bad: Vec<Message> = vec![
        Message::Text("pas du JSON".into()),
        Message::Text(json!({"type": "inconnu"}).to_string().into()),
        Message::Text(
            json!({"type": "subscribe", "id": long_id, "payload": long_id})
                .to_string()
                .into(),
        ),
        Message::Binary(vec![0xff, 0xfe].into()),
        // Larger than a request may be (256 KiB).
        Message::Text("x".repeat(300 * 1024).into()),
    ];
    for frame in bad {
        let mut ws = connect(a).await;
        let _ = ws.send(frame.clone()).await;
        let (code, reason) = closed(&mut ws).await;
        assert_eq!(code, 4400, "{}", frame.len());
        assert!(reason.len() <= 123 && !reason.contains("xxx"), "{reason}");
    }

    // A ping is answered before and after the init.
    let mut ws = connect(a).await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
    init(&mut ws, &auditor).await;
    send(&mut ws, json!({"type": "ping", "payload": {}})).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
    // A second init: 4429.
    send(&mut ws, json!({"type": "connection_init", "payload": {}})).await;
    assert_eq!(
        closed(&mut ws).await,
        (4429, "Too many initialisation requests".into())
    );

    // The id of a running subscription: 4409, without the id.
    let mut ws = connect(a).await;
    init(&mut ws, &auditor).await;
    send(&mut ws, subscribe(&long_id)).await;
    assert_eq!(next_json(&mut ws).await["type"], "next");
    send(&mut ws, subscribe(&long_id)).await;
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, 4409);
    assert!(reason.len() <= 123 && !reason.contains("xxx"), "{reason}");

    // Once completed by the client, an id may be used again.
    let mut ws = connect(a).await;
    init(&mut ws, &auditor).await;
    send(&mut ws, subscribe("r")).await;
    assert_eq!(next_json(&mut ws).await["type"], "next");
    send(&mut ws, json!({"id": "r", "type": "complete"})).await;
    send(&mut ws, subscribe("r")).await;
    loop {
        let m = next_json(&mut ws).await;
        assert_eq!(m["type"], "next", "{m}");
        if m["payload"]["data"]["events"]["position"] == 1 {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let dir = scratch();
    let server = Server::start(&dir.path().join("registre.db"));
    let mut ws = connect(server.addr).await;
    // The bound is 10 s; wait up to three times as long for the close.
    let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .expect("closed within 30 s")
        .expect("a frame")
        .expect("a readable frame");
    match frame {
        Message::Close(Some(f)) => assert_eq!(u16::from(f.code), 4408),
        other => panic!("expected a close frame, got {other:?}"),
    }
}
