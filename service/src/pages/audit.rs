//! For auditors (`/audit`): the audit tree's size and root, the latest
//! signed head and the public key, and the proof that the event at a
//! position is in the log, to check with the public key alone.

use askama::Template;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use super::WebState;
use super::page::{self, Frame, Viewer, render};
use crate::application::LogExportError;
use crate::audit_trail::AuditError;
use crate::audit_trail::check::CheckFailure;
use crate::audit_trail::proof::ProofRequestError;
use crate::language::Language;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    size: u64,
    root: String,
    head: Option<Head>,
    key_id: String,
    key: String,
    position: String,
    proof: Option<Proof>,
    refusal: String,
}

struct Head {
    size: u64,
    root: String,
    signed_at: String,
    signature: String,
}

struct Proof {
    position: u64,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: String,
    root: String,
    path: Vec<String>,
    signed: bool,
    how_to_check: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProofQuery {
    position: String,
}

/// The log itself, as over GraphQL: the roles that read it, over the
/// whole association.
async fn reader_of_the_log(state: &WebState, headers: &HeaderMap) -> Result<Viewer, Response> {
    let viewer = Viewer::of(state, headers).await?;
    if !page::reads_the_log(viewer.login.account.role) || !viewer.scope().is_whole() {
        return Err(page::forbidden(viewer.language));
    }
    Ok(viewer)
}

/// `GET /audit/export`: the log's export as the audit trail last signed
/// it, downloaded as a file to check with `registre verify --export` or
/// any verifier that follows `docs/audit-spec.md`.
pub async fn export(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let t = match reader_of_the_log(&state, &headers).await {
        Ok(viewer) => viewer.language,
        Err(r) => return r,
    };
    let export = match state.app.log_export().await {
        Ok(e) => e,
        Err(LogExportError::Busy) => {
            return page::message(
                t,
                StatusCode::SERVICE_UNAVAILABLE,
                t.tr("Export en cours"),
                t.tr("Un export du journal est déjà en cours d'écriture ; réessayez dans un instant. (code EXPORT_BUSY)"),
            );
        }
        Err(LogExportError::Failed(CheckFailure::Audit(AuditError::NoAuditDir(_)))) => {
            return page::message(
                t,
                StatusCode::CONFLICT,
                t.tr("Pas encore d'export"),
                t.tr("Aucune tête n'est encore signée : l'export sera disponible après la prochaine signature, dans une minute au plus. (code NO_SIGNED_HEAD)"),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "the log export failed");
            return page::unavailable(t);
        }
    };
    let size = export.summary.sealed_by.tree_size;
    // Said when the body goes as it is; the compression a browser asks
    // for sends it in chunks instead, its end marked all the same.
    let Ok(length) = export.file.metadata().map(|m| m.len()) else {
        return page::unavailable(t);
    };
    // The turn goes with the body: one export on disk at a time, until
    // its download ends.
    let state = (tokio::fs::File::from_std(export.file), export.turn);
    let chunks = futures::stream::unfold(state, |(mut file, turn)| async move {
        let mut buf = vec![0; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, turn)))
            }
            Err(e) => Some((Err(e), (file, turn))),
        }
    });
    (
        [
            (
                header::CONTENT_TYPE,
                "application/jsonl; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_LENGTH, length.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"registre-journal-{size}.jsonl\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    query: Result<Query<ProofQuery>, QueryRejection>,
) -> Response {
    let viewer = try_page!(reader_of_the_log(&state, &headers).await);
    let t = viewer.language;
    let Some(trail) = state.app.audit_trail() else {
        return page::unavailable(t);
    };
    let Query(query) = query.unwrap_or_default();
    let asked = query.position.trim().to_owned();
    let mut refusal = String::new();
    let mut proof = None;
    if !asked.is_empty() {
        match asked.parse::<u64>() {
            Err(_) => {
                refusal = t.tr("Position : un nombre entier, la position d'un événement dans le journal (code INVALID_POSITION).").into();
            }
            Ok(position) => match trail.inclusion_proof(position, None) {
                Ok(p) => {
                    proof = Some(Proof {
                        position: p.position,
                        leaf_index: p.leaf_index,
                        tree_size: p.tree_size,
                        leaf_hash: hex::encode(p.leaf_hash),
                        root: hex::encode(p.root_hash),
                        path: p.proof.iter().map(hex::encode).collect(),
                        signed: p.tree_head.is_some(),
                        how_to_check: p.how_to_check,
                    })
                }
                Err(e) => match refused_position(&e, t) {
                    Some(message) => refusal = format!("{message} (code INVALID_POSITION)"),
                    None => {
                        tracing::error!(error = %e, "an inclusion proof failed its own check");
                        return page::unavailable(t);
                    }
                },
            },
        }
    }
    let key = trail.public_key();
    let head = trail.latest_head().map(|h| Head {
        size: h.tree_size,
        root: hex::encode(h.root_hash),
        signed_at: h.timestamp.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        signature: hex::encode(h.signature),
    });
    let mut r = render(&AuditPage {
        frame: viewer.frame("audit"),
        size: trail.size(),
        root: hex::encode(trail.root()),
        head,
        key_id: key.key_id(),
        key: key.to_text(),
        position: asked,
        proof,
        refusal: refusal.clone(),
    });
    if !refusal.is_empty() && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// Why no proof is given for a position the auditor asked for, in `t`.
fn refused_position(e: &ProofRequestError, t: Language) -> Option<String> {
    match t {
        Language::French => e.message_fr(),
        Language::English => e.message_en(),
    }
}
