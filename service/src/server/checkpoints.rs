//! What witnesses read and send, over plain HTTP beside the API:
//!
//! - `GET /audit/checkpoint`: the latest signed head as a C2SP checkpoint
//!   (`text/plain`), signed by the log, with the cosignatures kept for it;
//! - `GET /audit/consistency?from=M&to=N`: the consistency proof between
//!   two tree sizes, one base64 hash per line (as C2SP tools read them);
//! - `POST /audit/cosignature`: a checkpoint of this log cosigned by
//!   witnesses the operator trusts (the `witnesses` file of the audit
//!   directory); the cosignatures are kept and served from then on.
//!
//! Each needs a bearer token that may read the log (secretariat, auditor):
//! tree heads hold no record, but every operation of registre has a role.
//! Refusals are JSON `{"code", "message"}` with a French message.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

use crate::application::Application;
use crate::audit_trail::AuditTrail;
use crate::audit_trail::witnesses::ReceiveError;
use crate::auth::registry::bearer;
use registre_schema::Role;

/// Largest cosigned checkpoint taken (a note with many cosignatures is a
/// few kilobytes).
const MAX_NOTE_BYTES: usize = 16 * 1024;

pub fn router(app: Arc<Application>) -> Router {
    Router::new()
        .route("/audit/checkpoint", get(checkpoint))
        .route("/audit/consistency", get(consistency))
        .route("/audit/cosignature", post(cosignature))
        .with_state(app)
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

/// The trail, for a caller whose token may read the log.
fn trail<'a>(app: &'a Application, headers: &HeaderMap) -> Result<&'a AuditTrail, Box<Response>> {
    let principal = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .and_then(|secret| app.tokens().authenticate(secret));
    let refused = match principal {
        None => refusal(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Jeton d'accès absent ou invalide.",
        ),
        Some(p) if !matches!(p.role, Role::Secretariat | Role::Auditor) => refusal(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "Ce jeton ne permet pas de lire le journal d'audit.",
        ),
        Some(_) => match app.audit_trail() {
            Some(trail) => return Ok(trail),
            None => refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "AUDIT_TRAIL_UNAVAILABLE",
                "Ce serveur ne tient pas de piste d'audit.",
            ),
        },
    };
    Err(Box::new(refused))
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn checkpoint(State(app): State<Arc<Application>>, headers: HeaderMap) -> Response {
    let trail = match trail(&app, &headers) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    match trail.checkpoint() {
        Some(note) => text(note),
        None => refusal(
            StatusCode::NOT_FOUND,
            "NO_TREE_HEAD",
            "Aucune tête d'arbre n'est encore signée.",
        ),
    }
}

#[derive(Deserialize)]
struct Sizes {
    from: u64,
    to: u64,
}

async fn consistency(
    State(app): State<Arc<Application>>,
    headers: HeaderMap,
    sizes: Result<Query<Sizes>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let trail = match trail(&app, &headers) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let Ok(Query(Sizes { from, to })) = sizes else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "INVALID_SIZES",
            "Indiquez deux tailles d'arbre entières : ?from=M&to=N.",
        );
    };
    match trail.consistency_proof(from, to) {
        Ok(p) => text(p.proof.iter().map(|h| BASE64.encode(h) + "\n").collect()),
        Err(e) => match e.message_fr() {
            Some(message) => refusal(StatusCode::BAD_REQUEST, "INVALID_SIZES", &message),
            None => refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "AUDIT_TRAIL_UNAVAILABLE",
                "La piste d'audit ne peut pas répondre ; l'exploitant doit la vérifier.",
            ),
        },
    }
}

async fn cosignature(
    State(app): State<Arc<Application>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let trail = match trail(&app, &headers) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    if body.len() > MAX_NOTE_BYTES {
        return refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "MALFORMED_CHECKPOINT",
            "Le point de contrôle cosigné dépasse 16 Kio.",
        );
    }
    let Ok(note) = String::from_utf8(body.to_vec()) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "MALFORMED_CHECKPOINT",
            "Le point de contrôle n'est pas du texte UTF-8.",
        );
    };
    match trail.receive_cosignatures(note).await {
        Ok(added) => (StatusCode::OK, axum::Json(json!({"added": added}))).into_response(),
        Err(ReceiveError::Refused(r)) => {
            let status = match r.code() {
                "UNKNOWN_WITNESS" => StatusCode::FORBIDDEN,
                "UNKNOWN_TREE_HEAD" => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            refusal(status, r.code(), &r.to_string())
        }
        Err(ReceiveError::Audit(e)) => {
            tracing::error!(error = %e, "keeping a cosignature failed");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "AUDIT_TRAIL_UNAVAILABLE",
                "La cosignature n'a pas pu être conservée ; réessayez plus tard.",
            )
        }
    }
}
