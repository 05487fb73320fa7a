//! The minutes of a session on its page: drafted from the document itself
//! (its SHA-256 computed here as it is uploaded; the document is not
//! kept), signed by the president and the secretary, adopted in a later
//! session that is open.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use registre_domain::minutes::MinutesCommand;
use registre_domain::text::{MAX_NAME, MAX_TEXT};
use registre_projections::ReadModels;
use registre_projections::minutes::MinutesStatus;
use registre_projections::sessions::{SessionRecord, SessionState};
use registre_schema::events::minutes::Signatory;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::WebState;
use super::fields;
use super::logins::same_token;
use super::page::{self, Viewer};
use super::scope::Scope;
use super::session_course::{self, uuid};
use super::sessions;
use super::submit::Refusal;
use crate::application::Command;
use crate::language::Language;

/// Largest document accepted for drafting minutes.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// What the session's page shows of its minutes.
pub struct MinutesView {
    /// The session is closed: minutes may be drafted.
    pub can_draft: bool,
    /// Its minutes are adopted: no new draft.
    pub adopted: bool,
    pub records: Vec<MinutesLine>,
    /// Open sessions of the same body (other than this one) that may
    /// adopt them.
    pub adopting: Vec<(Uuid, String)>,
}

pub struct MinutesLine {
    pub id: Uuid,
    pub status: &'static str,
    pub drafts: Vec<String>,
    pub signatures: Vec<String>,
    pub adoption: String,
    pub adopted: bool,
    pub president_signed: bool,
    pub secretary_signed: bool,
}

pub fn view(m: &ReadModels, s: &SessionRecord, scope: Scope<'_>, lang: Language) -> MinutesView {
    let records = m
        .minutes
        .of_session(s.session_id)
        .into_iter()
        .map(|r| MinutesLine {
            id: r.minutes_id,
            status: lang.tr(match r.status() {
                MinutesStatus::Drafted => "rédigé, à adopter",
                MinutesStatus::Adopted => "adopté, à signer",
                MinutesStatus::Signed => "adopté et signé",
            }),
            drafts: r
                .drafts
                .iter()
                .map(|d| {
                    lang.fill(
                        "{} du {} (SHA-256 {}…)",
                        &[
                            &d.document_ref,
                            &lang.date(d.drafted_on),
                            &d.sha256.get(..16).unwrap_or(&d.sha256),
                        ],
                    )
                })
                .collect(),
            signatures: r
                .signatures
                .iter()
                .map(|g| {
                    let who = lang.tr(match g.signatory {
                        Signatory::President => "le président",
                        Signatory::Secretary => "le secrétaire",
                    });
                    lang.fill(
                        "Signé par {}, {}, le {}",
                        &[&who, &g.name, &lang.date(g.signed_on)],
                    )
                })
                .collect(),
            adoption: r
                .adoption
                .as_ref()
                .map(|a| {
                    lang.fill(
                        "Adopté le {} en session ({})",
                        &[
                            &lang.date(a.adopted_on),
                            &m.sessions
                                .session(a.adopted_in_session_id)
                                .map_or_else(String::new, |x| lang.date(x.session_date)),
                        ],
                    )
                })
                .unwrap_or_default(),
            adopted: r.adoption.is_some(),
            president_signed: r.signed_by(Signatory::President),
            secretary_signed: r.signed_by(Signatory::Secretary),
        })
        .collect();
    let adopting = m
        .sessions
        .sessions
        .values()
        .filter(|x| x.state == SessionState::Open && x.session_id != s.session_id)
        .filter(|x| x.body_id == s.body_id && scope.body(m, x.body_id))
        .map(|x| {
            let l = sessions::line(m, x, lang);
            (
                x.session_id,
                lang.fill("{}, session du {}", &[&l.body, &l.date]),
            )
        })
        .collect();
    MinutesView {
        can_draft: s.state == SessionState::Closed,
        adopted: m
            .minutes
            .of_session(s.session_id)
            .iter()
            .any(|r| r.adoption.is_some()),
        records,
        adopting,
    }
}

