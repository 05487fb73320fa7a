//! Dues: each member's position per year (owed per the schedule and its
//! category, paid, balance), arrears ageing, and who is in good standing
//! at a date. The rule is the domain's own
//! ([`registre_domain::dues::good_standing`] and
//! [`registre_domain::dues::unpaid_years_of`]), fed from this model's
//! records borrowed, never copied into the domain's types.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_domain::dues::{
    DuesAccount, PaidBy, YearDue, amounts_by_category, good_standing, unpaid_years_of,
};
use registre_domain::member::status_in_force;
use registre_schema::events::{Statutes, TerritorialUnitKey};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};
use crate::membership::MemberStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    /// Amount per dues category, in francs CFA.
    pub tiers: BTreeMap<String, i64>,
    pub due_on: NaiveDate,
    pub statutes_version: u32,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub year: i32,
    pub amount_xof: i64,
    pub paid_on: NaiveDate,
    pub receipt_ref: String,
    pub position: Position,
    pub corrections: Vec<Correction>,
    /// When and why it was reversed, if it was.
    pub reversed: Option<Reversal>,
}

/// The reversal of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    pub reversed_on: NaiveDate,
    pub reason: String,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

/// What the dues model keeps of a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDues {
    pub member_id: Uuid,
    pub unit: TerritorialUnitKey,
    pub dues_category: String,
    pub status: MemberStatus,
    pub member_since: NaiveDate,
    /// Status changes with their effective dates, in the order recorded:
    /// good standing on a past date depends on the status on that date.
    pub status_changes: Vec<(NaiveDate, MemberStatus)>,
    pub payments: Vec<Payment>,
    /// The payments by year, summed as they are folded: a year's position
    /// is asked for every member at once, and a member may have paid for
    /// well over a century.
    pub paid_by_year: BTreeMap<i32, YearTotal>,
    /// Dues taken over from predecessors by succession, by year.
    pub carried: BTreeMap<i32, i64>,
}

impl MemberDues {
    fn new(
        member_id: Uuid,
        unit: TerritorialUnitKey,
        dues_category: String,
        member_since: NaiveDate,
    ) -> Self {
        MemberDues {
            member_id,
            unit,
            dues_category,
            status: MemberStatus::Active,
            member_since,
            status_changes: vec![(member_since, MemberStatus::Active)],
            payments: Vec::new(),
            paid_by_year: BTreeMap::new(),
            carried: BTreeMap::new(),
        }
    }

    pub fn paid_in(&self, year: i32) -> i64 {
        self.paid_by_year.get(&year).map_or(0, |t| t.total)
    }

    fn account(&self) -> DuesAccount<'_> {
        DuesAccount {
            member_since: self.member_since,
            dues_category: &self.dues_category,
            paid: self,
            carried: &self.carried,
        }
    }

    fn status_on(&self, date: NaiveDate) -> Option<MemberStatus> {
        status_in_force(&self.status_changes, date)
    }
}

/// A year's payments summed, and the date of the latest change to the sum
/// (a payment or a reversal): on any later date the sum is what was paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearTotal {
    pub total: i64,
    pub last_change: Option<NaiveDate>,
}

impl YearTotal {
    fn add(&mut self, on: NaiveDate, amount: i64) {
        self.total += amount;
        self.last_change = self.last_change.max(Some(on));
    }
}

impl PaidBy for MemberDues {
    /// The year's sum when nothing changed it after `date`; else the
    /// payments made by then, less those reversed by then.
    fn paid_by(&self, year: i32, date: NaiveDate) -> i64 {
        let Some(t) = self.paid_by_year.get(&year) else {
            return 0;
        };
        if t.last_change.is_none_or(|last| last <= date) {
            return t.total;
        }
        self.payments
            .iter()
            .filter(|p| p.year == year && p.paid_on <= date)
            .filter(|p| p.reversed.as_ref().is_none_or(|r| r.reversed_on > date))
            .map(|p| p.amount_xof)
            .sum()
    }
}

/// A member's dues for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuesPosition {
    pub member_id: Uuid,
    pub year: i32,
    /// Owed per the year's schedule and the member's category (0 before
    /// the membership began or without a schedule).
    pub due: i64,
    pub paid: i64,
    /// `due - paid`: positive is owed, negative is paid in advance.
    pub balance: i64,
    /// Past the schedule's due date with a positive balance.
    pub in_arrears: bool,
}

