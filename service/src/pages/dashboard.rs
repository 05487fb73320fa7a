//! The dashboard (`/`): members by region, dues collected and owed, the
//! members in arrears, sessions to come, minutes awaiting signature and
//! the latest records; its live part follows the log by long polling
//! (`/tableau/direct?apres=N` answers once the read models pass `N`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use registre_domain::member::MemberStatus;
use registre_projections::ReadModels;
use registre_projections::sessions::SessionFilter;
use registre_schema::Position;
use serde::Deserialize;

use super::WebState;
use super::chart::{self, Bar};
use super::page::{self, Frame, Viewer, render};
use super::scope::Scope;
use crate::french;
use crate::language::Language;

/// Records listed under "latest".
const LATEST: u64 = 8;
/// Years of dues shown.
const YEARS: i32 = 5;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Frame,
    live: String,
}

#[derive(Template)]
#[template(path = "dashboard_live.html")]
struct Live {
    lang: Language,
    position: Position,
    today: String,
    members: u32,
    active: u32,
    suspended: u32,
    regions_svg: String,
    dues: Vec<DuesRow>,
    dues_svg: String,
    arrears_year: i32,
    in_arrears: usize,
    upcoming: Vec<Upcoming>,
    unsigned_minutes: u32,
    reads_the_log: bool,
    latest: Vec<Latest>,
}

struct DuesRow {
    year: i32,
    collected: String,
    due: String,
    owed: String,
}

struct Upcoming {
    date: String,
    body: String,
    place: String,
    notice: String,
}

struct Latest {
    position: Position,
    when: String,
    what: String,
    who: String,
}

pub async fn page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let viewer = try_page!(Viewer::of(&state, &headers).await);
    let Some(live) = live_part(&state, &viewer).await else {
        return page::unavailable(viewer.language);
    };
    render(&DashboardPage {
        frame: viewer.frame("tableau"),
        live: live.to_string(),
    })
}

#[derive(Deserialize)]
pub struct After {
    apres: Option<Position>,
}

pub async fn live(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(after): Query<After>,
) -> Response {
    let viewer = try_page!(Viewer::watching(&state, &headers).await);
    let models = try_page!(viewer.models(&state));
    page::wait_past(models, after.apres).await;
    match live_part(&state, &viewer).await {
        Some(html) => axum::response::Html(html.to_string()).into_response(),
        None => page::unavailable(viewer.language),
    }
}

/// The dashboard's figures as rendered, per read models' position, day,
/// language and kind of viewer: every viewer at the same point gets the same part, so
/// it is computed once per new record rather than once per request (each
/// open dashboard asks again as soon as a record arrives).
#[derive(Default)]
pub struct Rendered(Mutex<HashMap<Key, Cell>>);

/// One key's part, computed by the first request and awaited by the
/// others that come meanwhile (the long polls all wake at one record).
type Cell = Arc<tokio::sync::OnceCell<Arc<String>>>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    position: Position,
    day: NaiveDate,
    region: Option<String>,
    reads_the_log: bool,
    language: Language,
}

/// Kinds of viewer kept at one position (regions, languages, and whether
/// they read the log): bounds the memory whatever the accounts.
const KEPT: usize = 64;

impl Rendered {
    /// The cell of `key`, made if needed; entries of other positions or
    /// days are dropped. Beyond [`KEPT`] kinds, a cell of its own that is
    /// not kept.
    fn cell(&self, key: Key) -> Cell {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|k, _| k.position == key.position && k.day == key.day);
        if let Some(cell) = map.get(&key) {
            return cell.clone();
        }
        let cell = Cell::default();
        if map.len() < KEPT {
            map.insert(key, cell.clone());
        }
        cell
    }
}

async fn live_part(state: &WebState, viewer: &Viewer) -> Option<Arc<String>> {
    let models = state.app.read_models()?;
    let today = Utc::now().date_naive();
    let scope = viewer.scope();
    let reads_the_log = page::reads_the_log(viewer.login.account.role) && scope.is_whole();
    let lang = viewer.language;
    let key = Key {
        position: models.position(),
        day: today,
        region: scope.0.map(str::to_owned),
        reads_the_log,
        language: lang,
    };
    let cell = state.dashboards.cell(key);
    let html = cell
        .get_or_try_init(|| async {
            // The figures and the latest records at the one position the
            // key names: a record arriving meanwhile waits for the next
            // answer.
            let mut live = models.read(|m, position| figures(m, position, today, scope, lang));
            live.reads_the_log = reads_the_log;
            if reads_the_log {
                live.latest = latest(state, live.position, lang).await;
            }
            live.render()
                .map(Arc::new)
                .map_err(|e| tracing::error!(error = %e, "rendering the dashboard"))
        })
        .await
        .ok()?;
    Some(html.clone())
}

