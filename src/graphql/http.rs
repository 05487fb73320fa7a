//! GraphQL over HTTP, following the GraphQL-over-HTTP specification.
//!
//! - POST needs `Content-Type: application/json`; anything else (notably
//!   `text/plain`, forms and multipart, which a browser sends cross-site
//!   without a preflight) is refused with 415 before anything runs, so a
//!   forged cross-site form cannot trigger a mutation.
//! - GET runs queries only; a mutation over GET is 405 (a link or an
//!   `<img>` must never change anything). GET with `Accept: text/html` and
//!   no query serves GraphiQL; GET with a websocket upgrade goes to [`ws`].
//! - The caller is authenticated (401 otherwise) before the body is read.
//! - Limits: body size (413), batch length, and the schema's depth and
//!   complexity limits.
//! - The response is `application/graphql-response+json` when the client
//!   accepts it, else `application/json`.
//!
//! [`ws`]: super::ws

use std::sync::Arc;
use std::time::Instant;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::errors::RequestId;
use super::guard::Caller;
use super::schema::RegistreSchema;
use super::ws;
use crate::auth::registry::bearer;
use crate::auth::{Principal, TokenRegistry};
use crate::metrics::{GraphqlLabels, Metrics};

/// Largest request body (and GET query string) accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most operations in one batched POST.
pub const MAX_BATCH: usize = 10;

const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What the GraphQL handlers need.
#[derive(Clone)]
pub struct GraphqlState {
    pub schema: RegistreSchema,
    pub registry: Arc<TokenRegistry>,
    pub metrics: Arc<Metrics>,
}

/// An error refused before any GraphQL ran, as a GraphQL-shaped JSON body.
pub fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn unauthorized() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        "Jeton d'accès absent, invalide ou révoqué.",
    )
}

/// The caller named by the `Authorization: Bearer` header.
pub fn authenticate(headers: &HeaderMap, registry: &TokenRegistry) -> Option<Principal> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    registry.authenticate(bearer(value)?)
}

/// The media type of a header, without parameters, lowercased.
fn media_type(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let v = headers.get(name)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(media)
        })
}

/// The kind of the operation a request would run, if its document parses
/// and names one.
fn operation_kind(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    match (doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

fn kind_label(kind: Option<OperationType>) -> &'static str {
    match kind {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "invalid",
    }
}

/// POST /graphql.
pub async fn post(State(state): State<GraphqlState>, req: Request) -> Response {
    let headers = req.headers().clone();
    if media_type(&headers, header::CONTENT_TYPE).as_deref() != Some(JSON) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Le corps d'une requête GraphQL doit être de type application/json.",
        );
    }
    let Some(principal) = authenticate(&headers, &state.registry) else {
        return unauthorized();
    };
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("Requête trop volumineuse ({MAX_BODY_BYTES} octets au plus)."),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES).await else {
        // The only failures are a body over the limit or a broken
        // connection; the client of the latter will not read this.
        return too_large();
    };
    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Le corps n'est pas une requête GraphQL en JSON valide.",
            );
        }
    };
    let label = match &batch {
        BatchRequest::Single(r) => {
            kind_label(operation_kind(&r.query, r.operation_name.as_deref()))
        }
        BatchRequest::Batch(v) if v.len() > MAX_BATCH || v.is_empty() => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BATCH_TOO_LARGE",
                &format!("Un lot contient de 1 à {MAX_BATCH} opérations."),
            );
        }
        BatchRequest::Batch(_) => "batch",
    };
    execute(&state, &headers, principal, batch, label).await
}

/// GET /graphql: GraphiQL, a websocket upgrade, or a query.
pub async fn get(State(state): State<GraphqlState>, req: Request) -> Response {
    if ws::is_upgrade(req.headers()) {
        return ws::upgrade(state, req).await;
    }
    let headers = req.headers().clone();
    let query_string = req.uri().query().unwrap_or("").to_owned();
    if query_string.is_empty() && accepts(&headers, "text/html") {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("registre")
                .finish(),
        )
        .into_response();
    }
    let Some(principal) = authenticate(&headers, &state.registry) else {
        return unauthorized();
    };
    if query_string.len() > MAX_BODY_BYTES {
        return refuse(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            "Requête trop longue.",
        );
    }
    let request = match async_graphql::http::parse_query_string(&query_string) {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Paramètres de requête GraphQL invalides.",
            );
        }
    };
    let kind = operation_kind(&request.query, request.operation_name.as_deref());
    if kind == Some(OperationType::Mutation) {
        let mut r = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Une mutation doit être envoyée en POST.",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    execute(
        &state,
        &headers,
        principal,
        BatchRequest::Single(request),
        kind_label(kind),
    )
    .await
}

async fn execute(
    state: &GraphqlState,
    headers: &HeaderMap,
    principal: Principal,
    batch: BatchRequest,
    label: &'static str,
) -> Response {
    let id = RequestId::new();
    let started = Instant::now();
    let batch = batch.data(Caller(principal)).data(id);
    let response = state.schema.execute_batch(batch).await;
    state
        .metrics
        .graphql_latency
        .get_or_create(&GraphqlLabels { operation: label })
        .observe(started.elapsed().as_secs_f64());
    respond(headers, id, response)
}

fn respond(headers: &HeaderMap, id: RequestId, response: BatchResponse) -> Response {
    let modern = accepts(headers, GRAPHQL_RESPONSE);
    // With the new media type the specification asks for 4xx when the
    // request failed before execution (parse or validation errors, which
    // have no path); with application/json it is always 200.
    let request_error = match &response {
        BatchResponse::Single(r) => {
            r.data == async_graphql::Value::Null
                && !r.errors.is_empty()
                && r.errors.iter().all(|e| e.path.is_empty())
        }
        BatchResponse::Batch(_) => false,
    };
    let status = if modern && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = match serde_json::to_vec(&response) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(request_id = %id.0, error = %e, "encoding a response failed");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                &super::errors::internal_message(id),
            );
        }
    };
    let mut r = (status, Body::from(body)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if modern { GRAPHQL_RESPONSE } else { JSON }),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&id.0.to_string()) {
        h.insert("x-request-id", v);
    }
    r
}

/// Any other method on /graphql.
pub async fn other_method(method: Method) -> Response {
    let mut r = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!("Méthode {method} non permise ; utilisez GET ou POST."),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_kinds_are_found() {
        assert_eq!(operation_kind("{ head }", None), Some(OperationType::Query));
        assert_eq!(
            operation_kind("mutation M { x } query Q { head }", Some("M")),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            operation_kind("mutation M { x } query Q { head }", None),
            None
        );
        assert_eq!(operation_kind("{", None), None);
    }

    #[test]
    fn media_types_are_compared_without_parameters() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html, application/graphql-response+json;q=0.9"),
        );
        assert_eq!(media_type(&h, header::CONTENT_TYPE).as_deref(), Some(JSON));
        assert!(accepts(&h, GRAPHQL_RESPONSE));
        assert!(accepts(&h, "text/html"));
        assert!(!accepts(&h, "text/plain"));
    }
}