/// How long members have owed: members by count of unpaid past-due years.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArrearsAgeing {
    pub as_of: Option<NaiveDate>,
    /// Unpaid years → number of members.
    pub buckets: BTreeMap<u32, u32>,
    /// Members owing anything: id, unpaid years, total owed.
    pub members: Vec<(Uuid, u32, i64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesRegister {
    pub schedules: BTreeMap<i32, ScheduleRecord>,
    /// Every statutes version, for the arrears rule in force at a date.
    pub statutes: Vec<Statutes>,
    pub members: BTreeMap<Uuid, MemberDues>,
}

impl DuesRegister {
    /// Every year's schedule, as the arrears rule reads it.
    fn years_due(&self) -> impl Iterator<Item = YearDue<'_>> {
        self.schedules.iter().map(|(y, s)| (*y, s.due_on, &s.tiers))
    }

    fn unpaid_years(&self, m: &MemberDues, as_of: NaiveDate) -> u32 {
        unpaid_years_of(m.account(), self.years_due(), as_of)
    }

    fn judge(&self, m: &MemberDues, statutes: &Statutes, date: NaiveDate) -> bool {
        good_standing(m.status_on(date), || self.unpaid_years(m, date), statutes)
    }

    pub fn statutes_in_force(&self, date: NaiveDate) -> Option<&Statutes> {
        self.statutes
            .iter()
            .filter(|s| s.effective_from <= date)
            .max_by_key(|s| (s.effective_from, s.version))
    }

    /// A member's position for a year.
    pub fn position(&self, member_id: Uuid, year: i32) -> Option<DuesPosition> {
        Some(self.position_of(self.members.get(&member_id)?, year, None))
    }

    /// A member's position for a year: with every payment recorded, or
    /// with those made by `by` when judged on that date.
    fn position_of(&self, m: &MemberDues, year: i32, by: Option<NaiveDate>) -> DuesPosition {
        let due = self
            .schedules
            .get(&year)
            .map_or(0, |s| m.account().owed(year, &s.tiers));
        let paid = match by {
            Some(date) => m.paid_by(year, date),
            None => m.paid_in(year),
        };
        DuesPosition {
            member_id: m.member_id,
            year,
            due,
            paid,
            balance: due - paid,
            in_arrears: false,
        }
    }

    /// Every member's position for a year, with arrears judged on `as_of`.
    pub fn positions_for_year(&self, year: i32, as_of: NaiveDate) -> Vec<DuesPosition> {
        let past_due = self.schedules.get(&year).is_some_and(|s| s.due_on < as_of);
        self.members
            .values()
            .map(|m| self.position_of(m, year, Some(as_of)))
            .map(|mut p| {
                p.in_arrears = past_due && p.balance > 0;
                p
            })
            .collect()
    }

    /// Every year of a member's position, from its first year on.
    pub fn member_positions(&self, member_id: Uuid) -> Vec<DuesPosition> {
        let Some(m) = self.members.get(&member_id) else {
            return Vec::new();
        };
        let mut years: Vec<i32> = self
            .schedules
            .keys()
            .copied()
            .filter(|y| m.account().concerns(*y))
            .collect();
        years.extend(m.payments.iter().map(|p| p.year));
        years.sort_unstable();
        years.dedup();
        years
            .into_iter()
            .map(|y| self.position_of(m, y, None))
            .collect()
    }

    /// Active and in good standing on `date`, by the statutes in force
    /// then (nobody is, before any statutes were adopted).
    pub fn in_good_standing(&self, member_id: Uuid, date: NaiveDate) -> bool {
        let (Some(m), Some(statutes)) =
            (self.members.get(&member_id), self.statutes_in_force(date))
        else {
            return false;
        };
        self.judge(m, statutes, date)
    }

    /// The members in good standing on `date`, in id order.
    pub fn members_in_good_standing(&self, date: NaiveDate) -> Vec<Uuid> {
        let Some(statutes) = self.statutes_in_force(date) else {
            return Vec::new();
        };
        self.members
            .values()
            .filter(|m| self.judge(m, statutes, date))
            .map(|m| m.member_id)
            .collect()
    }

    /// The members active on `date` whose unpaid years reach the
    /// statutes' threshold for suspension
    /// (`arrears.unpaid_years_before_suspension`), with those years, in id
    /// order; nobody before any statutes were adopted.
    pub fn due_for_suspension(&self, date: NaiveDate) -> Vec<(Uuid, u32)> {
        let Some(statutes) = self.statutes_in_force(date) else {
            return Vec::new();
        };
        let threshold = statutes.arrears.unpaid_years_before_suspension;
        self.members
            .values()
            .filter(|m| m.status_on(date) == Some(MemberStatus::Active))
            .filter_map(|m| {
                let years = self.unpaid_years(m, date);
                (years >= threshold).then_some((m.member_id, years))
            })
            .collect()
    }

    /// Members still in the association (active or suspended) owing dues
    /// past their due date on `as_of`, grouped by unpaid years.
    pub fn arrears_ageing(&self, as_of: NaiveDate) -> ArrearsAgeing {
        let mut out = ArrearsAgeing {
            as_of: Some(as_of),
            ..Default::default()
        };
        for m in self.members.values() {
            if !matches!(m.status, MemberStatus::Active | MemberStatus::Suspended) {
                continue;
            }
            let years = self.unpaid_years(m, as_of);
            if years == 0 {
                continue;
            }
            let owed: i64 = self
                .schedules
                .iter()
                .filter(|(y, s)| m.account().concerns(**y) && s.due_on < as_of)
                .map(|(y, _)| self.position_of(m, *y, Some(as_of)))
                .map(|p| p.balance.max(0))
                .sum();
            *out.buckets.entry(years).or_default() += 1;
            out.members.push((m.member_id, years, owed));
        }
        out
    }

    fn set_status(&mut self, id: Uuid, status: MemberStatus, effective_on: NaiveDate) {
        if let Some(m) = self.members.get_mut(&id) {
            m.status = status;
            m.status_changes.push((effective_on, status));
        }
    }
}

