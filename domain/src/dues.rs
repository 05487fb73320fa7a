//! Dues schedules (stream `dues-schedule`) and the derived arrears.
//! Payments live in the member streams ([`crate::member`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use registre_schema::DomainEvent;
use registre_schema::events::{CarriedDues, DuesScheduleSet, DuesTier, Statutes};
use serde::{Deserialize, Serialize};

use crate::dates::Dated;
use crate::member::{Member, MemberStatus};
use crate::text::{MAX_NAME, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// Most tiers one schedule may have.
pub const MAX_TIERS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub tiers: BTreeMap<String, i64>,
    pub due_on: NaiveDate,
}

/// Every year's schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DuesSchedules {
    pub years: BTreeMap<i32, Schedule>,
}

#[derive(Debug, Clone)]
pub struct SetDuesSchedule {
    pub year: i32,
    pub tiers: Vec<DuesTier>,
    pub due_on: NaiveDate,
}

impl Aggregate for DuesSchedules {
    type State = DuesSchedules;
    type Command = SetDuesSchedule;
    type Event = DomainEvent;

    fn dates(c: &SetDuesSchedule) -> Vec<Dated> {
        vec![Dated::day("due_on", c.due_on)]
    }

    fn decide_dated(
        state: &DuesSchedules,
        c: &SetDuesSchedule,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        if state.years.contains_key(&c.year) {
            return Err(DomainError::DuesScheduleAlreadySet { year: c.year });
        }
        let bad = |reason| Err(DomainError::InvalidDuesSchedule { reason });
        if !crate::dates::YEARS.contains(&c.year) {
            return bad(Reason::new(
                "the year is out of range",
                "l'année est hors des années couvertes",
            ));
        }
        if c.tiers.is_empty() || c.tiers.len() > MAX_TIERS {
            return bad(Reason::new(
                "a schedule has between 1 and 50 tiers",
                "un barème compte de 1 à 50 catégories",
            ));
        }
        let mut seen = BTreeSet::new();
        for t in &c.tiers {
            required("category", &t.category, MAX_NAME)?;
            if !seen.insert(&t.category) {
                return bad(Reason::new(
                    "a category is listed twice",
                    "une catégorie figure deux fois",
                ));
            }
            if t.amount_xof <= 0 || t.amount_xof > crate::member::MAX_PAYMENT_XOF {
                return bad(Reason::new(
                    "amounts must be positive",
                    "les montants doivent être positifs",
                ));
            }
        }
        Ok(vec![
            DuesScheduleSet {
                year: c.year,
                tiers: c.tiers.clone(),
                due_on: c.due_on,
                statutes_version: ctx.statutes()?.version,
            }
            .into(),
        ])
    }

    fn evolve(mut state: DuesSchedules, event: &DomainEvent) -> DuesSchedules {
        if let DomainEvent::DuesScheduleSet(e) = event {
            state.years.insert(
                e.year,
                Schedule {
                    tiers: amounts_by_category(&e.tiers),
                    due_on: e.due_on,
                },
            );
        }
        state
    }
}

/// A schedule's tiers as the amount due per category, the way both this
/// aggregate and the dues register look a member's dues up.
pub fn amounts_by_category(tiers: &[DuesTier]) -> BTreeMap<String, i64> {
    tiers
        .iter()
        .map(|t| (t.category.clone(), t.amount_xof))
        .collect()
}

/// What a member paid towards one dues year, payment by payment, so that
/// what it had paid on any date can be told (a payment made later does
/// not count for a date before it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearPaid {
    /// Every payment.
    pub total: i64,
    /// The latest payment date, to answer most dates from `total`.
    pub last_paid_on: Option<NaiveDate>,
    /// `(paid_on, amount)` in the order recorded.
    pub payments: Vec<(NaiveDate, i64)>,
}

impl YearPaid {
    pub fn add(&mut self, paid_on: NaiveDate, amount: i64) {
        self.total += amount;
        self.last_paid_on = self.last_paid_on.max(Some(paid_on));
        self.payments.push((paid_on, amount));
    }

