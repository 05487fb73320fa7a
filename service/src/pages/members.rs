//! The member directory (`/membres`: search by name or P-code, accents
//! ignored; filters by region and status) and a member's page
//! (`/membres/{id}`: status, dues year by year, payments, history).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_projections::ReadModels;
use registre_projections::membership::MembershipChange;
use registre_schema::events::territory::TerritorialLevel;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::page::{self, Frame, Viewer, render};
use super::payment::PaymentFields;
use super::scope::Scope;
use crate::french;

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
    regions: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
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
    #[serde(default)]
    region: String,
    #[serde(default)]
    statut: String,
    page: Option<usize>,
}

pub async fn directory(
    State(state): State<WebState>,
    headers: HeaderMap,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> Response {
    let (viewer, models) = match page::reading(&state, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    // An unreadable query (a page that is not a number) shows the first
    // page unfiltered rather than an error.
    let Query(query) = query.unwrap_or_else(|_| Query(DirectoryQuery::default()));
    let q: String = query.q.trim().chars().take(MAX_SEARCH).collect();
    let scope = viewer.scope();
    render(&models.read(|m, _| list(m, viewer.frame("membres"), scope, q, &query)))
}

fn list(
    m: &ReadModels,
    frame: Frame,
    scope: Scope<'_>,
    q: String,
    query: &DirectoryQuery,
) -> Directory {
    let wanted_status = french::status_from_slug(&query.statut);
    let needle = french::folded(&q);
    let mut regions: Vec<Choice> = m
        .membership
        .units
        .values()
        .filter(|u| u.level == TerritorialLevel::Region)
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
        let place = m.membership.placement(&member.unit);
        let region = place.region.as_ref();
        if !query.region.is_empty() && region.is_none_or(|r| r.code != query.region) {
            continue;
        }
        if !needle.is_empty()
            && !french::folded(&member.name).contains(&needle)
            && !member.unit.code.to_ascii_lowercase().starts_with(&needle)
        {
            continue;
        }
        rows.push(Row {
            id: member.member_id,
            name: member.name.clone(),
            code: member.unit.code.clone(),
            region: region.map(|r| r.name.clone()).unwrap_or_default(),
            cercle: place.cercle.map(|c| c.name).unwrap_or_default(),
            status: french::status(member.status),
        });
    }
    rows.sort_by_cached_key(|r| french::folded(&r.name));
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
            ("region", &query.region),
            ("statut", &query.statut),
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
                label: french::status(s).into(),
                selected: Some(s) == wanted_status,
            })
            .collect(),
        regions,
        rows,
        total,
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page,
        pages,
        q,
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
}

struct Step {
    date: String,
    what: &'static str,
    reason: String,
}

#[derive(Deserialize, Default)]
pub struct MemberQuery {
    enregistre: Option<String>,
    deja: Option<String>,
}

pub async fn member(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<MemberQuery>, QueryRejection>,
) -> Response {
    let viewer = match Viewer::of(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return page::not_found();
    };
    let notice = query.map_or("", |Query(q)| {
        super::submit::notice(q.enregistre.is_some(), q.deja.is_some())
    });
    member_page(
        &state,
        &viewer,
        id,
        PaymentFields::blank(),
        notice,
        StatusCode::OK,
    )
}

/// A member's page, with the payment form as given (blank, or as posted
/// and refused with its messages).
pub fn member_page(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: PaymentFields,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let Some(models) = state.app.read_models() else {
        return page::unavailable();
    };
    let frame = viewer.frame("membres");
    let scope = viewer.scope();
    let page = models.read(|m, _| {
        let member = m.membership.member(id).filter(|_| scope.member(m, id))?;
        let place = m.membership.placement(&member.unit);
        let years = m
            .dues
            .member_positions(id)
            .into_iter()
            .rev()
            .map(|p| YearRow {
                year: p.year,
                due: french::amount(p.due),
                paid: french::amount(p.paid),
                balance: french::amount(p.balance.max(0)),
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
                        paid_on: french::date(p.paid_on),
                        year: p.year,
                        amount: french::amount(p.amount_xof),
                        receipt: p.receipt_ref.clone(),
                        reversed: p.reversed.as_ref().map(|r| {
                            format!("annulé le {} : {}", french::date(r.reversed_on), r.reason)
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let history = member
            .history
            .iter()
            .rev()
            .map(|s| Step {
                date: french::date(s.effective_on),
                what: change(s.change),
                reason: s.reason.clone().unwrap_or_default(),
            })
            .collect();
        Some(MemberPage {
            frame,
            id,
            name: member.name.clone(),
            code: member.unit.code.clone(),
            region: place.region.map(|r| r.name).unwrap_or_default(),
            cercle: place.cercle.map(|c| c.name).unwrap_or_default(),
            status: french::status(member.status),
            member_since: french::date(member.member_since),
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
        None => page::not_found(),
    }
}

fn change(c: MembershipChange) -> &'static str {
    match c {
        MembershipChange::Admitted => "Admission",
        MembershipChange::Suspended => "Suspension",
        MembershipChange::Reinstated => "Réintégration",
        MembershipChange::Excluded => "Exclusion",
        MembershipChange::Withdrew => "Retrait",
        MembershipChange::SucceededTo => "Succède à une commune",
        MembershipChange::SucceededBy => "Remplacée par une commune",
    }
}
