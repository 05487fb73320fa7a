//! The bodies (`/instances`): each instance and organ, its posts and who
//! holds them today, within the viewer's scope.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use registre_schema::events::body::{BodyKind, BodyLevel};

use super::WebState;
use super::page::{self, Frame, render};
use crate::french;

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    frame: Frame,
    bodies: Vec<Body>,
    /// The year whose register of deliberations is offered.
    year: i32,
}

struct Body {
    id: uuid::Uuid,
    name: String,
    /// `instance nationale`, `organe régional`...
    kind: &'static str,
    national: bool,
    seats: Vec<(String, Vec<String>)>,
}

pub async fn page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let (viewer, models) = match page::reading(&state, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let today = Utc::now().date_naive();
    let scope = viewer.scope();
    let page = models.read(|m, _| {
        let mut bodies: Vec<Body> = m
            .bodies
            .bodies
            .values()
            .filter(|b| scope.body(m, b.body_id))
            .map(|b| Body {
                id: b.body_id,
                name: b.name.clone(),
                kind: match (b.kind, b.level) {
                    (BodyKind::Instance, BodyLevel::National) => "instance nationale",
                    (BodyKind::Instance, BodyLevel::Regional) => "instance régionale",
                    (BodyKind::Instance, BodyLevel::Cercle) => "instance de cercle",
                    (BodyKind::Organ, BodyLevel::National) => "organe national",
                    (BodyKind::Organ, BodyLevel::Regional) => "organe régional",
                    (BodyKind::Organ, BodyLevel::Cercle) => "organe de cercle",
                },
                national: b.level == BodyLevel::National,
                seats: b
                    .composition(today)
                    .into_iter()
                    .map(|seat| {
                        let holders = seat
                            .holders
                            .iter()
                            .map(|h| match h.term_ends_on {
                                Some(end) => {
                                    format!("{} (jusqu'au {})", h.holder_name, french::date(end))
                                }
                                None => h.holder_name.clone(),
                            })
                            .collect();
                        (seat.post.title.clone(), holders)
                    })
                    .collect(),
            })
            .collect();
        bodies.sort_by_key(|b| (!b.national, b.name.clone()));
        BodiesPage {
            frame: viewer.frame("instances"),
            bodies,
            year: chrono::Datelike::year(&today),
        }
    });
    render(&page)
}