    /// Paid on or before `date`.
    pub fn by(&self, date: NaiveDate) -> i64 {
        if self.last_paid_on.is_none_or(|last| last <= date) {
            return self.total;
        }
        self.payments
            .iter()
            .filter(|(paid_on, _)| *paid_on <= date)
            .map(|(_, amount)| amount)
            .sum()
    }
}

/// What a member had paid towards a dues year on a date: the arrears
/// rule's one question about payments, answered by whichever model holds
/// them (a member's state here, a register's record there) without
/// copying its payments.
pub trait PaidBy {
    fn paid_by(&self, year: i32, date: NaiveDate) -> i64;
}

impl PaidBy for BTreeMap<i32, YearPaid> {
    fn paid_by(&self, year: i32, date: NaiveDate) -> i64 {
        self.get(&year).map_or(0, |p| p.by(date))
    }
}

/// What the arrears rule reads of a member, borrowed from whichever
/// model holds it (a member's state here, a read model's record there),
/// so that judging every member of the register copies none of them.
#[derive(Clone, Copy)]
pub struct DuesAccount<'a> {
    pub member_since: NaiveDate,
    pub dues_category: &'a str,
    /// What it had paid towards a year on a date.
    pub paid: &'a dyn PaidBy,
    /// Dues taken over from predecessors by succession, by year.
    pub carried: &'a BTreeMap<i32, i64>,
}

impl DuesAccount<'_> {
    /// What the member owes for a year whose schedule is `tiers`: its own
    /// dues from the year it joined on, and what it took over.
    pub fn owed(&self, year: i32, tiers: &BTreeMap<String, i64>) -> i64 {
        let own = if year >= self.member_since.year() {
            tiers.get(self.dues_category).copied().unwrap_or(0)
        } else {
            0
        };
        own + self.carried.get(&year).copied().unwrap_or(0)
    }

    /// Whether the member owes anything for `year`: a year of its
    /// membership, or one whose dues it took over.
    pub fn concerns(&self, year: i32) -> bool {
        year >= self.member_since.year() || self.carried.contains_key(&year)
    }
}

/// A member's dues position year by year, for a successor that inherits
/// it on `on`: before that year, what it owed less every payment recorded
/// (a debt, or a credit paid in advance); from that year on, its payments
/// alone, as credit (the successor owes those years' dues itself).
pub fn position_carried<'s>(
    account: DuesAccount<'_>,
    years: impl IntoIterator<Item = YearDue<'s>>,
    on: NaiveDate,
) -> Vec<CarriedDues> {
    years
        .into_iter()
        .filter(|(year, _, _)| account.concerns(*year))
        .filter_map(|(year, _, tiers)| {
            let owed = if year < on.year() {
                account.owed(year, tiers)
            } else {
                0
            };
            let left = owed - account.paid.paid_by(year, NaiveDate::MAX);
            (left != 0).then_some(CarriedDues {
                year,
                amount_xof: left,
            })
        })
        .collect()
}

/// What the arrears rule reads of one year's schedule: the year, its due
/// date and the amount owed per dues category.
pub type YearDue<'a> = (i32, NaiveDate, &'a BTreeMap<String, i64>);

impl DuesSchedules {
    /// The categories of the schedule in force on `date`: its year's, else
    /// the latest before it, else the first one set (a member admitted
    /// before it owes under it); `None` while no schedule is set.
    pub fn categories_on(&self, date: NaiveDate) -> Option<BTreeSet<String>> {
        let (_, schedule) = self
            .years
            .range(..=date.year())
            .next_back()
            .or_else(|| self.years.iter().next())?;
        Some(schedule.tiers.keys().cloned().collect())
    }

    /// Every year's schedule, as the arrears rule reads it.
    pub fn years_due(&self) -> impl Iterator<Item = YearDue<'_>> {
        self.years.iter().map(|(y, s)| (*y, s.due_on, &s.tiers))
    }
}

