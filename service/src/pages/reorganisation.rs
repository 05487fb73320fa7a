//! A reorganisation of the territory recorded
//! (`/territoire/reorganisation`): communes or cercles merged, split,
//! created, renamed or moved, by a legal act, from the units of one
//! edition of the territorial list to those of another, by their P-codes
//! as the act lists them. Members then pass on by successions. It changes
//! the whole country's list, so an account limited to a region does not
//! record one.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::territory::TerritoryCommand;
use registre_domain::text::MAX_TEXT;
use registre_projections::ReadModels;
use registre_schema::events::{ReorganisationKind, TerritorialUnitKey};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer};
use super::register_form::{Planned, RegisterForm};
use super::submit::Done;
use crate::french;
use crate::language::Language;

/// Most units one side of a reorganisation names: a split of a cercle
/// into its communes stays far below it.
const MAX_UNITS: usize = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReorganisationFields {
    pub csrf: String,
    pub command_id: String,
    pub kind: Field,
    pub effective_from: Field,
    pub legal_reference: Field,
    pub from_edition: String,
    pub predecessors: Field,
    pub to_edition: String,
    pub successors: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(ReorganisationFields);

pub(super) const KINDS: [(&str, ReorganisationKind); 5] = [
    ("fusion", ReorganisationKind::Merge),
    ("scission", ReorganisationKind::Split),
    ("creation", ReorganisationKind::Creation),
    ("nom", ReorganisationKind::Rename),
    ("rattachement", ReorganisationKind::Transfer),
];

#[derive(Template)]
#[template(path = "reorganisation.html")]
struct ReorganisationPage {
    frame: Frame,
    kinds: Vec<(&'static str, &'static str)>,
    editions: Vec<String>,
    /// The reorganisations recorded, latest first, in words.
    recorded: Vec<String>,
    form: ReorganisationFields,
    notice: &'static str,
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let viewer = try_page!(Viewer::national_writer(&state, &headers).await);
    let notice = done
        .map(|Query(d)| d.notice(viewer.language))
        .unwrap_or_default();
    let models = try_page!(viewer.models(&state));
    let editions = models.read(|m, _| editions(m));
    let form = ReorganisationFields {
        command_id: Uuid::now_v7().to_string(),
        effective_from: fields::today(),
        from_edition: editions.first().cloned().unwrap_or_default(),
        to_edition: editions.last().cloned().unwrap_or_default(),
        ..Default::default()
    };
    show(&state, &viewer, form, StatusCode::OK, notice)
}

/// The editions of the territorial list, in order (their names sort as
/// years).
fn editions(m: &ReadModels) -> Vec<String> {
    m.membership
        .editions
        .values()
        .flatten()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    form: ReorganisationFields,
    status: StatusCode,
    notice: &'static str,
) -> Response {
    let models = try_page!(viewer.models(state));
    let (editions, recorded) = models.read(|m, _| (editions(m), recorded(m, viewer.language)));
    page::render_as(
        &ReorganisationPage {
            frame: viewer.frame("membres"),
            kinds: KINDS
                .iter()
                .map(|(slug, k)| (*slug, viewer.language.tr(french::reorganisation(*k))))
                .collect(),
            editions,
            recorded,
            form,
            notice,
        },
        status,
    )
}

fn recorded(m: &ReadModels, lang: Language) -> Vec<String> {
    let names = |units: &[TerritorialUnitKey]| {
        units
            .iter()
            .map(|u| {
                let name = m
                    .membership
                    .units
                    .get(&registre_projections::membership::unit_key(u))
                    .map_or("?", |r| r.name.as_str());
                format!("{name} ({} {})", u.code, u.edition)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    m.membership
        .reorganisations
        .iter()
        .rev()
        .map(|r| {
            lang.fill(
                "Le {}, {} : {} → {} ({})",
                &[
                    &lang.date(r.effective_from),
                    &lang.tr(french::reorganisation(r.kind)),
                    &names(&r.predecessors),
                    &names(&r.successors),
                    &r.legal_reference,
                ],
            )
        })
        .collect()
}

impl RegisterForm for ReorganisationFields {
    const REGIONAL: bool = false;

    fn command(&mut self, state: &WebState, viewer: &Viewer) -> Option<Planned> {
        let models = state.app.read_models()?;
        let command = models.read(|m, _| self.reorganisation(m, viewer.language))?;
        Some(Planned {
            command: command.into(),
            back: "/territoire/reorganisation".into(),
        })
    }

    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response {
        show(state, viewer, self, status, "")
    }
}

impl ReorganisationFields {
    fn reorganisation(&mut self, m: &ReadModels, lang: Language) -> Option<TerritoryCommand> {
        let kind = self
            .kind
            .pick(KINDS, lang.tr("Nature : choisissez-en une."));
        let effective_from = self.effective_from.date(lang, lang.tr("En vigueur le"));
        let legal_reference = self.legal_reference.text(lang, lang.tr("Acte"), MAX_TEXT);
        let predecessors = self
            .predecessors
            .read(|v| units(m, lang.tr("Prédécesseurs"), &self.from_edition, v, lang));
        let successors = self
            .successors
            .read(|v| units(m, lang.tr("Successeurs"), &self.to_edition, v, lang));
        let command_id = Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7());
        Some(TerritoryCommand::RecordReorganisation {
            reorganisation_id: Uuid::new_v5(&command_id, b"reorganisation"),
            kind: kind?,
            effective_from: effective_from?,
            predecessors: predecessors?,
            successors: successors?,
            legal_reference: legal_reference?,
        })
    }
}

/// The units of `edition` the P-codes in `codes` name (apart by commas,
/// spaces or lines, any case), each known to the list; the first
/// unknown code is named in the refusal.
fn units(
    m: &ReadModels,
    label: &str,
    edition: &str,
    codes: &str,
    lang: Language,
) -> Result<Vec<TerritorialUnitKey>, String> {
    let codes: Vec<&str> = codes
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .take(MAX_UNITS + 1)
        .collect();
    if codes.is_empty() {
        return Err(lang.tr1("{} : indiquez au moins un code P.", label));
    }
    if codes.len() > MAX_UNITS {
        return Err(lang.tr2("{} : {} codes au plus.", label, MAX_UNITS));
    }
    let mut found = Vec::with_capacity(codes.len());
    for code in codes {
        let wanted = code.to_uppercase();
        let unit = m
            .membership
            .units
            .values()
            .find(|u| u.unit.edition == edition && u.unit.code == wanted);
        match unit {
            Some(u) => found.push(u.unit.clone()),
            None => {
                let shown: String = code.chars().take(32).collect();
                let edition: String = edition.chars().take(32).collect();
                return Err(lang.tr3(
                    "{} : le code « {} » n'est pas dans l'édition {} de la liste territoriale.",
                    label,
                    shown,
                    edition,
                ));
            }
        }
    }
    Ok(found)
}
