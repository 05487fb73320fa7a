//! Official documents from the pages: a download link issues a reference
//! at the log as it stands and sends the browser to the PDF
//! (`/documents/nouveau?…` then `/documents/REFERENCE`); `/verifier` is
//! the public page a document's QR code leads to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::page::{self, Viewer};
use super::switch;
use crate::application::documents::{Asker, DocumentError, Order, Reference, Subject};
use crate::french;
use crate::language::Language;

/// What a download link asks for (`type` and the subject's id).
#[derive(Deserialize)]
pub struct Asked {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    paiement: Option<u64>,
    #[serde(default)]
    membre: Option<Uuid>,
    #[serde(default)]
    session: Option<Uuid>,
    #[serde(default)]
    motion: Option<Uuid>,
    #[serde(default)]
    instance: Option<Uuid>,
    #[serde(default)]
    annee: Option<i32>,
}

impl Asked {
    fn order(&self) -> Option<Order> {
        Some(match self.kind.as_str() {
            "recu" => Order::Receipt {
                payment: self.paiement?,
            },
            "attestation" => Order::Attestation {
                member: self.membre?,
            },
            "convocation" => Order::Convocation {
                session: self.session?,
            },
            "emargement" => Order::AttendanceSheet {
                session: self.session?,
            },
            "pv" => Order::Minutes {
                session: self.session?,
            },
            "extrait" => Order::Extract {
                motion: self.motion?,
            },
            "registre" => Order::Register {
                body: self.instance?,
                year: self.annee?,
            },
            "annuaire" => Order::Directory,
            _ => return None,
        })
    }
}

fn refused(e: DocumentError, lang: Language) -> Response {
    let status = match e {
        DocumentError::UnknownReference | DocumentError::UnknownSubject => StatusCode::NOT_FOUND,
        DocumentError::EmptyLog | DocumentError::NotYet => StatusCode::CONFLICT,
        DocumentError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        DocumentError::Failed => StatusCode::INTERNAL_SERVER_ERROR,
    };
    page::message(
        lang,
        status,
        lang.tr("Document indisponible"),
        &format!("{} (code {})", lang.tr(e.message_fr()), e.code()),
    )
}

/// Who asks for a document: a browser signed in to the pages, or a
/// program with an access token (GraphQL's links; tokens are not limited
/// to a region).
enum Reader {
    Browser(Box<Viewer>),
    Token,
}

async fn reader(state: &WebState, headers: &HeaderMap, lang: Language) -> Result<Reader, Response> {
    let Some(auth) = headers.get(header::AUTHORIZATION) else {
        return Viewer::of(state, headers)
            .await
            .map(|v| Reader::Browser(Box::new(v)));
    };
    let principal = auth
        .to_str()
        .ok()
        .and_then(crate::auth::registry::bearer)
        .and_then(|secret| state.app.tokens().authenticate(secret));
    match principal {
        Some(_) => Ok(Reader::Token),
        None => Err(page::message(
            lang,
            StatusCode::UNAUTHORIZED,
            lang.tr("Jeton refusé"),
            lang.tr("Jeton d'accès absent ou invalide. (code UNAUTHENTICATED)"),
        )),
    }
}

/// Whether the reader's scope covers what a document is about.
fn within(state: &WebState, reader: &Reader, subject: Subject) -> bool {
    let Reader::Browser(viewer) = reader else {
        return true;
    };
    let scope = viewer.scope();
    if scope.is_whole() {
        return true;
    }
    let Some(models) = state.app.read_models() else {
        return false;
    };
    models.read(|m, _| match subject {
        Subject::Payment { member, .. } | Subject::Member(member) => scope.member(m, member),
        Subject::Session(s) | Subject::Motion { session: s, .. } => scope.session(m, s).is_some(),
        Subject::Body(b) => scope.body(m, b),
        Subject::Members => false,
    })
}

/// `/documents/nouveau?type=…`: a reference at the log as it stands, then
/// the document.
pub async fn issue(
    State(state): State<WebState>,
    headers: HeaderMap,
    asked: Result<Query<Asked>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = switch::language(&headers);
    let viewer = try_page!(reader(&state, &headers, lang).await);
    let Some(order) = asked.ok().and_then(|Query(a)| a.order()) else {
        return page::message(
            lang,
            StatusCode::BAD_REQUEST,
            lang.tr("Document inconnu"),
            lang.tr("Ce lien ne désigne aucun document : revenez à la page précédente. (code INVALID_DOCUMENT_REQUEST)"),
        );
    };
    let documents = state.app.documents();
    // The scope first: nothing is issued (no head signed) for a subject
    // the reader may not see, and a refusal does not say whether it exists.
    match documents.subject_of(order) {
        Some(subject) if within(&state, &viewer, subject) => {}
        Some(_) => return outside_scope(lang),
        None => return refused(DocumentError::UnknownSubject, lang),
    }
    let reference = match documents.issue(order).await {
        Ok(r) => r,
        Err(e) => return refused(e, lang),
    };
    Redirect::to(&format!("/documents/{reference}")).into_response()
}

/// `/documents/REFERENCE`: the PDF, made again from the log.
pub async fn download(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let lang = switch::language(&headers);
    let viewer = try_page!(reader(&state, &headers, lang).await);
    let reference = reference.strip_suffix(".pdf").unwrap_or(&reference);
    let Some(reference) = Reference::parse(reference) else {
        return refused(DocumentError::UnknownReference, lang);
    };
    let documents = state.app.documents();
    match documents.subject(&reference).await {
        Ok(subject) if within(&state, &viewer, subject) => {}
        Ok(_) => return outside_scope(lang),
        Err(e) => return refused(e, lang),
    }
    match documents.pdf(&reference, Asker::Reader).await {
        Ok(pdf) => pdf_response(pdf.bytes, &pdf.file_name),
        Err(e) => refused(e, lang),
    }
}