/// Drafting: a multipart form with the document; its SHA-256 is computed
/// as it arrives and the document dropped.
pub async fn draft(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let t = viewer.language;
    let Ok(session_id) = Uuid::parse_str(&id) else {
        return page::not_found(t);
    };
    if !session_course::within(&state, &viewer, session_id) {
        return page::not_found(t);
    }
    let mut text: HashMap<String, String> = HashMap::new();
    let mut digest: Option<String> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return too_big_or_unreadable(t),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let mut hasher = Sha256::new();
            let mut size = 0usize;
            let mut field = field;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        size += chunk.len();
                        if size > MAX_DOCUMENT_BYTES {
                            return too_big_or_unreadable(t);
                        }
                        hasher.update(&chunk);
                    }
                    Ok(None) => break,
                    Err(_) => return too_big_or_unreadable(t),
                }
            }
            if size > 0 {
                digest = Some(hex::encode(hasher.finalize()));
            }
        } else if text.len() < 8 {
            match field.text().await {
                Ok(value) if value.len() <= MAX_TEXT * 4 => {
                    text.insert(name, value);
                }
                _ => return too_big_or_unreadable(t),
            }
        }
    }
    let get = |k: &str| text.get(k).map(String::as_str).unwrap_or("");
    if !same_token(get("csrf"), &viewer.login.csrf) {
        return page::bad_csrf(t);
    }
    let built = (|| -> Result<Command, String> {
        let sha256 =
            digest.ok_or(t.tr("Document : joignez le procès-verbal (un fichier non vide)."))?;
        let document_ref = fields::text(
            t,
            t.tr("Référence du document"),
            get("document_ref"),
            MAX_NAME,
        )?;
        let drafted_on = fields::date(t, t.tr("Date de rédaction"), get("drafted_on"))?;
        // A new draft of the session's minutes not adopted yet replaces
        // the earlier one (the domain clears its signatures); otherwise
        // new minutes.
        let minutes_id = state
            .app
            .read_models()
            .and_then(|models| {
                models.read(|m, _| {
                    m.minutes
                        .of_session(session_id)
                        .into_iter()
                        .find(|r| r.adoption.is_none())
                        .map(|r| r.minutes_id)
                })
            })
            .unwrap_or_else(|| {
                // Posted twice, the same form names the same minutes.
                let base = Uuid::parse_str(get("command_id")).unwrap_or_else(|_| Uuid::now_v7());
                Uuid::new_v5(&base, b"minutes")
            });
        Ok(MinutesCommand::Draft {
            minutes_id,
            session_id,
            sha256,
            document_ref,
            drafted_on,
        }
        .into())
    })();
    let result = match built {
        Ok(command) => super::submit::command(&state, &viewer, get("command_id"), command).await,
        Err(message) => Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
        }),
    };
    match result {
        Ok(first) => super::submit::done(&format!("/sessions/{session_id}"), first),
        Err(refusal) => session_course::refused(&state, &viewer, session_id, refusal),
    }
}

fn too_big_or_unreadable(t: Language) -> Response {
    page::message(
        t,
        StatusCode::PAYLOAD_TOO_LARGE,
        t.tr("Document refusé"),
        &t.fill(
            "Le formulaire ou le document ne peut être lu, ou le document dépasse {} Mo. Rien n'a été enregistré. (code INVALID_FORM)",
            &[&(MAX_DOCUMENT_BYTES / (1024 * 1024))],
        ),
    )
}

/// The minutes the form names, if they are this session's: a form posted
/// on one session's page acts on that session's minutes alone.
fn of_this_session(
    m: &ReadModels,
    session_id: Uuid,
    f: &HashMap<&str, &str>,
    t: Language,
) -> Result<Uuid, String> {
    let minutes_id = uuid(f, "minutes", t, t.tr("Procès-verbal"))?;
    match m.minutes.get(minutes_id) {
        Some(r) if r.session_id == session_id => Ok(minutes_id),
        _ => Err(t
            .tr("Procès-verbal : choisissez celui de cette session.")
            .into()),
    }
}

pub fn sign(
    m: &ReadModels,
    session_id: Uuid,
    f: &HashMap<&str, &str>,
    t: Language,
) -> Result<Command, String> {
    let minutes_id = of_this_session(m, session_id, f, t)?;
    let signatory = match f.get("signatory").copied().unwrap_or("") {
        "president" => Signatory::President,
        "secretaire" => Signatory::Secretary,
        _ => return Err(t.tr("Signataire : le président ou le secrétaire.").into()),
    };
    let field = |name| f.get(name).copied().unwrap_or("");
    let signatory_name = fields::text(t, t.tr("Nom du signataire"), field("name"), MAX_NAME)?;
    let signed_on = fields::date(t, t.tr("Date de signature"), field("signed_on"))?;
    Ok(MinutesCommand::Sign {
        minutes_id,
        signatory,
        signatory_name,
        signed_on,
    }
    .into())
}

/// Adoption of the latest draft, in an open session of the same body.
pub fn adopt(
    m: &ReadModels,
    session_id: Uuid,
    f: &HashMap<&str, &str>,
    scope: Scope<'_>,
    t: Language,
) -> Result<Command, String> {
    let minutes_id = of_this_session(m, session_id, f, t)?;
    let adopted_in_session_id = uuid(f, "session", t, t.tr("Session d'adoption"))?;
    let body = m.sessions.session(session_id).map(|s| s.body_id);
    let within = m
        .sessions
        .session(adopted_in_session_id)
        .is_some_and(|x| scope.body(m, x.body_id) && Some(x.body_id) == body);
    if !within {
        return Err(t
            .tr("Session d'adoption : choisissez dans la liste.")
            .into());
    }
    let adopted_on = Utc::now().date_naive();
    let sha256 = m
        .minutes
        .get(minutes_id)
        .and_then(|r| r.drafts.last())
        .map(|d| d.sha256.clone())
        .ok_or(t.tr("Procès-verbal : aucun projet à adopter."))?;
    Ok(MinutesCommand::Adopt {
        minutes_id,
        adopted_in_session_id,
        adopted_on,
        sha256,
    }
    .into())
}