impl Fold for DuesRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        match event {
            E::StatutesAdopted(e) => self.statutes.push(e.statutes.clone()),
            E::StatutesAmended(e) => self.statutes.push(e.statutes.clone()),
            E::DuesScheduleSet(e) => {
                self.schedules.insert(
                    e.year,
                    ScheduleRecord {
                        tiers: amounts_by_category(&e.tiers),
                        due_on: e.due_on,
                        statutes_version: e.statutes_version,
                        position: meta.position,
                    },
                );
            }
            E::CommuneAdmitted(e) => {
                // As in the domain, a new membership starts a new position.
                self.members.insert(
                    e.member_id,
                    MemberDues::new(
                        e.member_id,
                        e.unit.clone(),
                        e.dues_category.clone(),
                        e.admitted_on,
                    ),
                );
            }
            E::MemberSuspended(e) => {
                self.set_status(e.member_id, MemberStatus::Suspended, e.effective_on)
            }
            E::MemberReinstated(e) => {
                self.set_status(e.member_id, MemberStatus::Active, e.effective_on)
            }
            E::MemberExcluded(e) => {
                self.set_status(e.member_id, MemberStatus::Excluded, e.effective_on)
            }
            E::MemberWithdrew(e) => {
                self.set_status(e.member_id, MemberStatus::Withdrawn, e.effective_on)
            }
            E::MembershipSucceeded(e) => {
                let side = meta.stream_uuid();
                if side == Some(e.predecessor_member_id) {
                    self.set_status(
                        e.predecessor_member_id,
                        MemberStatus::Succeeded,
                        e.effective_on,
                    );
                } else if side == Some(e.successor_member_id) {
                    // As in the domain: the successor owes from the
                    // succession's year on, and what it took over; a
                    // merge's further predecessors add to what it owes.
                    let merged = self
                        .members
                        .get(&e.successor_member_id)
                        .is_some_and(|m| m.status.is_member());
                    if !merged {
                        self.members.insert(
                            e.successor_member_id,
                            MemberDues::new(
                                e.successor_member_id,
                                e.successor_unit.clone(),
                                e.dues_category.clone(),
                                e.effective_on,
                            ),
                        );
                    }
                    if let Some(m) = self.members.get_mut(&e.successor_member_id) {
                        for c in &e.carried_dues {
                            *m.carried.entry(c.year).or_default() += c.amount_xof;
                        }
                    }
                }
            }
            E::DuesPaid(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.paid_by_year
                        .entry(e.year)
                        .or_default()
                        .add(e.paid_on, e.amount_xof);
                    m.payments.push(Payment {
                        year: e.year,
                        amount_xof: e.amount_xof,
                        paid_on: e.paid_on,
                        receipt_ref: e.receipt_ref.clone(),
                        position: meta.position,
                        corrections: Vec::new(),
                        reversed: None,
                    });
                }
            }
            E::DuesPaymentReversed(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.paid_by_year
                        .entry(e.year)
                        .or_default()
                        .add(e.reversed_on, -e.amount_xof);
                    // The last payment under the receipt, as the domain
                    // reverses it (a log from before receipts were checked
                    // may hold one receipt twice).
                    if let Some(p) = m
                        .payments
                        .iter_mut()
                        .rev()
                        .find(|p| p.receipt_ref == e.receipt_ref)
                    {
                        p.reversed = Some(Reversal {
                            reversed_on: e.reversed_on,
                            reason: e.reason.clone(),
                            position: meta.position,
                            corrections: Vec::new(),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        let Some(id) = n.entity("member") else { return };
        let Some(at) = n.correction.corrected_position else {
            return;
        };
        let Some(m) = self.members.get_mut(&id) else {
            return;
        };
        for p in &mut m.payments {
            if p.position == at {
                p.corrections.push(n.correction.clone());
            } else if let Some(r) = p.reversed.as_mut().filter(|r| r.position == at) {
                r.corrections.push(n.correction.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn history() -> Vec<Ev> {
        vec![
            statutes_adopted(d(2019, 1, 1)),
            schedule(2021, 50_000),
            schedule(2022, 50_000),
            schedule(2023, 60_000),
            admitted(1, "ML010101", 2021),
            admitted(2, "ML010102", 2022),
            paid(1, 2021, 50_000, d(2021, 2, 1)),
            paid(1, 2022, 20_000, d(2022, 2, 1)),
            paid(1, 2022, 30_000, d(2022, 5, 1)),
            paid(2, 2022, 50_000, d(2022, 3, 1)),
        ]
    }

    #[test]
    fn a_position_sums_payments_against_the_schedule() {
        let m = given(history()).dues;
        let p = m.position(id(1), 2022).unwrap();
        assert_eq!((p.due, p.paid, p.balance), (50_000, 50_000, 0));
        let p = m.position(id(1), 2023).unwrap();
        assert_eq!((p.due, p.paid, p.balance), (60_000, 0, 60_000));
        // 2021 predates member 2's admission: nothing is owed.
        assert_eq!(m.position(id(2), 2021).unwrap().due, 0);
        assert_eq!(m.member_positions(id(1)).len(), 3);
        let year = m.positions_for_year(2023, d(2023, 4, 1));
        assert!(year.iter().all(|p| p.in_arrears && p.balance == 60_000));
        let year = m.positions_for_year(2023, d(2023, 3, 1));
        assert!(year.iter().all(|p| !p.in_arrears));
    }

    /// The register judges as the domain does when the domain folds the
    /// same events into its own states: it only borrows its records where
    /// the domain owns them.
    #[test]
    fn the_register_judges_standing_as_the_domain_does() {
        use registre_domain::Aggregate;
        use registre_domain::dues::{DuesSchedules, in_good_standing, unpaid_years};
        use registre_domain::member::Member;
        use registre_domain::statutes::StatutesBook;

        let mut h = history();
        h.extend([
            admitted(3, "ML010103", 2021),
            paid(3, 2021, 50_000, d(2021, 3, 1)),
            suspended(3, d(2022, 6, 1)),
            reinstated(3, d(2023, 2, 1)),
            paid(3, 2022, 50_000, d(2023, 1, 15)),
            admitted(4, "ML010104", 2021),
            paid(4, 2021, 50_000, d(2021, 1, 10)),
            paid(4, 2022, 50_000, d(2022, 1, 10)),
            paid(4, 2023, 60_000, d(2023, 1, 10)),
            excluded(4, d(2023, 9, 1)),
            // Suspended and reinstated on one day: the later record holds.
            admitted(5, "ML010105", 2021),
            paid(5, 2021, 50_000, d(2021, 1, 10)),
            paid(5, 2022, 50_000, d(2022, 1, 10)),
            suspended(5, d(2022, 7, 1)),
            reinstated(5, d(2022, 7, 1)),
            suspended(5, d(2023, 1, 1)),
            withdrew(5, d(2023, 1, 1)),
            // Member 6 is succeeded by member 7, recorded in both streams.
            admitted(6, "ML010106", 2021),
            paid(6, 2021, 50_000, d(2021, 1, 10)),
            succession_in(6, 6, 7, d(2022, 6, 1)),
            succession_in(7, 6, 7, d(2022, 6, 1)),
            paid(7, 2022, 50_000, d(2022, 6, 2)),
            schedule(2024, 60_000),
            // Member 8 paid 2022 late, and its 2023 payment was reversed.
            admitted(8, "ML010108", 2022),
            paid(8, 2022, 50_000, d(2023, 6, 1)),
            paid(8, 2023, 60_000, d(2023, 2, 1)),
            reversed(8, 2023, 60_000, d(2023, 10, 1)),
        ]);
        // Members 9 and 10 merge into 11, which takes over what 10 left
        // unpaid of 2021 and pays it late.
        h.extend(merger());
        h.push(paid(11, 2021, 50_000, d(2023, 5, 1)));
        let mut members: BTreeMap<Uuid, Option<Member>> = BTreeMap::new();
        let mut schedules = DuesSchedules::default();
        let mut statutes = StatutesBook::default();
        for e in &h {
            match e.stream.as_str() {
                "dues-schedule" => schedules = DuesSchedules::evolve(schedules, &e.event),
                "statutes" => statutes = StatutesBook::evolve(statutes, &e.event),
                stream => {
                    let id = stream.strip_prefix("member-").unwrap().parse().unwrap();
                    let state = members.remove(&id).flatten();
                    members.insert(id, Member::evolve(state, &e.event));
                }
            }
        }
        let register = given(h).dues;
        let mut judged = 0;
        let mut good = 0;
        for day in (0..365 * 6).step_by(11) {
            let date = d(2019, 1, 1) + chrono::Days::new(day);
            let in_force = register.statutes_in_force(date);
            assert_eq!(in_force, statutes.in_force(date));
            for (id, member) in &members {
                let member = member.as_ref().unwrap();
                let domain =
                    in_force.is_some_and(|s| in_good_standing(member, &schedules, s, date));
                assert_eq!(
                    register.in_good_standing(*id, date),
                    domain,
                    "{id} on {date}"
                );
                let record = &register.members[id];
                assert_eq!(
                    register.unpaid_years(record, date),
                    unpaid_years(member, &schedules, date),
                    "{id} on {date}"
                );
                judged += 1;
                good += usize::from(domain);
            }
        }
        // Both answers occur, or the comparison would prove little.
        assert!(good > 0 && good < judged, "{good} of {judged}");
    }

    /// Members 9 (which paid 2021) and 10 (which did not) merge into 11
    /// on 1 February 2022, which takes over their unpaid dues and pays
    /// 2022.
    fn merger() -> Vec<Ev> {
        vec![
            admitted(9, "ML010109", 2021),
            paid(9, 2021, 50_000, d(2021, 1, 10)),
            admitted(10, "ML010110", 2021),
            merger_in(9, 9, 11, d(2022, 2, 1), 0),
            merger_in(11, 9, 11, d(2022, 2, 1), 0),
            merger_in(10, 10, 11, d(2022, 2, 1), 50_000),
            merger_in(11, 10, 11, d(2022, 2, 1), 50_000),
            paid(11, 2022, 50_000, d(2022, 3, 1)),
        ]
    }

    #[test]
    fn a_merged_successor_owes_what_it_took_over_until_it_pays_it() {
        // Given member 10, which paid nothing for 2021, merged with 9
        // into 11 on 1 February 2022, inheriting its dues,
        let mut h = history();
        h.extend(merger());
        let m = given(h.clone()).dues;
        // then the successor owes 2021 (before its own first year) as well
        // as 2022, and is behind by that one year once 2022 is paid.
        let p = m.position(id(11), 2021).unwrap();
        assert_eq!((p.due, p.paid, p.balance), (50_000, 0, 50_000));
        let record = &m.members[&id(11)];
        assert_eq!(m.unpaid_years(record, d(2022, 6, 1)), 1);
        assert!(!m.in_good_standing(id(11), d(2022, 6, 1)));
        assert_eq!(
            m.member_positions(id(11))
                .iter()
                .map(|p| p.year)
                .collect::<Vec<_>>(),
            vec![2021, 2022, 2023]
        );
        // When it pays the year it took over, it is in good standing.
        h.push(paid(11, 2021, 50_000, d(2022, 7, 1)));
        let m = given(h).dues;
        assert!(m.in_good_standing(id(11), d(2022, 8, 1)));
    }

    #[test]
    fn good_standing_follows_the_statutes_rule_at_the_date() {
        let m = given(history()).dues;
        // Before 2023's due date both are up to date.
        assert_eq!(
            m.members_in_good_standing(d(2023, 3, 1)),
            vec![id(1), id(2)]
        );
        // After it, one unpaid year loses the vote (default statutes).
        assert!(m.members_in_good_standing(d(2023, 4, 1)).is_empty());
        assert!(!m.in_good_standing(id(1), d(2018, 6, 1)), "no statutes yet");
    }

    #[test]
    fn arrears_are_aged_by_unpaid_years() {
        let mut h = history();
        h.push(schedule(2024, 60_000));
        let m = given(h).dues;
        let a = m.arrears_ageing(d(2024, 6, 1));
        assert_eq!(a.buckets, BTreeMap::from([(2, 2)]));
        assert!(a.members.contains(&(id(1), 2, 120_000)));
    }

    #[test]
    fn members_due_for_suspension_reach_the_statutes_threshold() {
        let mut h = history();
        h.push(schedule(2024, 60_000));
        // Member 1 owes 2023 and 2024, member 2 the same: two years, under
        // the default threshold of three.
        let m = given(h.clone()).dues;
        assert!(m.due_for_suspension(d(2025, 6, 1)).is_empty());
        h.push(schedule(2025, 60_000));
        let m = given(h.clone()).dues;
        assert_eq!(
            m.due_for_suspension(d(2025, 6, 1)),
            vec![(id(1), 3), (id(2), 3)]
        );
        // A payment made after the date asked does not count for it.
        h.push(paid(2, 2023, 60_000, d(2025, 7, 1)));
        let m = given(h).dues;
        assert_eq!(
            m.due_for_suspension(d(2025, 6, 1)),
            vec![(id(1), 3), (id(2), 3)]
        );
        assert_eq!(m.due_for_suspension(d(2025, 7, 2)), vec![(id(1), 3)]);
        assert!(
            m.due_for_suspension(d(2018, 6, 1)).is_empty(),
            "no statutes yet"
        );
    }

    #[test]
    fn a_reversed_payment_is_owed_again_from_its_reversal() {
        let mut h = history();
        // Member 1 paid 2022 in two parts under one receipt (as a log from
        // before receipts were checked may hold): the domain reverses the
        // last, and so does the register.
        h.push(reversed(1, 2022, 30_000, d(2022, 9, 1)));
        let m = given(h.clone()).dues;
        let p = m.position(id(1), 2022).unwrap();
        assert_eq!((p.due, p.paid, p.balance), (50_000, 20_000, 30_000));
        assert!(m.members[&id(1)].payments[1].reversed.is_none());
        assert!(m.members[&id(1)].payments[2].reversed.is_some());
        // Judged on a date before the reversal, the year was paid.
        let on = |date| {
            m.positions_for_year(2022, date)
                .into_iter()
                .find(|p| p.member_id == id(1))
                .unwrap()
        };
        assert_eq!(
            (on(d(2022, 8, 1)).paid, on(d(2022, 8, 1)).balance),
            (50_000, 0)
        );
        assert_eq!(on(d(2022, 9, 2)).balance, 30_000);
        assert!(on(d(2022, 9, 2)).in_arrears);
        // A correction of the reversal is flagged on it.
        h.push(corrected(1, "member", 11, "mauvais motif"));
        let m = given(h).dues;
        let reversal = m.members[&id(1)].payments[2].reversed.as_ref().unwrap();
        assert_eq!(reversal.corrections.len(), 1);
        // Standing before the reversal counted the payment.
        assert!(m.in_good_standing(id(1), d(2022, 8, 1)));
        assert!(!m.in_good_standing(id(1), d(2023, 1, 1)));
    }

    #[test]
    fn a_corrected_payment_is_flagged() {
        let mut h = history();
        h.push(corrected(1, "member", 8, "receipt number mistyped"));
        let m = given(h).dues;
        let payments = &m.members[&id(1)].payments;
        assert_eq!(payments[1].corrections.len(), 1);
        assert!(payments[0].corrections.is_empty());
    }
}
