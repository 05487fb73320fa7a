//! The registers as the world was on a day, as the log knows it now
//! (valid time), beside the registers as they stood when recorded up to a
//! point (transaction time, `as_of`): a member admitted on 2025-03-01 but
//! entered in 2026 is a member on 2025-06-30 here, and absent there.
//!
//! Which events make the world of a day: those that happened by its end,
//! by their `occurred_at` (a change's effective date, a payment's date, a
//! mandate's start, a vote's time), and the standing records that carry
//! no date in the world of their own, taken as the log knows them now:
//! the territorial list, dues schedules, bodies and posts, members'
//! contacts and corrections.

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::DomainEvent;

/// Whether `event`, which occurred at `occurred_at`, belongs to the world
/// as it was on `day`.
pub fn belongs_to(event: &DomainEvent, occurred_at: DateTime<Utc>, day: NaiveDate) -> bool {
    use DomainEvent as E;
    match event {
        E::TerritorialUnitRegistered(_)
        | E::DuesScheduleSet(_)
        | E::BodyEstablished(_)
        | E::StatutoryBodyNamed(_)
        | E::PostDefined(_)
        | E::MemberContactsRecorded(_)
        | E::RecordCorrected(_) => true,
        _ => occurred_at.date_naive() <= day,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use registre_schema::events::{DuesPaid, DuesScheduleSet, DuesTier};
    use uuid::Uuid;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn given_a_payment_when_asked_about_a_day_then_it_counts_from_its_own_day() {
        let paid: DomainEvent = DuesPaid {
            member_id: Uuid::nil(),
            year: 2025,
            amount_xof: 50_000,
            paid_on: day(2025, 2, 12),
            receipt_ref: "R-1".into(),
        }
        .into();
        let at = Utc.with_ymd_and_hms(2025, 2, 12, 23, 59, 0).unwrap();
        assert!(belongs_to(&paid, at, day(2025, 2, 12)));
        assert!(!belongs_to(&paid, at, day(2025, 2, 11)));
    }

    #[test]
    fn given_a_schedule_set_later_when_asked_about_a_day_then_it_stands() {
        let set: DomainEvent = DuesScheduleSet {
            year: 2025,
            tiers: vec![DuesTier {
                category: "urbaine".into(),
                amount_xof: 100_000,
            }],
            due_on: day(2025, 3, 31),
            statutes_version: 1,
        }
        .into();
        let recorded = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        assert!(belongs_to(&set, recorded, day(2025, 6, 30)));
    }
}
