//! A record corrected: a member's (`/membres/{id}/correction`), a
//! session's (`/sessions/{id}/correction`), a body's
//! (`/instances/{id}/correction`) or a version of the statutes
//! (`/statuts/correction`). The form names one of the records the
//! subject's page shows, with why it was wrong and what it should have
//! said. Nothing recorded is changed: the correction is a record of its
//! own, shown beside the one it corrects, in the registers and the
//! documents.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::correction::CorrectRecord;
use registre_domain::text::MAX_TEXT;
use registre_projections::ReadModels;
use registre_projections::bodies::BodyRecord;
use registre_projections::fold::Correction;
use registre_projections::membership::MemberRecord;
use registre_projections::resolutions::ResolutionFilter;
use registre_projections::sessions::SessionRecord;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::Field;
use super::page::{self, Frame, Viewer};
use super::scope::Scope;
use super::submit;
use crate::language::Language;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CorrectionFields {
    pub csrf: String,
    pub command_id: String,
    /// Where the corrected record stands in the log.
    pub position: Field,
    pub reason: Field,
    pub correction: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(CorrectionFields);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Record {
    position: String,
}

/// Whose records a correction names.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Member(Uuid),
    Session(Uuid),
    Body(Uuid),
    /// The association's statutes: each version adopted or amended.
    Statutes,
}

/// Whose records a route's handlers correct: their const parameter.
pub const MEMBER: u8 = 0;
pub const SESSION: u8 = 1;
pub const BODY: u8 = 2;

impl Subject {
    /// The subject a route's const parameter names (the routes name only
    /// the three above).
    fn of(kind: u8, id: Uuid) -> Subject {
        match kind {
            SESSION => Subject::Session(id),
            BODY => Subject::Body(id),
            _ => Subject::Member(id),
        }
    }

    /// The page that shows the subject's records, and its corrections.
    fn page(self) -> String {
        match self {
            Subject::Member(id) => format!("/membres/{id}"),
            Subject::Session(id) => format!("/sessions/{id}"),
            Subject::Body(id) => format!("/instances/{id}/sieges"),
            Subject::Statutes => "/statuts".into(),
        }
    }

    /// Where the form is posted.
    fn action(self) -> String {
        match self {
            Subject::Member(id) => format!("/membres/{id}/correction"),
            Subject::Session(id) => format!("/sessions/{id}/correction"),
            Subject::Body(id) => format!("/instances/{id}/correction"),
            Subject::Statutes => "/statuts/correction".into(),
        }
    }

    fn section(self) -> &'static str {
        match self {
            Subject::Member(_) => "membres",
            Subject::Session(_) => "sessions",
            Subject::Body(_) => "instances",
            Subject::Statutes => "statuts",
        }
    }

    /// The subject's name and records; `None` when the viewer does not
    /// see it (an account limited to a region, outside its region).
    fn records<'m>(self, m: &'m ReadModels, scope: &Scope, lang: Language) -> Option<Records<'m>> {
        match self {
            Subject::Member(id) => {
                let member = m.membership.member(id).filter(|_| scope.member(m, id))?;
                Some(Records::new(
                    member.name.clone(),
                    correctable(m, member, lang),
                    [],
                ))
            }
            Subject::Session(id) => {
                let s = scope.session(m, id)?;
                let body = m.bodies.body(s.body_id).map_or("", |b| b.name.as_str());
                let name = lang.fill("{}, session du {}", &[&body, &lang.date(s.session_date)]);
                let minutes = m.minutes.of_session(id).into_iter();
                let all = s
                    .corrections
                    .iter()
                    .chain(minutes.flat_map(|r| &r.corrections));
                Some(Records::new(name, session_records(m, s, lang), all))
            }
            Subject::Body(id) => {
                let b = m.bodies.body(id).filter(|_| scope.body(m, id))?;
                Some(Records::new(
                    b.name.clone(),
                    body_records(b, lang),
                    &b.corrections,
                ))
            }
            // The association's own register: not an account's of one
            // region.
            Subject::Statutes => scope.is_whole().then(|| {
                let versions = m.statutes.versions.iter().map(|v| Correctable {
                    position: v.position,
                    label: lang.fill(
                        "Version {} des statuts, en vigueur le {} ({})",
                        &[
                            &v.statutes.version,
                            &lang.date(v.statutes.effective_from),
                            &v.reference,
                        ],
                    ),
                    corrections: v.corrections.iter().collect(),
                });
                Records::new(lang.tr("Statuts").into(), versions.collect(), [])
            }),
        }
    }
}

/// What a correction's form and its subject's page know of the subject.
struct Records<'m> {
    name: String,
    /// The records a correction may name.
    offered: Vec<Correctable<'m>>,
    /// The corrections of its other records (an attendance line, a vote,
    /// a mandate's end), made through the API: its page lists them too.
    others: Vec<&'m Correction>,
}

