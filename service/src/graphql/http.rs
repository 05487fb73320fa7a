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
//! - Limits: body size (413), batch length, a body without `query` (400),
//!   the nesting of the text and variables (400, before anything parses
//!   them; see [`limits`]), and the schema's depth and complexity limits.
//! - The response is `application/graphql-response+json` when the client
//!   accepts it, else `application/json`.
//!
//! [`ws`]: super::ws

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::errors::RequestId;
use super::guard::Caller;
use super::limits;
use super::read_models::today;
use super::response_cache::{self, Cached, Epoch, Key, ResponseCache};
use super::schema::RegistreSchema;
use super::ws;
use crate::application::Application;
use crate::auth::registry::bearer;
use crate::auth::{Principal, TokenRegistry};
use crate::language::{Language, Message};
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
    /// Its tokens authenticate callers; its read models are what cached
    /// answers were computed from (none served: nothing cached).
    pub app: Arc<Application>,
    pub metrics: Arc<Metrics>,
    pub cache: Arc<ResponseCache>,
}

impl GraphqlState {
    /// The read models' position and today, when read models are served.
    fn epoch(&self) -> Option<Epoch> {
        let position = self.app.read_models()?.read(|_, position| position);
        Some(Epoch {
            position,
            day: today(),
        })
    }
}

/// An error refused before any GraphQL ran, as a GraphQL-shaped JSON body.
pub fn refuse(status: StatusCode, code: &str, message: &Message, language: Language) -> Response {
    let body = json!({"errors": [{"message": message.in_language(language), "extensions": {"code": code}}]});
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn unauthorized(language: Language) -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        &Message::new(
            "Jeton d'accès absent, invalide ou révoqué.",
            "Access token missing, invalid or revoked.",
        ),
        language,
    )
}

/// The caller named by the `Authorization: Bearer` header.
pub fn authenticate(headers: &HeaderMap, registry: &TokenRegistry) -> Option<Principal> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    registry.authenticate(bearer(value)?)
}

/// The media type of a header, without parameters, lowercased.
/// The language the client reads, from its `Accept-Language`.
pub fn language(headers: &HeaderMap) -> Language {
    Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

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

/// What a request would run: the kind of its operation, if its document
/// parses and names one, and whether its answer may be cached.
#[derive(Debug, PartialEq)]
struct Inspection {
    kind: Option<OperationType>,
    cacheable: bool,
}

fn inspect(query: &str, operation_name: Option<&str>) -> Inspection {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Inspection {
            kind: None,
            cacheable: false,
        };
    };
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    };
    Inspection {
        kind: op.map(|op| op.node.ty),
        cacheable: op.is_some_and(|op| response_cache::is_cacheable(&op.node)),
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
    let language = language(&headers);
    if media_type(&headers, header::CONTENT_TYPE).as_deref() != Some(JSON) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            &Message::new(
                "Le corps d'une requête GraphQL doit être de type application/json.",
                "The body of a GraphQL request must be application/json.",
            ),
            language,
        );
    }
    let Some(principal) = authenticate(&headers, state.app.tokens()) else {
        return unauthorized(language);
    };
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &Message::new(
                format!("Requête trop volumineuse ({MAX_BODY_BYTES} octets au plus)."),
                format!("Request too large (at most {MAX_BODY_BYTES} bytes)."),
            ),
            language,
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
    let modern = accepts(&headers, GRAPHQL_RESPONSE);
    let lookup = Lookup::new(&state, &principal, modern, bytes.clone());
    if let Some(hit) = lookup.as_ref().and_then(|l| l.hit(&state)) {
        return hit;
    }
    let batch = match read_batch(&bytes) {
        Ok(b) => b,
        Err(refused) => return refused.into_response(language),
    };
    let (label, cacheable) = match &batch {
        BatchRequest::Single(r) => {
            let i = inspect(&r.query, r.operation_name.as_deref());
            (kind_label(i.kind), i.cacheable)
        }
        BatchRequest::Batch(_) => ("batch", false),
    };
    let lookup = lookup.filter(|_| cacheable);
    execute(&state, modern, principal, language, batch, label, lookup).await
}

/// A request refused with 400 before any GraphQL ran.
struct BadRequest {
    code: &'static str,
    message: Message,
}

