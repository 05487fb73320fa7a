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

use super::fields::Field;
use super::page::{self, Frame};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
use crate::language::Language;

/// The form as shown: values, and a message beside a refused field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactFields {
    pub csrf: String,
    pub command_id: String,
    pub mayor: Field,
    pub secretary_general: Field,
    /// One number per line.
    pub phones: Field,
    pub email: Field,
    pub postal_address: Field,
    #[serde(skip)]
    pub refusal: String,
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
        let known = |v: &Option<String>| Field::from(v.clone().unwrap_or_default());
        ContactFields {
            command_id: Uuid::now_v7().to_string(),
            mayor: known(&c.mayor),
            secretary_general: known(&c.secretary_general),
            phones: c.phones.join("\n").into(),
            email: known(&c.email),
            postal_address: known(&c.postal_address),
            ..Default::default()
        }
    }

    /// The field the domain names in a refusal.
    fn field(&mut self, name: &str) -> &mut Field {
        match name {
            "mayor" => &mut self.mayor,
            "secretary_general" => &mut self.secretary_general,
            "email" => &mut self.email,
            "postal_address" => &mut self.postal_address,
            _ => &mut self.phones,
        }
    }

    /// The contacts the form states (blank fields: not known), or `None`
    /// with a message beside each field over its length.
    fn contacts(&mut self, lang: Language) -> Option<Contacts> {
        let too_long = |max: usize| lang.fill("{} caractères au plus.", &[&max]);
        let given = |field: &mut Field, max: usize| {
            let v = field.value.trim();
            if v.chars().count() > max {
                field.error = too_long(max);
            }
            (!v.is_empty()).then(|| v.to_owned())
        };
        let phones: Vec<String> = self
            .phones
            .value
            .lines()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if phones.len() > MAX_PHONES {
            self.phones.error = lang.fill("{} numéros au plus.", &[&MAX_PHONES]);
        }
        let contacts = Contacts {
            mayor: given(&mut self.mayor, MAX_NAME),
            secretary_general: given(&mut self.secretary_general, MAX_NAME),
            phones,
            email: given(&mut self.email, MAX_EMAIL),
            postal_address: given(&mut self.postal_address, MAX_ADDRESS),
        };
        // The domain's own checks, said beside the field they concern.
        match registre_domain::contacts::check(&contacts) {
            Err(DomainError::InvalidContact { field, reason }) => {
                let reason = match lang {
                    Language::French => reason.french,
                    Language::English => reason.english,
                };
                self.field(field).error = format!("{}.", capitalised(reason));
            }
            Err(DomainError::TooLong { field, max }) => {
                self.field(field).error = too_long(max);
            }
            _ => {}
        }
        let refused = [
            &self.mayor,
            &self.secretary_general,
            &self.phones,
            &self.email,
            &self.postal_address,
        ]
        .iter()
        .any(|f| !f.error.is_empty());
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
