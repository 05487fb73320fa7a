//! The dues schedules (`/cotisations`): each year's amount per dues
//! category and its due date, and the form that sets a year's schedule,
//! started from the latest one (most years change an amount or two).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use registre_domain::dues::{MAX_TIERS, SetDuesSchedule};
use registre_domain::text::MAX_NAME;
use registre_projections::ReadModels;
use registre_schema::events::DuesTier;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer};
use super::register_form::{Planned, RegisterForm};
use super::submit::Done;
use crate::language::Language;

/// Empty rows the form offers after the latest schedule's categories.
const BLANK_ROWS: usize = 3;

/// The form's fields. Its categories come as repeated `categorie` and
/// `montant` pairs, in the order of the form's rows, so that a row can be
/// added without renumbering; hence read from the pairs as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct ScheduleFields {
    pub csrf: String,
    pub command_id: String,
    pub year: Field,
    pub due_on: Field,
    pub tiers: Vec<TierRow>,
    /// A refusal about the categories as a whole (none, too many, twice).
    pub tiers_error: String,
    pub refusal: String,
}

/// One row of the categories' table.
#[derive(Debug, Default, Clone)]
pub struct TierRow {
    pub category: String,
    pub amount: String,
    pub error: String,
}

impl From<Vec<(String, String)>> for ScheduleFields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut form = ScheduleFields::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "command_id" => form.command_id = value,
                "year" => form.year = value.into(),
                "due_on" => form.due_on = value.into(),
                "categorie" => {
                    // A row left empty takes the next one's place, so
                    // that only the rows filled in count; one more than
                    // a schedule may hold is enough to refuse a long list
                    // without keeping all of it.
                    if form.tiers.last().is_some_and(TierRow::is_empty) {
                        form.tiers.pop();
                    }
                    if form.tiers.len() <= MAX_TIERS {
                        form.tiers.push(TierRow {
                            category: value,
                            ..TierRow::default()
                        });
                    }
                }
                "montant" => {
                    if let Some(row) = form.tiers.last_mut().filter(|r| r.amount.is_empty()) {
                        row.amount = value;
                    }
                }
                _ => {}
            }
        }
        form
    }
}

page::posted_form!(ScheduleFields);

impl TierRow {
    fn is_empty(&self) -> bool {
        self.category.trim().is_empty() && self.amount.trim().is_empty()
    }
}

#[derive(Template)]
#[template(path = "dues_schedule.html")]
struct SchedulePage {
    frame: Frame,
    /// Every category of any year: the table's columns.
    categories: Vec<String>,
    years: Vec<YearShown>,
    form: ScheduleFields,
    notice: &'static str,
}

/// A year's schedule as shown: year, due date, statutes version, and the
/// amount of each category of the page's columns (a dash where the year
/// has no such category).
struct YearShown {
    year: i32,
    due_on: String,
    statutes_version: u32,
    amounts: Vec<String>,
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let (viewer, models) = try_page!(page::reading(&state, &headers).await);
    let notice = done
        .map(|Query(d)| d.notice(viewer.language))
        .unwrap_or_default();
    let form = models.read(|m, _| blank(m, Utc::now().date_naive(), viewer.language));
    show(&state, &viewer, form, StatusCode::OK, notice)
}

impl RegisterForm for ScheduleFields {
    const REGIONAL: bool = false;

    fn command(&mut self, _: &WebState, viewer: &Viewer) -> Option<Planned> {
        Some(Planned {
            command: self.schedule(viewer.language)?.into(),
            back: "/cotisations".into(),
        })
    }

    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response {
        show(state, viewer, self, status, "")
    }
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    mut form: ScheduleFields,
    status: StatusCode,
    notice: &'static str,
) -> Response {
    let models = try_page!(viewer.models(state));
    let lang = viewer.language;
    let (categories, years) = models.read(|m, _| {
        let schedules = &m.dues.schedules;
        let categories: Vec<String> = schedules
            .values()
            .flat_map(|s| s.tiers.keys())
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let years = schedules
            .iter()
            .rev()
            .map(|(year, s)| YearShown {
                year: *year,
                due_on: lang.date(s.due_on),
                statutes_version: s.statutes_version,
                amounts: categories
                    .iter()
                    .map(|c| {
                        s.tiers
                            .get(c)
                            .map_or_else(|| "—".into(), |a| lang.amount(*a))
                    })
                    .collect(),
            })
            .collect();
        (categories, years)
    });
    // A refused form keeps its rows, and room for one more.
    if !form.tiers.iter().any(|r| r.category.trim().is_empty()) && form.tiers.len() < MAX_TIERS {
        form.tiers.push(TierRow::default());
    }
    page::render_as(
        &SchedulePage {
            frame: viewer.frame("cotisations"),
            categories,
            years,
            form,
            notice,
        },
        status,
    )
}