impl BadRequest {
    fn new(code: &'static str, french: impl Into<String>, english: impl Into<String>) -> Self {
        BadRequest {
            code,
            message: Message::new(french, english),
        }
    }

    fn missing_query() -> Self {
        BadRequest::new(
            "MISSING_QUERY",
            "La requête n'a pas de champ « query » : le document GraphQL à exécuter.",
            "The request has no \"query\" field: the GraphQL document to run.",
        )
    }

    fn into_response(self, language: Language) -> Response {
        refuse(StatusCode::BAD_REQUEST, self.code, &self.message, language)
    }
}

/// A POST body as one request or a batch, each with a `query`, within the
/// batch and nesting limits. async-graphql's own reading would take `{}`
/// or `[]` for a request with an empty query.
fn read_batch(bytes: &[u8]) -> Result<BatchRequest, BadRequest> {
    let not_json = || {
        BadRequest::new(
            "BAD_REQUEST",
            "Le corps n'est pas une requête GraphQL en JSON valide.",
            "The body is not a GraphQL request in valid JSON.",
        )
    };
    let one = |v: serde_json::Value| -> Result<async_graphql::Request, BadRequest> {
        if !v.get("query").is_some_and(serde_json::Value::is_string) {
            return Err(BadRequest::missing_query());
        }
        let r: async_graphql::Request = serde_json::from_value(v).map_err(|_| not_json())?;
        checked(r)
    };
    match serde_json::from_slice(bytes).map_err(|_| not_json())? {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(BadRequest::new(
                    if items.is_empty() {
                        "EMPTY_BATCH"
                    } else {
                        "BATCH_TOO_LARGE"
                    },
                    format!("Un lot contient de 1 à {MAX_BATCH} opérations."),
                    format!("A batch holds 1 to {MAX_BATCH} operations."),
                ));
            }
            Ok(BatchRequest::Batch(
                items.into_iter().map(one).collect::<Result<_, _>>()?,
            ))
        }
        v @ serde_json::Value::Object(_) => Ok(BatchRequest::Single(one(v)?)),
        _ => Err(not_json()),
    }
}

/// A request whose text and variables nest within the limits, which
/// `inspect` may then parse (the rest of the limits apply as it runs).
fn checked(r: async_graphql::Request) -> Result<async_graphql::Request, BadRequest> {
    limits::check_text(&r.query)
        .and_then(|()| limits::check_variables(&r.variables))
        .map_err(|e| BadRequest::new(e.code(), e.to_string(), e.english()))?;
    Ok(r)
}

/// The parameters of a GET request. `operationName` is the
/// specification's name; `operation_name`, async-graphql's, is kept.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName", alias = "operation_name")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn read_get(query_string: &str) -> Result<async_graphql::Request, BadRequest> {
    let invalid = || {
        BadRequest::new(
            "BAD_REQUEST",
            "Paramètres de requête GraphQL invalides.",
            "Invalid GraphQL request parameters.",
        )
    };
    let p: GetParams = form_params(query_string).ok_or_else(invalid)?;
    let Some(query) = p.query else {
        return Err(BadRequest::missing_query());
    };
    let mut r = async_graphql::Request::new(query);
    r.operation_name = p.operation_name.filter(|n| !n.is_empty());
    if let Some(v) = p.variables.filter(|v| !v.is_empty()) {
        r.variables = serde_json::from_str(&v).map_err(|_| invalid())?;
    }
    if let Some(e) = p.extensions.filter(|e| !e.is_empty()) {
        r.extensions = serde_json::from_str(&e).map_err(|_| invalid())?;
    }
    checked(r)
}

/// Decodes `application/x-www-form-urlencoded` parameters (axum's query
/// extractor, without a request around it).
fn form_params<T: serde::de::DeserializeOwned>(query_string: &str) -> Option<T> {
    let uri: axum::http::Uri = format!("/?{query_string}").parse().ok()?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .ok()
        .map(|q| q.0)
}

