//! A command from a form, submitted on the signed-in account's behalf.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use registre_schema::Actor;
use uuid::Uuid;

use super::WebState;
use super::page::Viewer;
use crate::application::{Command, CommandError, Submission};
use crate::language::Language;

/// Why a form's command was not recorded: the message shown above the
/// form (in the viewer's language), and the answer's status.
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

/// Where a recorded form sends the browser: `path` saying "Enregistré",
/// or, when the form's command id had already been recorded (the form
/// posted again), saying that nothing more was.
pub fn done(path: &str, first: bool) -> Response {
    let flag = if first { "enregistre" } else { "deja" };
    Redirect::to(&format!("{path}?{flag}=1")).into_response()
}

/// The query a recorded form's redirect carries (see [`done`]).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    enregistre: Option<String>,
    deja: Option<String>,
}

impl Done {
    /// What the page says (see [`notice`]).
    pub fn notice(&self, lang: Language) -> &'static str {
        notice(self.enregistre.is_some(), self.deja.is_some(), lang)
    }
}

/// What a page says after a form sent it there (see [`done`]).
pub fn notice(recorded: bool, already: bool, lang: Language) -> &'static str {
    match (recorded, already) {
        (true, _) => lang.tr("Enregistré."),
        (false, true) => lang.tr(
            "Déjà enregistré : ce formulaire avait déjà été envoyé ; rien de plus n'a été enregistré.",
        ),
        (false, false) => "",
    }
}

/// Submits a posted form's command: to `back` once recorded, or the form
/// again (`show`) with its fields' refusals (no command) or the domain's.
pub async fn posted<F: super::page::Posted>(
    state: &WebState,
    viewer: &Viewer,
    back: &str,
    mut form: F,
    command: Option<Command>,
    show: impl FnOnce(F, StatusCode) -> Response,
) -> Response {
    let Some(command) = command else {
        return show(form, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match self::command(state, viewer, form.command_id(), command).await {
        Ok(first) => done(back, first),
        Err(Refusal { status, message }) => {
            form.refused(message);
            show(form, status)
        }
    }
}

/// Submits `command` under the form's command id (the same form posted
/// twice records once; a form without one gets a new id). `Ok(false)`:
/// that id had been recorded already, and nothing more was.
pub async fn command(
    state: &WebState,
    viewer: &Viewer,
    command_id: &str,
    command: Command,
) -> Result<bool, Refusal> {
    let account = &viewer.login.account;
    let lang = viewer.language;
    let submission = Submission {
        command_id: Uuid::parse_str(command_id).unwrap_or_else(|_| Uuid::now_v7()),
        actor: Actor {
            id: account.name.clone(),
            role: account.role,
        },
        // The day the change happens in the world (an admission's, a
        // payment's), as the API dates it; else now.
        occurred_at: command
            .occurred_on()
            .map_or_else(Utc::now, |d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
        command,
    };
    match state.app.submit(submission, |_| ()).await {
        Ok(submitted) => Ok(!submitted.outcome.already_applied),
        Err(CommandError::Rejected(e)) => Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "{} (code {})",
                match lang {
                    Language::French => e.message_fr(),
                    Language::English => e.message_en(),
                },
                e.code()
            ),
        }),
        Err(CommandError::Conflict { .. }) => Err(Refusal {
            status: StatusCode::CONFLICT,
            message: lang.tr("D'autres enregistrements ont modifié ce dossier au même moment ; renvoyez le formulaire. Rien n'a été enregistré. (code CONFLICT)").into(),
        }),
        Err(CommandError::Store(e)) => {
            tracing::error!(error = %e, "a form's command could not be stored");
            Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: lang.tr("Le registre ne peut enregistrer pour le moment ; renvoyez le formulaire dans un instant (il ne sera pas enregistré deux fois). (code UNAVAILABLE)").into(),
            })
        }
    }
}
