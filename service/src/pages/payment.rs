//! Recording a dues payment from a member's page.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Utc};
use registre_domain::member::MemberCommand;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{self, take};
use super::members::member_page;
use super::page;
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;

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

impl RecordForm for PaymentFields {
    const RECORD: Record = Record::Member;

    /// A new form: this year, today, and a command id of its own.
    fn blank(_: &At) -> Self {
        let today = Utc::now().date_naive();
        PaymentFields {
            command_id: Uuid::now_v7().to_string(),
            year: today.year().to_string(),
            paid_on: today.format("%Y-%m-%d").to_string(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        let year = take(
            &mut self.year_error,
            fields::year(t, t.tr("Année"), &self.year),
        );
        let amount = take(
            &mut self.amount_error,
            fields::amount(t, t.tr("Montant"), &self.amount),
        );
        let paid_on = take(
            &mut self.paid_on_error,
            fields::date(t, t.tr("Date du paiement"), &self.paid_on),
        );
        let receipt = take(
            &mut self.receipt_error,
            fields::text(t, t.tr("Numéro de reçu"), &self.receipt, MAX_RECEIPT),
        );
        let (year, amount_xof, paid_on, receipt_ref) = (year?, amount?, paid_on?, receipt?);
        Some(
            MemberCommand::RecordPayment {
                member_id: at.id,
                year,
                amount_xof,
                paid_on,
                receipt_ref,
            }
            .into(),
        )
    }

    /// The payment form lives on the member's page.
    fn show(self, at: &At, status: StatusCode) -> Response {
        member_page(at.state, at.viewer, at.id, self, at.notice, status)
    }
}

page::posted_form!(PaymentFields);