/// GET /graphql: GraphiQL, a websocket upgrade, or a query.
pub async fn get(State(state): State<GraphqlState>, req: Request) -> Response {
    if ws::is_upgrade(req.headers()) {
        return ws::upgrade(state, req).await;
    }
    let headers = req.headers().clone();
    let language = language(&headers);
    let query_string = req.uri().query().unwrap_or("").to_owned();
    if query_string.is_empty() && accepts(&headers, "text/html") {
        // Its scripts are served by the pages (`/static/graphiql/`): it
        // works with no internet.
        return Html(include_str!("graphiql.html")).into_response();
    }
    let Some(principal) = authenticate(&headers, state.app.tokens()) else {
        return unauthorized(language);
    };
    if query_string.len() > MAX_BODY_BYTES {
        return refuse(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            &Message::new("Requête trop longue.", "Request too long."),
            language,
        );
    }
    let modern = accepts(&headers, GRAPHQL_RESPONSE);
    let lookup = Lookup::new(
        &state,
        &principal,
        modern,
        Bytes::copy_from_slice(query_string.as_bytes()),
    );
    if let Some(hit) = lookup.as_ref().and_then(|l| l.hit(&state)) {
        return hit;
    }
    let request = match read_get(&query_string) {
        Ok(r) => r,
        Err(refused) => return refused.into_response(language),
    };
    let Inspection { kind, cacheable } = inspect(&request.query, request.operation_name.as_deref());
    if kind == Some(OperationType::Mutation) {
        let mut r = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            &Message::new(
                "Une mutation doit être envoyée en POST.",
                "A mutation must be sent with POST.",
            ),
            language,
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    execute(
        &state,
        modern,
        principal,
        language,
        BatchRequest::Single(request),
        kind_label(kind),
        lookup.filter(|_| cacheable),
    )
    .await
}

/// A request that may be answered from, or kept in, the response cache.
struct Lookup {
    key: Key,
    /// When the lookup was made: an answer is kept only if the read models
    /// are still there once it is computed.
    epoch: Epoch,
}

impl Lookup {
    fn new(
        state: &GraphqlState,
        principal: &Principal,
        modern: bool,
        request: Bytes,
    ) -> Option<Lookup> {
        Some(Lookup {
            key: Key {
                role: principal.role,
                modern,
                request,
            },
            epoch: state.epoch()?,
        })
    }

    fn hit(&self, state: &GraphqlState) -> Option<Response> {
        let started = Instant::now();
        // A miss is counted once the request is known to be cacheable
        // (in `execute`), so mutations do not count as misses.
        let cached = state.cache.get(&self.key, self.epoch)?;
        state.metrics.graphql_cache_hits.inc();
        observe(state, "query", started);
        Some(reply(self.key.modern, RequestId::new(), cached))
    }
}

fn observe(state: &GraphqlState, label: &'static str, started: Instant) {
    state
        .metrics
        .graphql_latency
        .get_or_create(&GraphqlLabels { operation: label })
        .observe(started.elapsed().as_secs_f64());
}

async fn execute(
    state: &GraphqlState,
    modern: bool,
    principal: Principal,
    language: Language,
    batch: BatchRequest,
    label: &'static str,
    lookup: Option<Lookup>,
) -> Response {
    let id = RequestId::new();
    let started = Instant::now();
    if lookup.is_some() {
        state.metrics.graphql_cache_misses.inc();
    }
    let batch = batch.data(Caller(principal)).data(id).data(language);
    let response = state.schema.execute_batch(batch).await;
    let encoded = encode(modern, id, &response);
    observe(state, label, started);
    let Some(encoded) = encoded else {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            &super::errors::internal_message(id),
            language,
        );
    };
    let clean = match &response {
        BatchResponse::Single(r) => r.errors.is_empty(),
        BatchResponse::Batch(_) => false,
    };
    if let Some(l) = lookup.filter(|_| clean)
        && state.epoch() == Some(l.epoch)
    {
        state.cache.put(l.key, encoded.clone(), l.epoch);
    }
    reply(modern, id, encoded)
}

