//! A body established (`/instances/nouvelle`): an instance or an organ,
//! national or of a region or a cercle, named as the statutes' body it is
//! when it is one (its kind and level then follow from the statutes), and
//! placed under the body it reports to and the one that convenes it.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::body::{BodyCommand, shape};
use registre_domain::text::MAX_NAME;
use registre_projections::ReadModels;
use registre_schema::events::StatutoryBody;
use registre_schema::events::body::{BodyKind, BodyLevel};
use registre_schema::events::territory::{TerritorialLevel, TerritorialUnitKey};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::Field;
use super::page::{self, Frame, Viewer};
use super::register_form::{Planned, RegisterForm};
use super::scope::Scope;
use crate::french;
use crate::language::Language;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EstablishmentFields {
    pub csrf: String,
    pub command_id: String,
    pub name: Field,
    /// A slug of [`STATUTORY`], or empty: a body the statutes do not name.
    pub statutory: String,
    pub kind: Field,
    pub level: Field,
    /// `scheme|edition|code` of a region or a cercle.
    pub unit: Field,
    pub parent: Field,
    pub convened_by: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(EstablishmentFields);

/// The statutes' bodies as the form names them.
pub const STATUTORY: [(&str, StatutoryBody); 7] = [
    ("congres", StatutoryBody::Congress),
    ("conseil-national", StatutoryBody::NationalCouncil),
    ("conference-regionale", StatutoryBody::RegionalConference),
    ("assemblee-de-cercle", StatutoryBody::CercleAssembly),
    ("bureau-national", StatutoryBody::NationalBureau),
    ("bureau-regional", StatutoryBody::RegionalBureau),
    ("bureau-de-cercle", StatutoryBody::CercleBureau),
];

pub(super) const KINDS: [(&str, &str, BodyKind); 2] = [
    ("instance", "Instance (elle délibère)", BodyKind::Instance),
    ("organe", "Organe (il exécute)", BodyKind::Organ),
];

pub(super) const LEVELS: [(&str, &str, BodyLevel); 3] = [
    ("national", "Nationale", BodyLevel::National),
    ("regional", "D'une région", BodyLevel::Regional),
    ("cercle", "D'un cercle", BodyLevel::Cercle),
];

#[derive(Template)]
#[template(path = "establishment.html")]
struct EstablishmentPage {
    frame: Frame,
    form: EstablishmentFields,
    statutory: Vec<(&'static str, &'static str)>,
    kinds: &'static [(&'static str, &'static str, BodyKind)],
    levels: &'static [(&'static str, &'static str, BodyLevel)],
    regions: Vec<(String, String)>,
    cercles: Vec<(String, String)>,
    /// The bodies the viewer sees: id and name.
    bodies: Vec<(String, String)>,
}

pub async fn form(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let form = EstablishmentFields {
        command_id: Uuid::now_v7().to_string(),
        ..Default::default()
    };
    show(&state, &viewer, form, StatusCode::OK)
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    form: EstablishmentFields,
    status: StatusCode,
) -> Response {
    let models = try_page!(viewer.models(state));
    let scope = viewer.scope();
    let (regions, cercles, bodies) = models.read(|m, _| {
        (
            units(m, scope, TerritorialLevel::Region, viewer.language),
            units(m, scope, TerritorialLevel::Cercle, viewer.language),
            scope.bodies(m),
        )
    });
    page::render_as(
        &EstablishmentPage {
            frame: viewer.frame("instances"),
            form,
            statutory: STATUTORY
                .iter()
                .map(|(slug, b)| (*slug, viewer.language.tr(french::statutory_body(*b))))
                .collect(),
            kinds: &KINDS,
            levels: &LEVELS,
            regions,
            cercles,
            bodies,
        },
        status,
    )
}

/// The regions or the cercles of the latest edition of the territory
/// within the viewer's scope, by name: their form value and label.
fn units(
    m: &ReadModels,
    scope: Scope<'_>,
    level: TerritorialLevel,
    lang: Language,
) -> Vec<(String, String)> {
    let latest = m
        .membership
        .units
        .values()
        .map(|u| u.unit.edition.as_str())
        .max()
        .unwrap_or_default();
    let mut found: Vec<_> = m
        .membership
        .units
        .values()
        .filter(|u| u.level == level && u.unit.edition == latest && scope.unit(m, &u.unit))
        .map(|u| {
            let k = &u.unit;
            let label = match level {
                TerritorialLevel::Cercle => {
                    let region = m.membership.placement(k).region.map(|r| r.name);
                    lang.tr2("{} (région de {})", &u.name, region.unwrap_or_default())
                }
                _ => u.name.clone(),
            };
            (format!("{}|{}|{}", k.scheme, k.edition, k.code), label)
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found
}

impl RegisterForm for EstablishmentFields {
    const REGIONAL: bool = true;

    /// Back to the new body's seats, to define its posts.
    fn command(&mut self, state: &WebState, viewer: &Viewer) -> Option<Planned> {
        let models = state.app.read_models()?;
        let scope = viewer.scope();
        let command = models.read(|m, _| self.body(m, scope, viewer.language))?;
        Some(Planned {
            back: format!("/instances/{}/sieges", command.body_id()),
            command: command.into(),
        })
    }

    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response {
        show(state, viewer, self, status)
    }
}

impl EstablishmentFields {
    /// The command the fields say, or `None` with each refusal beside its
    /// field. The body's id follows from the form's command id, so that
    /// the form posted twice names one body.
    fn body(&mut self, m: &ReadModels, scope: Scope<'_>, lang: Language) -> Option<BodyCommand> {
        let name = self.name.text(lang, lang.tr("Nom"), MAX_NAME);
        let statutory = STATUTORY
            .iter()
            .find(|(slug, _)| *slug == self.statutory)
            .map(|(_, b)| *b);
        // A body of the statutes has the kind and level they give it.
        let (kind, level) = match statutory.map(shape) {
            Some((kind, level)) => (Some(kind), Some(level)),
            None => (
                self.kind.pick(
                    KINDS.map(|(slug, _, k)| (slug, k)),
                    lang.tr("Nature : instance ou organe ?"),
                ),
                self.level.pick(
                    LEVELS.map(|(slug, _, l)| (slug, l)),
                    lang.tr("Niveau : choisissez-en un."),
                ),
            ),
        };
        let unit = match level {
            Some(level) => {
                let unit = self.territory(m, scope, level, lang);
                self.unit.keep(unit)
            }
            None => None,
        };
        let parent = self
            .parent
            .read(|v| chosen_body(m, scope, v, lang.tr("Rattachée à"), lang));
        let convened_by = self
            .convened_by
            .read(|v| chosen_body(m, scope, v, lang.tr("Convoquée par"), lang));
        let command_id = Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7());
        Some(BodyCommand::Establish {
            body_id: Uuid::new_v5(&command_id, b"body"),
            name: name?,
            kind: kind?,
            level: level?,
            territorial_unit: unit?,
            convened_by_body_id: convened_by?,
            parent_body_id: parent?,
            statutory_body: statutory,
        })
    }

    /// The unit a body of `level` works in: none for a national body (the
    /// whole country, which an account limited to a region does not act
    /// for), else a region or a cercle of the list, within the scope.
    fn territory(
        &self,
        m: &ReadModels,
        scope: Scope<'_>,
        level: BodyLevel,
        lang: Language,
    ) -> Result<Option<TerritorialUnitKey>, String> {
        let wanted = match level {
            BodyLevel::National if scope.is_whole() => return Ok(None),
            BodyLevel::National => {
                return Err(lang
                    .tr("Niveau : votre compte, limité à une région, ne crée pas d'instance nationale.")
                    .into());
            }
            BodyLevel::Regional => TerritorialLevel::Region,
            BodyLevel::Cercle => TerritorialLevel::Cercle,
        };
        let mut parts = self.unit.value.split('|');
        let found = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(scheme), Some(edition), Some(code), None) => m
                .membership
                .units
                .get(&format!("{scheme}:{edition}:{code}"))
                .filter(|u| u.level == wanted && scope.unit(m, &u.unit)),
            _ => None,
        };
        match (found, wanted) {
            (Some(u), _) => Ok(Some(u.unit.clone())),
            (None, TerritorialLevel::Region) => Err(lang
                .tr("Territoire : choisissez une région de la liste.")
                .into()),
            (None, _) => Err(lang
                .tr("Territoire : choisissez un cercle de la liste.")
                .into()),
        }
    }
}

/// A body picked in a list (empty: none), one the viewer sees.
fn chosen_body(
    m: &ReadModels,
    scope: Scope<'_>,
    value: &str,
    label: &str,
    lang: Language,
) -> Result<Option<Uuid>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(value)
        .ok()
        .filter(|id| m.bodies.body(*id).is_some() && scope.body(m, *id))
        .map(Some)
        .ok_or_else(|| lang.tr1("{} : choisissez une instance de la liste.", label))
}
