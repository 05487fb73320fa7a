//! Statutory meetings: for every body the statutes say must meet in
//! ordinary session every so many months, when it last met, when it must
//! next meet and whether it is overdue. A query over the registers, judged
//! under the statutes in force on the day asked about.

use chrono::{Months, NaiveDate};
use registre_schema::events::{SessionKind, StatutoryBody};
use serde::Serialize;
use uuid::Uuid;

use crate::ReadModels;

/// One body's ordinary sessions against its statutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingDue {
    pub body_id: Uuid,
    pub statutory_body: StatutoryBody,
    /// Most months between two ordinary sessions.
    pub every_months: u32,
    /// The date of its latest ordinary session that deliberated (opened),
    /// on or before the day asked about.
    pub last_met: Option<NaiveDate>,
    /// `last_met` (or the body's establishment) plus `every_months`.
    pub next_due: NaiveDate,
    /// The day asked about is past `next_due`.
    pub overdue: bool,
}

/// Every body with a meeting rule in the statutes in force on `on`, in the
/// registers' body order; `None` before any statutes.
pub fn statutory_meetings(m: &ReadModels, on: NaiveDate) -> Vec<MeetingDue> {
    let Some(statutes) = m.statutes.in_force(on) else {
        return Vec::new();
    };
    let mut last_met = std::collections::BTreeMap::<Uuid, NaiveDate>::new();
    for s in m.sessions.sessions.values() {
        // A session that failed its quorum, or has not opened, did not meet.
        if s.kind == SessionKind::Ordinary && s.opened_at.is_some() && s.session_date <= on {
            let last = last_met.entry(s.body_id).or_insert(s.session_date);
            *last = (*last).max(s.session_date);
        }
    }
    m.bodies
        .bodies
        .values()
        // Established by then, or met by then (a body recorded late, with
        // the sessions it held before).
        .filter(|b| b.established_on <= on || last_met.contains_key(&b.body_id))
        .filter_map(|b| {
            let statutory_body = b.statutory_body?;
            let rules = statutes
                .statutes
                .instances
                .iter()
                .find(|r| r.statutory_body == statutory_body)?;
            let every_months = rules.ordinary_session_every_months;
            if every_months == 0 {
                return None;
            }
            let last = last_met.get(&b.body_id).copied();
            let since = last.unwrap_or(b.established_on);
            let next_due = since
                .checked_add_months(Months::new(every_months))
                .unwrap_or(NaiveDate::MAX);
            Some(MeetingDue {
                body_id: b.body_id,
                statutory_body,
                every_months,
                last_met: last,
                next_due,
                overdue: on > next_due,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// The statutes of 2019; the Conseil National (body 1, to meet every
    /// 12 months) and an Assemblée de Cercle (body 2) established on
    /// 2023-11-14, the day every test event occurs.
    fn bodies() -> Vec<Ev> {
        vec![
            statutes_adopted(d(2019, 1, 1)),
            statutory(1, "Conseil National", Some(StatutoryBody::NationalCouncil)),
            statutory(
                2,
                "Assemblée de Cercle de Kita",
                Some(StatutoryBody::CercleAssembly),
            ),
            body(3, "Secrétariat permanent"),
        ]
    }

    #[test]
    fn given_a_council_that_met_and_an_assembly_that_never_did_then_the_assembly_is_overdue() {
        let mut history = bodies();
        history.extend([
            convened(10, 1, d(2024, 2, 1), d(2024, 3, 1), &[1], None),
            opened(10, false),
            // Convened, never opened: no meeting.
            convened(11, 1, d(2024, 8, 1), d(2024, 9, 1), &[1], None),
        ]);
        let rm = given(history);

        let due = statutory_meetings(&rm, d(2024, 12, 1));
        // The Secrétariat is none of the statutes' bodies: no rule.
        assert_eq!(due.len(), 2);
        let (council, cercle) = (&due[0], &due[1]);
        assert_eq!(council.body_id, id(1));
        assert_eq!(council.last_met, Some(d(2024, 3, 1)));
        assert_eq!(council.next_due, d(2025, 3, 1));
        assert!(!council.overdue);
        assert_eq!(cercle.last_met, None);
        assert_eq!(cercle.next_due, d(2024, 11, 14));
        assert!(cercle.overdue);
    }

    #[test]
    fn given_a_day_asked_about_then_only_what_happened_by_then_counts() {
        let mut history = bodies();
        history.extend([
            convened(10, 1, d(2024, 2, 1), d(2024, 3, 1), &[1], None),
            opened(10, false),
        ]);
        let rm = given(history);
        let before = statutory_meetings(&rm, d(2024, 2, 1));
        assert_eq!(before[0].last_met, None);
        assert_eq!(before[0].next_due, d(2024, 11, 14));
        // Before the bodies existed, none is due; before the statutes, none either.
        assert!(statutory_meetings(&rm, d(2023, 1, 1)).is_empty());
        assert!(statutory_meetings(&rm, d(2018, 1, 1)).is_empty());
    }
}
