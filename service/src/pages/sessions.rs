//! The sessions' calendar (`/sessions`) and convening a session
//! (`/sessions/convocation`): the body picked from a list, the agenda one
//! item per line, the notice checked by the statutes when recorded.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use registre_domain::session::SessionCommand;
use registre_projections::ReadModels;
use registre_projections::sessions::{SessionFilter, SessionRecord, SessionState};
use registre_schema::events::session::{ExtraordinaryRequest, RequestedBy, SessionKind};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer, render};
use super::register_form::{Planned, RegisterForm};
use super::scope::Scope;
use crate::french;
use crate::language::Language;

// The domain's own bounds, so the form and the rules never disagree.
use registre_domain::session::{MAX_AGENDA as MAX_ITEMS, MAX_REQUESTERS};
use registre_domain::text::{MAX_NAME as MAX_PLACE, MAX_TEXT as MAX_ITEM};

#[derive(Template)]
#[template(path = "sessions.html")]
struct Calendar {
    frame: Frame,
    upcoming: Vec<Line>,
    past: Vec<Line>,
    /// The next page of past sessions, if any.
    older: Option<usize>,
    newer: Option<usize>,
}

/// Sessions listed per part of the calendar (to come; past, by page).
const PER_PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    page: Option<usize>,
}

pub struct Line {
    pub id: Uuid,
    pub date: String,
    pub body: String,
    pub kind: &'static str,
    pub place: String,
    pub state: &'static str,
}

pub fn line(m: &ReadModels, s: &SessionRecord, lang: Language) -> Line {
    Line {
        id: s.session_id,
        date: lang.date(s.session_date),
        body: body_name(m, s.body_id, lang),
        kind: lang.tr(french::session_kind(s.kind)),
        place: s.place.clone(),
        state: state(s.state, lang),
    }
}

pub fn body_name(m: &ReadModels, id: Uuid, lang: Language) -> String {
    m.bodies.body(id).map_or_else(
        || lang.tr("Instance inconnue").to_owned(),
        |b| b.name.clone(),
    )
}

pub fn state(s: SessionState, lang: Language) -> &'static str {
    lang.tr(match s {
        SessionState::Convened => "convoquée",
        SessionState::QuorumFailed => "quorum non atteint",
        SessionState::Open => "en séance",
        SessionState::Closed => "close",
        SessionState::Adjourned => "ajournée",
    })
}

pub async fn calendar(
    State(state): State<WebState>,
    headers: HeaderMap,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Response {
    // Bounded: a page far past the end shows an empty list, never an
    // overflow.
    let page_no = query
        .ok()
        .and_then(|Query(q)| q.page)
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let (viewer, models) = try_page!(page::reading(&state, &headers).await);
    let today = Utc::now().date_naive();
    let scope = viewer.scope();
    let lang = viewer.language;
    let page = models.read(|m, _| {
        let all = m.sessions.calendar(&SessionFilter::default());
        let (upcoming, past): (Vec<_>, Vec<_>) = all
            .into_iter()
            .filter(|s| scope.body(m, s.body_id))
            .partition(|s| s.session_date >= today);
        let skip = (page_no - 1) * PER_PAGE;
        Calendar {
            frame: viewer.frame("sessions"),
            upcoming: upcoming
                .into_iter()
                .take(PER_PAGE)
                .map(|s| line(m, s, lang))
                .collect(),
            older: (past.len() > skip + PER_PAGE).then_some(page_no + 1),
            newer: (page_no > 1).then(|| page_no - 1),
            past: past
                .into_iter()
                .rev()
                .skip(skip)
                .take(PER_PAGE)
                .map(|s| line(m, s, lang))
                .collect(),
        }
    });
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConveneFields {
    csrf: String,
    command_id: String,
    body: Field,
    kind: String,
    convened_on: Field,
    session_date: Field,
    place: Field,
    agenda: Field,
    /// An extraordinary session's grounds.
    grounds: String,
    /// `bureau`, or `communes` listed in `requesters` by P-code.
    requested_by: String,
    requesters: String,
    /// The session without quorum this one convenes a second time (empty:
    /// none).
    second_of: String,
    /// A refusal about the extraordinary session's request as a whole.
    #[serde(skip)]
    request_error: String,
    #[serde(skip)]
    refusal: String,
}

#[derive(Template)]
#[template(path = "convene.html")]
struct ConvenePage {
    frame: Frame,
    form: ConveneFields,
    bodies: Vec<(String, String)>,
    /// The session without quorum convened a second time, in words
    /// (empty: a first convocation).
    second: String,
}

/// The convocation form's query: `seconde`, a session whose quorum
/// failed, to convene a second time, its body, place and agenda kept.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Again {
    seconde: String,
}

pub async fn convene_form(
    State(state): State<WebState>,
    headers: HeaderMap,
    again: Result<Query<Again>, QueryRejection>,
) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let mut form = ConveneFields {
        command_id: Uuid::now_v7().to_string(),
        kind: "ordinaire".into(),
        convened_on: fields::today(),
        ..Default::default()
    };
    let again = again.map(|Query(a)| a.seconde).unwrap_or_default();
    if !again.is_empty() {
        let scope = viewer.scope();
        let first = state.app.read_models().and_then(|models| {
            models.read(|m, _| {
                // Offered once; a form posted again is the domain's to answer.
                let s =
                    failed_quorum(m, scope, &again).filter(|s| s.second_convocations.is_empty())?;
                Some((s.body_id, s.kind, s.place.clone(), s.agenda.join("\n")))
            })
        });
        let Some((body, kind, place, agenda)) = first else {
            return page::not_found(viewer.language);
        };
        form.body = body.to_string().into();
        form.kind = match kind {
            SessionKind::Extraordinary => "extraordinaire",
            SessionKind::Ordinary => "ordinaire",
        }
        .into();
        form.place = place.into();
        form.agenda = agenda.into();
        form.second_of = again;
    }
    show(&state, &viewer, form, StatusCode::OK)
}