/// A new form: the year after the latest schedule (this year while none
/// is set), due on the same day of the year as the latest, with the
/// latest's categories and amounts.
fn blank(m: &ReadModels, today: NaiveDate, lang: Language) -> ScheduleFields {
    let latest = m.dues.schedules.iter().next_back();
    let year = latest.map_or(today.year(), |(y, _)| y + 1);
    let due_on = latest
        .and_then(|(_, s)| s.due_on.with_year(year))
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 31))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut tiers: Vec<TierRow> = latest
        .map(|(_, s)| {
            s.tiers
                .iter()
                .map(|(category, amount)| TierRow {
                    category: category.clone(),
                    amount: lang.number(*amount),
                    error: String::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    tiers.sort_by(|a, b| a.category.cmp(&b.category));
    tiers.extend(std::iter::repeat_n(TierRow::default(), BLANK_ROWS));
    tiers.truncate(MAX_TIERS);
    ScheduleFields {
        command_id: Uuid::now_v7().to_string(),
        year: year.to_string().into(),
        due_on: due_on.into(),
        tiers,
        ..Default::default()
    }
}

impl ScheduleFields {
    /// The command the fields say, or `None` with each refusal beside its
    /// field. Rows left empty are not categories.
    fn schedule(&mut self, lang: Language) -> Option<SetDuesSchedule> {
        let year = self.year.year(lang, lang.tr("Année"));
        let due_on = self.due_on.date(lang, lang.tr("Date d'échéance"));
        self.tiers.retain(|r| !r.is_empty());
        let mut tiers = Vec::with_capacity(self.tiers.len());
        let mut complete = true;
        for row in &mut self.tiers {
            let category = fields::text(lang, lang.tr("Catégorie"), &row.category, MAX_NAME);
            let amount = fields::amount(lang, lang.tr("Montant"), &row.amount);
            match (category, amount) {
                (Ok(category), Ok(amount_xof)) => tiers.push(DuesTier {
                    category,
                    amount_xof,
                }),
                // The row's first refusal, the category's before the amount's.
                (Err(why), _) | (_, Err(why)) => {
                    row.error = why;
                    complete = false;
                }
            }
        }
        let listed = listed(&tiers, lang)
            .map_err(|why| self.tiers_error = why)
            .ok();
        let (year, due_on) = (year?, due_on?);
        listed.filter(|_| complete)?;
        Some(SetDuesSchedule {
            year,
            tiers,
            due_on,
        })
    }
}

/// The categories as a whole: at least one, at most [`MAX_TIERS`], each
/// once.
fn listed(tiers: &[DuesTier], lang: Language) -> Result<(), String> {
    if tiers.is_empty() {
        return Err(lang
            .tr("Catégories : indiquez au moins une catégorie et son montant.")
            .into());
    }
    if tiers.len() > MAX_TIERS {
        return Err(lang.tr1("Catégories : {} au plus dans un barème.", MAX_TIERS));
    }
    let mut seen = std::collections::BTreeSet::new();
    match tiers.iter().find(|t| !seen.insert(t.category.as_str())) {
        Some(twice) => Err(lang.tr1("Catégories : « {} » figure deux fois.", &twice.category)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language::French;

    fn posted(pairs: &[(&str, &str)]) -> ScheduleFields {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
            .into()
    }

    #[test]
    fn given_rows_as_posted_when_read_then_each_amount_goes_with_its_category() {
        let mut form = posted(&[
            ("year", "2026"),
            ("due_on", "2026-03-31"),
            ("categorie", "Commune urbaine"),
            ("montant", "150 000"),
            ("categorie", ""),
            ("montant", ""),
            ("categorie", "Commune rurale"),
            ("montant", "50000"),
        ]);
        let command = form.schedule(French).expect("a schedule");
        assert_eq!(command.year, 2026);
        assert_eq!(
            command
                .tiers
                .iter()
                .map(|t| (t.category.as_str(), t.amount_xof))
                .collect::<Vec<_>>(),
            [("Commune urbaine", 150_000), ("Commune rurale", 50_000)]
        );
    }

    #[test]
    fn given_a_category_twice_or_none_when_read_then_refused_beside_the_categories() {
        let mut twice = posted(&[
            ("year", "2026"),
            ("due_on", "2026-03-31"),
            ("categorie", "Rurale"),
            ("montant", "1"),
            ("categorie", "Rurale"),
            ("montant", "2"),
        ]);
        assert!(twice.schedule(French).is_none());
        assert_eq!(
            twice.tiers_error,
            "Catégories : « Rurale » figure deux fois."
        );
        let mut none = posted(&[("year", "2026"), ("due_on", "2026-03-31")]);
        assert!(none.schedule(French).is_none());
        assert!(none.tiers_error.starts_with("Catégories : indiquez"));
    }

    #[test]
    fn given_a_row_without_amount_when_read_then_the_row_says_why() {
        let mut form = posted(&[
            ("year", "2026"),
            ("due_on", "31/03/2026"),
            ("categorie", "Rurale"),
            ("montant", "cinquante"),
        ]);
        assert!(form.schedule(French).is_none());
        assert!(
            form.tiers[0]
                .error
                .starts_with("Montant : montant invalide")
        );
        assert!(form.year.error.is_empty() && form.due_on.error.is_empty());
    }

    #[test]
    fn given_more_rows_than_a_schedule_holds_when_read_then_refused_without_keeping_them_all() {
        let mut pairs = vec![("year", "2026"), ("due_on", "2026-03-31")];
        let names: Vec<String> = (0..200).map(|i| format!("C{i}")).collect();
        for name in &names {
            pairs.push(("categorie", name));
            pairs.push(("montant", "1000"));
        }
        let mut form = posted(&pairs);
        assert_eq!(form.tiers.len(), MAX_TIERS + 1);
        assert!(form.schedule(French).is_none());
        assert_eq!(form.tiers_error, "Catégories : 50 au plus dans un barème.");
        // Empty rows before them do not make room for more.
        let mut padded = vec![("year", "2026"), ("due_on", "2026-03-31")];
        for _ in 0..10 {
            padded.push(("categorie", ""));
            padded.push(("montant", ""));
        }
        padded.extend(pairs.iter().skip(2).take(2 * 45));
        let mut form = posted(&padded);
        assert_eq!(form.tiers.len(), 45);
        assert_eq!(form.schedule(French).map(|c| c.tiers.len()), Some(45));
        let mut form = posted(&pairs);
        assert!(form.schedule(French).is_none());
        assert_eq!(form.tiers_error, "Catégories : 50 au plus dans un barème.");
    }
}