impl<'m> Records<'m> {
    /// `offered`, and those of `all` the subject's corrections that
    /// correct none of them.
    fn new(
        name: String,
        offered: Vec<Correctable<'m>>,
        all: impl IntoIterator<Item = &'m Correction>,
    ) -> Records<'m> {
        let others = all
            .into_iter()
            .filter(|c| {
                !offered
                    .iter()
                    .any(|r| Some(r.position) == c.corrected_position)
            })
            .collect();
        Records {
            name,
            offered,
            others,
        }
    }

    /// Every correction, each after its record's label: what the page
    /// lists under its subject.
    fn listed(&self, lang: Language) -> Vec<String> {
        let offered = self.offered.iter().flat_map(|r| {
            r.corrections
                .iter()
                .map(|c| lang.fill("{} : {}", &[&r.label, &said(c, lang)]))
        });
        let others = self.others.iter().map(|c| match c.corrected_position {
            Some(position) => lang.fill(
                "Autre enregistrement (n° {} du journal) : {}",
                &[&position, &said(c, lang)],
            ),
            None => lang.fill("Autre enregistrement : {}", &[&said(c, lang)]),
        });
        offered.chain(others).collect()
    }
}

#[derive(Template)]
#[template(path = "correction.html")]
struct CorrectionPage {
    frame: Frame,
    title: String,
    name: String,
    back: String,
    action: String,
    /// The record the page was opened on, as its subject's page lists it;
    /// none: the form lists them all.
    record: Option<String>,
    /// Each record the form may name: position and label.
    records: Vec<(String, String)>,
    /// The corrections already recorded, of the record or of them all.
    earlier: Vec<String>,
    form: CorrectionFields,
}

/// A record that a clerk may correct: where it stands in the log, how its
/// page shows it, and its corrections so far.
pub struct Correctable<'m> {
    pub position: u64,
    pub label: String,
    pub corrections: Vec<&'m Correction>,
}

/// The member's records a correction may name: the changes of its
/// membership and its payments.
pub fn correctable<'m>(
    m: &'m ReadModels,
    member: &'m MemberRecord,
    lang: Language,
) -> Vec<Correctable<'m>> {
    let changes = member.history.iter().map(|s| Correctable {
        position: s.position,
        label: lang.fill(
            "{}, en vigueur le {}",
            &[
                &super::members::change(s.change, lang),
                &lang.date(s.effective_on),
            ],
        ),
        corrections: corrections_of(&member.corrections, s.position),
    });
    let payments = m
        .dues
        .members
        .get(&member.member_id)
        .into_iter()
        .flat_map(|d| &d.payments)
        .map(|p| Correctable {
            position: p.position,
            label: lang.fill(
                "Paiement de {} le {} pour {}, reçu {}",
                &[
                    &lang.amount(p.amount_xof),
                    &lang.date(p.paid_on),
                    &p.year,
                    &p.receipt_ref,
                ],
            ),
            corrections: p.corrections.iter().collect(),
        });
    changes.chain(payments).collect()
}

/// A session's records a correction may name: its convocation, each
/// motion tabled and decided, each draft of its minutes.
fn session_records<'m>(
    m: &'m ReadModels,
    s: &'m SessionRecord,
    lang: Language,
) -> Vec<Correctable<'m>> {
    let mut found = vec![Correctable {
        position: s.position,
        label: lang.fill(
            "Convocation du {} pour le {}",
            &[&lang.date(s.convened_on), &lang.date(s.session_date)],
        ),
        corrections: corrections_of(&s.corrections, s.position),
    }];
    let motions = m.resolutions.list(&ResolutionFilter {
        session_id: Some(s.session_id),
        ..Default::default()
    });
    for r in motions {
        found.push(Correctable {
            position: r.position,
            label: lang.fill("Motion déposée : {}", &[&r.title]),
            corrections: corrections_of(&r.corrections, r.position),
        });
        if let Some(d) = &r.decision {
            found.push(Correctable {
                position: d.position,
                label: lang.fill("Décision sur la motion : {}", &[&r.title]),
                corrections: corrections_of(&r.corrections, d.position),
            });
        }
    }
    for record in m.minutes.of_session(s.session_id) {
        for d in &record.drafts {
            found.push(Correctable {
                position: d.position,
                label: lang.fill(
                    "Procès-verbal rédigé le {} ({})",
                    &[&lang.date(d.drafted_on), &d.document_ref],
                ),
                corrections: corrections_of(&record.corrections, d.position),
            });
        }
    }
    found.sort_by_key(|r| r.position);
    found
}

