//! A member's status (`/membres/{id}/statut`): suspension, reinstatement,
//! withdrawal or exclusion, dated and with its reason. Which change the
//! member's status allows is the domain's to say (a reinstatement of a
//! member not suspended is refused, in the viewer's language). An exclusion
//! cites the adopted exclusion motion about the member, picked from a
//! list, and the day the member was notified of its hearing.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_TEXT;
use registre_projections::resolutions::MotionResult;
use registre_schema::events::MotionKind;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{self, Field};
use super::page::{self, Frame};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
use crate::language::Language;

/// The changes the form offers, as its `change` field names them, and
/// their labels.
fn changes(lang: Language) -> [(&'static str, &'static str); 4] {
    [
        ("suspension", lang.tr("Suspendre")),
        (
            "reintegration",
            lang.tr("Réintégrer (après une suspension)"),
        ),
        ("retrait", lang.tr("Enregistrer le retrait de la commune")),
        (
            "exclusion",
            lang.tr("Exclure, en application d'une motion adoptée"),
        ),
    ]
}

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusFields {
    pub csrf: String,
    pub command_id: String,
    pub change: Field,
    pub effective_on: Field,
    pub reason: Field,
    /// For an exclusion: the motion it applies, and the hearing's notice.
    pub motion: Field,
    pub hearing_notified_on: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(StatusFields);

impl StatusFields {
    /// The change the form states, or `None` with a message beside each
    /// refused field.
    fn change(
        &mut self,
        member_id: Uuid,
        motions: &[Offered],
        t: Language,
    ) -> Option<MemberCommand> {
        let change = self.change.pick(
            changes(t).map(|(name, _)| (name, name)),
            t.tr("Changement : choisissez-en un dans la liste."),
        );
        let effective_on = self.effective_on.date(t, t.tr("Date d'effet"));
        let reason = self.reason.text(t, t.tr("Motif"), MAX_TEXT);
        if change == Some("exclusion") {
            let motion = self.motion.keep(
                motions
                    .iter()
                    .find(|m| m.id.to_string() == self.motion.value)
                    .ok_or_else(|| {
                        t.tr("Motion : choisissez la motion d'exclusion adoptée.")
                            .to_owned()
                    }),
            );
            let hearing = self
                .hearing_notified_on
                .date(t, t.tr("Notification de l'audition"));
            let (motion, hearing_notified_on) = (motion?, hearing?);
            return Some(MemberCommand::Exclude {
                member_id,
                effective_on: effective_on?,
                reason: reason?,
                decided_by_body_id: motion.body_id,
                hearing_notified_on,
                motion_id: motion.id,
            });
        }
        let (change, effective_on, reason) = (change?, effective_on?, reason?);
        Some(match change {
            "suspension" => MemberCommand::Suspend {
                member_id,
                effective_on,
                reason,
            },
            "reintegration" => MemberCommand::Reinstate {
                member_id,
                effective_on,
                reason,
            },
            _ => MemberCommand::Withdraw {
                member_id,
                effective_on,
                reason,
            },
        })
    }
}

/// An adopted exclusion motion about the member, offered to cite.
struct Offered {
    id: Uuid,
    body_id: Uuid,
    /// `Exclusion de la commune · Conseil National, 25 juin 2024`.
    label: String,
}

/// The adopted exclusion motions about `member_id` that no exclusion
/// cites yet.
fn offered(m: &registre_projections::ReadModels, member_id: Uuid, lang: Language) -> Vec<Offered> {
    m.resolutions
        .motions
        .values()
        .filter(|r| {
            r.kind == MotionKind::Exclusion
                && r.subject_member_id == Some(member_id)
                && r.result == MotionResult::Adopted
                && r.effects.is_empty()
        })
        .filter_map(|r| {
            let body_id = r.body_id?;
            Some(Offered {
                id: r.motion_id,
                body_id,
                label: format!(
                    "{} · {}{}",
                    r.title,
                    crate::pages::sessions::body_name(m, body_id, lang),
                    r.session_date
                        .map(|d| format!(", {}", lang.date(d)))
                        .unwrap_or_default()
                ),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    frame: Frame,
    id: Uuid,
    name: String,
    status: &'static str,
    changes: [(&'static str, &'static str); 4],
    motions: Vec<Offered>,
    form: StatusFields,
}

impl RecordForm for StatusFields {
    const RECORD: Record = Record::Member;

    fn blank(_: &At) -> Self {
        StatusFields {
            command_id: Uuid::now_v7().to_string(),
            effective_on: fields::today(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let lang = at.viewer.language;
        let motions = at
            .state
            .app
            .read_models()
            .map(|models| models.read(|m, _| offered(m, at.id, lang)))
            .unwrap_or_default();
        self.change(at.id, &motions, lang).map(Into::into)
    }

    fn show(self, at: &At, status: StatusCode) -> Response {
        let (lang, id) = (at.viewer.language, at.id);
        let found = page::about_member(at.state, at.viewer, id, |m, member| {
            Some((member.name.clone(), member.status, offered(m, id, lang)))
        });
        let (name, current, motions) = match found {
            Ok(found) => found,
            Err(unseen) => return unseen.page(lang),
        };
        let page = StatusPage {
            frame: at.viewer.frame("membres"),
            id,
            name,
            status: lang.tr(crate::french::status(current)),
            changes: changes(lang),
            motions,
            form: self,
        };
        page::render_as(&page, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusion(motion: &str, hearing: &str) -> StatusFields {
        StatusFields {
            change: "exclusion".into(),
            effective_on: "2024-07-01".into(),
            reason: "Arriérés de trois exercices".into(),
            motion: motion.into(),
            hearing_notified_on: hearing.into(),
            ..Default::default()
        }
    }

    #[test]
    fn given_an_adopted_motion_when_an_exclusion_is_posted_then_it_cites_the_motion_and_its_body() {
        let (member, motion, body) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let offered = [Offered {
            id: motion,
            body_id: body,
            label: "Exclusion".into(),
        }];
        let mut form = exclusion(&motion.to_string(), "2024-06-03");
        match form.change(member, &offered, Language::French) {
            Some(MemberCommand::Exclude {
                member_id,
                decided_by_body_id,
                motion_id,
                hearing_notified_on,
                ..
            }) => {
                assert_eq!(
                    (member_id, decided_by_body_id, motion_id),
                    (member, body, motion)
                );
                assert_eq!(hearing_notified_on.to_string(), "2024-06-03");
            }
            other => panic!("{other:?}"),
        }
        // A motion not offered, or no hearing date: refused beside the field.
        let mut form = exclusion(&Uuid::now_v7().to_string(), "");
        assert!(form.change(member, &offered, Language::French).is_none());
        assert!(form.motion.error.contains("motion d'exclusion"));
        assert!(form.hearing_notified_on.error.contains("audition"));
    }
}
