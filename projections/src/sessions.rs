//! Sessions: the calendar, notice given against the notice required,
//! attendance (present, represented by proxy, absent), the quorum outcome,
//! second convocations, adjournments and closing.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use registre_schema::events::{ExtraordinaryRequest, QuorumCount, SessionKind, Statutes};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Convened,
    /// Quorum failed; the session may be convened a second time.
    QuorumFailed,
    Open,
    Closed,
    Adjourned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumOutcome {
    pub reached: bool,
    pub count: QuorumCount,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub convened_by_body_id: Uuid,
    pub kind: SessionKind,
    pub convened_on: NaiveDate,
    pub session_date: NaiveDate,
    pub place: String,
    pub agenda: Vec<String>,
    /// Members active and in good standing on the convocation date.
    pub eligible: Vec<Uuid>,
    /// Days between convocation and session.
    pub notice_days: i64,
    /// Days the statutes version of the convocation requires, if known.
    pub notice_required: Option<u32>,
    pub notice_compliant: Option<bool>,
    pub second_convocation_of: Option<Uuid>,
    /// An extraordinary session's grounds and who asked for it.
    pub request: Option<ExtraordinaryRequest>,
    /// Later sessions convened after this one's quorum failed.
    pub second_convocations: Vec<Uuid>,
    /// Present members and their delegates.
    pub present: BTreeMap<Uuid, String>,
    /// Proxies: grantor → holder.
    pub proxies: BTreeMap<Uuid, Uuid>,
    pub quorum: Option<QuorumOutcome>,
    pub opened_at: Option<DateTime<Utc>>,
    pub without_quorum: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub adjourned: Option<String>,
    pub state: SessionState,
    pub statutes_version: u32,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

/// Who attended a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub present: Vec<Uuid>,
    /// Absent members represented by a present proxy holder: (grantor, holder).
    pub represented: Vec<(Uuid, Uuid)>,
    pub absent: Vec<Uuid>,
}

impl SessionRecord {
    pub fn attendance(&self) -> Attendance {
        let mut a = Attendance::default();
        for m in &self.eligible {
            if self.present.contains_key(m) {
                a.present.push(*m);
            } else if let Some(h) = self.proxies.get(m).filter(|h| self.present.contains_key(h)) {
                a.represented.push((*m, *h));
            } else {
                a.absent.push(*m);
            }
        }
        a
    }
}

/// Which sessions a calendar shows; dates bound the session date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    pub body_id: Option<Uuid>,
    pub kind: Option<SessionKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub state: Option<SessionState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsRegister {
    pub sessions: BTreeMap<Uuid, SessionRecord>,
    /// Every statutes version, for the notice each convocation required.
    pub statutes: Vec<Statutes>,
}

impl SessionsRegister {
    pub fn session(&self, id: Uuid) -> Option<&SessionRecord> {
        self.sessions.get(&id)
    }

    /// Sessions matching the filter, by session date then id.
    pub fn calendar(&self, f: &SessionFilter) -> Vec<&SessionRecord> {
        let mut out: Vec<_> = self
            .sessions
            .values()
            .filter(|s| f.body_id.is_none_or(|b| b == s.body_id))
            .filter(|s| f.kind.is_none_or(|k| k == s.kind))
            .filter(|s| f.state.is_none_or(|k| k == s.state))
            .filter(|s| f.from.is_none_or(|d| s.session_date >= d))
            .filter(|s| f.to.is_none_or(|d| s.session_date <= d))
            .collect();
        out.sort_by_key(|s| (s.session_date, s.session_id));
        out
    }

    fn with(&mut self, id: Uuid, f: impl FnOnce(&mut SessionRecord)) {
        if let Some(s) = self.sessions.get_mut(&id) {
            f(s);
        }
    }
}

