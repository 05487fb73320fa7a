//! A payment reversed from its member's page
//! (`/membres/{id}/annulation?recu=…`): the payment shown, a date and a
//! reason. The payment stays in the log; from that date its year is owed
//! again.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_TEXT;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, take};
use super::page::{self, Frame, Viewer};
use super::submit;

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
pub struct ReversalFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub command_id: String,
    #[serde(default)]
    pub receipt: String,
    #[serde(default)]
    pub reversed_on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(skip)]
    pub reversed_on_error: String,
    #[serde(skip)]
    pub reason_error: String,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(ReversalFields);

#[derive(Deserialize, Default)]
pub struct Receipt {
    #[serde(default)]
    recu: String,
}

#[derive(Template)]
#[template(path = "reversal.html")]
struct ReversalPage {
    frame: Frame,
    id: Uuid,
    name: String,
    /// The payment as the member's page lists it.
    payment: String,
    form: ReversalFields,
}

/// The page, when the member is seen and has a payment under the form's
/// receipt (one already reversed is refused by the domain).
fn show(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: ReversalFields,
    status: StatusCode,
) -> Response {
    let lang = viewer.language;
    let found = page::about_member(state, viewer, id, |m, member| {
        let payment = m
            .dues
            .members
            .get(&id)?
            .payments
            .iter()
            .find(|p| p.receipt_ref == form.receipt)?;
        Some((
            member.name.clone(),
            lang.fill(
                "{} payé le {} pour {}, reçu {}",
                &[
                    &lang.amount(payment.amount_xof),
                    &lang.date(payment.paid_on),
                    &payment.year,
                    &payment.receipt_ref,
                ],
            ),
        ))
    });
    let (name, payment) = match found {
        Ok(found) => found,
        Err(unseen) => return unseen.page(lang),
    };
    let page = ReversalPage {
        frame: viewer.frame("membres"),
        id,
        name,
        payment,
        form,
    };
    page::render_as(&page, status)
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<Receipt>, QueryRejection>,
) -> Response {
    let (viewer, id) = try_page!(page::form_for_member(&state, &headers, &id).await);
    let Ok(Query(query)) = query else {
        return page::not_found(viewer.language);
    };
    let blank = ReversalFields {
        command_id: Uuid::now_v7().to_string(),
        receipt: query.recu,
        reversed_on: fields::today(),
        ..Default::default()
    };
    show(&state, &viewer, id, blank, StatusCode::OK)
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<ReversalFields>, FormRejection>,
) -> Response {
    let (viewer, mut form, member_id) =
        try_page!(page::posted_for_member(&state, &headers, &id, form).await);
    let t = viewer.language;
    let reversed_on = take(
        &mut form.reversed_on_error,
        fields::date(t, t.tr("Date de l'annulation"), &form.reversed_on),
    );
    let reason = take(
        &mut form.reason_error,
        fields::text(t, t.tr("Motif"), &form.reason, MAX_TEXT),
    );
    let command = reversed_on.zip(reason).map(|(reversed_on, reason)| {
        MemberCommand::ReversePayment {
            member_id,
            receipt_ref: form.receipt.clone(),
            reversed_on,
            reason,
        }
        .into()
    });
    submit::for_member(&state, &viewer, member_id, form, command, |form, status| {
        show(&state, &viewer, member_id, form, status)
    })
    .await
}
