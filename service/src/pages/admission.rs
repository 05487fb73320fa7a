//! Admitting a commune (`/membres/admission`): the commune picked from the
//! territorial list by region, never typed as a code.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;
use registre_projections::ReadModels;
use registre_schema::events::territory::{TerritorialLevel, TerritorialUnitKey};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer};
use super::register_form::{Planned, RegisterForm};
use super::scope::Scope;
use crate::language::Language;

// The domain's own bounds, so the form and the rules never disagree.
use registre_domain::text::{MAX_NAME, MAX_TEXT as MAX_REFERENCE};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdmissionFields {
    csrf: String,
    command_id: String,
    /// The commune's key, `scheme|edition|code`.
    commune: Field,
    name: Field,
    /// `oui` when the clerk keeps a name other than the list's.
    keep_name: String,
    category: Field,
    admitted_on: Field,
    deliberation: Field,
    decision: Field,
    #[serde(skip)]
    refusal: String,
}

#[derive(Template)]
#[template(path = "admission.html")]
struct AdmissionPage {
    frame: Frame,
    form: AdmissionFields,
    regions: Vec<Region>,
    categories: Vec<String>,
}

struct Region {
    name: String,
    communes: Vec<Commune>,
}

struct Commune {
    key: String,
    label: String,
}

pub async fn form(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let form = AdmissionFields {
        command_id: Uuid::now_v7().to_string(),
        admitted_on: fields::today(),
        ..Default::default()
    };
    show(&state, &viewer, form, StatusCode::OK)
}

fn show(state: &WebState, viewer: &Viewer, form: AdmissionFields, status: StatusCode) -> Response {
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let scope = viewer.scope();
    let (regions, categories) = models.read(|m, _| (candidates(m, scope, lang), categories(m)));
    page::render_as(
        &AdmissionPage {
            frame: viewer.frame("admission"),
            form,
            regions,
            categories,
        },
        status,
    )
}

/// The communes of the reference lists that are not members, by region.
fn candidates(m: &ReadModels, scope: Scope<'_>, lang: Language) -> Vec<Region> {
    let mut by_region: BTreeMap<String, Vec<Commune>> = BTreeMap::new();
    for unit in m.membership.units.values() {
        if unit.level != TerritorialLevel::Commune || !scope.unit(m, &unit.unit) {
            continue;
        }
        let member = m.membership.member(member_id_for(&unit.unit));
        if member.is_some_and(|m| m.status.is_member()) {
            continue;
        }
        let place = m.membership.placement(&unit.unit);
        let region = place.region.map(|r| r.name).unwrap_or_default();
        let cercle = place.cercle.map(|c| c.name).unwrap_or_default();
        let k = &unit.unit;
        by_region.entry(region).or_default().push(Commune {
            key: format!("{}|{}|{}", k.scheme, k.edition, k.code),
            label: lang.fill("{} (cercle de {}, {})", &[&unit.name, &cercle, &k.code]),
        });
    }
    by_region
        .into_iter()
        .map(|(name, mut communes)| {
            communes.sort_by(|a, b| a.label.cmp(&b.label));
            Region { name, communes }
        })
        .collect()
}

/// The dues categories of the latest schedule.
fn categories(m: &ReadModels) -> Vec<String> {
    m.dues
        .schedules
        .values()
        .next_back()
        .map(|s| s.tiers.keys().cloned().collect())
        .unwrap_or_default()
}

impl RegisterForm for AdmissionFields {
    const REGIONAL: bool = true;

    fn command(&mut self, state: &WebState, viewer: &Viewer) -> Option<Planned> {
        let scope = viewer.scope();
        let t = viewer.language;
        let unit = commune_key(&self.commune.value, t).and_then(|u| {
            let within = state
                .app
                .read_models()
                .is_some_and(|models| models.read(|m, _| scope.unit(m, &u)));
            if within {
                Ok(u)
            } else {
                Err(t.tr("Commune : hors de votre région.").to_owned())
            }
        });
        let unit = self.commune.keep(unit);
        // Left empty, the domain records the territorial list's name.
        let name = self.name.read(|v| match v.trim() {
            "" => Ok(String::new()),
            given => fields::text(t, t.tr("Nom"), given, MAX_NAME),
        });
        let category = self
            .category
            .text(t, t.tr("Catégorie de cotisation"), MAX_NAME);
        let admitted_on = self.admitted_on.date(t, t.tr("Date d'admission"));
        let deliberation =
            self.deliberation
                .text(t, t.tr("Délibération du conseil communal"), MAX_REFERENCE);
        let decision = self
            .decision
            .text(t, t.tr("Décision d'admission"), MAX_REFERENCE);
        let (unit, name, dues_category, admitted_on, deliberation_ref, decision_ref) = (
            unit?,
            name?,
            category?,
            admitted_on?,
            deliberation?,
            decision?,
        );
        let back = format!("/membres/{}", member_id_for(&unit));
        let command = MemberCommand::Admit {
            unit,
            name,
            keep_different_name: self.keep_name == "oui",
            dues_category,
            admitted_on,
            deliberation_ref,
            decision_ref,
        };
        Some(Planned {
            command: command.into(),
            back,
        })
    }

    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response {
        show(state, viewer, self, status)
    }
}

fn commune_key(text: &str, lang: Language) -> Result<TerritorialUnitKey, String> {
    let mut parts = text.split('|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(scheme), Some(edition), Some(code), None)
            if !scheme.is_empty()
                && !edition.is_empty()
                && !code.is_empty()
                && text.len() <= 200 =>
        {
            Ok(TerritorialUnitKey {
                scheme: scheme.into(),
                edition: edition.into(),
                code: code.into(),
            })
        }
        _ => Err(lang
            .tr("Commune : choisissez une commune dans la liste.")
            .into()),
    }
}

page::posted_form!(AdmissionFields);
