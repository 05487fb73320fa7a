//! A record of a member corrected (`/membres/{id}/correction?position=N`):
//! a change of its membership or a payment, shown as recorded, with why
//! it was wrong and what it should have said. Nothing recorded is
//! changed: the correction is a record of its own, shown beside the one
//! it corrects on the member's page, in the registers and the documents.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::correction::CorrectRecord;
use registre_domain::text::MAX_TEXT;
use registre_projections::ReadModels;
use registre_projections::fold::Correction;
use registre_projections::membership::MemberRecord;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, take};
use super::page::{self, Frame, Viewer};
use super::submit;
use crate::language::Language;

#[derive(Debug, Default, Deserialize)]
pub struct CorrectionFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub command_id: String,
    /// Where the corrected record stands in the log.
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub correction: String,
    #[serde(skip)]
    pub reason_error: String,
    #[serde(skip)]
    pub correction_error: String,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(CorrectionFields);

#[derive(Deserialize, Default)]
pub struct Record {
    #[serde(default)]
    position: String,
}

#[derive(Template)]
#[template(path = "correction.html")]
struct CorrectionPage {
    frame: Frame,
    id: Uuid,
    name: String,
    /// The record as the member's page lists it.
    record: String,
    /// The corrections already recorded for it.
    earlier: Vec<String>,
    form: CorrectionFields,
}

/// A member's record that a clerk may correct: where it stands in the
/// log, how the member's page shows it, and its corrections so far.
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

/// The corrections of the record at `position`, among a member's.
fn corrections_of(all: &[Correction], position: u64) -> Vec<&Correction> {
    all.iter()
        .filter(|c| c.corrected_position == Some(position))
        .collect()
}

/// A correction as the member's page says it.
pub fn said(c: &Correction, lang: Language) -> String {
    lang.fill("Corrigé : {} (motif : {})", &[&c.correction, &c.reason])
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: CorrectionFields,
    status: StatusCode,
) -> Response {
    let position = form.position.parse::<u64>().ok();
    let found = page::about_member(state, viewer, id, |m, member| {
        let record = correctable(m, member, viewer.language)
            .into_iter()
            .find(|r| Some(r.position) == position)?;
        Some((
            member.name.clone(),
            record.label,
            record
                .corrections
                .into_iter()
                .map(|c| said(c, viewer.language))
                .collect(),
        ))
    });
    let (name, record, earlier) = match found {
        Ok(found) => found,
        Err(unseen) => return unseen.page(viewer.language),
    };
    let page = CorrectionPage {
        frame: viewer.frame("membres"),
        id,
        name,
        record,
        earlier,
        form,
    };
    page::render_as(&page, status)
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<Record>, QueryRejection>,
) -> Response {
    let (viewer, id) = try_page!(page::form_for_member(&state, &headers, &id).await);
    let Ok(Query(query)) = query else {
        return page::not_found(viewer.language);
    };
    let blank = CorrectionFields {
        command_id: Uuid::now_v7().to_string(),
        position: query.position,
        ..Default::default()
    };
    show(&state, &viewer, id, blank, StatusCode::OK)
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<CorrectionFields>, FormRejection>,
) -> Response {
    let (viewer, mut form, member_id) =
        try_page!(page::posted_for_member(&state, &headers, &id, form).await);
    // Only a record the page offers is corrected: one of this member's.
    let position = form.position.parse::<u64>().ok().filter(|position| {
        page::about_member(&state, &viewer, member_id, |m, member| {
            correctable(m, member, viewer.language)
                .iter()
                .any(|r| r.position == *position)
                .then_some(())
        })
        .is_ok()
    });
    let Some(position) = position else {
        return page::not_found(viewer.language);
    };
    let corrected = match state.app.log().event(position).await {
        Ok(Some(event)) => event,
        Ok(None) => return page::not_found(viewer.language),
        Err(e) => {
            tracing::error!(error = %e, "reading the record a form corrects");
            return page::unavailable(viewer.language);
        }
    };
    let reason = take(
        &mut form.reason_error,
        fields::text(
            viewer.language,
            viewer.language.tr("Motif de la correction"),
            &form.reason,
            MAX_TEXT,
        ),
    );
    let correction = take(
        &mut form.correction_error,
        fields::text(
            viewer.language,
            viewer.language.tr("Ce que l'enregistrement aurait dû dire"),
            &form.correction,
            MAX_TEXT,
        ),
    );
    let command_id = Uuid::parse_str(&form.command_id).unwrap_or_else(|_| Uuid::now_v7());
    let command = reason.zip(correction).map(|(reason, correction)| {
        CorrectRecord {
            correction_id: Uuid::new_v5(&command_id, b"correction"),
            corrected_event_id: corrected.id,
            corrected_stream_id: corrected.stream_id.to_string(),
            reason,
            correction,
        }
        .into()
    });
    submit::for_member(&state, &viewer, member_id, form, command, |form, status| {
        show(&state, &viewer, member_id, form, status)
    })
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