/// The session `id` names, if the viewer sees it and it failed its
/// quorum (what a second convocation follows).
fn failed_quorum<'m>(m: &'m ReadModels, scope: Scope<'_>, id: &str) -> Option<&'m SessionRecord> {
    let id = Uuid::parse_str(id).ok()?;
    scope
        .session(m, id)
        .filter(|s| s.state == SessionState::QuorumFailed)
}

fn show(state: &WebState, viewer: &Viewer, form: ConveneFields, status: StatusCode) -> Response {
    let models = try_page!(viewer.models(state));
    let scope = viewer.scope();
    let bodies = models.read(|m, _| scope.bodies(m));
    let second = models.read(|m, _| {
        failed_quorum(m, scope, &form.second_of).map_or_else(String::new, |s| {
            viewer.language.tr1(
                "Seconde convocation de la session du {}, où le quorum n'a pas été atteint.",
                viewer.language.date(s.session_date),
            )
        })
    });
    page::render_as(
        &ConvenePage {
            frame: viewer.frame("sessions"),
            form,
            bodies,
            second,
        },
        status,
    )
}

impl RegisterForm for ConveneFields {
    const REGIONAL: bool = true;

    /// Back to the new session's page.
    fn command(&mut self, state: &WebState, viewer: &Viewer) -> Option<Planned> {
        let t = viewer.language;
        let no_body = t.tr("Instance : choisissez une instance dans la liste.");
        let body_id = self
            .body
            .read(|v| Uuid::parse_str(v).map_err(|_| no_body.to_owned()));
        // The body convening is the one the statutes name for it (or itself).
        let scope = viewer.scope();
        let convened_by = body_id.and_then(|id| {
            state.app.read_models()?.read(|m, _| {
                m.bodies
                    .body(id)
                    .filter(|_| scope.body(m, id))
                    .map(|b| b.convened_by_body_id.unwrap_or(b.body_id))
            })
        });
        if body_id.is_some() && convened_by.is_none() {
            self.body.error = no_body.into();
        }
        let kind = match self.kind.as_str() {
            "extraordinaire" => SessionKind::Extraordinary,
            _ => SessionKind::Ordinary,
        };
        let convened_on = self.convened_on.date(t, t.tr("Date de la convocation"));
        let session_date = self.session_date.date(t, t.tr("Date de la session"));
        let place = self.place.text(t, t.tr("Lieu"), MAX_PLACE);
        let agenda = self.agenda.read(|v| agenda(v, t));
        // A second convocation names a session without quorum the viewer sees.
        let second_of = match self.second_of.as_str() {
            "" => Some(None),
            id => state
                .app
                .read_models()
                .and_then(|models| {
                    models.read(|m, _| failed_quorum(m, scope, id).map(|s| s.session_id))
                })
                .map(Some),
        };
        let second_of = self.body.keep(second_of.ok_or_else(|| {
            t.tr("Seconde convocation : la session sans quorum est introuvable.")
                .to_owned()
        }));
        let asked = request(state, viewer, kind, self);
        let request = asked.map_err(|why| self.request_error = why).ok();
        let (body_id, convened_by_body_id, convened_on, session_date, place, agenda) = (
            body_id?,
            convened_by?,
            convened_on?,
            session_date?,
            place?,
            agenda?,
        );
        let (request, second_convocation_of) = (request?, second_of?);
        // Derived from the form's command id: posted twice, the form names the
        // same session, and the answer leads to it.
        let base = Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7());
        let session_id = Uuid::new_v5(&base, b"session");
        // Kept as parsed, so the command is recorded under the id it derives from.
        self.command_id = base.to_string();
        let command = SessionCommand::Convene {
            session_id,
            body_id,
            convened_by_body_id,
            kind,
            convened_on,
            session_date,
            place,
            agenda,
            second_convocation_of,
            request,
        };
        Some(Planned {
            command: command.into(),
            back: format!("/sessions/{session_id}"),
        })
    }

    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response {
        show(state, viewer, self, status)
    }
}