impl Member {
    pub fn dues_account(&self) -> DuesAccount<'_> {
        DuesAccount {
            member_since: self.member_since,
            dues_category: &self.dues_category,
            paid: &self.paid,
            carried: &self.carried_dues,
        }
    }
}

/// Years of membership whose dues were due before `as_of` and were not
/// fully paid by then.
pub fn unpaid_years(member: &Member, schedules: &DuesSchedules, as_of: NaiveDate) -> u32 {
    unpaid_years_of(member.dues_account(), schedules.years_due(), as_of)
}

/// [`unpaid_years`] over borrowed parts.
pub fn unpaid_years_of<'s>(
    account: DuesAccount<'_>,
    years: impl IntoIterator<Item = YearDue<'s>>,
    as_of: NaiveDate,
) -> u32 {
    years
        .into_iter()
        .filter(|(year, due_on, _)| account.concerns(*year) && *due_on < as_of)
        .filter(|(year, _, tiers)| account.paid.paid_by(*year, as_of) < account.owed(*year, tiers))
        .count() as u32
}

/// Active and in good standing on `as_of`: may vote and stand.
pub fn in_good_standing(
    member: &Member,
    schedules: &DuesSchedules,
    statutes: &Statutes,
    as_of: NaiveDate,
) -> bool {
    good_standing(
        member.status_on(as_of),
        || unpaid_years(member, schedules, as_of),
        statutes,
    )
}

