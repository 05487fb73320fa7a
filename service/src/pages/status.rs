//! A member's status (`/membres/{id}/statut`): suspension, reinstatement
//! or withdrawal, dated and with its reason. Which change the member's
//! status allows is the domain's to say (a reinstatement of a member not
//! suspended is refused with its French message). An exclusion cites a
//! body's adopted motion: it is taken through the API (`excludeMember`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
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

/// The changes the form offers, as its `change` field names them.
const CHANGES: [(&str, &str); 3] = [
    ("suspension", "Suspendre"),
    ("reintegration", "Réintégrer (après une suspension)"),
    ("retrait", "Enregistrer le retrait de la commune"),
];

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
pub struct StatusFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub command_id: String,
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub effective_on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(skip)]
    pub change_error: String,
    #[serde(skip)]
    pub effective_on_error: String,
    #[serde(skip)]
    pub reason_error: String,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(StatusFields);

impl StatusFields {
    /// The command the form states, or `None` with a message beside each
    /// refused field.
    fn command(&mut self, member_id: Uuid) -> Option<MemberCommand> {
        let change = take(
            &mut self.change_error,
            CHANGES
                .iter()
                .find(|(name, _)| *name == self.change)
                .map(|(name, _)| *name)
                .ok_or_else(|| "Changement : choisissez-en un dans la liste.".to_owned()),
        );
        let effective_on = take(
            &mut self.effective_on_error,
            fields::date("Date d'effet", &self.effective_on),
        );
        let reason = take(
            &mut self.reason_error,
            fields::text("Motif", &self.reason, MAX_TEXT),
        );
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

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    frame: Frame,
    id: Uuid,
    name: String,
    status: &'static str,
    changes: [(&'static str, &'static str); 3],
    form: StatusFields,
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: StatusFields,
    status: StatusCode,
) -> Response {
    let Some(models) = state.app.read_models() else {
        return page::unavailable();
    };
    let scope = viewer.scope();
    let found = models.read(|m, _| {
        let member = m.membership.member(id).filter(|_| scope.member(m, id))?;
        Some((member.name.clone(), member.status))
    });
    let Some((name, current)) = found else {
        return page::not_found();
    };
    let page = StatusPage {
        frame: viewer.frame("membres"),
        id,
        name,
        status: crate::french::status(current),
        changes: CHANGES,
        form,
    };
    page::render_as(&page, status)
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, id) = match page::form_for_member(&state, &headers, &id).await {
        Ok(opened) => opened,
        Err(r) => return r,
    };
    let blank = StatusFields {
        command_id: Uuid::now_v7().to_string(),
        effective_on: fields::today(),
        ..Default::default()
    };
    show(&state, &viewer, id, blank, StatusCode::OK)
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<StatusFields>, FormRejection>,
) -> Response {
    let (viewer, mut form, member_id) =
        match page::posted_for_member(&state, &headers, &id, form).await {
            Ok(posted) => posted,
            Err(refusal) => return refusal,
        };
    let command = form.command(member_id).map(Into::into);
    submit::for_member(&state, &viewer, member_id, form, command, |form, status| {
        show(&state, &viewer, member_id, form, status)
    })
    .await
}
