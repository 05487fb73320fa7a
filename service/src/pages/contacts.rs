//! A member's contacts (`/membres/{id}/coordonnees`): the form that
//! records them all at once, filled with those in force.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use registre_domain::DomainError;
use registre_domain::contacts::{Contacts, MAX_ADDRESS, MAX_EMAIL, MAX_PHONES};
use registre_domain::member::MemberCommand;
use registre_domain::text::MAX_NAME;
use serde::Deserialize;
use uuid::Uuid;

use super::page::{self, Frame};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
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

impl RecordForm for ContactFields {
    const RECORD: Record = Record::Member;

    /// A new form, filled with the contacts in force.
    fn blank(at: &At) -> Self {
        let current = page::about_member(at.state, at.viewer, at.id, |_, member| {
            member.current_contacts().cloned()
        });
        ContactFields::of(&current.unwrap_or_default())
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let contacts = self.contacts(at.viewer.language)?;
        Some(
            MemberCommand::RecordContacts {
                member_id: at.id,
                contacts,
            }
            .into(),
        )
    }

    fn show(self, at: &At, status: StatusCode) -> Response {
        let found = page::about_member(at.state, at.viewer, at.id, |_, member| {
            Some(member.name.clone())
        });
        let name = match found {
            Ok(name) => name,
            Err(unseen) => return unseen.page(at.viewer.language),
        };
        let page = ContactsPage {
            frame: at.viewer.frame("membres"),
            id: at.id,
            name,
            form: self,
        };
        page::render_as(&page, status)
    }
}
