//! Subscriptions over websockets (graphql-transport-ws) against the real
//! server.

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Server, create_token, scratch, token_cli};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: SocketAddr) -> Ws {
    let mut req = format!("ws://{addr}/graphql")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket handshake");
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
    let dir = scratch();
    let db = dir.path().join("registre.db");
    create_token(&db, "auditor", "audit");
    let server = Server::start(&db);
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
    let dir = scratch();
    let db = dir.path().join("registre.db");
    let auditor = create_token(&db, "auditor", "audit");
    let dashboard = create_token(&db, "dashboard", "tableau");
    let server = Server::start(&db);

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
