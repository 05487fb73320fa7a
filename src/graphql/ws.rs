//! Subscriptions over websockets (`graphql-transport-ws`).
//!
//! Browsers cannot set headers on a websocket, so the caller authenticates
//! in the `connection_init` payload: `{"authorization": "Bearer reg_…"}`.
//! A missing or invalid token closes the socket with 4403 (Forbidden)
//! before any subscription can start: async-graphql refuses `subscribe`
//! messages until the init succeeded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::Data;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};

use super::errors::RequestId;
use super::guard::Caller;
use super::http::{GraphqlState, MAX_BODY_BYTES, refuse};
use crate::auth::registry::bearer;

/// Close code for a refused `connection_init` (graphql-transport-ws).
pub const CLOSE_FORBIDDEN: u16 = 4403;

/// The one subprotocol spoken (the legacy `graphql-ws` of
/// subscriptions-transport-ws is not).
const PROTOCOL: &str = "graphql-transport-ws";

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
    if !offered {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Seul le sous-protocole graphql-transport-ws est pris en charge.",
        );
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_BODY_BYTES)
        .on_upgrade(move |socket| serve(socket, state))
}

async fn serve(socket: WebSocket, state: GraphqlState) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|m| futures::future::ready(m.is_ok()))
        .filter_map(|m| {
            futures::future::ready(match m {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });
    let refused = Arc::new(AtomicBool::new(false));
    let registry = state.registry.clone();
    let on_init = {
        let refused = refused.clone();
        move |payload: serde_json::Value| async move {
            let principal = payload
                .get("authorization")
                .or_else(|| payload.get("Authorization"))
                .and_then(|v| v.as_str())
                .and_then(bearer)
                .and_then(|secret| registry.authenticate(secret));
            match principal {
                Some(p) => {
                    let mut data = Data::default();
                    data.insert(Caller(p));
                    data.insert(RequestId::new());
                    Ok(data)
                }
                None => {
                    refused.store(true, Ordering::SeqCst);
                    Err(async_graphql::Error::new("Forbidden"))
                }
            }
        }
    };
    let messages = async_graphql::http::WebSocket::new(
        state.schema.clone(),
        input,
        WebSocketProtocols::GraphQLWS,
    )
    .on_connection_init(on_init)
    .map(move |msg| match msg {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Close(code, reason) => {
            // async-graphql closes a refused init with 1002; the
            // protocol asks for 4403 Forbidden.
            let code = if refused.load(Ordering::SeqCst) {
                CLOSE_FORBIDDEN
            } else {
                code
            };
            Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }))
        }
    });
    futures::pin_mut!(messages);
    while let Some(m) = messages.next().await {
        if sink.send(m).await.is_err() {
            break;
        }
    }
}
