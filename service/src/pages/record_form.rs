//! A form about the record its path names (`/membres/{id}/…`,
//! `/instances/{id}/…`). One pair of handlers opens and posts every such
//! form, so each checks the role, the form's encoding, its CSRF token and
//! that the viewer sees the record in the same order, and records the
//! same way; a form says only its fields' command and its page.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::WebState;
use super::page::{self, Posted, Viewer};
use super::submit::{self, Done};
use crate::application::Command;

/// What the id in a form's path names.
pub enum Record {
    Member,
    Body,
}

/// Where a form is: the request's state and viewer, the record's id, and
/// what the page says after a recorded form sent the browser back to it
/// (empty when the form is shown again with its refusals).
pub struct At<'a> {
    pub state: &'a WebState,
    pub viewer: &'a Viewer,
    pub id: Uuid,
    pub notice: &'static str,
}

/// A form about one record.
pub trait RecordForm: Posted + DeserializeOwned + Send + 'static {
    /// What the path's id names (and so which records the viewer may post
    /// for: an account limited to a region, its region's alone).
    const RECORD: Record;

    /// A new form, with a command id of its own.
    fn blank(at: &At) -> Self;

    /// The command the fields make, or `None` with a message beside each
    /// refused field.
    fn command(&mut self, at: &At) -> Option<Command>;

    /// The page with the form as it stands.
    fn show(self, at: &At, status: StatusCode) -> Response;

    /// Where the browser goes once the form is recorded.
    fn back(id: Uuid) -> String {
        match Self::RECORD {
            Record::Member => format!("/membres/{id}"),
            Record::Body => format!("/instances/{id}"),
        }
    }
}

/// A new form, opened by a writer.
pub async fn form<F: RecordForm>(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let (viewer, id) = try_page!(page::form_for(&state, &headers, &id).await);
    let at = At {
        state: &state,
        viewer: &viewer,
        id,
        notice: done.map_or("", |Query(d)| d.notice(viewer.language)),
    };
    F::blank(&at).show(&at, StatusCode::OK)
}

/// A form posted: recorded and the browser sent [`RecordForm::back`], or
/// the form shown again with its fields' refusals or the domain's.
pub async fn submit<F: RecordForm>(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<F>, FormRejection>,
) -> Response {
    let seen = match F::RECORD {
        Record::Member => page::seen_member,
        Record::Body => page::seen_body,
    };
    let (viewer, mut form, id) =
        try_page!(page::posted_for(&state, &headers, &id, form, seen).await);
    let at = At {
        state: &state,
        viewer: &viewer,
        id,
        notice: "",
    };
    let command = form.command(&at);
    submit::posted(
        &state,
        &viewer,
        &F::back(id),
        form,
        command,
        |form, status| form.show(&at, status),
    )
    .await
}
