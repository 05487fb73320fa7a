//! A body's seats (`/instances/{id}/sieges`): its posts and who holds
//! them, a post defined with its number of seats, and a commune designated
//! (or elected) to a seat from a date. For a body whose statutes say its
//! seats are designated (the Conseil National, a bureau), the holders are
//! who sits in its sessions.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use registre_domain::body::{BodyCommand, MAX_SEATS, shape};
use registre_domain::text::MAX_NAME;
use registre_schema::events::MandateEndReason;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::correction::{self, Subject};
use super::establishment::STATUTORY;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
use crate::french;
use crate::language::Language;

/// Both forms' fields: `step` says which was posted (`poste` or
/// `designation`), with a message beside each refused field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeatFields {
    pub csrf: String,
    pub command_id: String,
    pub step: String,
    pub title: Field,
    pub seats: Field,
    pub post: Field,
    pub commune: Field,
    pub holder: Field,
    pub starts_on: Field,
    pub mandate: Field,
    pub ended_on: Field,
    pub reason: Field,
    pub statutory: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(SeatFields);

#[derive(Template)]
#[template(path = "seats.html")]
struct SeatsPage {
    frame: Frame,
    id: Uuid,
    name: String,
    /// `Conseil National au sens des statuts : sièges désignés`...
    membership: String,
    /// Each post: id, title, seats, holders today.
    posts: Vec<(String, String, u32, Vec<String>)>,
    /// Each mandate in course: its id and `Poste : titulaire (commune)`.
    mandates: Vec<(String, String)>,
    /// Why a mandate ends: each reason's value and name.
    reasons: Vec<(&'static str, &'static str)>,
    /// For a body the statutes do not name yet, which of their bodies it
    /// may be (those of its kind and level): slug and name.
    statutory: Vec<(&'static str, &'static str)>,
    /// Each correction of the body's records, after the record's label.
    corrections: Vec<String>,
    form: SeatFields,
    notice: &'static str,
}

impl SeatsPage {
    /// The command id of the page's form for `step`.
    fn command_id(&self, step: &str) -> String {
        page::command_id_for(step, &self.form.step, &self.form.command_id)
    }
}

fn show(at: &At, form: SeatFields, status: StatusCode) -> Response {
    let (state, viewer, id, notice) = (at.state, at.viewer, at.id, at.notice);
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let scope = viewer.scope();
    let today = Utc::now().date_naive();
    let found = models.read(|m, _| {
        let b = m.bodies.body(id).filter(|_| scope.body(m, id))?;
        let statutes = m.statutes.in_force(today).map(|v| &v.statutes);
        let membership = match (b.statutory_body, statutes) {
            (Some(s), Some(statutes)) => lang.fill(
                match registre_domain::statutory::membership(statutes, Some(s)) {
                    registre_schema::events::Membership::Designated => {
                        "{} au sens des statuts : y siègent les communes à jour qui en détiennent les sièges."
                    }
                    registre_schema::events::Membership::Derived => {
                        "{} au sens des statuts : y siègent toutes les communes à jour de son territoire."
                    }
                },
                &[&french::statutory_body(s)],
            ),
            _ => lang
                .tr("Les statuts ne lui donnent pas de règles propres.")
                .into(),
        };
        let mut posts: Vec<_> = b
            .composition(today)
            .into_iter()
            .map(|seat| {
                (
                    seat.post.post_id.to_string(),
                    seat.post.title.clone(),
                    seat.post.seats,
                    seat.holders.iter().map(|h| h.holder_name.clone()).collect(),
                )
            })
            .collect();
        posts.sort_by(|a, b| a.1.cmp(&b.1));
        let mut mandates: Vec<_> = b
            .composition(today)
            .into_iter()
            .flat_map(|seat| {
                seat.holders.into_iter().map(move |h| {
                    let commune = m
                        .membership
                        .member(h.member_id)
                        .map_or("", |r| r.name.as_str());
                    (
                        h.mandate_id.to_string(),
                        lang.fill("{} : {} ({})", &[&seat.post.title, &h.holder_name, &commune]),
                    )
                })
            })
            .collect();
        mandates.sort_by(|a, b| a.1.cmp(&b.1));
        let statutory: Vec<_> = STATUTORY
            .iter()
            .filter(|(_, s)| b.statutory_body.is_none() && shape(*s) == (b.kind, b.level))
            .map(|(slug, s)| (*slug, lang.tr(french::statutory_body(*s))))
            .collect();
        let corrections = correction::of_subject(m, Subject::Body(id), &scope, lang);
        Some((
            b.name.clone(),
            membership,
            posts,
            mandates,
            statutory,
            corrections,
        ))
    });
    let Some((name, membership, posts, mandates, statutory, corrections)) = found else {
        return page::not_found(lang);
    };
    page::render_as(
        &SeatsPage {
            frame: viewer.frame("instances"),
            id,
            name,
            membership,
            posts,
            mandates,
            reasons: END_REASONS
                .iter()
                .map(|(value, r)| (*value, lang.tr(french::mandate_end(*r))))
                .collect(),
            statutory,
            corrections,
            form,
            notice,
        },
        status,
    )
}

