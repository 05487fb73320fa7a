//! The HTTP service.
//!
//! API boundary: nothing here decides anything. Requests become reads of
//! the store and of read models, or commands handed to the domain.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;

use registre_projections::ReadModels;

use crate::projection::Projector;
use crate::store::EventStore;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn EventStore>,
    /// The read models, kept up to date with the log (none in tools that
    /// serve the store alone).
    pub read_models: Option<Projector<ReadModels>>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// Alive: the process answers.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready: the store answers and the read models have caught up with it.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    if let Some(p) = state.read_models.as_ref().map(|m| m.progress()) {
        if p.failed {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "read models stopped"})),
            );
        }
        if !p.caught_up {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "catching up", "position": p.position})),
            );
        }
    }
    match state.store.head().await {
        Ok(head) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "head": head})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
