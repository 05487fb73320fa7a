//! A form that adds to a register rather than to the record its path
//! names: a commune admitted, a body established, a session convened,
//! the territory reorganised, a year's dues schedule. One handler posts
//! them all, as [`record_form`](super::record_form) does the others.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::WebState;
use super::page::{self, Posted, Viewer};
use super::submit;
use crate::application::Command;

/// A command a form makes, and the page the browser goes to once it is
/// recorded (the new record's, or the form's own).
pub struct Planned {
    pub command: Command,
    pub back: String,
}

/// A form of a register.
pub trait RegisterForm: Posted + DeserializeOwned + Send + 'static {
    /// Whether an account limited to a region may post it: the
    /// association's own registers (the territory, the dues schedule)
    /// are recorded nationally.
    const REGIONAL: bool;

    /// The command the fields make, or `None` with a message beside each
    /// refused field.
    fn command(&mut self, state: &WebState, viewer: &Viewer) -> Option<Planned>;

    /// The page with the form as posted and its refusals.
    fn show(self, state: &WebState, viewer: &Viewer, status: StatusCode) -> Response;
}

/// A form posted: recorded and the browser sent on, or the form shown
/// again with its fields' refusals or the domain's.
pub async fn submit<F: RegisterForm>(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<F>, FormRejection>,
) -> Response {
    let posted = if F::REGIONAL {
        page::posted(&state, &headers, form).await
    } else {
        page::posted_national(&state, &headers, form).await
    };
    let (viewer, mut form) = try_page!(posted);
    let (command, back) = match form.command(&state, &viewer) {
        Some(Planned { command, back }) => (Some(command), back),
        None => (None, String::new()),
    };
    submit::posted(&state, &viewer, &back, form, command, |form, status| {
        form.show(&state, &viewer, status)
    })
    .await
}
