//! A session's whole course on one page (`/sessions/{id}`): the
//! convocation and its notice, the attendance sheet with the quorum as it
//! stands (live), the opening, the motions and their votes, the closing,
//! and the minutes (see [`super::minutes`]).
//!
//! Each step is a small form posted to `/sessions/{id}/{step}`; a refusal
//! shows the page again with the statutes' reason above the step.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use registre_domain::session::SessionCommand;
use registre_domain::text::{MAX_NAME, MAX_TEXT};
use registre_projections::ReadModels;
use registre_projections::sessions::{SessionRecord, SessionState};
use registre_schema::Position;
use registre_schema::events::session::{MotionKind, RequestedBy, VoteChoice};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::correction::{self, Subject};
use super::fields;
use super::logins::same_token;
use super::minutes::{self, MinutesView};
use super::page::{self, Frame, Viewer};
use super::sessions;
use super::submit::{self, Refusal};
use crate::application::Command;
use crate::french;
use crate::language::Language;

/// Most fields a step's form may carry (a vote per voter, and a few more).
const MAX_FIELDS: usize = 2_000;

#[derive(Template)]
#[template(path = "session.html")]
struct SessionPage {
    frame: Frame,
    id: Uuid,
    title: String,
    place: String,
    /// Why it was adjourned (empty: it was not).
    adjourned: String,
    convened_on: String,
    notice_period: String,
    /// An extraordinary session's grounds and who asked for it, in words.
    request: Option<(String, String)>,
    state: &'static str,
    is_convened: bool,
    is_open: bool,
    is_closed: bool,
    /// Its quorum failed, and it is not convened a second time yet: the
    /// page offers the second convocation.
    may_convene_again: bool,
    agenda: Vec<(usize, String)>,
    quorum: String,
    sheet: Vec<Attendee>,
    motions: Vec<Motion>,
    voters: Vec<Voter>,
    /// The elections held in it: body id, body, post, and who was elected
    /// (empty while none is).
    elections: Vec<(Uuid, String, String, String)>,
    minutes: MinutesView,
    /// Each correction of the session's records, after the record's label.
    corrections: Vec<String>,
    refusal: String,
    notice: &'static str,
}

impl SessionPage {
    /// A command id for one form of the page: each form its own, so that
    /// two forms posted before the page reloads both record.
    fn new_id(&self) -> String {
        Uuid::now_v7().to_string()
    }
}

#[derive(Template)]
#[template(path = "quorum.html")]
struct Quorum {
    id: Uuid,
    position: Position,
    text: String,
}

struct Attendee {
    id: Uuid,
    name: String,
    presence: String,
    absent: bool,
}

struct Motion {
    id: Uuid,
    item: u32,
    kind: &'static str,
    title: String,
    text: String,
    tally: String,
    result: &'static str,
    voting: bool,
    /// Decided: its certified extract can be issued.
    decided: bool,
}

