//! A member's contacts (`/membres/{id}/coordonnees`): the form that
//! records them all at once, filled with those in force.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::DomainError;
use registre_domain::contacts::{Contacts, MAX_ADDRESS, MAX_EMAIL, MAX_PHONES};
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_NAME;
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::page::{self, Frame, Viewer};
use super::submit;
use crate::language::Language;

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
pub struct ContactFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub command_id: String,
    #[serde(default)]
    pub mayor: String,
    #[serde(default)]
    pub secretary_general: String,
    /// One number per line.
    #[serde(default)]
    pub phones: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(skip)]
    pub errors: FieldErrors,
    #[serde(skip)]
    pub refusal: String,
}

/// A message per field (empty: none).
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub mayor: String,
    pub secretary_general: String,
    pub phones: String,
    pub email: String,
    pub postal_address: String,
}

impl FieldErrors {
    /// The message slot of a field as the domain names it.
    fn of(&mut self, field: &str) -> &mut String {
        match field {
            "mayor" => &mut self.mayor,
            "secretary_general" => &mut self.secretary_general,
            "email" => &mut self.email,
            "postal_address" => &mut self.postal_address,
            _ => &mut self.phones,
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

page::posted_form!(ContactFields);

impl ContactFields {
    fn of(c: &Contacts) -> Self {
        ContactFields {
            command_id: Uuid::now_v7().to_string(),
            mayor: c.mayor.clone().unwrap_or_default(),
            secretary_general: c.secretary_general.clone().unwrap_or_default(),
            phones: c.phones.join("\n"),
            email: c.email.clone().unwrap_or_default(),
            postal_address: c.postal_address.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// The contacts the form states (blank fields: not known), or `None`
    /// with a message beside each field over its length.
    fn contacts(&mut self, lang: Language) -> Option<Contacts> {
        let too_long = |max: usize| lang.fill("{} caractères au plus.", &[&max]);
        let given = |value: &str, max: usize, error: &mut String| {
            let v = value.trim();
            if v.chars().count() > max {
                *error = too_long(max);
            }
            (!v.is_empty()).then(|| v.to_owned())
        };
        let e = &mut self.errors;
        let phones: Vec<String> = self
            .phones
            .lines()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if phones.len() > MAX_PHONES {
            e.phones = lang.fill("{} numéros au plus.", &[&MAX_PHONES]);
        }
        let contacts = Contacts {
            mayor: given(&self.mayor, MAX_NAME, &mut e.mayor),
            secretary_general: given(&self.secretary_general, MAX_NAME, &mut e.secretary_general),
            phones,
            email: given(&self.email, MAX_EMAIL, &mut e.email),
            postal_address: given(&self.postal_address, MAX_ADDRESS, &mut e.postal_address),
        };
        // The domain's own checks, said beside the field they concern.
        match registre_domain::contacts::check(&contacts) {
            Err(DomainError::InvalidContact { field, reason }) => {
                let reason = match lang {
                    Language::French => reason.french,
                    Language::English => reason.english,
                };
                *e.of(field) = format!("{}.", capitalised(reason));
            }
            Err(DomainError::TooLong { field, max }) => {
                *e.of(field) = too_long(max);
            }
            _ => {}
        }
        let refused = [
            &e.mayor,
            &e.secretary_general,
            &e.phones,
            &e.email,
            &e.postal_address,
        ]
        .iter()
        .any(|m| !m.is_empty());
        (!refused).then_some(contacts)
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    frame: Frame,
    id: Uuid,
    name: String,
    form: ContactFields,
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    id: Uuid,
    form: Option<ContactFields>,
    status: StatusCode,
) -> Response {
    let found = page::about_member(state, viewer, id, |_, member| {
        let current = member.current_contacts().cloned().unwrap_or_default();
        Some((member.name.clone(), current))
    });
    let (name, current) = match found {
        Ok(found) => found,
        Err(unseen) => return unseen.page(viewer.language),
    };
    let page = ContactsPage {
        frame: viewer.frame("membres"),
        id,
        name,
        form: form.unwrap_or_else(|| ContactFields::of(&current)),
    };
    page::render_as(&page, status)
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, id) = try_page!(page::form_for_member(&state, &headers, &id).await);
    show(&state, &viewer, id, None, StatusCode::OK)
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<ContactFields>, FormRejection>,
) -> Response {
    let (viewer, mut form, member_id) =
        try_page!(page::posted_for_member(&state, &headers, &id, form).await);
    let command = form.contacts(viewer.language).map(|contacts| {
        MemberCommand::RecordContacts {
            member_id,
            contacts,
        }
        .into()
    });
    submit::for_member(&state, &viewer, member_id, form, command, |form, status| {
        show(&state, &viewer, member_id, Some(form), status)
    })
    .await
}
