//! Subscriptions (and queries, mutations) over websockets, speaking
//! `graphql-transport-ws` as its protocol text says
//! (<https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>).
//!
//! Browsers cannot set headers on a websocket, so the caller authenticates
//! in the `connection_init` payload: `{"authorization": "Bearer reg_…"}`.
//! A missing or invalid token closes the socket with 4403 (Forbidden)
//! before any operation can start.
//!
//! The protocol is handled here rather than by async-graphql's
//! `http::WebSocket` because that one closes with codes the protocol does
//! not define (1011, 1002), lets a duplicate id run twice, waits for
//! `connection_init` for ever and echoes the input in its close reasons.
//! It also checked the token only once: here every operation checks it
//! again, and a revocation ends the connection at once (see
//! [`TokenRegistry::folded`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Data;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::errors::RequestId;
use super::guard::Caller;
use super::http::{GraphqlState, MAX_BODY_BYTES, refuse};
use crate::auth::Principal;
use crate::auth::TokenRegistry;
use crate::auth::registry::bearer;
use crate::language::Language;

/// How long a socket may stay open before its `connection_init` (the
/// protocol's `connectionInitWaitTimeout`): a socket that never
/// authenticates must not hold a connection for ever.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The one subprotocol spoken (the legacy `graphql-ws` of
/// subscriptions-transport-ws is not).
const PROTOCOL: &str = "graphql-transport-ws";

/// How many results of the running operations may wait for the socket
/// before they wait (a slow reader slows its own operations down, it
/// does not grow the server's memory).
const OUTGOING_QUEUE: usize = 64;

/// The ways the server closes a socket: the protocol's codes, each with a
/// short fixed reason (RFC 6455 allows 123 bytes; a reason never repeats
/// what the client sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// A frame that is not a message of the protocol.
    BadMessage,
    /// An operation before the connection was acknowledged.
    Unauthorized,
    /// A refused token, or one revoked while the socket is open.
    Forbidden,
    /// No `connection_init` within [`INIT_TIMEOUT`].
    InitTimeout,
    /// A subscribe with the id of a running operation.
    DuplicateId,
    /// A second `connection_init`.
    TooManyInits,
}

impl Close {
    pub fn code(self) -> u16 {
        match self {
            Close::BadMessage => 4400,
            Close::Unauthorized => 4401,
            Close::Forbidden => 4403,
            Close::InitTimeout => 4408,
            Close::DuplicateId => 4409,
            Close::TooManyInits => 4429,
        }
    }

    /// The reason sent with the code; the protocol's texts, except that
    /// the duplicate id is not repeated.
    pub fn reason(self) -> &'static str {
        match self {
            Close::BadMessage => "Invalid message",
            Close::Unauthorized => "Unauthorized",
            Close::Forbidden => "Forbidden",
            Close::InitTimeout => "Connection initialisation timeout",
            Close::DuplicateId => "Subscriber for this id already exists",
            Close::TooManyInits => "Too many initialisation requests",
        }
    }
}

pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

pub async fn upgrade(state: GraphqlState, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    let offered = parts
        .headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    let language = super::http::language(&parts.headers);
    if !offered {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            &crate::language::Message::new(
                "Seul le sous-protocole graphql-transport-ws est pris en charge.",
                "Only the graphql-transport-ws subprotocol is supported.",
            ),
            language,
        );
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_BODY_BYTES)
        .on_upgrade(move |socket| serve(socket, state, language))
}

/// A message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// What the operations' tasks hand to the socket.
/// A result of an operation, or (`None`) its end. Each carries the
/// operation's generation: what an operation completed by the client (or
/// replaced since) had already queued is not sent.
struct Outgoing {
    id: String,
    generation: u64,
    response: Option<async_graphql::Response>,
}

/// An operation that runs on the socket.
struct Running {
    generation: u64,
    task: JoinHandle<()>,
}

/// The authenticated side of a connection.
struct Session {
    principal: Principal,
    data: Arc<Data>,
}

type Sink = SplitSink<WebSocket, Message>;