struct Voter {
    id: Uuid,
    name: String,
    /// For a represented member: who votes for it.
    holder: Option<(Uuid, String)>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    enregistre: Option<String>,
    deja: Option<String>,
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let viewer = try_page!(Viewer::of(&state, &headers).await);
    let Ok(id) = Uuid::parse_str(&id) else {
        return page::not_found(viewer.language);
    };
    let notice = query.map_or("", |Query(q)| {
        super::submit::notice(q.enregistre.is_some(), q.deja.is_some(), viewer.language)
    });
    show(&state, &viewer, id, String::new(), notice, StatusCode::OK)
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    refusal: String,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let frame = viewer.frame("sessions");
    let scope = viewer.scope();
    let built = models.read(|m, _| {
        let s = scope.session(m, id)?;
        Some(SessionPage {
            title: lang.fill(
                "{} · session {} du {}",
                &[
                    &sessions::body_name(m, s.body_id, lang),
                    &lang.tr(french::session_kind(s.kind)),
                    &lang.date(s.session_date),
                ],
            ),
            place: s.place.clone(),
            adjourned: s.adjourned.clone().unwrap_or_default(),
            convened_on: lang.date(s.convened_on),
            notice_period: french::notice(s, lang),
            request: s.request.as_ref().map(|r| {
                let by = match &r.requested_by {
                    RequestedBy::Bureau => lang.tr("le bureau qui la convoque").to_owned(),
                    RequestedBy::Members { member_ids } => {
                        let names: Vec<String> = member_ids
                            .iter()
                            .map(|id| {
                                m.membership.member(*id).map_or_else(
                                    || lang.tr("commune inconnue").to_owned(),
                                    |r| r.name.clone(),
                                )
                            })
                            .collect();
                        let communes = lang.count(names.len() as u32, "commune", "communes");
                        let names = names.join(", ");
                        lang.fill("{} : {}", &[&communes, &names])
                    }
                };
                (r.grounds.clone(), by)
            }),
            state: sessions::state(s.state, lang),
            is_convened: s.state == SessionState::Convened,
            is_open: s.state == SessionState::Open,
            is_closed: s.state == SessionState::Closed,
            may_convene_again: s.state == SessionState::QuorumFailed
                && s.second_convocations.is_empty(),
            agenda: s
                .agenda
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, a)| (i + 1, a))
                .collect(),
            quorum: french::quorum(m, s, lang),
            sheet: sheet(m, s, lang),
            motions: motions(m, s, lang),
            voters: voters(m, s),
            elections: m
                .bodies
                .elections_in_session(s.session_id)
                .into_iter()
                .map(|(b, e)| {
                    let post = b.posts.get(&e.post_id).map_or("?", |p| p.title.as_str());
                    let elected: Vec<&str> =
                        e.elected().filter_map(|id| e.holder_name(*id)).collect();
                    (
                        b.body_id,
                        b.name.clone(),
                        post.to_owned(),
                        elected.join(", "),
                    )
                })
                .collect(),
            minutes: minutes::view(m, s, scope, lang),
            corrections: correction::of_subject(m, Subject::Session(id), &scope, lang),
            id,
            frame,
            refusal,
            notice,
        })
    });
    match built {
        Some(p) => page::render_as(&p, status),
        None => page::not_found(lang),
    }
}

fn member_name(m: &ReadModels, id: Uuid) -> String {
    m.membership
        .member(id)
        .map_or_else(|| id.to_string(), |r| r.name.clone())
}

fn sheet(m: &ReadModels, s: &SessionRecord, lang: Language) -> Vec<Attendee> {
    let mut rows: Vec<Attendee> = s
        .eligible
        .iter()
        .map(|id| {
            let presence = match (s.present.get(id), s.proxies.get(id)) {
                (Some(delegate), _) => lang.fill("présent ({})", &[delegate]),
                (None, Some(holder)) => lang.fill("représenté par {}", &[&member_name(m, *holder)]),
                (None, None) => String::new(),
            };
            Attendee {
                id: *id,
                name: member_name(m, *id),
                absent: presence.is_empty(),
                presence,
            }
        })
        .collect();
    rows.sort_by_cached_key(|r| registre_projections::search::folded(&r.name));
    rows
}

fn motions(m: &ReadModels, s: &SessionRecord, lang: Language) -> Vec<Motion> {
    let mut list: Vec<Motion> = m
        .resolutions
        .motions
        .values()
        .filter(|r| r.session_id == s.session_id)
        .map(|r| Motion {
            id: r.motion_id,
            // Counted from 0 in the records, from 1 on paper.
            item: r.agenda_item.saturating_add(1),
            kind: lang.tr(french::motion_kind(r.kind)),
            title: r.title.clone(),
            text: r.text.clone(),
            tally: {
                let counted = lang.fill(
                    "{} pour, {} contre, {} abstentions",
                    &[&r.votes_for, &r.votes_against, &r.abstentions],
                );
                match &r.decision {
                    Some(d) => {
                        let required = lang.fill(
                            "{} · majorité requise : {} ({} pris en compte)",
                            &[&counted, &french::majority_rule(d.rule, lang), &d.base],
                        );
                        match d.casting_vote {
                            Some(VoteChoice::For) => lang.fill(
                                "{} · partage tranché par la voix prépondérante du président : pour",
                                &[&required],
                            ),
                            Some(_) => lang.fill(
                                "{} · partage tranché par la voix prépondérante du président : contre",
                                &[&required],
                            ),
                            None => required,
                        }
                    }
                    None => counted,
                }
            },
            result: lang.tr(french::motion_result(r.result)),
            voting: r.decision.is_none() && s.state == SessionState::Open,
            decided: r.decision.is_some(),
        })
        .collect();
    list.sort_by_key(|x| (x.item, x.id));
    list
}

