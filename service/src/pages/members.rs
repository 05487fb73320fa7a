//! The member directory (`/membres`: search by name or P-code, accents
//! ignored; filters by region and status) and a member's page
//! (`/membres/{id}`: status, dues year by year, payments, history).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use registre_projections::ReadModels;
use registre_projections::membership::MembershipChange;
use registre_projections::search::{Search, folded};
use registre_schema::events::territory::TerritorialLevel;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

use crate::application::AsOfDate;

use super::WebState;
use super::page::{self, Frame, Viewer, render};
use super::payment::PaymentFields;
use super::record_form::{At, RecordForm};
use super::scope::Scope;
use super::submit::Done;
use crate::french;
use crate::language::Language;

/// Members listed per page of the directory.
const PER_PAGE: usize = 50;
/// Longest search read from the query.
const MAX_SEARCH: usize = 100;

#[derive(Template)]
#[template(path = "directory.html")]
struct Directory {
    frame: Frame,
    /// The directory in PDF covers every member: not offered to an
    /// account limited to a region.
    whole: bool,
    q: String,
    /// The editions of the territory, offered when there are several.
    editions: Vec<Choice>,
    regions: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
    le: String,
    sens: String,
    /// Which past is shown (empty: the registers now).
    past: String,
    refusal: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Row {
    id: Uuid,
    name: String,
    code: String,
    region: String,
    cercle: String,
    status: &'static str,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    /// The edition of the territory the regions are of (empty: the latest).
    #[serde(default)]
    edition: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    statut: String,
    /// A past day (AAAA-MM-JJ): the registers then, in the sense `sens`
    /// says (`vigueur`: in force that day; `enregistre`: as recorded).
    #[serde(default)]
    le: String,
    #[serde(default)]
    sens: String,
    page: Option<usize>,
}

/// Which past the directory shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Past {
    InForceOn(NaiveDate),
    RecordedBy(NaiveDate),
}

impl Past {
    fn of(query: &DirectoryQuery) -> Result<Option<Past>, ()> {
        if query.le.trim().is_empty() {
            return Ok(None);
        }
        let day = NaiveDate::parse_from_str(query.le.trim(), "%Y-%m-%d").map_err(|_| ())?;
        Ok(Some(match query.sens.as_str() {
            "enregistre" => Past::RecordedBy(day),
            _ => Past::InForceOn(day),
        }))
    }

    fn said(self, lang: Language) -> String {
        match self {
            Past::InForceOn(d) => lang.fill(
                "Registre en vigueur le {} : chaque changement effectif à cette date, même enregistré plus tard.",
                &[&lang.date(d)],
            ),
            Past::RecordedBy(d) => lang.fill(
                "Registre tel que le secrétariat l'avait enregistré à la fin du {}.",
                &[&lang.date(d)],
            ),
        }
    }

    /// The registers of that past, from the log.
    async fn models(self, state: &WebState) -> Option<Arc<ReadModels>> {
        let past = state.app.past_states()?;
        match self {
            Past::InForceOn(d) => past.in_force_on(d).await.ok().map(|(_, m)| m),
            Past::RecordedBy(d) => {
                let end = d.succ_opt()?.and_time(chrono::NaiveTime::MIN).and_utc();
                let position = past.position_at(AsOfDate::Before(end)).await.ok()?;
                past.at(position).await.ok()
            }
        }
    }
}