impl Fold for SessionsRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        let pos = meta.position;
        match event {
            E::StatutesAdopted(e) => self.statutes.push(e.statutes.clone()),
            E::StatutesAmended(e) => self.statutes.push(e.statutes.clone()),
            E::SessionConvened(e) => {
                let notice_days = (e.session_date - e.convened_on).num_days();
                let notice_required = self
                    .statutes
                    .iter()
                    .find(|s| s.version == e.statutes_version)
                    .map(|s| match e.kind {
                        SessionKind::Ordinary => s.notice_days_ordinary,
                        SessionKind::Extraordinary => s.notice_days_extraordinary,
                    });
                if let Some(first) = e.second_convocation_of {
                    self.with(first, |s| s.second_convocations.push(e.session_id));
                }
                self.sessions.insert(
                    e.session_id,
                    SessionRecord {
                        session_id: e.session_id,
                        body_id: e.body_id,
                        convened_by_body_id: e.convened_by_body_id,
                        kind: e.kind,
                        convened_on: e.convened_on,
                        session_date: e.session_date,
                        place: e.place.clone(),
                        agenda: e.agenda.clone(),
                        eligible: e.eligible_member_ids.clone(),
                        notice_days,
                        notice_required,
                        notice_compliant: notice_required.map(|r| notice_days >= i64::from(r)),
                        second_convocation_of: e.second_convocation_of,
                        request: e.request.clone(),
                        second_convocations: Vec::new(),
                        present: BTreeMap::new(),
                        proxies: BTreeMap::new(),
                        quorum: None,
                        opened_at: None,
                        without_quorum: false,
                        closed_at: None,
                        adjourned: None,
                        state: SessionState::Convened,
                        statutes_version: e.statutes_version,
                        position: pos,
                        corrections: Vec::new(),
                    },
                );
            }
            E::AttendanceRecorded(e) => self.with(e.session_id, |s| {
                s.present.insert(e.member_id, e.delegate_name.clone());
            }),
            E::ProxyRegistered(e) => self.with(e.session_id, |s| {
                s.proxies.insert(e.grantor_member_id, e.holder_member_id);
            }),
            E::QuorumReached(e) => self.with(e.session_id, |s| {
                s.quorum = Some(QuorumOutcome {
                    reached: true,
                    count: e.count,
                    position: pos,
                });
            }),
            E::QuorumFailed(e) => self.with(e.session_id, |s| {
                s.quorum = Some(QuorumOutcome {
                    reached: false,
                    count: e.count,
                    position: pos,
                });
                s.state = SessionState::QuorumFailed;
            }),
            E::SessionOpened(e) => self.with(e.session_id, |s| {
                s.opened_at = Some(e.opened_at);
                s.without_quorum = e.without_quorum;
                s.state = SessionState::Open;
            }),
            E::SessionClosed(e) => self.with(e.session_id, |s| {
                s.closed_at = Some(e.closed_at);
                s.state = SessionState::Closed;
            }),
            E::SessionAdjourned(e) => self.with(e.session_id, |s| {
                s.adjourned = Some(e.reason.clone());
                s.state = SessionState::Adjourned;
            }),
            _ => {}
        }
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        if let Some(id) = n.entity("session") {
            self.with(id, |s| s.corrections.push(n.correction.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn a_held_session_shows_notice_attendance_quorum_and_closing() {
        let m = given_congress_convened([
            attended(20, 1),
            attended(20, 2),
            proxy(20, 3, 1),
            quorum(20, true, 4, 2, 1),
            opened(20, false),
            closed(20),
        ])
        .sessions;
        let s = m.session(id(20)).unwrap();
        assert_eq!(s.notice_days, 19);
        assert_eq!(s.notice_required, Some(15));
        assert_eq!(s.notice_compliant, Some(true));
        assert_eq!(s.state, SessionState::Closed);
        assert!(s.quorum.unwrap().reached);
        let a = s.attendance();
        assert_eq!(a.present, vec![id(1), id(2)]);
        assert_eq!(a.represented, vec![(id(3), id(1))]);
        assert_eq!(a.absent, vec![id(4)]);
    }

    #[test]
    fn a_failed_quorum_leads_to_a_second_convocation_on_the_calendar() {
        let m = given(vec![
            statutes_adopted(d(2019, 1, 1)),
            body(10, "Congrès"),
            body(11, "Conseil National"),
            convened(20, 10, d(2024, 1, 10), d(2024, 1, 20), &[1, 2, 3], None),
            quorum(20, false, 3, 0, 0),
            convened(21, 10, d(2024, 1, 21), d(2024, 2, 5), &[1, 2, 3], Some(20)),
            convened(22, 11, d(2024, 3, 1), d(2024, 3, 5), &[1], None),
            adjourned(22, "flooding"),
        ])
        .sessions;
        assert_eq!(m.session(id(20)).unwrap().state, SessionState::QuorumFailed);
        assert_eq!(m.session(id(20)).unwrap().second_convocations, vec![id(21)]);
        assert_eq!(m.session(id(22)).unwrap().notice_compliant, Some(false));
        assert_eq!(
            m.session(id(22)).unwrap().adjourned.as_deref(),
            Some("flooding")
        );
        let congress: Vec<_> = m
            .calendar(&SessionFilter {
                body_id: Some(id(10)),
                ..Default::default()
            })
            .iter()
            .map(|s| s.session_id)
            .collect();
        assert_eq!(congress, vec![id(20), id(21)]);
        let feb: Vec<_> = m
            .calendar(&SessionFilter {
                from: Some(d(2024, 2, 1)),
                to: Some(d(2024, 2, 29)),
                ..Default::default()
            })
            .iter()
            .map(|s| s.session_id)
            .collect();
        assert_eq!(feb, vec![id(21)]);
    }
}