/// Who votes: the members present, and the members represented (their
/// holder casts their vote).
fn voters(m: &ReadModels, s: &SessionRecord) -> Vec<Voter> {
    let mut list: Vec<Voter> = s
        .present
        .keys()
        .map(|id| Voter {
            id: *id,
            name: member_name(m, *id),
            holder: None,
        })
        .chain(s.proxies.iter().map(|(grantor, holder)| Voter {
            id: *grantor,
            name: member_name(m, *grantor),
            holder: Some((*holder, member_name(m, *holder))),
        }))
        .collect();
    list.sort_by_cached_key(|v| registre_projections::search::folded(&v.name));
    list
}

#[derive(Deserialize)]
pub struct After {
    apres: Option<Position>,
}

/// The quorum line, answered once the log passes `apres` (a long poll, as
/// the dashboard's).
pub async fn live_quorum(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(after): Query<After>,
) -> Response {
    let viewer = try_page!(Viewer::watching(&state, &headers).await);
    let lang = viewer.language;
    let (Ok(id), Some(models)) = (Uuid::parse_str(&id), state.app.read_models()) else {
        return page::not_found(lang);
    };
    page::wait_past(models, after.apres).await;
    let scope = viewer.scope();
    let part = models.read(|m, position| {
        let s = scope.session(m, id)?;
        Some(Quorum {
            id,
            position,
            text: french::quorum(m, s, lang),
        })
    });
    match part.map(|q| q.render()) {
        Some(Ok(html)) => Html(html).into_response(),
        _ => page::not_found(lang),
    }
}

