//! A document's short reference: what it is, what it is about, the
//! position of the log and the day it was made at, and a check code,
//! e.g. `PV-812-1600-20250315-7F3A9C21D0`.
//!
//! `CODE-SUBJECT-AT-DAY[-YEAR]-CHECK`: `SUBJECT` is the position of the
//! first event of what the document is about (the payment for a receipt,
//! the session's convocation, the motion, the member's admission, the
//! body's establishment); `AT` the size of the signed tree the document
//! was made at; `DAY` (`AAAAMMJJ`) the day it was made (an attestation
//! speaks of that day); `YEAR` the register's year; `CHECK` ten hex digits
//! only this registre's audit key makes (see
//! [`registre_audit::reference_check`]). The directory has no subject:
//! `ANN-AT-DAY-CHECK`. Everything needed to make the document again is in
//! the reference, so the verification page and a download need nothing
//! stored; the check code keeps anyone from making up references.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use registre_audit::REFERENCE_CHECK_LEN;
use registre_documents::Kind;

/// The longest reference read (codes, four numbers, the check, dashes).
pub const MAX_REFERENCE_LEN: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    /// The first position of the document's subject (0 for the directory).
    pub subject: u64,
    /// The size of the signed tree the document was made at.
    pub at: u64,
    /// The day it was made.
    pub made_on: NaiveDate,
    /// The year of a register of deliberations.
    pub year: Option<i32>,
    pub check: [u8; REFERENCE_CHECK_LEN],
}

impl Reference {
    /// What the check code signs: the reference without its check.
    pub fn body(&self) -> String {
        let code = self.kind.code();
        let day = format!(
            "{:04}{:02}{:02}",
            self.made_on.year(),
            self.made_on.month(),
            self.made_on.day()
        );
        let mut out = match self.kind {
            Kind::Directory => format!("{code}-{}-{day}", self.at),
            _ => format!("{code}-{}-{}-{day}", self.subject, self.at),
        };
        if let Some(year) = self.year {
            out.push_str(&format!("-{year}"));
        }
        out
    }

    /// Reads a reference as printed (case ignored); none when it is not
    /// one registre could have printed (its check code is checked by the
    /// documents, which hold the key).
    pub fn parse(text: &str) -> Option<Reference> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_REFERENCE_LEN || !text.is_ascii() {
            return None;
        }
        let upper = text.to_ascii_uppercase();
        let (body, check_hex) = upper.rsplit_once('-')?;
        let mut check = [0u8; REFERENCE_CHECK_LEN];
        if check_hex.len() != 2 * REFERENCE_CHECK_LEN
            || hex::decode_to_slice(check_hex, &mut check).is_err()
        {
            return None;
        }
        let mut parts = body.split('-');
        let kind = Kind::from_code(parts.next()?)?;
        let numbers: Vec<&str> = parts.collect();
        let number = |s: &str| -> Option<u64> {
            let canonical = !s.is_empty()
                && s.len() <= 19
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            canonical.then(|| s.parse().ok()).flatten()
        };
        let day = |s: &str| -> Option<NaiveDate> {
            (s.len() == 8)
                .then(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
                .flatten()
        };
        let (subject, at, made_on, year) = match (kind, numbers.as_slice()) {
            (Kind::Directory, [at, d]) => (0, number(at)?, day(d)?, None),
            (Kind::Register, [subject, at, d, year]) if year.len() == 4 => (
                number(subject)?,
                number(at)?,
                day(d)?,
                Some(i32::try_from(number(year)?).ok()?),
            ),
            (Kind::Directory | Kind::Register, _) => return None,
            (_, [subject, at, d]) => (number(subject)?, number(at)?, day(d)?, None),
            _ => return None,
        };
        let reference = Reference {
            kind,
            subject,
            at,
            made_on,
            year,
            check,
        };
        let subject_ok = kind == Kind::Directory || (1..=at).contains(&subject);
        (at > 0 && subject_ok && reference.to_string() == upper).then_some(reference)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.body(), hex::encode_upper(self.check))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_each_form_when_printed_and_read_then_it_is_the_same_reference() {
        for text in [
            "RECU-12-40-20250315-0123456789",
            "ATT-3-40-20251231-ABCDEF0123",
            "CONV-7-40-20250315-0123456789",
            "EMARG-7-40-20250315-0123456789",
            "PV-7-40-20250315-0123456789",
            "EXT-9-40-20250315-0123456789",
            "REG-2-40-20250315-2025-0123456789",
            "ANN-40-20250315-0123456789",
        ] {
            let r = Reference::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(r.to_string(), text);
        }
        let lower = Reference::parse(" pv-7-40-20250315-abcdef0123 ").unwrap();
        assert_eq!(lower.to_string(), "PV-7-40-20250315-ABCDEF0123");
        assert_eq!(lower.body(), "PV-7-40-20250315");
    }

    #[test]
    fn given_a_malformed_reference_when_read_then_it_is_none() {
        for text in [
            "",
            "PV",
            "PV-7-40",
            "PV-7-40-20250315",
            "PV-7-40-20250315-012345678",
            "PV-7-40-20250315-012345678G",
            "PV-07-40-20250315-0123456789",
            "PV-7-40-1-20250315-0123456789",
            "PV-41-40-20250315-0123456789",
            "PV-0-40-20250315-0123456789",
            "PV-1-0-20250315-0123456789",
            "XX-1-2-20250315-0123456789",
            "ATT-3-40-20251331-0123456789",
            "REG-2-40-20250315-25-0123456789",
            "REG-2-40-20250315-0123456789",
            "ANN-1-40-20250315-0123456789",
            "PV-99999999999999999999-1-20250315-0123456789",
            "PV-1-2-20250315-0123456789\u{e9}",
        ] {
            assert_eq!(Reference::parse(text), None, "{text:?}");
        }
        assert_eq!(Reference::parse(&"9".repeat(100)), None);
    }
}