async fn serve(socket: WebSocket, state: GraphqlState, language: Language) {
    let (mut sink, mut input) = socket.split();
    let registry = state.app.tokens().clone();
    let mut folded = registry.folded();
    let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(OUTGOING_QUEUE);
    let mut running: HashMap<String, Running> = HashMap::new();
    let mut generation = 0u64;
    let mut session: Option<Session> = None;
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    futures::pin_mut!(init_deadline);
    let close = loop {
        tokio::select! {
            () = &mut init_deadline, if session.is_none() => break Some(Close::InitTimeout),
            changed = folded.changed(), if session.is_some() => {
                let revoked = changed.is_ok()
                    && session.as_ref().is_some_and(|s| !registry.is_active(s.principal.token_id));
                if revoked {
                    // The running operations end first, as their own
                    // feeds would end them, then the socket.
                    for (id, op) in running.drain() {
                        op.task.abort();
                        let _ = send_text(&mut sink, json!({"id": id, "type": "complete"})).await;
                    }
                    break Some(Close::Forbidden);
                }
                if changed.is_err() {
                    // No registry any more: the server is stopping.
                    break None;
                }
            }
            Some(out) = out_rx.recv() => {
                let Outgoing { id, generation, response } = out;
                let current = running.get(&id).is_some_and(|r| r.generation == generation);
                let sent = if !current {
                    // Completed by the client, or its id reused since.
                    Ok(())
                } else if let Some(response) = response {
                    send_text(&mut sink, json!({"id": id, "type": "next", "payload": response})).await
                } else {
                    running.remove(&id);
                    send_text(&mut sink, json!({"id": id, "type": "complete"})).await
                };
                if sent.is_err() {
                    break None;
                }
            }
            frame = input.next() => {
                let text = match frame {
                    None | Some(Ok(Message::Close(_))) => break None,
                    // Too large (over MAX_BODY_BYTES) or not a valid frame:
                    // said as such if the socket can still carry it.
                    Some(Err(_)) => break Some(Close::BadMessage),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(b))) => match Utf8Bytes::try_from(b) {
                        Ok(t) => t,
                        Err(_) => break Some(Close::BadMessage),
                    },
                };
                let Ok(message) = serde_json::from_str::<ClientMessage>(text.as_str()) else {
                    break Some(Close::BadMessage);
                };
                match message {
                    ClientMessage::ConnectionInit { payload } => {
                        if session.is_some() {
                            break Some(Close::TooManyInits);
                        }
                        let Some(principal) = authenticate(&registry, payload) else {
                            break Some(Close::Forbidden);
                        };
                        let mut data = Data::default();
                        data.insert(Caller(principal.clone()));
                        data.insert(RequestId::new());
                        data.insert(language);
                        session = Some(Session { principal, data: Arc::new(data) });
                        if send_text(&mut sink, json!({"type": "connection_ack"})).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Ping {} => {
                        if send_text(&mut sink, json!({"type": "pong"})).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Pong {} => {}
                    ClientMessage::Subscribe { id, payload } => {
                        let Some(session) = &session else {
                            break Some(Close::Unauthorized);
                        };
                        // The token may have been revoked since the init:
                        // every operation checks it again.
                        if !registry.is_active(session.principal.token_id) {
                            break Some(Close::Forbidden);
                        }
                        if running.contains_key(&id) {
                            break Some(Close::DuplicateId);
                        }
                        generation += 1;
                        let task = spawn_operation(
                            &state,
                            session.data.clone(),
                            id.clone(),
                            generation,
                            *payload,
                            out_tx.clone(),
                        );
                        running.insert(id, Running { generation, task });
                    }
                    ClientMessage::Complete { id } => {
                        if let Some(op) = running.remove(&id) {
                            op.task.abort();
                        }
                    }
                }
            }
        }
    };
    for op in running.into_values() {
        op.task.abort();
    }
    if let Some(close) = close {
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: close.code(),
                reason: Utf8Bytes::from_static(close.reason()),
            })))
            .await;
    }
}

/// The caller a `connection_init` payload stands for.
fn authenticate(registry: &TokenRegistry, payload: Option<serde_json::Value>) -> Option<Principal> {
    let payload = payload?;
    payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"))
        .and_then(|v| v.as_str())
        .and_then(bearer)
        .and_then(|secret| registry.authenticate(secret))
}

/// Runs one operation, handing each result to the socket, then says it
/// is done.
fn spawn_operation(
    state: &GraphqlState,
    data: Arc<Data>,
    id: String,
    generation: u64,
    request: async_graphql::Request,
    out: mpsc::Sender<Outgoing>,
) -> JoinHandle<()> {
    let results = state.schema.execute_stream_with_session_data(request, data);
    tokio::spawn(async move {
        futures::pin_mut!(results);
        while let Some(response) = results.next().await {
            let next = Outgoing {
                id: id.clone(),
                generation,
                response: Some(response),
            };
            if out.send(next).await.is_err() {
                return;
            }
        }
        let _ = out
            .send(Outgoing {
                id,
                generation,
                response: None,
            })
            .await;
    })
}

async fn send_text(sink: &mut Sink, value: serde_json::Value) -> Result<(), axum::Error> {
    sink.send(Message::Text(value.to_string().into())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_are_short_and_distinct() {
        let all = [
            Close::BadMessage,
            Close::Unauthorized,
            Close::Forbidden,
            Close::InitTimeout,
            Close::DuplicateId,
            Close::TooManyInits,
        ];
        for c in all {
            assert!(c.reason().len() <= 123, "{c:?}");
        }
        let mut codes: Vec<u16> = all.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