/// The rule of [`in_good_standing`] over its two facts: the member's
/// status on the day, and its unpaid years (counted only for an active
/// member).
pub fn good_standing(
    status_on_day: Option<MemberStatus>,
    unpaid_years: impl FnOnce() -> u32,
    statutes: &Statutes,
) -> bool {
    status_on_day == Some(MemberStatus::Active)
        && unpaid_years() < statutes.arrears.unpaid_years_lose_vote
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn tiers() -> Vec<DuesTier> {
        vec![
            DuesTier {
                category: "urbaine".into(),
                amount_xof: 150_000,
            },
            DuesTier {
                category: "rurale".into(),
                amount_xof: 50_000,
            },
        ]
    }

    fn set(year: i32) -> DomainEvent {
        DuesScheduleSet {
            year,
            tiers: tiers(),
            due_on: d(year, 3, 31),
            statutes_version: 1,
        }
        .into()
    }

    fn command(year: i32, tiers: Vec<DuesTier>) -> SetDuesSchedule {
        SetDuesSchedule {
            year,
            tiers,
            due_on: d(year, 3, 31),
        }
    }

    #[test]
    fn a_year_gets_one_schedule() {
        given::<DuesSchedules>(vec![])
            .when(command(2024, tiers()))
            .then_events(vec![set(2024)]);
        given::<DuesSchedules>(vec![set(2024)])
            .when(command(2024, tiers()))
            .then_error("DUES_SCHEDULE_ALREADY_SET");
    }

    #[test]
    fn malformed_schedules_are_refused() {
        given::<DuesSchedules>(vec![])
            .when(command(2024, vec![]))
            .then_error("INVALID_DUES_SCHEDULE");
        let mut dup = tiers();
        dup[1].category = "urbaine".into();
        given::<DuesSchedules>(vec![])
            .when(command(2024, dup))
            .then_error("INVALID_DUES_SCHEDULE");
        let mut neg = tiers();
        neg[0].amount_xof = -1;
        given::<DuesSchedules>(vec![])
            .when(command(2024, neg))
            .then_error("INVALID_DUES_SCHEDULE");
    }

    /// A rural commune, active since `since` and with nothing paid yet.
    fn rural_member_since(since: NaiveDate) -> Member {
        Member {
            member_id: id(1),
            unit: key("ML010101"),
            name: "x".into(),
            dues_category: "rurale".into(),
            status: MemberStatus::Active,
            member_since: since,
            status_changes: vec![(since, MemberStatus::Active)],
            paid: BTreeMap::new(),
            receipts: Default::default(),
            predecessors: Vec::new(),
            carried_dues: BTreeMap::new(),
            reorganisation: None,
            successors: Vec::new(),
            dues_taken_over: false,
            contacts: Default::default(),
        }
    }

    #[test]
    fn standing_on_a_past_date_follows_the_effective_dates_of_status_changes() {
        let schedules = DuesSchedules::fold(&[]);
        let statutes = crate::statutes::defaults(d(2001, 2, 1));
        let mut m = rural_member_since(d(2016, 2, 1));
        // A suspension recorded today but effective from 2017-01-01: the
        // member was still in good standing in 2016.
        m.status = MemberStatus::Suspended;
        m.status_changes
            .push((d(2017, 1, 1), MemberStatus::Suspended));
        assert_eq!(m.status_on(d(2016, 1, 31)), None);
        assert_eq!(m.status_on(d(2016, 6, 1)), Some(MemberStatus::Active));
        assert_eq!(m.status_on(d(2017, 6, 1)), Some(MemberStatus::Suspended));
        assert!(in_good_standing(&m, &schedules, &statutes, d(2016, 6, 1)));
        assert!(!in_good_standing(&m, &schedules, &statutes, d(2017, 6, 1)));
        assert!(!in_good_standing(&m, &schedules, &statutes, d(2016, 1, 31)));
        // Reinstated from 2018-01-01.
        m.status = MemberStatus::Active;
        m.status_changes.push((d(2018, 1, 1), MemberStatus::Active));
        assert!(in_good_standing(&m, &schedules, &statutes, d(2018, 1, 2)));
        assert!(!in_good_standing(
            &m,
            &schedules,
            &statutes,
            d(2017, 12, 31)
        ));
    }

    #[test]
    fn arrears_are_derived_from_schedules_and_payments() {
        let schedules = DuesSchedules::fold(&[set(2022), set(2023), set(2024)]);
        let mut m = rural_member_since(d(2023, 1, 1));
        // 2022 predates the membership; 2024 is not yet due on 2024-03-01.
        assert_eq!(unpaid_years(&m, &schedules, d(2024, 3, 1)), 1);
        assert!(!in_good_standing(
            &m,
            &schedules,
            &statutes(),
            d(2024, 3, 1)
        ));
        m.paid.entry(2023).or_default().add(d(2023, 3, 1), 50_000);
        assert!(in_good_standing(&m, &schedules, &statutes(), d(2024, 3, 1)));
        assert_eq!(unpaid_years(&m, &schedules, d(2024, 4, 1)), 1);
        m.status = MemberStatus::Suspended;
        m.status_changes
            .push((d(2024, 1, 1), MemberStatus::Suspended));
        assert!(!in_good_standing(
            &m,
            &schedules,
            &statutes(),
            d(2024, 3, 1)
        ));
    }

    #[test]
    fn standing_on_a_date_counts_only_the_payments_made_by_then() {
        let schedules = DuesSchedules::fold(&[set(2023)]);
        let mut m = rural_member_since(d(2023, 1, 1));
        // 2023's dues paid in two parts, the second long after they fell due.
        let paid = m.paid.entry(2023).or_default();
        paid.add(d(2023, 3, 1), 20_000);
        paid.add(d(2025, 6, 1), 30_000);
        assert_eq!(paid.by(d(2023, 2, 28)), 0);
        assert_eq!(paid.by(d(2024, 1, 1)), 20_000);
        assert_eq!(paid.by(d(2025, 6, 1)), 50_000);
        assert_eq!(unpaid_years(&m, &schedules, d(2024, 3, 1)), 1);
        assert!(!in_good_standing(
            &m,
            &schedules,
            &statutes(),
            d(2024, 3, 1)
        ));
        assert_eq!(unpaid_years(&m, &schedules, d(2025, 6, 2)), 0);
        assert!(in_good_standing(&m, &schedules, &statutes(), d(2025, 6, 2)));
    }
}
