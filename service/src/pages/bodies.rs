//! The bodies (`/instances`): each instance and organ, its posts and who
//! holds them today, within the viewer's scope.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use registre_projections::meetings::statutory_meetings;
use registre_schema::events::body::{BodyKind, BodyLevel};

use super::WebState;
use super::page::{self, Frame, render};
use crate::french;
use crate::language::Language;

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    frame: Frame,
    bodies: Vec<Body>,
    /// Bodies in scope past the date their statutes require them to meet.
    overdue: usize,
    /// The year whose register of deliberations is offered.
    year: i32,
}

struct Body {
    id: uuid::Uuid,
    name: String,
    /// `instance nationale`, `organe régional`...
    kind: &'static str,
    national: bool,
    /// Which of the statutes' bodies it is.
    statutory: Option<&'static str>,
    /// Its ordinary sessions against its statutes, in words.
    meetings: Option<String>,
    overdue: bool,
    /// The first overdue body, which the summary links to.
    first_overdue: bool,
    seats: Vec<(String, Vec<String>)>,
}

pub async fn page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let (viewer, models) = try_page!(page::reading(&state, &headers).await);
    let today = Utc::now().date_naive();
    let scope = viewer.scope();
    let lang = viewer.language;
    let page = models.read(|m, _| {
        let due: std::collections::BTreeMap<_, _> = statutory_meetings(m, today)
            .into_iter()
            .map(|d| (d.body_id, d))
            .collect();
        let mut bodies: Vec<Body> = m
            .bodies
            .bodies
            .values()
            .filter(|b| scope.body(m, b.body_id))
            .map(|b| Body {
                id: b.body_id,
                name: b.name.clone(),
                kind: kind(b.kind, b.level, lang),
                national: b.level == BodyLevel::National,
                statutory: b.statutory_body.map(french::statutory_body),
                meetings: due.get(&b.body_id).map(|d| {
                    let last = match d.last_met {
                        Some(day) => lang.fill("dernière le {}", &[&lang.date(day)]),
                        None => lang.tr("aucune session tenue").into(),
                    };
                    lang.fill(
                        "Session ordinaire au moins tous les {} mois : {} ; prochaine au plus tard le {}.",
                        &[&d.every_months, &last, &lang.date(d.next_due)],
                    )
                }),
                overdue: due.get(&b.body_id).is_some_and(|d| d.overdue),
                first_overdue: false,
                seats: b
                    .composition(today)
                    .into_iter()
                    .map(|seat| {
                        let holders = seat
                            .holders
                            .iter()
                            .map(|h| match h.term_ends_on {
                                Some(end) => lang.fill(
                                    "{} (jusqu'au {})",
                                    &[&h.holder_name, &lang.date(end)],
                                ),
                                None => h.holder_name.clone(),
                            })
                            .collect();
                        (seat.post.title.clone(), holders)
                    })
                    .collect(),
            })
            .collect();
        bodies.sort_by_key(|b| (!b.national, b.name.clone()));
        if let Some(first) = bodies.iter_mut().find(|b| b.overdue) {
            first.first_overdue = true;
        }
        BodiesPage {
            frame: viewer.frame("instances"),
            overdue: bodies.iter().filter(|b| b.overdue).count(),
            bodies,
            year: chrono::Datelike::year(&today),
        }
    });
    render(&page)
}

/// `instance nationale`, `organe régional`...
fn kind(kind: BodyKind, level: BodyLevel, lang: Language) -> &'static str {
    lang.tr(match (kind, level) {
        (BodyKind::Instance, BodyLevel::National) => "instance nationale",
        (BodyKind::Instance, BodyLevel::Regional) => "instance régionale",
        (BodyKind::Instance, BodyLevel::Cercle) => "instance de cercle",
        (BodyKind::Organ, BodyLevel::National) => "organe national",
        (BodyKind::Organ, BodyLevel::Regional) => "organe régional",
        (BodyKind::Organ, BodyLevel::Cercle) => "organe de cercle",
    })
}