/// An extraordinary session's grounds and who asked for it: the bureau,
/// or the communes whose P-codes are listed (one a line or separated by
/// commas), each a member the viewer sees. Nothing for an ordinary
/// session, whose grounds fields are ignored.
fn request(
    state: &WebState,
    viewer: &Viewer,
    kind: SessionKind,
    form: &ConveneFields,
) -> Result<Option<ExtraordinaryRequest>, String> {
    if kind == SessionKind::Ordinary {
        return Ok(None);
    }
    let t = viewer.language;
    let grounds = fields::text(
        t,
        t.tr("Motifs de la session extraordinaire"),
        &form.grounds,
        MAX_ITEM,
    )?;
    let requested_by = match form.requested_by.as_str() {
        "communes" => {
            let codes: Vec<&str> = form
                .requesters
                .split([',', '\n', ';'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if codes.is_empty() {
                return Err(t
                    .tr("Communes demandeuses : indiquez leurs codes P.")
                    .into());
            }
            if codes.len() > MAX_REQUESTERS {
                return Err(t.fill("Communes demandeuses : {} au plus.", &[&MAX_REQUESTERS]));
            }
            let scope = viewer.scope();
            let found = state.app.read_models().map(|models| {
                models.read(|m, _| {
                    codes
                        .iter()
                        .map(|code| {
                            m.membership
                                .by_code(code)
                                .map(|r| r.member_id)
                                .filter(|id| scope.member(m, *id))
                                .ok_or_else(|| {
                                    t.fill(
                                        "Communes demandeuses : aucun membre pour le code « {} ».",
                                        &[&code.chars().take(32).collect::<String>()],
                                    )
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            });
            RequestedBy::Members {
                member_ids: found.ok_or(t.tr("Registres indisponibles : réessayez."))??,
            }
        }
        _ => RequestedBy::Bureau,
    };
    Ok(Some(ExtraordinaryRequest {
        grounds,
        requested_by,
    }))
}

/// The agenda, one item a line; blank lines dropped.
fn agenda(text: &str, t: Language) -> Result<Vec<String>, String> {
    let items: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if items.is_empty() {
        return Err(t
            .tr("Ordre du jour : au moins un point, un par ligne.")
            .into());
    }
    if items.len() > MAX_ITEMS {
        return Err(t.fill("Ordre du jour : au plus {} points.", &[&MAX_ITEMS]));
    }
    if items.iter().any(|i| i.chars().count() > MAX_ITEM) {
        return Err(t.fill(
            "Ordre du jour : au plus {} caractères par point.",
            &[&MAX_ITEM],
        ));
    }
    Ok(items)
}

page::posted_form!(ConveneFields);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_an_agenda_typed_one_item_a_line_when_read_then_blank_lines_are_dropped() {
        assert_eq!(
            agenda("Ouverture\n\n  Budget 2025 \r\nDivers\n", Language::French).unwrap(),
            vec!["Ouverture", "Budget 2025", "Divers"]
        );
        assert!(agenda(" \n ", Language::French).is_err());
        assert!(agenda(&"point\n".repeat(MAX_ITEMS + 1), Language::French).is_err());
    }
}
