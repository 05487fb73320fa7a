//! A payment reversed from its member's page
//! (`/membres/{id}/annulation?recu=…`): the payment shown, a date and a
//! reason. The payment stays in the log; from that date its year is owed
//! again.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_TEXT;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReversalFields {
    pub csrf: String,
    pub command_id: String,
    pub receipt: String,
    pub reversed_on: Field,
    pub reason: Field,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(ReversalFields);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Receipt {
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

/// The form for the payment under the query's receipt.
pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<Receipt>, QueryRejection>,
) -> Response {
    let (viewer, id) = try_page!(page::form_for(&state, &headers, &id).await);
    let Ok(Query(query)) = query else {
        return page::not_found(viewer.language);
    };
    let at = At {
        state: &state,
        viewer: &viewer,
        id,
        notice: "",
    };
    ReversalFields {
        receipt: query.recu,
        ..ReversalFields::blank(&at)
    }
    .show(&at, StatusCode::OK)
}

impl RecordForm for ReversalFields {
    const RECORD: Record = Record::Member;

    fn blank(_: &At) -> Self {
        ReversalFields {
            command_id: Uuid::now_v7().to_string(),
            reversed_on: fields::today(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        let reversed_on = self.reversed_on.date(t, t.tr("Date de l'annulation"));
        let reason = self.reason.text(t, t.tr("Motif"), MAX_TEXT);
        Some(
            MemberCommand::ReversePayment {
                member_id: at.id,
                receipt_ref: self.receipt.clone(),
                reversed_on: reversed_on?,
                reason: reason?,
            }
            .into(),
        )
    }

    /// The page, when the member is seen and has a payment under the
    /// form's receipt (one already reversed is refused by the domain).
    fn show(self, at: &At, status: StatusCode) -> Response {
        let lang = at.viewer.language;
        let found = page::about_member(at.state, at.viewer, at.id, |m, member| {
            let payment = m
                .dues
                .members
                .get(&at.id)?
                .payments
                .iter()
                .find(|p| p.receipt_ref == self.receipt)?;
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
            frame: at.viewer.frame("membres"),
            id: at.id,
            name,
            payment,
            form: self,
        };
        page::render_as(&page, status)
    }
}
