//! Indicators for dashboards: attendance per session and overall (from the
//! count taken at opening), quorum failures, unsigned minutes. The share of
//! members in good standing per region depends on a date and on two other
//! models: it is [`crate::ReadModels::good_standing_by_region`].
//!
//! Rates are kept as whole counts (no floats in a digested model); the
//! methods divide.

use std::collections::BTreeMap;

use registre_schema::DomainEvent;
use registre_schema::events::{QuorumCount, Signatory};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Fold, Meta};

/// A share as a fraction of whole counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub part: u64,
    pub whole: u64,
}

impl Share {
    /// The share as a number between 0 and 1 (none of nothing is 0).
    pub fn ratio(self) -> f64 {
        if self.whole == 0 {
            0.0
        } else {
            self.part as f64 / self.whole as f64
        }
    }
}

/// What the indicators keep of a minutes record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesSignatures {
    pub adopted: bool,
    pub president: bool,
    pub secretary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicators {
    /// The count taken at each session's opening.
    pub attendance: BTreeMap<Uuid, QuorumCount>,
    pub quorum_reached: u32,
    pub quorum_failed: u32,
    pub sessions_convened: u32,
    pub second_convocations: u32,
    pub minutes: BTreeMap<Uuid, MinutesSignatures>,
}

impl Indicators {
    /// Present or represented among the eligible, at one session's opening.
    pub fn attendance_rate(&self, session: Uuid) -> Option<Share> {
        self.attendance.get(&session).map(|c| Share {
            part: u64::from(c.present + c.represented),
            whole: u64::from(c.eligible),
        })
    }

    /// Attendance over every session that counted its quorum.
    pub fn overall_attendance(&self) -> Share {
        self.attendance
            .values()
            .fold(Share::default(), |s, c| Share {
                part: s.part + u64::from(c.present + c.represented),
                whole: s.whole + u64::from(c.eligible),
            })
    }

    /// Minutes not signed by both signatories (adopted or not).
    pub fn unsigned_minutes(&self) -> u32 {
        self.minutes
            .values()
            .filter(|m| !(m.president && m.secretary))
            .count() as u32
    }

    /// Adopted minutes still waiting for a signature.
    pub fn adopted_unsigned_minutes(&self) -> u32 {
        self.minutes
            .values()
            .filter(|m| m.adopted && !(m.president && m.secretary))
            .count() as u32
    }
}

impl Fold for Indicators {
    fn on(&mut self, _meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        match event {
            E::SessionConvened(e) => {
                self.sessions_convened += 1;
                self.second_convocations += u32::from(e.second_convocation_of.is_some());
            }
            E::QuorumReached(e) => {
                self.quorum_reached += 1;
                self.attendance.insert(e.session_id, e.count);
            }
            E::QuorumFailed(e) => {
                self.quorum_failed += 1;
                self.attendance.insert(e.session_id, e.count);
            }
            E::MinutesDrafted(e) => {
                self.minutes.entry(e.minutes_id).or_default();
            }
            E::MinutesAdopted(e) => self.minutes.entry(e.minutes_id).or_default().adopted = true,
            E::MinutesSigned(e) => {
                let m = self.minutes.entry(e.minutes_id).or_default();
                match e.signatory {
                    Signatory::President => m.president = true,
                    Signatory::Secretary => m.secretary = true,
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn attendance_quorum_failures_and_unsigned_minutes_are_counted() {
        let rm = given_congress_convened([
            quorum(20, false, 4, 1, 0),
            convened(
                21,
                10,
                d(2024, 1, 21),
                d(2024, 2, 5),
                &[1, 2, 3, 4],
                Some(20),
            ),
            quorum(21, true, 4, 2, 1),
            drafted(60, 20, 'a'),
            minutes_adopted(60, 21, 'a'),
            signed(60, Signatory::President),
            drafted(61, 21, 'b'),
        ]);
        let i = &rm.indicators;
        assert_eq!((i.quorum_failed, i.quorum_reached), (1, 1));
        assert_eq!(i.second_convocations, 1);
        assert_eq!(
            i.attendance_rate(id(20)).unwrap(),
            Share { part: 1, whole: 4 }
        );
        assert_eq!(i.attendance_rate(id(21)).unwrap().ratio(), 0.75);
        assert_eq!(i.overall_attendance(), Share { part: 4, whole: 8 });
        assert_eq!(i.unsigned_minutes(), 2);
        assert_eq!(i.adopted_unsigned_minutes(), 1);
    }
}
