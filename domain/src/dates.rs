//! The years a record's dates may fall in.
//!
//! Every date and time a command carries, and the envelope's `occurred_at`,
//! must fall in [`YEARS`]: [`Aggregate::decide`](crate::Aggregate::decide)
//! checks them before any aggregate's own rules, so no command can skip it.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::DomainError;

/// The years a governance record may be dated in, first and last included.
///
/// No record of the association or of its communes predates 1900, and
/// none will be dated past 2200, the bound dues schedules always had; a
/// date outside is a typing mistake (`0224`, `20240`). The range also
/// keeps every time in the log within RFC 3339's years, which outside
/// tools read (the audit trail's canonical form still hashes the years
/// past 9999 an older build let in). Dates the domain computes from these
/// (a mandate's end) may go a little past 2200, which is harmless.
pub const YEARS: RangeInclusive<i32> = 1900..=2200;

/// One date of a command, named by its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    pub field: &'static str,
    pub year: i32,
}

impl Dated {
    pub fn day(field: &'static str, date: NaiveDate) -> Self {
        Dated {
            field,
            year: date.year(),
        }
    }

    pub fn time(field: &'static str, time: DateTime<Utc>) -> Self {
        Dated {
            field,
            year: time.year(),
        }
    }
}

/// Refuses the first date outside [`YEARS`].
pub fn check(dates: impl IntoIterator<Item = Dated>) -> Result<(), DomainError> {
    match dates.into_iter().find(|d| !YEARS.contains(&d.year)) {
        Some(d) => Err(DomainError::DateOutOfRange { field: d.field }),
        None => Ok(()),
    }
}