fn figures(
    m: &ReadModels,
    position: Position,
    today: NaiveDate,
    scope: Scope<'_>,
    lang: Language,
) -> Live {
    // Dues are owed by members (active or suspended), as the arrears rule
    // counts them; former members' years are not summed. A viewer limited
    // to a region counts its members alone.
    let member = |id: &uuid::Uuid| {
        m.membership
            .member(*id)
            .is_some_and(|r| r.status.is_member())
            && scope.member(m, *id)
    };
    let (mut active, mut suspended) = (0, 0);
    // Members by region (by cercle within one region), named as the
    // reference list names them.
    let mut by_place: BTreeMap<String, i64> = BTreeMap::new();
    let lineage = m.membership.lineage();
    for record in m.membership.members.values() {
        if !record.status.is_member() || !scope.unit(m, &record.unit) {
            continue;
        }
        match record.status {
            MemberStatus::Active => active += 1,
            _ => suspended += 1,
        }
        // Where it stands now, in the latest edition of the territory.
        let place = m
            .membership
            .placement(&m.membership.unit_now(&lineage, &record.unit));
        let place = if scope.is_whole() {
            place.region
        } else {
            place.cercle
        };
        let name = place.map_or_else(|| lang.tr("Hors liste").to_owned(), |r| r.name);
        *by_place.entry(name).or_default() += 1;
    }
    let by_region = by_place;
    let regions: Vec<Bar> = by_region
        .into_iter()
        .map(|(label, value)| Bar {
            shown: value.to_string(),
            label,
            value,
        })
        .collect();
    // The years shown end with the latest one a schedule was set for (or
    // this year, before any).
    let year = m
        .dues
        .schedules
        .keys()
        .next_back()
        .map_or(today.year(), |y| (*y).min(today.year()));
    let mut dues = Vec::new();
    for y in (year - YEARS + 1..=year).rev() {
        let positions: Vec<_> = m
            .dues
            .positions_for_year(y, today)
            .into_iter()
            .filter(|p| member(&p.member_id))
            .collect();
        let due: i64 = positions.iter().map(|p| p.due).sum();
        let collected: i64 = positions.iter().map(|p| p.paid).sum();
        // What is owed is each member's balance, not the difference of the
        // sums: one member paying ahead does not settle another's debt.
        let owed: i64 = positions.iter().map(|p| p.balance.max(0)).sum();
        dues.push((y, collected, due, owed));
    }
    let dues_bars: Vec<Bar> = dues
        .iter()
        .rev()
        .map(|(y, collected, _, _)| Bar {
            label: y.to_string(),
            value: *collected,
            shown: lang.amount(*collected),
        })
        .collect();
    // Arrears are counted for the latest year whose dues fell due.
    let arrears_year = m
        .dues
        .schedules
        .iter()
        .rev()
        .find(|(_, s)| s.due_on < today)
        .map_or(year, |(y, _)| *y);
    let in_arrears = m
        .dues
        .positions_for_year(arrears_year, today)
        .iter()
        .filter(|p| p.in_arrears && member(&p.member_id))
        .count();
    let upcoming = m
        .sessions
        .calendar(&SessionFilter {
            from: Some(today),
            ..Default::default()
        })
        .into_iter()
        .filter(|s| scope.body(m, s.body_id))
        .take(5)
        .map(|s| Upcoming {
            date: lang.date(s.session_date),
            body: super::sessions::body_name(m, s.body_id, lang),
            place: s.place.clone(),
            notice: match s.notice_compliant {
                Some(false) => lang.tr("délai de convocation non respecté").into(),
                _ => String::new(),
            },
        })
        .collect();
    Live {
        lang,
        position,
        today: lang.date(today),
        members: active + suspended,
        active,
        suspended,
        regions_svg: chart::horizontal(
            lang,
            lang.tr(if scope.is_whole() {
                "Membres par région"
            } else {
                "Membres par cercle"
            }),
            &regions,
        ),
        dues: dues
            .iter()
            .map(|(y, collected, due, owed)| DuesRow {
                year: *y,
                collected: lang.amount(*collected),
                due: lang.amount(*due),
                owed: lang.amount(*owed),
            })
            .collect(),
        dues_svg: chart::horizontal(
            lang,
            lang.tr("Cotisations encaissées par année"),
            &dues_bars,
        ),
        arrears_year,
        in_arrears,
        upcoming,
        unsigned_minutes: if scope.is_whole() {
            m.indicators.unsigned_minutes()
        } else {
            // Minutes of the region's bodies' sessions alone.
            m.minutes
                .minutes
                .values()
                .filter(|r| scope.session(m, r.session_id).is_some())
                .filter(|r| {
                    !(r.signed_by(registre_schema::events::minutes::Signatory::President)
                        && r.signed_by(registre_schema::events::minutes::Signatory::Secretary))
                })
                .count() as u32
        },
        reads_the_log: false,
        latest: Vec::new(),
    }
}

/// The last records of the log up to `position`, newest first.
async fn latest(state: &WebState, position: Position, lang: Language) -> Vec<Latest> {
    let log = state.app.log();
    let head = position;
    if head == 0 {
        return Vec::new();
    }
    let from = head.saturating_sub(LATEST - 1).max(1);
    let events = log.read(from, LATEST as usize).await.unwrap_or_default();
    events
        .iter()
        .rev()
        .map(|e| Latest {
            position: e.position,
            when: lang.date(e.occurred_at.date_naive()),
            what: lang.tr(french::event(&e.event_type)).to_owned(),
            who: e.actor.id.clone(),
        })
        .collect()
}