pub async fn directory(
    State(state): State<WebState>,
    headers: HeaderMap,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> Response {
    let (viewer, models) = try_page!(page::reading(&state, &headers).await);
    // An unreadable query (a page that is not a number) shows the first
    // page unfiltered rather than an error.
    let Query(query) = query.unwrap_or_else(|_| Query(DirectoryQuery::default()));
    let q: String = query.q.trim().chars().take(MAX_SEARCH).collect();
    let scope = viewer.scope();
    let frame = viewer.frame("membres");
    let lang = viewer.language;
    let (past, refusal) = match Past::of(&query) {
        Ok(past) => (past, String::new()),
        Err(()) => (
            None,
            lang.tr("Date invalide : écrivez-la AAAA-MM-JJ (par exemple 2025-06-30). (code BAD_USER_INPUT)")
                .into(),
        ),
    };
    let mut page = match past {
        None => models.read(|m, _| list(m, frame, scope, q, &query)),
        Some(p) => match p.models(&state).await {
            Some(m) => {
                let mut d = list(&m, frame, scope, q, &query);
                d.past = p.said(lang);
                d
            }
            None => return page::unavailable(lang),
        },
    };
    page.refusal = refusal;
    render(&page)
}

fn list(
    m: &ReadModels,
    frame: Frame,
    scope: Scope<'_>,
    q: String,
    query: &DirectoryQuery,
) -> Directory {
    let lang = frame.lang;
    let wanted_status = french::status_from_slug(&query.statut);
    let search = Search::new(&q);
    // Regions are of one edition, the latest unless another is asked for;
    // each member is placed by its commune in that edition.
    let region_units = || {
        m.membership
            .units
            .values()
            .filter(|u| u.level == TerritorialLevel::Region)
    };
    let known: BTreeSet<&str> = region_units().map(|u| u.unit.edition.as_str()).collect();
    let edition = match known.get(query.edition.as_str()) {
        Some(e) => *e,
        None => known.last().copied().unwrap_or_default(),
    };
    let editions = if known.len() > 1 {
        known
            .iter()
            .map(|e| Choice {
                value: (*e).into(),
                label: (*e).into(),
                selected: *e == edition,
            })
            .collect()
    } else {
        Vec::new()
    };
    let lineage = m.membership.lineage();
    let mut regions: Vec<Choice> = region_units()
        .filter(|u| u.unit.edition == edition)
        .filter(|u| scope.0.is_none_or(|r| r == u.unit.code))
        .map(|u| Choice {
            selected: u.unit.code == query.region,
            value: u.unit.code.clone(),
            label: u.name.clone(),
        })
        .collect();
    regions.sort_by(|a, b| a.label.cmp(&b.label));
    regions.dedup_by(|a, b| a.value == b.value);
    let mut rows: Vec<Row> = Vec::new();
    for member in m.membership.members.values() {
        if wanted_status.is_some_and(|s| s != member.status) || !scope.unit(m, &member.unit) {
            continue;
        }
        let place = m
            .membership
            .unit_in(&lineage, &member.unit, edition)
            .map(|u| m.membership.placement(&u))
            .unwrap_or_default();
        let region = place.region.as_ref();
        if !query.region.is_empty() && region.is_none_or(|r| r.code != query.region) {
            continue;
        }
        if search
            .as_ref()
            .is_some_and(|s| !s.finds(&member.name, &member.unit.code))
        {
            continue;
        }
        rows.push(Row {
            id: member.member_id,
            name: member.name.clone(),
            code: place
                .commune
                .as_ref()
                .map_or_else(|| member.unit.code.clone(), |c| c.code.clone()),
            region: region.map(|r| r.name.clone()).unwrap_or_default(),
            cercle: place.cercle.map(|c| c.name).unwrap_or_default(),
            status: lang.tr(french::status(member.status)),
        });
    }
    rows.sort_by_cached_key(|r| folded(&r.name));
    let total = rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Row> = rows
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let link = |p: usize| {
        let mut s = url_query(&[
            ("q", &q),
            ("edition", &query.edition),
            ("region", &query.region),
            ("statut", &query.statut),
            ("le", &query.le),
            ("sens", &query.sens),
        ]);
        s.push_str(&format!("&page={p}"));
        format!("/membres?{s}")
    };
    Directory {
        frame,
        whole: scope.is_whole(),
        statuses: french::STATUSES
            .into_iter()
            .map(|s| Choice {
                value: french::status_slug(s).into(),
                label: lang.tr(french::status(s)).into(),
                selected: Some(s) == wanted_status,
            })
            .collect(),
        editions,
        regions,
        rows,
        total,
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page,
        pages,
        q,
        le: query.le.chars().take(10).collect(),
        sens: query.sens.chars().take(10).collect(),
        past: String::new(),
        refusal: String::new(),
    }
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = url_encode(v);
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    frame: Frame,
    id: Uuid,
    name: String,
    code: String,
    region: String,
    cercle: String,
    status: &'static str,
    member_since: String,
    category: String,
    years: Vec<YearRow>,
    payments: Vec<PaymentRow>,
    history: Vec<Step>,
    /// The contacts in force (none known: empty).
    contacts: Vec<(&'static str, String)>,
    form: PaymentFields,
    notice: &'static str,
}

struct YearRow {
    year: i32,
    due: String,
    paid: String,
    balance: String,
    in_arrears: bool,
}

struct PaymentRow {
    /// Where it was recorded: what its receipt is issued by.
    position: u64,
    paid_on: String,
    year: i32,
    amount: String,
    receipt: String,
    reversed: Option<String>,
    corrections: Vec<String>,
}

struct Step {
    /// Where it was recorded: what a correction names.
    position: u64,
    date: String,
    what: &'static str,
    reason: String,
    correctable: bool,
    corrections: Vec<String>,
}

/// A member's page, for any signed-in viewer, with a blank payment form.
pub async fn member(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let viewer = try_page!(Viewer::of(&state, &headers).await);
    let Ok(id) = Uuid::parse_str(&id) else {
        return page::not_found(viewer.language);
    };
    let at = At {
        state: &state,
        viewer: &viewer,
        id,
        notice: done.map_or("", |Query(d)| d.notice(viewer.language)),
    };
    PaymentFields::blank(&at).show(&at, StatusCode::OK)
}

/// A member's page, with the payment form as given (blank, or as posted
/// and refused with its messages) and `notice` in the viewer's language.
pub fn member_page(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: PaymentFields,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let frame = viewer.frame("membres");
    let scope = viewer.scope();
    let page = models.read(|m, _| {
        let member = m.membership.member(id).filter(|_| scope.member(m, id))?;
        let place = m.membership.placement(&member.unit);
        let corrections: std::collections::BTreeMap<u64, Vec<String>> =
            super::correction::correctable(m, member, lang)
                .into_iter()
                .map(|r| {
                    let said = r
                        .corrections
                        .into_iter()
                        .map(|c| super::correction::said(c, lang));
                    (r.position, said.collect())
                })
                .collect();
        let corrected = |position: u64| corrections.get(&position).cloned();
        let years = m
            .dues
            .member_positions(id)
            .into_iter()
            .rev()
            .map(|p| YearRow {
                year: p.year,
                due: lang.amount(p.due),
                paid: lang.amount(p.paid),
                balance: lang.amount(p.balance.max(0)),
                in_arrears: p.in_arrears,
            })
            .collect();
        let payments = m
            .dues
            .members
            .get(&id)
            .map(|d| {
                d.payments
                    .iter()
                    .rev()
                    .map(|p| PaymentRow {
                        position: p.position,
                        paid_on: lang.date(p.paid_on),
                        year: p.year,
                        amount: lang.amount(p.amount_xof),
                        receipt: p.receipt_ref.clone(),
                        reversed: p.reversed.as_ref().map(|r| {
                            lang.fill("annulé le {} : {}", &[&lang.date(r.reversed_on), &r.reason])
                        }),
                        corrections: corrected(p.position).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The membership's changes and the recordings of its contacts,
        // latest recorded first.
        let mut steps: Vec<(u64, Step)> = member
            .history
            .iter()
            .map(|s| {
                let step = Step {
                    position: s.position,
                    date: lang.date(s.effective_on),
                    what: change(s.change, lang),
                    reason: s.reason.clone().unwrap_or_default(),
                    correctable: true,
                    corrections: corrected(s.position).unwrap_or_default(),
                };
                (s.position, step)
            })
            .chain(member.contacts.iter().map(|c| {
                let step = Step {
                    position: c.position,
                    date: lang.date(c.recorded_on),
                    what: lang.tr("Coordonnées enregistrées"),
                    reason: String::new(),
                    correctable: false,
                    corrections: Vec::new(),
                };
                (c.position, step)
            }))
            .collect();
        steps.sort_by_key(|(position, _)| std::cmp::Reverse(*position));
        let history = steps.into_iter().map(|(_, s)| s).collect();
        let contacts = member
            .current_contacts()
            .map(|c| {
                [
                    (lang.tr("Maire"), c.mayor.clone().unwrap_or_default()),
                    (
                        lang.tr("Secrétaire général"),
                        c.secretary_general.clone().unwrap_or_default(),
                    ),
                    (lang.tr("Téléphones"), c.phones.join(" · ")),
                    (
                        lang.tr("Adresse électronique"),
                        c.email.clone().unwrap_or_default(),
                    ),
                    (
                        lang.tr("Adresse postale"),
                        c.postal_address.clone().unwrap_or_default(),
                    ),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect()
            })
            .unwrap_or_default();
        Some(MemberPage {
            frame,
            contacts,
            id,
            name: member.name.clone(),
            code: member.unit.code.clone(),
            region: place.region.map(|r| r.name).unwrap_or_default(),
            cercle: place.cercle.map(|c| c.name).unwrap_or_default(),
            status: lang.tr(french::status(member.status)),
            member_since: lang.date(member.member_since),
            category: member.dues_category.clone(),
            years,
            payments,
            history,
            form,
            notice,
        })
    });
    match page {
        Some(page) => page::render_as(&page, status),
        None => page::not_found(lang),
    }
}

/// A change of membership, as the history says it.
pub(super) fn change(c: MembershipChange, lang: Language) -> &'static str {
    lang.tr(match c {
        MembershipChange::Admitted => "Admission",
        MembershipChange::Suspended => "Suspension",
        MembershipChange::Reinstated => "Réintégration",
        MembershipChange::Excluded => "Exclusion",
        MembershipChange::Withdrew => "Retrait",
        MembershipChange::SucceededTo => "Succède à une commune",
        MembershipChange::SucceededBy => "Remplacée par une commune",
    })
}
