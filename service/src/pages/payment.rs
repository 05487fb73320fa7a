//! Recording a dues payment from a member's page.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Utc};
use registre_domain::member::MemberCommand;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{self, Field};
use super::members::member_page;
use super::page;
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;

// The domain's own bound, so the form and the rules never disagree.
use registre_domain::text::MAX_TEXT as MAX_RECEIPT;

/// The payment form as shown: values, and a message beside each field
/// that was refused.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaymentFields {
    pub csrf: String,
    pub command_id: String,
    pub year: Field,
    pub amount: Field,
    pub paid_on: Field,
    pub receipt: Field,
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
            year: today.year().to_string().into(),
            paid_on: fields::today(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        let year = self.year.year(t, t.tr("Année"));
        let amount = self.amount.amount(t, t.tr("Montant"));
        let paid_on = self.paid_on.date(t, t.tr("Date du paiement"));
        let receipt = self.receipt.text(t, t.tr("Numéro de reçu"), MAX_RECEIPT);
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