/// The reasons a mandate ends, as the form names them.
pub(super) const END_REASONS: [(&str, MandateEndReason); 5] = [
    ("terme", MandateEndReason::Term),
    ("demission", MandateEndReason::Resignation),
    ("perte", MandateEndReason::LossOfCommunalMandate),
    ("deces", MandateEndReason::Death),
    ("revocation", MandateEndReason::Removal),
];

impl RecordForm for SeatFields {
    const RECORD: Record = Record::Body;

    fn blank(_: &At) -> Self {
        SeatFields {
            command_id: Uuid::now_v7().to_string(),
            seats: "1".into(),
            starts_on: fields::today(),
            ended_on: fields::today(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        match self.step.as_str() {
            "poste" => self.post_command(at.id, t),
            "fin" => self.end_of_mandate(at.state, at.viewer, at.id),
            "statuts" => self.statutory_name(at.id, t),
            _ => self.designation(at.state, at.viewer, at.id),
        }
    }

    fn show(mut self, at: &At, status: StatusCode) -> Response {
        // A form of the page other than the one posted shows its blank
        // values: a post starts with one seat.
        if self.step != "poste" {
            self.seats = "1".into();
        }
        show(at, self, status)
    }

    fn back(id: Uuid) -> String {
        format!("/instances/{id}/sieges")
    }
}

impl SeatFields {
    fn post_command(&mut self, body_id: Uuid, t: Language) -> Option<Command> {
        let title = self.title.text(t, t.tr("Intitulé du poste"), MAX_NAME);
        let seats = self.seats.read(|v| {
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_SEATS).contains(n))
                .ok_or_else(|| t.fill("Sièges : un nombre de 1 à {}.", &[&MAX_SEATS]))
        });
        Some(
            BodyCommand::DefinePost {
                body_id,
                post_id: Uuid::new_v5(
                    &Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7()),
                    b"post",
                ),
                title: title?,
                seats: seats?,
            }
            .into(),
        )
    }

    /// A commune designated to a seat: found by its P-code among the
    /// members the viewer sees.
    fn designation(&mut self, state: &WebState, viewer: &Viewer, body_id: Uuid) -> Option<Command> {
        let t = viewer.language;
        let post_id = self
            .post
            .read(|v| Uuid::parse_str(v).map_err(|_| t.tr("Poste : choisissez-en un.").to_owned()));
        let member_id = self
            .commune
            .read(|v| page::member_by_code(state, viewer, v.trim()));
        let holder_name = self.holder.text(t, t.tr("Titulaire"), MAX_NAME);
        let starts_on = self.starts_on.date(t, t.tr("Début du mandat"));
        Some(
            BodyCommand::ElectOfficer {
                body_id,
                post_id: post_id?,
                mandate_id: Uuid::new_v5(
                    &Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7()),
                    b"mandate",
                ),
                member_id: member_id?,
                holder_name: holder_name?,
                session_id: None,
                starts_on: starts_on?,
            }
            .into(),
        )
    }

    /// A mandate of this body ended: found among the body's mandates, so
    /// that a mandate of another body cannot be named.
    fn end_of_mandate(
        &mut self,
        state: &WebState,
        viewer: &Viewer,
        body_id: Uuid,
    ) -> Option<Command> {
        let lang = viewer.language;
        let scope = viewer.scope();
        let chosen = Uuid::parse_str(&self.mandate.value).ok();
        let post_and_mandate = self.mandate.keep(
            chosen
                .and_then(|mandate_id| {
                    let models = state.app.read_models()?;
                    models.read(|m, _| {
                        let b = m.bodies.body(body_id).filter(|_| scope.body(m, body_id))?;
                        b.mandates
                            .iter()
                            .find(|x| x.mandate_id == mandate_id)
                            .map(|x| (x.post_id, x.mandate_id))
                    })
                })
                .ok_or_else(|| lang.tr("Mandat : choisissez-en un.").to_owned()),
        );
        let ended_on = self.ended_on.date(lang, lang.tr("Fin du mandat"));
        let reason = self
            .reason
            .pick(END_REASONS, lang.tr("Motif : choisissez-en un."));
        let (post_id, mandate_id) = post_and_mandate?;
        Some(
            BodyCommand::EndMandate {
                body_id,
                post_id,
                mandate_id,
                ended_on: ended_on?,
                reason: reason?,
            }
            .into(),
        )
    }

    /// The statutes' body this body is, for a body established before it
    /// said so (the domain checks its kind and level).
    fn statutory_name(&mut self, body_id: Uuid, lang: Language) -> Option<Command> {
        let statutory_body = self.statutory.pick(
            STATUTORY,
            lang.tr("Au sens des statuts : choisissez-en un."),
        )?;
        Some(
            BodyCommand::NameStatutoryBody {
                body_id,
                statutory_body,
            }
            .into(),
        )
    }
}