fn outside_scope(lang: Language) -> Response {
    page::message(
        lang,
        StatusCode::FORBIDDEN,
        lang.tr("Accès refusé"),
        lang.tr("Ce document concerne un membre, une instance ou une session hors de votre région. (code FORBIDDEN)"),
    )
}

/// `/verifier/REFERENCE/pdf`: the original of a document, for anyone who
/// holds its reference (only registre makes references, so this is no
/// more than the paper already shows), to compare with the paper.
pub async fn original(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(asked): Path<String>,
) -> Response {
    let Some(reference) = Reference::parse(&asked) else {
        return unknown(&asked, &headers);
    };
    match state.app.documents().pdf(&reference, Asker::Public).await {
        Ok(pdf) => pdf_response(pdf.bytes, &pdf.file_name),
        Err(DocumentError::UnknownReference | DocumentError::UnknownSubject) => {
            unknown(&asked, &headers)
        }
        Err(e) => refused(e, switch::language(&headers)),
    }
}

fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    lang: Language,
    /// This page's address, where the language switch comes back to.
    here: String,
    asked: String,
    refusal: String,
    found: Option<Found>,
}

struct Found {
    /// The original PDF, to compare with the paper.
    original: String,
    made_on: String,
    title: &'static str,
    reference: String,
    sound: bool,
    verdict: String,
    at: u64,
    signed_at: String,
    root: String,
    key_id: String,
    latest: Option<String>,
    records: Vec<Record>,
}

struct Record {
    position: u64,
    what: String,
    recorded_on: String,
    leaf: String,
    included: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Typed {
    reference: String,
}

/// `/verifier?reference=…`: the form, or the page of the reference typed.
pub async fn form(headers: HeaderMap, Query(typed): Query<Typed>) -> Response {
    let typed = typed.reference.trim();
    if typed.is_empty() {
        return page::render(&VerifyPage {
            lang: switch::language(&headers),
            here: switch::here(&headers),
            asked: String::new(),
            refusal: String::new(),
            found: None,
        });
    }
    match Reference::parse(typed) {
        Some(r) => Redirect::to(&format!("/verifier/{r}")).into_response(),
        None => unknown(typed, &headers),
    }
}

fn unknown(asked: &str, headers: &HeaderMap) -> Response {
    let lang = switch::language(headers);
    let e = DocumentError::UnknownReference;
    page::render_as(
        &VerifyPage {
            lang,
            here: switch::here(headers),
            asked: asked.chars().take(80).collect(),
            refusal: format!("{} (code {})", lang.tr(e.message_fr()), e.code()),
            found: None,
        },
        StatusCode::NOT_FOUND,
    )
}

/// `/verifier/REFERENCE`: public, for anyone holding the paper.
pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(asked): Path<String>,
) -> Response {
    let lang = switch::language(&headers);
    let Some(reference) = Reference::parse(&asked) else {
        return unknown(&asked, &headers);
    };
    let v = match state.app.documents().verification(&reference).await {
        Ok(v) => v,
        Err(DocumentError::UnknownReference | DocumentError::UnknownSubject) => {
            return unknown(&asked, &headers);
        }
        Err(e) => return refused(e, lang),
    };
    let original = format!("/verifier/{}/pdf", v.reference);
    let key_id = state
        .app
        .audit_trail()
        .map(|t| t.public_key().key_id())
        .unwrap_or_default();
    let consistent = v.latest.as_ref().is_none_or(|(_, ok)| *ok);
    let sound = consistent && v.records.iter().all(|r| r.included);
    let verdict = if !sound {
        lang.tr("ÉCHEC de la vérification : le journal ne confirme pas ce document. Signalez-le au secrétariat.")
            .to_owned()
    } else if v.records.is_empty() {
        lang.tr("Référence authentique : ce document a été établi par le registre, dont le journal n'a fait que s'allonger depuis.")
            .to_owned()
    } else {
        match v.records.len() {
            1 => lang.tr("Référence authentique : ce document a été établi par le registre ; l'enregistrement qu'il atteste figure au journal, qui n'a fait que s'allonger depuis.").to_owned(),
            n => lang.fill(
                "Référence authentique : ce document a été établi par le registre ; les {} enregistrements qu'il atteste figurent au journal, qui n'a fait que s'allonger depuis.",
                &[&lang.number(n as i64)],
            ),
        }
    };
    let signed_time = v.head.timestamp.format("%H:%M:%S");
    let found = Found {
        original,
        made_on: lang.date(v.reference.made_on),
        title: lang.tr(reference.kind.title()),
        reference: reference.to_string(),
        sound,
        verdict,
        at: v.head.tree_size,
        signed_at: lang.fill(
            "{} à {} (UTC)",
            &[&lang.date(v.head.timestamp.date_naive()), &signed_time],
        ),
        root: hex::encode(v.head.root_hash),
        key_id,
        latest: v.latest.map(|(l, _)| {
            lang.fill(
                "{} événements, le {}",
                &[&l.tree_size, &lang.date(l.timestamp.date_naive())],
            )
        }),
        records: v
            .records
            .into_iter()
            .map(|r| Record {
                position: r.position,
                what: lang.tr(french::event(&r.event_type)).to_owned(),
                recorded_on: lang.date(r.recorded_at.date_naive()),
                // Enough of the leaf hash to compare by eye.
                leaf: r.leaf_hash.chars().take(16).collect(),
                included: r.included,
            })
            .collect(),
    };
    page::render(&VerifyPage {
        lang,
        here: switch::here(&headers),
        asked: found.reference.clone(),
        refusal: String::new(),
        found: Some(found),
    })
}