/// The status and body of a response.
fn encode(modern: bool, id: RequestId, response: &BatchResponse) -> Option<Cached> {
    // With the new media type the specification asks for 4xx when the
    // request failed before execution (parse or validation errors, which
    // have no path); with application/json it is always 200.
    let request_error = match response {
        BatchResponse::Single(r) => is_request_error(r),
        BatchResponse::Batch(_) => false,
    };
    let status = if modern && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let encoded = match response {
        BatchResponse::Single(r) => wire(r).and_then(|v| serde_json::to_vec(&v)),
        BatchResponse::Batch(rs) => rs
            .iter()
            .map(wire)
            .collect::<Result<Vec<_>, _>>()
            .and_then(|v| serde_json::to_vec(&v)),
    };
    match encoded {
        Ok(b) => Some(Cached {
            status,
            body: Bytes::from(b),
        }),
        Err(e) => {
            tracing::error!(request_id = %id.0, error = %e, "encoding a response failed");
            None
        }
    }
}

/// Whether a response failed before execution (parse, validation or a
/// limit): no data, and errors without a path.
fn is_request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

/// A response as JSON; a request error has no `data` entry at all, as the
/// GraphQL specification asks (async-graphql writes `"data": null`).
fn wire(r: &async_graphql::Response) -> serde_json::Result<serde_json::Value> {
    let mut v = serde_json::to_value(r)?;
    if is_request_error(r)
        && let Some(o) = v.as_object_mut()
    {
        o.remove("data");
    }
    Ok(v)
}

fn reply(modern: bool, id: RequestId, cached: Cached) -> Response {
    let mut r = (cached.status, Body::from(cached.body)).into_response();
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
pub async fn other_method(method: Method, headers: HeaderMap) -> Response {
    let mut r = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &Message::new(
            format!("Méthode {method} non permise ; utilisez GET ou POST."),
            format!("Method {method} not allowed; use GET or POST."),
        ),
        language(&headers),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cacheable(query: &str, operation_name: Option<&str>) -> bool {
        inspect(query, operation_name).cacheable
    }

    fn operation_kind(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
        inspect(query, operation_name).kind
    }

    #[test]
    fn only_read_model_queries_are_cacheable() {
        assert!(cacheable(
            "{ memberCounts { total } dues(year: 2024) { totalCount } }",
            None
        ));
        assert!(cacheable(
            "query A { head } query B { members { totalCount } }",
            Some("B")
        ));
        assert!(!cacheable(
            "query A { head } query B { members { totalCount } }",
            None
        ));
        assert!(!cacheable("{ members { totalCount } head }", None));
        assert!(!cacheable(
            "{ events(first: 10) { events { position } } }",
            None
        ));
        assert!(!cacheable("{ treeHead { size } }", None));
        assert!(!cacheable("{ members(asOf: 3) { totalCount } }", None));
        assert!(!cacheable("mutation { members { totalCount } }", None));
        assert!(!cacheable("subscription { members { totalCount } }", None));
        assert!(!cacheable(
            "{ ...F } fragment F on Query { members { totalCount } }",
            None
        ));
        assert!(!cacheable("{", None));
    }

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

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<i64>().prop_map(serde_json::Value::from),
            ".{0,20}".prop_map(serde_json::Value::from),
            Just(serde_json::Value::from("{ __typename }")),
        ];
        leaf.prop_recursive(8, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..12).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("query".to_owned()),
                        Just("variables".to_owned()),
                        Just("operationName".to_owned()),
                        "[a-z]{1,5}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any body is a batch of 1 to MAX_BATCH requests, each with its
        /// query, or a refusal with a code; never a panic.
        #[test]
        fn any_post_body_is_read_or_refused_with_a_code(
            body in prop_oneof![
                json_value().prop_map(|v| v.to_string().into_bytes()),
                proptest::collection::vec(any::<u8>(), 0..64),
            ]
        ) {
            match read_batch(&body) {
                Ok(BatchRequest::Single(_)) => {}
                Ok(BatchRequest::Batch(v)) => {
                    prop_assert!((1..=MAX_BATCH).contains(&v.len()));
                }
                Err(e) => prop_assert!(!e.code.is_empty() && !e.message.french.is_empty()),
            }
        }

        #[test]
        fn any_query_string_is_read_or_refused_with_a_code(qs in "[a-zA-Z=&%0-9{}_ \\[\\]\"]{0,80}") {
            if let Err(e) = read_get(&qs) {
                prop_assert!(!e.code.is_empty() && !e.message.french.is_empty());
            }
        }
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
