//! Recording a dues payment from a member's page.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Datelike, Utc};
use registre_domain::member::MemberCommand;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, take};
use super::members::member_page;
use super::page;
use super::submit;

// The domain's own bound, so the form and the rules never disagree.
use registre_domain::text::MAX_TEXT as MAX_RECEIPT;

/// The payment form as shown: values, and a message beside each field
/// that was refused.
#[derive(Debug, Default, Deserialize)]
pub struct PaymentFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub command_id: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub receipt: String,
    #[serde(skip)]
    pub year_error: String,
    #[serde(skip)]
    pub amount_error: String,
    #[serde(skip)]
    pub paid_on_error: String,
    #[serde(skip)]
    pub receipt_error: String,
    #[serde(skip)]
    pub refusal: String,
}

impl PaymentFields {
    /// A new form: this year, today, and a command id of its own.
    pub fn blank() -> Self {
        let today = Utc::now().date_naive();
        PaymentFields {
            command_id: Uuid::now_v7().to_string(),
            year: today.year().to_string(),
            paid_on: today.format("%Y-%m-%d").to_string(),
            ..Default::default()
        }
    }
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<PaymentFields>, FormRejection>,
) -> Response {
    let (viewer, mut form, member_id) =
        try_page!(page::posted_for_member(&state, &headers, &id, form).await);
    let t = viewer.language;
    let year = take(
        &mut form.year_error,
        fields::year(t, t.tr("Année"), &form.year),
    );
    let amount = take(
        &mut form.amount_error,
        fields::amount(t, t.tr("Montant"), &form.amount),
    );
    let paid_on = take(
        &mut form.paid_on_error,
        fields::date(t, t.tr("Date du paiement"), &form.paid_on),
    );
    let receipt = take(
        &mut form.receipt_error,
        fields::text(t, t.tr("Numéro de reçu"), &form.receipt, MAX_RECEIPT),
    );
    let command = match (year, amount, paid_on, receipt) {
        (Some(year), Some(amount_xof), Some(paid_on), Some(receipt_ref)) => Some(
            MemberCommand::RecordPayment {
                member_id,
                year,
                amount_xof,
                paid_on,
                receipt_ref,
            }
            .into(),
        ),
        _ => None,
    };
    submit::for_member(&state, &viewer, member_id, form, command, |form, status| {
        member_page(&state, &viewer, member_id, form, "", status)
    })
    .await
}

page::posted_form!(PaymentFields);
