//! A document's short reference: what it is, what it is about and the
//! position of the log it was made at, e.g. `PV-812-1600`.
//!
//! `CODE-SUBJECT-AT[-EXTRA]`: `SUBJECT` is the position of the first event
//! of what the document is about (the payment for a receipt, the
//! session's convocation, the motion, the member's admission, the body's
//! establishment); `AT` the size of the signed tree the document was made
//! at; `EXTRA` the attestation's date (`AAAAMMJJ`) or the register's year.
//! The directory has no subject: `ANN-AT`. Everything needed to make the
//! document again is in the reference, so the verification page and a
//! download need nothing stored.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use registre_documents::Kind;

/// The longest reference read (codes, three numbers and dashes fit).
pub const MAX_REFERENCE_LEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    /// The first position of the document's subject (0 for the directory).
    pub subject: u64,
    /// The size of the signed tree the document was made at.
    pub at: u64,
    pub extra: Extra,
}

/// What a reference adds to its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    None,
    /// The date an attestation speaks of.
    Date(NaiveDate),
    /// The year of a register of deliberations.
    Year(i32),
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.kind.code();
        if self.kind == Kind::Directory {
            return write!(f, "{code}-{}", self.at);
        }
        write!(f, "{code}-{}-{}", self.subject, self.at)?;
        match self.extra {
            Extra::None => Ok(()),
            Extra::Date(d) => write!(f, "-{:04}{:02}{:02}", d.year(), d.month(), d.day()),
            Extra::Year(y) => write!(f, "-{y}"),
        }
    }
}

impl Reference {
    /// Reads a reference as printed (case ignored); none when it is not
    /// one registre could have printed.
    pub fn parse(text: &str) -> Option<Reference> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_REFERENCE_LEN || !text.is_ascii() {
            return None;
        }
        let upper = text.to_ascii_uppercase();
        let mut parts = upper.split('-');
        let kind = Kind::from_code(parts.next()?)?;
        let numbers: Vec<&str> = parts.collect();
        let number = |s: &str| -> Option<u64> {
            let canonical = !s.is_empty()
                && s.len() <= 19
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            canonical.then(|| s.parse().ok()).flatten()
        };
        let reference = match (kind, numbers.as_slice()) {
            (Kind::Directory, [at]) => Reference {
                kind,
                subject: 0,
                at: number(at)?,
                extra: Extra::None,
            },
            (Kind::Attestation, [subject, at, date]) if date.len() == 8 => Reference {
                kind,
                subject: number(subject)?,
                at: number(at)?,
                extra: Extra::Date(NaiveDate::parse_from_str(date, "%Y%m%d").ok()?),
            },
            (Kind::Register, [subject, at, year]) if year.len() == 4 => Reference {
                kind,
                subject: number(subject)?,
                at: number(at)?,
                extra: Extra::Year(i32::try_from(number(year)?).ok()?),
            },
            (
                Kind::Receipt
                | Kind::Convocation
                | Kind::AttendanceSheet
                | Kind::Minutes
                | Kind::Extract,
                [subject, at],
            ) => Reference {
                kind,
                subject: number(subject)?,
                at: number(at)?,
                extra: Extra::None,
            },
            _ => return None,
        };
        let subject_ok =
            (kind == Kind::Directory) || (1..=reference.at).contains(&reference.subject);
        (reference.at > 0 && subject_ok && reference.to_string() == upper).then_some(reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_each_form_when_printed_and_read_then_it_is_the_same_reference() {
        for text in [
            "RECU-12-40",
            "ATT-3-40-20251231",
            "CONV-7-40",
            "EMARG-7-40",
            "PV-7-40",
            "EXT-9-40",
            "REG-2-40-2025",
            "ANN-40",
        ] {
            let r = Reference::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(r.to_string(), text);
        }
        assert_eq!(
            Reference::parse(" pv-7-40 ").unwrap().to_string(),
            "PV-7-40"
        );
    }

    #[test]
    fn given_a_malformed_reference_when_read_then_it_is_none() {
        for text in [
            "",
            "PV",
            "PV-7",
            "PV-07-40",
            "PV-7-40-1",
            "PV-41-40",
            "PV-0-40",
            "PV-1-0",
            "XX-1-2",
            "ATT-3-40-20251331",
            "ATT-3-40",
            "REG-2-40-25",
            "ANN-1-40",
            "PV-99999999999999999999-1",
            "PV-1-2\u{e9}",
        ] {
            assert_eq!(Reference::parse(text), None, "{text:?}");
        }
        assert_eq!(Reference::parse(&"9".repeat(100)), None);
    }
}
