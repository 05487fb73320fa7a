//! A member's contacts as the secretariat records them: names, phone
//! numbers, an e-mail address and a postal address, each checked for the
//! shape a clerk can be held to.

pub use registre_schema::events::Contacts;

use crate::text::{MAX_NAME, optional};
use crate::{DomainError, Reason};

/// Most phone numbers kept for one member.
pub const MAX_PHONES: usize = 5;
/// Longest postal address.
pub const MAX_ADDRESS: usize = 500;
/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest phone number as written, separators included.
pub const MAX_PHONE: usize = 32;

fn invalid(field: &'static str, reason: Reason) -> DomainError {
    DomainError::InvalidContact { field, reason }
}

/// A name or an address: not blank when given, without control
/// characters, within `max`.
fn text(field: &'static str, value: &Option<String>, max: usize) -> Result<(), DomainError> {
    let Some(v) = value else { return Ok(()) };
    if v.trim().is_empty() {
        return Err(invalid(
            field,
            Reason::new(
                "leave it out rather than blank",
                "laissez-le vide plutôt qu'en blanc",
            ),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            field,
            Reason::new(
                "control characters are not allowed",
                "les caractères de contrôle sont interdits",
            ),
        ));
    }
    optional(field, v, max)
}

/// A phone number as written: digits, with spaces, dots, dashes,
/// parentheses and a leading `+`; 6 to 15 digits (E.164's longest).
fn phone(number: &str) -> Result<(), DomainError> {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let shape = number
        .trim_start()
        .strip_prefix('+')
        .unwrap_or(number)
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'));
    if !shape || !(6..=15).contains(&digits) || number.chars().count() > MAX_PHONE {
        return Err(invalid(
            "phones",
            Reason::new(
                "a phone number has 6 to 15 digits, with spaces, dots, dashes, parentheses and a leading +",
                "un numéro compte de 6 à 15 chiffres, avec espaces, points, tirets, parenthèses et un + initial",
            ),
        ));
    }
    Ok(())
}

/// An e-mail address: one `@` between a local part and a domain with a
/// dot, no spaces.
fn email(address: &str) -> Result<(), DomainError> {
    let well_formed = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    if !well_formed || address.chars().count() > MAX_EMAIL {
        return Err(invalid(
            "email",
            Reason::new(
                "an e-mail address is written name@domain.ml",
                "une adresse électronique s'écrit nom@domaine.ml",
            ),
        ));
    }
    Ok(())
}

/// Checks contacts as a clerk gives them.
pub fn check(c: &Contacts) -> Result<(), DomainError> {
    text("mayor", &c.mayor, MAX_NAME)?;
    text("secretary_general", &c.secretary_general, MAX_NAME)?;
    text("postal_address", &c.postal_address, MAX_ADDRESS)?;
    if c.phones.len() > MAX_PHONES {
        return Err(invalid(
            "phones",
            Reason::new("at most 5 phone numbers", "5 numéros au plus"),
        ));
    }
    for p in &c.phones {
        phone(p)?;
    }
    if let Some(e) = &c.email {
        email(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts() -> Contacts {
        Contacts {
            mayor: Some("Fatoumata Coulibaly".into()),
            secretary_general: Some("Moussa Traoré".into()),
            phones: vec!["+223 20 22 33 44".into(), "76-00-11-22".into()],
            email: Some("mairie@kayes.ml".into()),
            postal_address: Some("BP 12\nKayes".into()),
        }
    }

    fn refused_field(c: &Contacts) -> &'static str {
        match check(c) {
            Err(DomainError::InvalidContact { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn given_contacts_as_a_clerk_writes_them_when_checked_then_accepted() {
        assert_eq!(check(&contacts()), Ok(()));
        assert_eq!(check(&Contacts::default()), Ok(()));
    }

    #[test]
    fn given_a_malformed_phone_when_checked_then_refused_naming_phones() {
        for bad in [
            "12",
            "+223 20 22 33 44 55 66 77",
            "appeler le maire",
            "20+22",
            "",
            &format!("76 00 11 22{}", " ".repeat(MAX_PHONE)),
        ] {
            let mut c = contacts();
            c.phones = vec![bad.into()];
            assert_eq!(refused_field(&c), "phones", "{bad}");
        }
        let mut c = contacts();
        c.phones = vec!["76 00 11 22".into(); MAX_PHONES + 1];
        assert_eq!(refused_field(&c), "phones");
    }

    #[test]
    fn given_a_malformed_email_when_checked_then_refused_naming_email() {
        for bad in [
            "mairie",
            "mairie@",
            "@kayes.ml",
            "mai rie@kayes.ml",
            "a@b@kayes.ml",
            "m@kayes",
        ] {
            let mut c = contacts();
            c.email = Some(bad.into());
            assert_eq!(refused_field(&c), "email", "{bad}");
        }
    }

    #[test]
    fn given_a_blank_or_controlled_name_when_checked_then_refused_naming_it() {
        let mut c = contacts();
        c.mayor = Some("  ".into());
        assert_eq!(refused_field(&c), "mayor");
        let mut c = contacts();
        c.secretary_general = Some("Moussa\u{7}".into());
        assert_eq!(refused_field(&c), "secretary_general");
        let mut c = contacts();
        c.mayor = Some("x".repeat(MAX_NAME + 1));
        assert_eq!(
            check(&c),
            Err(DomainError::TooLong {
                field: "mayor",
                max: MAX_NAME
            })
        );
    }

    mod recorded {
        use chrono::NaiveDate;
        use registre_schema::DomainEvent;
        use registre_schema::events::{
            CommuneAdmitted, MemberContactsRecorded, TerritorialUnitKey,
        };

        use super::contacts;
        use crate::member::{Member, MemberCommand};
        use crate::streams::member_id_for;
        use crate::testing::given;

        fn unit() -> TerritorialUnitKey {
            TerritorialUnitKey {
                scheme: "ocha-pcode".into(),
                edition: "2015".into(),
                code: "ML010101".into(),
            }
        }

        fn admitted() -> DomainEvent {
            CommuneAdmitted {
                member_id: member_id_for(&unit()),
                unit: unit(),
                name: "Kayes".into(),
                dues_category: "urbaine".into(),
                admitted_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
                deliberation_ref: "Délib. 2024-01".into(),
                decision_ref: "BEN 2024-07".into(),
                statutes_version: 1,
            }
            .into()
        }

        fn record() -> MemberCommand {
            MemberCommand::RecordContacts {
                member_id: member_id_for(&unit()),
                contacts: contacts(),
            }
        }

        fn recorded() -> DomainEvent {
            MemberContactsRecorded {
                member_id: member_id_for(&unit()),
                contacts: contacts(),
            }
            .into()
        }

        #[test]
        fn given_a_member_when_its_contacts_are_recorded_then_one_event_states_them_all() {
            given::<Member>(vec![admitted()])
                .when(record())
                .then_events(vec![recorded()]);
        }

        #[test]
        fn given_the_same_contacts_already_recorded_when_recorded_again_then_refused() {
            given::<Member>(vec![admitted(), recorded()])
                .when(record())
                .then_error("CONTACTS_UNCHANGED");
        }

        #[test]
        fn given_no_member_when_contacts_are_recorded_then_refused() {
            given::<Member>(vec![])
                .when(record())
                .then_error("UNKNOWN_MEMBER");
        }
    }
}
