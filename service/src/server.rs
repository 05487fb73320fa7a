//! The HTTP service.
//!
//! API boundary: nothing here decides anything. Requests become reads of
//! the store and of read models, or commands handed to the domain.
//!
//! Routes: the web application under `/` (see [`crate::pages`]),
//! `/graphql` (see [`crate::graphql::http`]), `/healthz`,
//! `/readyz`, `/metrics` (Prometheus text format, unauthenticated: it holds
//! counts and latencies only).
//!
//! [`checkpoints`] serves witnesses: the latest checkpoint, consistency
//! proofs, and the cosignatures they send back.
//!
//! [`connections`] accepts and serves the connections, with bounds on slow
//! and idle clients.

pub mod checkpoints;
pub mod connections;

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use registre_projections::ReadModels;

pub use connections::ConnectionLimits;

use crate::accounts::CredentialFile;
use crate::application::Application;
use crate::application::documents::DocumentSettings;
use crate::audit_trail::AuditTrail;
use crate::auth::TokenRegistry;
use crate::graphql::{self, GraphqlState};
use crate::health;
use crate::metrics::{ComponentLabels, InstrumentedStore, Metrics};
use crate::pages;
use crate::projector::Projector;
use crate::projector::as_of::{self, AsOfService};
use crate::store::{EventStore, StoreError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store, wrapped so that appends are counted.
    pub store: Arc<dyn EventStore>,
    pub metrics: Arc<Metrics>,
    pub schema: graphql::RegistreSchema,
    /// What the adapters reach the service through.
    pub app: Arc<Application>,
    /// The read models, kept up to date with the log (none in tools that
    /// serve the store alone).
    pub read_models: Option<Projector<ReadModels>>,
    /// The audit trail, for `/readyz` and `/metrics` (none in tools).
    pub trail: Option<AuditTrail>,
    /// Past states of the read models.
    pub as_of: AsOfService,
}

impl AppState {
    /// Loads the tokens from the log and builds the schema. The returned
    /// task follows the log for new and revoked tokens.
    pub async fn start(
        store: Arc<dyn EventStore>,
        read_models: Option<Projector<ReadModels>>,
        trail: Option<AuditTrail>,
    ) -> Result<(AppState, JoinHandle<()>), StoreError> {
        Self::start_in(store, read_models, trail, None, None, Default::default()).await
    }

    /// Like [`start`](Self::start), keeping the as-of checkpoints under
    /// `state_dir` (none: in memory only) and signing in web accounts with
    /// the hashes of `credentials` (none: no one signs in).
    pub async fn start_in(
        store: Arc<dyn EventStore>,
        read_models: Option<Projector<ReadModels>>,
        trail: Option<AuditTrail>,
        state_dir: Option<&std::path::Path>,
        credentials: Option<CredentialFile>,
        documents: DocumentSettings,
    ) -> Result<(AppState, JoinHandle<()>), StoreError> {
        let metrics = Metrics::new();
        let store = InstrumentedStore::wrap(store, metrics.clone());
        let (registry, follower) = TokenRegistry::start(store.clone()).await?;
        let as_of = AsOfService::new(
            store.clone(),
            state_dir.map(AsOfService::dir_in),
            as_of::DEFAULT_INTERVAL,
        );
        // Commands go through the instrumented store so appends and
        // conflicts are counted.
        let mut app = Application::new(store.clone(), registry.clone())
            .with_past_states(as_of.clone())
            .with_documents(documents);
        if let Some(models) = &read_models {
            app = app.with_read_models(models.clone());
        }
        if let Some(trail) = &trail {
            app = app.with_audit_trail(trail.clone());
        }
        if let Some(credentials) = credentials {
            app = app.with_credentials(credentials);
        }
        let app = Arc::new(app);
        let schema = graphql::build_schema(app.clone());
        Ok((
            AppState {
                store,
                metrics,
                schema,
                app,
                read_models,
                trail,
                as_of,
            },
            follower,
        ))
    }
}

pub fn router(state: AppState) -> Router {
    let gql = GraphqlState {
        schema: state.schema.clone(),
        app: state.app.clone(),
        metrics: state.metrics.clone(),
        cache: Default::default(),
    };
    let graphql = Router::new()
        .route(
            "/graphql",
            get(graphql::http::get)
                .post(graphql::http::post)
                .fallback(graphql::http::other_method),
        )
        .with_state(gql);
    let pages = pages::router(state.app.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(graphql)
        .merge(pages)
        .merge(checkpoints::router(state.app.clone()))
        .layer(middleware::from_fn_with_state(state, time_requests))
}

/// Times every request under a fixed route name.
async fn time_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = match req.uri().path() {
        "/graphql" => "graphql",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/" | "/connexion" | "/deconnexion" | "/tableau/direct" | "/instances" | "/statuts"
        | "/audit" => "pages",
        p if p.starts_with("/membres") || p.starts_with("/sessions") => "pages",
        p if p.starts_with("/static/") => "static",
        p if p.starts_with("/audit/") => "witnesses",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .observe_http(route, response.status().as_u16(), started.elapsed());
    response
}

/// Alive: the process answers.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready: the store answers, the read models have caught up with it, and
/// no component is retrying after a fault. Otherwise 503 and why:
/// `{"status":"degraded","reason":"storage_full","components":{...}}`
/// (reasons in [`crate::health`]), or `{"status":"catching up"}`.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let report = health::check(&state).await;
    let components: serde_json::Map<String, serde_json::Value> = report
        .components
        .iter()
        .map(|(name, status)| ((*name).to_owned(), json!(status.name())))
        .collect();
    if let Some((_, status)) = report.first_fault() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "degraded",
                "reason": status.name(),
                "components": components,
            })),
        );
    }
    match (report.catching_up(), report.head) {
        (true, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "catching up", "position": report.position})),
        ),
        (false, Some(head)) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "head": head, "components": components})),
        ),
        // The store failed with an error that is not a fault (logged).
        (false, None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable"})),
        ),
    }
}

/// Prometheus text exposition.
async fn metrics(State(state): State<AppState>) -> Response {
    // Reading the head refreshes the `registre_log_head` gauge.
    let report = health::check(&state).await;
    for (component, status) in &report.components {
        state
            .metrics
            .component_up
            .get_or_create(&ComponentLabels { component })
            .set(i64::from(status.is_up()));
    }
    let mut r = state.metrics.encode().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// Serves until `shutdown` resolves, within `limits`.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, router(state), limits, shutdown).await
}