/// A step of the session: the form's fields in, the commands out.
pub async fn step(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path((id, step)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let t = viewer.language;
    let Form(pairs) = match form {
        Ok(form) => form,
        Err(rejection) => return page::unreadable_form(t, rejection),
    };
    let fields: HashMap<&str, &str> = pairs
        .iter()
        .take(MAX_FIELDS)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if !same_token(
        fields.get("csrf").copied().unwrap_or(""),
        &viewer.login.csrf,
    ) {
        return page::bad_csrf(t);
    }
    let Ok(session_id) = Uuid::parse_str(&id) else {
        return page::not_found(t);
    };
    if !within(&state, &viewer, session_id) {
        return page::not_found(t);
    }
    if pairs.len() > MAX_FIELDS {
        let refusal = t.fill(
            "Formulaire trop long : au plus {} champs. Rien n'a été enregistré. (code INVALID_FORM)",
            &[&MAX_FIELDS],
        );
        return show(
            &state,
            &viewer,
            session_id,
            refusal,
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let built = match step.as_str() {
        "emargement" => attendance(session_id, &fields, t),
        "procuration" => proxy(session_id, &fields, t),
        "ouverture" => Ok(SessionCommand::Open {
            session_id,
            opened_at: Utc::now(),
        }
        .into()),
        "motion" => motion(&state, &viewer, session_id, &fields),
        "votes" => {
            let base = command_base(&fields);
            return match votes(&state, session_id, &fields, t) {
                Ok(votes) => match submit_each(&state, &viewer, base, votes).await {
                    Ok(first) => submit::done(&format!("/sessions/{session_id}"), first),
                    Err(refusal) => refused(&state, &viewer, session_id, refusal),
                },
                Err(message) => show(
                    &state,
                    &viewer,
                    session_id,
                    message,
                    "",
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
            };
        }
        "cloture-vote" => uuid(&fields, "motion", t, t.tr("Motion")).and_then(|motion_id| {
            let casting_vote = match fields.get("preponderante").copied().unwrap_or("") {
                "" => None,
                "pour" => Some(VoteChoice::For),
                "contre" => Some(VoteChoice::Against),
                _ => {
                    return Err(t
                        .tr("Voix prépondérante : pour, contre ou aucune.")
                        .to_owned());
                }
            };
            Ok(SessionCommand::CloseVote {
                session_id,
                motion_id,
                casting_vote,
            }
            .into())
        }),
        "ajournement" => fields::text(
            viewer.language,
            viewer.language.tr("Motif de l'ajournement"),
            fields.get("reason").copied().unwrap_or(""),
            MAX_TEXT,
        )
        .map(|reason| SessionCommand::Adjourn { session_id, reason }.into()),
        "cloture" => Ok(SessionCommand::Close {
            session_id,
            closed_at: Utc::now(),
        }
        .into()),
        "pv-signature" => match state.app.read_models() {
            Some(models) => models.read(|m, _| minutes::sign(m, session_id, &fields, t)),
            None => return page::unavailable(t),
        },
        "pv-adoption" => match state.app.read_models() {
            Some(models) => {
                models.read(|m, _| minutes::adopt(m, session_id, &fields, viewer.scope(), t))
            }
            None => return page::unavailable(t),
        },
        _ => return page::not_found(t),
    };
    let command = match built {
        Ok(command) => command,
        Err(message) => {
            return show(
                &state,
                &viewer,
                session_id,
                message,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let command_id = fields.get("command_id").copied().unwrap_or("");
    match submit::command(&state, &viewer, command_id, command).await {
        Ok(first) => submit::done(&format!("/sessions/{session_id}"), first),
        Err(refusal) => refused(&state, &viewer, session_id, refusal),
    }
}

/// Whether the session exists and its body is within the viewer's scope.
pub fn within(state: &WebState, viewer: &Viewer, session_id: Uuid) -> bool {
    let scope = viewer.scope();
    state
        .app
        .read_models()
        .is_some_and(|models| models.read(|m, _| scope.session(m, session_id).is_some()))
}

/// The session's page again, with why a step was refused.
pub fn refused(state: &WebState, viewer: &Viewer, id: Uuid, refusal: Refusal) -> Response {
    show(state, viewer, id, refusal.message, "", refusal.status)
}

/// The form's command id (a new one if it carries none or a bad one).
fn command_base(fields: &HashMap<&str, &str>) -> Uuid {
    fields
        .get("command_id")
        .and_then(|v| Uuid::parse_str(v).ok())
        .unwrap_or_else(Uuid::now_v7)
}

/// Submits a step's commands in order, each under an id derived from the
/// form's and its key (a voter), so that the same form posted again
/// records each once; stops at the first refusal, saying how many were
/// recorded before it (each vote is a record of its own). `Ok(false)`:
/// every one had been recorded already.
pub async fn submit_each(
    state: &WebState,
    viewer: &Viewer,
    base: Uuid,
    commands: Vec<(Uuid, Command)>,
) -> Result<bool, Refusal> {
    let total = commands.len();
    let mut any_first = false;
    for (i, (key, command)) in commands.into_iter().enumerate() {
        let id = Uuid::new_v5(&base, key.as_bytes());
        match submit::command(state, viewer, &id.to_string(), command).await {
            Ok(first) => any_first |= first,
            Err(mut refusal) => {
                if i > 0 {
                    refusal.message = viewer.language.fill(
                        "{} enregistrement(s) sur {} faits ; le suivant est refusé : {}",
                        &[&i, &total, &refusal.message],
                    );
                }
                return Err(refusal);
            }
        }
    }
    Ok(any_first)
}

/// The id a form's field `key` holds, or the refusal naming its `label`
/// (in `t` already).
pub fn uuid(
    fields: &HashMap<&str, &str>,
    key: &str,
    t: Language,
    label: &str,
) -> Result<Uuid, String> {
    fields
        .get(key)
        .and_then(|v| Uuid::parse_str(v).ok())
        .ok_or_else(|| t.fill("{} : choisissez dans la liste.", &[&label]))
}

fn attendance(session_id: Uuid, f: &HashMap<&str, &str>, t: Language) -> Result<Command, String> {
    let member_id = uuid(f, "member", t, t.tr("Commune"))?;
    let delegate_name = fields::text(
        t,
        t.tr("Nom du délégué"),
        f.get("delegate").copied().unwrap_or(""),
        MAX_NAME,
    )?;
    Ok(SessionCommand::RecordAttendance {
        session_id,
        member_id,
        delegate_name,
    }
    .into())
}

/// An absent member represented by another convened member.
fn proxy(session_id: Uuid, f: &HashMap<&str, &str>, t: Language) -> Result<Command, String> {
    Ok(SessionCommand::RegisterProxy {
        session_id,
        grantor_member_id: uuid(f, "grantor", t, t.tr("Commune représentée"))?,
        holder_member_id: uuid(f, "holder", t, t.tr("Représentée par"))?,
    }
    .into())
}

/// A motion tabled; an exclusion names its commune by P-code (a member
/// the viewer sees).
fn motion(
    state: &WebState,
    viewer: &Viewer,
    session_id: Uuid,
    f: &HashMap<&str, &str>,
) -> Result<Command, String> {
    let t = viewer.language;
    let agenda_item = f
        .get("item")
        .and_then(|v| v.parse::<u32>().ok())
        .ok_or(t.tr("Point de l'ordre du jour : choisissez dans la liste."))?;
    let kind = match f.get("kind").copied().unwrap_or("") {
        "ordinaire" => MotionKind::Ordinary,
        "election" => MotionKind::Election,
        "exclusion" => MotionKind::Exclusion,
        "statuts" => MotionKind::StatuteAmendment,
        "dissolution" => MotionKind::Dissolution,
        _ => {
            return Err(t
                .tr("Nature de la motion : choisissez dans la liste.")
                .into());
        }
    };
    let field = |name| f.get(name).copied().unwrap_or("");
    let title = fields::text(t, t.tr("Intitulé"), field("title"), MAX_NAME)?;
    let text = fields::text(t, t.tr("Texte"), field("text"), MAX_TEXT)?;
    let subject_member_id = match f.get("subject").map(|c| c.trim()).unwrap_or("") {
        "" => None,
        code => {
            let scope = viewer.scope();
            let found = state.app.read_models().and_then(|models| {
                models.read(|m, _| {
                    m.membership
                        .by_code(code)
                        .map(|r| r.member_id)
                        .filter(|id| scope.member(m, *id))
                })
            });
            Some(found.ok_or_else(|| {
                t.fill(
                    "Commune concernée : aucun membre pour le code « {} ».",
                    &[&code.chars().take(32).collect::<String>()],
                )
            })?)
        }
    };
    Ok(SessionCommand::TableMotion {
        session_id,
        motion_id: Uuid::now_v7(),
        agenda_item,
        kind,
        title,
        text,
        subject_member_id,
    }
    .into())
}

/// One vote per voter chosen (`vote-<member id>` = pour, contre or
/// abstention); voters left blank are not recorded.
fn votes(
    state: &WebState,
    session_id: Uuid,
    f: &HashMap<&str, &str>,
    t: Language,
) -> Result<Vec<(Uuid, Command)>, String> {
    let motion_id = uuid(f, "motion", t, t.tr("Motion"))?;
    let proxies = state
        .app
        .read_models()
        .and_then(|m| m.read(|m, _| m.sessions.session(session_id).map(|s| s.proxies.clone())))
        .unwrap_or_default();
    let mut commands = Vec::new();
    let mut chosen: Vec<(&str, &str)> = f
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("vote-")?, *v)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    chosen.sort();
    for (member, choice) in chosen {
        let member_id =
            Uuid::parse_str(member).map_err(|_| t.tr("Vote : votant inconnu.").to_owned())?;
        let choice = match choice {
            "pour" => VoteChoice::For,
            "contre" => VoteChoice::Against,
            "abstention" => VoteChoice::Abstain,
            _ => return Err(t.tr("Vote : pour, contre ou abstention.").into()),
        };
        commands.push((
            member_id,
            SessionCommand::RecordVote {
                session_id,
                motion_id,
                member_id,
                choice,
                proxy_holder_member_id: proxies.get(&member_id).copied(),
            }
            .into(),
        ));
    }
    if commands.is_empty() {
        return Err(t.tr("Vote : aucun vote choisi.").into());
    }
    Ok(commands)
}
