//! A member succeeded after a merge or a split
//! (`/membres/{id}/succession`): the reorganisation and the successor
//! picked among those recorded for the member's commune, the date, the
//! dues category, and whether the successor takes over the dues.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_NAME;
use registre_projections::read_models::ReadModels;
use registre_schema::events::{ReorganisationKind, TerritorialUnitKey};
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{self, Field};
use super::page::{self, Frame};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
use crate::french;
use crate::language::Language;

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuccessionFields {
    pub csrf: String,
    pub command_id: String,
    /// `reorganisation|scheme|edition|code`: one successor of one
    /// reorganisation.
    pub successor: Field,
    pub effective_on: Field,
    pub dues_category: Field,
    /// Checked: the successor takes over the member's dues position.
    pub inherits_dues: Option<String>,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(SuccessionFields);

#[derive(Template)]
#[template(path = "succession.html")]
struct SuccessionPage {
    frame: Frame,
    id: Uuid,
    name: String,
    /// Each successor of a merge, a split or a creation that names the
    /// member's commune: value and label.
    successors: Vec<(String, String)>,
    form: SuccessionFields,
}

/// The successors the member's commune has by a merge, a split or a
/// creation naming it, under any edition's code.
fn successors(m: &ReadModels, unit: &TerritorialUnitKey, lang: Language) -> Vec<(String, String)> {
    let lineage = m.membership.lineage();
    m.membership
        .reorganisations
        .iter()
        .filter(|r| {
            !matches!(
                r.kind,
                ReorganisationKind::Rename | ReorganisationKind::Transfer
            )
        })
        .filter(|r| {
            r.predecessors.iter().any(|p| {
                m.membership
                    .unit_in(&lineage, unit, &p.edition)
                    .is_some_and(|u| u == *p)
            })
        })
        .flat_map(|r| {
            r.successors.iter().map(move |s| {
                let name = m
                    .membership
                    .placement(s)
                    .commune
                    .map_or_else(|| s.code.clone(), |c| c.name);
                (
                    format!(
                        "{}|{}|{}|{}",
                        r.reorganisation_id, s.scheme, s.edition, s.code
                    ),
                    lang.fill(
                        "{} ({}, édition {}) : {} du {}, {}",
                        &[
                            &name,
                            &s.code,
                            &s.edition,
                            &lang.tr(french::reorganisation(r.kind)),
                            &lang.date(r.effective_from),
                            &r.legal_reference,
                        ],
                    ),
                )
            })
        })
        .collect()
}

/// The reorganisation and successor a `successor` value names.
fn picked(value: &str, lang: Language) -> Result<(Uuid, TerritorialUnitKey), String> {
    let refused = || {
        lang.tr("Commune qui succède : choisissez-en une dans la liste.")
            .to_owned()
    };
    let mut parts = value.splitn(4, '|');
    let (Some(r), Some(scheme), Some(edition), Some(code)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused());
    };
    let r = Uuid::parse_str(r).map_err(|_| refused())?;
    let unit = TerritorialUnitKey {
        scheme: scheme.into(),
        edition: edition.into(),
        code: code.into(),
    };
    Ok((r, unit))
}

impl RecordForm for SuccessionFields {
    const RECORD: Record = Record::Member;

    /// A new form: today, the member's dues category, its dues taken
    /// over.
    fn blank(at: &At) -> Self {
        let category = at
            .state
            .app
            .read_models()
            .and_then(|models| {
                models.read(|m, _| m.membership.member(at.id).map(|r| r.dues_category.clone()))
            })
            .unwrap_or_default();
        SuccessionFields {
            command_id: Uuid::now_v7().to_string(),
            effective_on: fields::today(),
            dues_category: category.into(),
            inherits_dues: Some("oui".into()),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        let successor = self.successor.read(|v| picked(v, t));
        let effective_on = self.effective_on.date(t, t.tr("Date de la succession"));
        let category = self
            .dues_category
            .text(t, t.tr("Catégorie de cotisation"), MAX_NAME);
        let (reorganisation_id, successor_unit) = successor?;
        Some(
            MemberCommand::Succeed {
                member_id: at.id,
                successor_unit,
                successor_name: String::new(),
                keep_different_name: false,
                dues_category: category?,
                effective_on: effective_on?,
                inherits_dues: self.inherits_dues.is_some(),
                reorganisation_id: Some(reorganisation_id),
            }
            .into(),
        )
    }

    fn show(self, at: &At, status: StatusCode) -> Response {
        let lang = at.viewer.language;
        let found = page::about_member(at.state, at.viewer, at.id, |m, member| {
            Some((member.name.clone(), successors(m, &member.unit, lang)))
        });
        let (name, successors) = match found {
            Ok(found) => found,
            Err(unseen) => return unseen.page(lang),
        };
        page::render_as(
            &SuccessionPage {
                frame: at.viewer.frame("membres"),
                id: at.id,
                name,
                successors,
                form: self,
            },
            status,
        )
    }
}