/// A body's records a correction may name: its establishment, each post
/// defined, each mandate, each election opened and each of its rounds.
fn body_records(b: &BodyRecord, lang: Language) -> Vec<Correctable<'_>> {
    let mut found = vec![Correctable {
        position: b.position,
        label: lang.fill(
            "Création de l'instance le {}",
            &[&lang.date(b.established_on)],
        ),
        corrections: corrections_of(&b.corrections, b.position),
    }];
    found.extend(b.posts.values().map(|p| Correctable {
        position: p.position,
        label: lang.fill("Poste défini : {}", &[&p.title]),
        corrections: corrections_of(&b.corrections, p.position),
    }));
    found.extend(b.mandates.iter().map(|mandate| {
        let post = b
            .posts
            .get(&mandate.post_id)
            .map_or("", |p| p.title.as_str());
        Correctable {
            position: mandate.position,
            label: lang.fill("Mandat de {} au poste {}", &[&mandate.holder_name, &post]),
            corrections: mandate.corrections.iter().collect(),
        }
    }));
    for e in &b.elections {
        let post = b.posts.get(&e.post_id).map_or("", |p| p.title.as_str());
        found.push(Correctable {
            position: e.position,
            label: lang.fill(
                "Élection au poste {} ouverte le {}",
                &[&post, &lang.date(e.held_on)],
            ),
            corrections: corrections_of(&b.corrections, e.position),
        });
        found.extend(e.rounds.iter().map(|r| Correctable {
            position: r.position,
            label: lang.fill("Tour {} de l'élection au poste {}", &[&r.round, &post]),
            corrections: corrections_of(&b.corrections, r.position),
        }));
    }
    found.sort_by_key(|r| r.position);
    found
}

/// The corrections of the record at `position`, among a record's.
fn corrections_of(all: &[Correction], position: u64) -> Vec<&Correction> {
    all.iter()
        .filter(|c| c.corrected_position == Some(position))
        .collect()
}

/// A correction as the record's page says it.
pub fn said(c: &Correction, lang: Language) -> String {
    lang.fill("Corrigé : {} (motif : {})", &[&c.correction, &c.reason])
}

/// The corrections shown under a session's or a body's page.
pub fn of_subject(m: &ReadModels, subject: Subject, scope: &Scope, lang: Language) -> Vec<String> {
    subject
        .records(m, scope, lang)
        .map(|r| r.listed(lang))
        .unwrap_or_default()
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    subject: Subject,
    form: CorrectionFields,
    status: StatusCode,
) -> Response {
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let position = form.position.value.parse::<u64>().ok();
    let scope = viewer.scope();
    let found = models.read(|m, _| {
        let records = subject.records(m, &scope, lang)?;
        // A member's record is opened from its line on the member's page;
        // a session's or a body's is chosen here.
        let record = match subject {
            Subject::Member(_) => Some(
                records
                    .offered
                    .iter()
                    .find(|r| Some(r.position) == position)?,
            ),
            _ => None,
        };
        let earlier = match record {
            Some(r) => r.corrections.iter().map(|c| said(c, lang)).collect(),
            None => records.listed(lang),
        };
        Some(CorrectionPage {
            frame: viewer.frame(subject.section()),
            title: match subject {
                Subject::Member(_) => {
                    lang.fill("Corriger un enregistrement de {}", &[&records.name])
                }
                Subject::Session(_) | Subject::Body(_) => {
                    lang.fill("Corriger un enregistrement : {}", &[&records.name])
                }
                Subject::Statutes => lang.tr("Corriger une version des statuts").into(),
            },
            name: records.name.clone(),
            back: subject.page(),
            action: subject.action(),
            record: record.map(|r| r.label.clone()),
            records: records
                .offered
                .iter()
                .map(|r| (r.position.to_string(), r.label.clone()))
                .collect(),
            earlier,
            form,
        })
    });
    match found {
        Some(page) => page::render_as(&page, status),
        None => page::not_found(lang),
    }
}

/// The form of a `KIND` subject's path, opened by a writer.
pub async fn form<const KIND: u8>(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<Record>, QueryRejection>,
) -> Response {
    let subject = Uuid::parse_str(&id).ok().map(|id| Subject::of(KIND, id));
    opened(state, headers, subject, query).await
}

pub async fn statutes_form(
    State(state): State<WebState>,
    headers: HeaderMap,
    query: Result<Query<Record>, QueryRejection>,
) -> Response {
    opened(state, headers, Some(Subject::Statutes), query).await
}

/// The form about `subject` (none: its path names nothing), opened by a
/// writer.
async fn opened(
    state: WebState,
    headers: HeaderMap,
    subject: Option<Subject>,
    query: Result<Query<Record>, QueryRejection>,
) -> Response {
    let viewer = try_page!(Viewer::writer(&state, &headers).await);
    let (Some(subject), Ok(Query(query))) = (subject, query) else {
        return page::not_found(viewer.language);
    };
    let blank = CorrectionFields {
        command_id: Uuid::now_v7().to_string(),
        position: query.position.into(),
        ..Default::default()
    };
    show(&state, &viewer, subject, blank, StatusCode::OK)
}

pub async fn submit<const KIND: u8>(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<CorrectionFields>, FormRejection>,
) -> Response {
    let subject = Uuid::parse_str(&id).ok().map(|id| Subject::of(KIND, id));
    recorded(state, headers, subject, form).await
}

pub async fn statutes_submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<CorrectionFields>, FormRejection>,
) -> Response {
    recorded(state, headers, Some(Subject::Statutes), form).await
}

/// Records the correction posted about `subject` (none: its path names
/// nothing).
async fn recorded(
    state: WebState,
    headers: HeaderMap,
    subject: Option<Subject>,
    form: Result<Form<CorrectionFields>, FormRejection>,
) -> Response {
    let (viewer, mut form) = try_page!(page::posted(&state, &headers, form).await);
    let lang = viewer.language;
    let models = try_page!(viewer.models(&state));
    let Some(subject) = subject else {
        return page::not_found(lang);
    };
    // Only a record the page offers is corrected: one of this subject's,
    // which the viewer sees.
    let scope = viewer.scope();
    let Some(records) = models.read(|m, _| {
        let records = subject.records(m, &scope, lang)?;
        Some(
            records
                .offered
                .iter()
                .map(|r| r.position)
                .collect::<Vec<_>>(),
        )
    }) else {
        return page::not_found(lang);
    };
    let position = form.position.read(|v| {
        v.parse::<u64>()
            .ok()
            .filter(|p| records.contains(p))
            .ok_or_else(|| lang.tr("Enregistrement : choisissez-en un.").to_owned())
    });
    let corrected = match position {
        None => None,
        Some(position) => match state.app.log().event(position).await {
            Ok(Some(event)) => Some(event),
            Ok(None) => return page::not_found(lang),
            Err(e) => {
                tracing::error!(error = %e, "reading the record a form corrects");
                return page::unavailable(lang);
            }
        },
    };
    let reason = form
        .reason
        .text(lang, lang.tr("Motif de la correction"), MAX_TEXT);
    let correction = form.correction.text(
        lang,
        lang.tr("Ce que l'enregistrement aurait dû dire"),
        MAX_TEXT,
    );
    let command_id = Uuid::parse_str(&form.command_id).unwrap_or_else(|_| Uuid::now_v7());
    let command = corrected
        .zip(reason)
        .zip(correction)
        .map(|((corrected, reason), correction)| {
            CorrectRecord {
                correction_id: Uuid::new_v5(&command_id, b"correction"),
                corrected_event_id: corrected.id,
                corrected_stream_id: corrected.stream_id.to_string(),
                reason,
                correction,
            }
            .into()
        });
    submit::posted(
        &state,
        &viewer,
        &subject.page(),
        form,
        command,
        |form, status| show(&state, &viewer, subject, form, status),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correction(at: u64, n: u8) -> Correction {
        Correction {
            correction_id: Uuid::from_u128(n.into()),
            corrected_event_id: Uuid::nil(),
            corrected_position: Some(at),
            reason: format!("motif {n}"),
            correction: format!("correction {n}"),
            position: 100 + u64::from(n),
        }
    }

    #[test]
    fn given_corrections_of_records_the_form_does_not_offer_when_listed_then_each_is_said() {
        let all = [correction(3, 1), correction(9, 2)];
        let offered = vec![Correctable {
            position: 3,
            label: "Convocation".into(),
            corrections: corrections_of(&all, 3),
        }];
        let records = Records::new("Session".into(), offered, &all);
        assert_eq!(
            records.listed(crate::language::Language::French),
            [
                "Convocation : Corrigé : correction 1 (motif : motif 1)",
                "Autre enregistrement (n° 9 du journal) : Corrigé : correction 2 (motif : motif 2)",
            ]
        );
    }

    #[test]
    fn given_corrections_of_several_records_when_one_is_asked_then_its_own_alone() {
        let all = [correction(3, 1), correction(7, 2), correction(3, 3)];
        let of_3: Vec<_> = corrections_of(&all, 3)
            .iter()
            .map(|c| c.reason.as_str())
            .collect();
        assert_eq!(of_3, ["motif 1", "motif 3"]);
        assert_eq!(corrections_of(&all, 7).len(), 1);
        assert!(corrections_of(&all, 5).is_empty());
    }
}
