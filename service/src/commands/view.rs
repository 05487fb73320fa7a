//! The handler's small in-memory view of the whole log: the facts that
//! span aggregates (territory, members and their dues, statutes, bodies,
//! sessions, event and command ids). It is a fold of `read_all`, caught up
//! before each decision; it is not a read model for clients.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use registre_domain::Aggregate;
use registre_domain::context::{BodyFact, MotionFact, ReorganisationFact, SessionFact, UnitFact};
use registre_domain::dues::{DuesSchedules, in_good_standing};
use registre_domain::lineage::Lineage;
use registre_domain::member::Member;
use registre_domain::session::attendance;
use registre_domain::statutes::StatutesBook;
use registre_domain::statutory::membership;
use registre_domain::streams::member_id_for;
use registre_schema::events::{BodyKind, BodyLevel, Membership, Statutes, TerritorialUnitKey};
use registre_schema::{DomainEvent, Position, RecordedEvent};
use uuid::Uuid;

/// A body with what eligibility needs: its scope.
#[derive(Debug, Clone)]
pub struct BodyInfo {
    pub fact: BodyFact,
    pub kind: BodyKind,
    pub level: BodyLevel,
    pub territorial_unit: Option<TerritorialUnitKey>,
    /// Its mandates: who holds its seats, and when.
    pub seats: HashMap<Uuid, Seat>,
}

/// A mandate in a body: the member commune holding it, and its dates.
#[derive(Debug, Clone, Default)]
pub struct Seat {
    pub member_id: Uuid,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

impl Seat {
    /// Held on `date`: started, not past its term, not ended.
    fn held_on(&self, date: NaiveDate) -> bool {
        self.starts_on.is_some_and(|s| s <= date)
            && self.ends_on.is_none_or(|e| date < e)
            && self.ended_on.is_none_or(|e| date < e)
    }
}

#[derive(Debug, Default)]
pub struct View {
    /// Last position folded.
    pub position: Position,
    pub units: BTreeMap<TerritorialUnitKey, (UnitFact, Option<String>)>,
    /// Which unit of another edition is the same place.
    pub lineage: Lineage,
    /// Every recorded reorganisation: what a succession citing one checks.
    pub reorganisations: HashMap<Uuid, ReorganisationFact>,
    /// Member state by member stream id's uuid.
    pub members: HashMap<Uuid, Member>,
    pub schedules: DuesSchedules,
    /// Every receipt number a payment was recorded under.
    pub receipts: HashSet<String>,
    pub statutes: StatutesBook,
    pub bodies: HashMap<Uuid, BodyInfo>,
    pub sessions: HashMap<Uuid, SessionFact>,
    /// Every tabled motion: what an exclusion or an amendment citing it
    /// checks.
    pub motions: HashMap<Uuid, MotionFact>,
    /// The days each commune left the association (excluded, withdrawn,
    /// succeeded; a readmitted one may leave again): its mandates end then.
    pub departures: HashMap<Uuid, Vec<NaiveDate>>,
    /// Who attends each session: what its votes may count.
    pub attendance: HashMap<Uuid, Attendance>,
    /// Each election (by body and id) with its session and the day it
    /// sits: where its rounds are counted, the day a candidacy's
    /// eligibility is judged on.
    pub elections: HashMap<(Uuid, Uuid), (Uuid, NaiveDate)>,
    pub event_ids: HashSet<Uuid>,
    /// Where each command's events are: one append is one dense run of
    /// positions, so a retried command is answered by reading that run.
    pub commands: HashMap<Uuid, CommandSpan>,
}

/// A session's attendance sheet and proxies.
#[derive(Debug, Clone, Default)]
pub struct Attendance {
    pub present: BTreeSet<Uuid>,
    /// Grantor → holder.
    pub proxies: BTreeMap<Uuid, Uuid>,
}

impl Attendance {
    /// Members present or represented.
    fn voters(&self) -> u32 {
        let (present, represented) = attendance(&self.present, &self.proxies);
        present + represented
    }
}

/// The positions of the events one command id appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpan {
    pub first: Position,
    pub last: Position,
}

impl View {
    /// Notes a stored event of any family (the access tokens' too): how
    /// far the view has read, and which command appended it, so that a
    /// retried command is answered from its first call.
    pub fn note<P>(&mut self, stored: &RecordedEvent<P>) {
        self.position = stored.position;
        self.commands
            .entry(stored.command_id)
            .and_modify(|w| w.last = stored.position)
            .or_insert(CommandSpan {
                first: stored.position,
                last: stored.position,
            });
    }

    /// Folds one stored event of the domain (already decoded).
    pub fn apply<P>(&mut self, stored: &RecordedEvent<P>, event: &DomainEvent) {
        use DomainEvent as E;
        self.note(stored);
        self.event_ids.insert(stored.id);
        if let Some(id) = stored
            .stream_id
            .as_str()
            .strip_prefix("member-")
            .and_then(|s| Uuid::parse_str(s).ok())
        {
            match event {
                E::DuesPaid(p) => {
                    self.receipts.insert(p.receipt_ref.clone());
                }
                E::MemberExcluded(e) => {
                    self.applied(e.motion_id);
                    self.left(e.member_id, e.effective_on);
                }
                E::MemberWithdrew(e) => self.left(e.member_id, e.effective_on),
                E::MembershipSucceeded(e) => self.left(e.predecessor_member_id, e.effective_on),
                _ => {}
            }
            let state = self.members.remove(&id);
            if let Some(m) = Member::evolve(state, event) {
                self.members.insert(id, m);
            }
            return;
        }
        match event {
            E::TerritorialUnitsReorganised(e) => {
                self.lineage
                    .reorganised(e.kind, &e.predecessors, &e.successors);
                self.reorganisations.insert(
                    e.reorganisation_id,
                    ReorganisationFact {
                        kind: e.kind,
                        predecessors: e.predecessors.clone(),
                        successors: e.successors.clone(),
                    },
                );
            }
            E::TerritorialUnitRegistered(e) => {
                self.lineage.registered(&e.unit);
                self.units.insert(
                    e.unit.clone(),
                    (
                        UnitFact {
                            level: e.level,
                            name: e.name.clone(),
                        },
                        e.parent_code.clone(),
                    ),
                );
            }
            E::DuesScheduleSet(_) => {
                self.schedules = DuesSchedules::evolve(std::mem::take(&mut self.schedules), event)
            }
            E::StatutesAdopted(_) | E::StatutesAmended(_) => {
                if let E::StatutesAmended(e) = event {
                    self.applied(e.motion_id);
                }
                self.statutes = StatutesBook::evolve(std::mem::take(&mut self.statutes), event)
            }
            E::MotionTabled(e) => {
                if let Some(session) = self.sessions.get(&e.session_id) {
                    let body = self.bodies.get(&session.body_id);
                    self.motions.insert(
                        e.motion_id,
                        MotionFact {
                            motion_id: e.motion_id,
                            body_id: session.body_id,
                            national_instance: body.is_some_and(|b| {
                                b.kind == BodyKind::Instance && b.level == BodyLevel::National
                            }),
                            kind: e.kind,
                            subject_member_id: e.subject_member_id,
                            adopted: false,
                            decided_on: session.session_date,
                            applied: false,
                        },
                    );
                }
            }
            E::MotionAdopted(e) => {
                if let Some(m) = self.motions.get_mut(&e.motion_id) {
                    m.adopted = true;
                }
            }
            E::BodyEstablished(e) => {
                self.bodies.insert(
                    e.body_id,
                    BodyInfo {
                        fact: BodyFact {
                            body_id: e.body_id,
                            convened_by_body_id: e.convened_by_body_id,
                            statutory_body: e.statutory_body,
                            territorial_unit: match e.level {
                                BodyLevel::National => None,
                                _ => e.territorial_unit.clone(),
                            },
                        },
                        kind: e.kind,
                        level: e.level,
                        territorial_unit: e.territorial_unit.clone(),
                        seats: HashMap::new(),
                    },
                );
            }
            E::StatutoryBodyNamed(e) => {
                if let Some(b) = self.bodies.get_mut(&e.body_id) {
                    b.fact.statutory_body = Some(e.statutory_body);
                }
            }
            E::OfficerElected(e) => {
                if let Some(b) = self.bodies.get_mut(&e.body_id) {
                    b.seats.entry(e.mandate_id).or_default().member_id = e.member_id;
                }
            }
            E::MandateStarted(e) => {
                if let Some(seat) = self.seat(e.body_id, e.mandate_id) {
                    seat.starts_on = Some(e.starts_on);
                    seat.ends_on = Some(e.ends_on);
                }
            }
            E::MandateEnded(e) => {
                if let Some(seat) = self.seat(e.body_id, e.mandate_id) {
                    seat.ended_on = Some(e.ended_on);
                }
            }
            E::SessionConvened(e) => {
                if let Some(first) = e
                    .second_convocation_of
                    .and_then(|id| self.sessions.get_mut(&id))
                {
                    first.convened_again = Some(e.session_id);
                }
                self.sessions.insert(
                    e.session_id,
                    SessionFact {
                        session_id: e.session_id,
                        body_id: e.body_id,
                        session_date: e.session_date,
                        quorum_failed: false,
                        convened_again: None,
                        open: false,
                        closed: false,
                        voters: 0,
                    },
                );
            }
            E::AttendanceRecorded(e) => {
                let a = self.attendance.entry(e.session_id).or_default();
                a.present.insert(e.member_id);
                self.count_voters(e.session_id);
            }
            E::ProxyRegistered(e) => {
                let a = self.attendance.entry(e.session_id).or_default();
                a.proxies.insert(e.grantor_member_id, e.holder_member_id);
                self.count_voters(e.session_id);
            }
            E::ElectionOpened(e) => {
                self.elections
                    .insert((e.body_id, e.election_id), (e.session_id, e.held_on));
            }
            E::QuorumFailed(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session_id) {
                    s.quorum_failed = true;
                }
            }
            E::SessionOpened(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session_id) {
                    s.open = true;
                }
            }
            E::SessionClosed(e) => {
                // Only a session in progress counts ballots.
                self.attendance.remove(&e.session_id);
                if let Some(s) = self.sessions.get_mut(&e.session_id) {
                    s.open = false;
                    s.closed = true;
                }
            }
            E::SessionAdjourned(e) => {
                self.attendance.remove(&e.session_id);
                if let Some(s) = self.sessions.get_mut(&e.session_id) {
                    s.open = false;
                }
            }
            _ => {}
        }
    }

    /// The communes holding seats of a body that left the association,
    /// with the days they left.
    pub fn departed(&self, body_id: Uuid) -> BTreeMap<Uuid, Vec<NaiveDate>> {
        let Some(body) = self.bodies.get(&body_id) else {
            return BTreeMap::new();
        };
        body.seats
            .values()
            .filter_map(|seat| {
                let days = self.departures.get(&seat.member_id)?;
                Some((seat.member_id, days.clone()))
            })
            .collect()
    }

    fn left(&mut self, member_id: Uuid, on: NaiveDate) {
        self.departures.entry(member_id).or_default().push(on);
    }

    fn count_voters(&mut self, session_id: Uuid) {
        let voters = self
            .attendance
            .get(&session_id)
            .map_or(0, Attendance::voters);
        if let Some(s) = self.sessions.get_mut(&session_id) {
            s.voters = voters;
        }
    }

    fn seat(&mut self, body_id: Uuid, mandate_id: Uuid) -> Option<&mut Seat> {
        self.bodies.get_mut(&body_id)?.seats.get_mut(&mandate_id)
    }

    /// Notes that a decision cites `motion`: it has taken effect.
    fn applied(&mut self, motion: Option<Uuid>) {
        if let Some(m) = motion.and_then(|id| self.motions.get_mut(&id)) {
            m.applied = true;
        }
    }

    pub fn statutes_at(&self, date: NaiveDate) -> Option<Statutes> {
        self.statutes.in_force(date).cloned()
    }

    pub fn unit_fact(&self, key: &TerritorialUnitKey) -> Option<(TerritorialUnitKey, UnitFact)> {
        self.units.get(key).map(|(f, _)| (key.clone(), f.clone()))
    }

    /// The commune of `unit` under every other edition it stands in.
    pub fn units_elsewhere(&self, unit: &TerritorialUnitKey) -> Vec<TerritorialUnitKey> {
        self.lineage.elsewhere(unit, |k| self.units.contains_key(k))
    }

    /// A member in the association whose commune is `unit` under another
    /// edition's code.
    pub fn same_commune_member(&self, unit: &TerritorialUnitKey) -> Option<Uuid> {
        self.units_elsewhere(unit)
            .iter()
            .map(member_id_for)
            .find(|id| self.members.get(id).is_some_and(|m| m.status.is_member()))
    }

    /// Whether `unit` lies within `scope` (itself or an ancestor), the
    /// unit taken in the scope's edition.
    fn within(&self, unit: &TerritorialUnitKey, scope: &TerritorialUnitKey) -> bool {
        let Some(mut current) = self
            .lineage
            .unit_in(unit, &scope.edition, |k| self.units.contains_key(k))
        else {
            return false;
        };
        // Three levels at most; the bound guards against a cyclic list.
        for _ in 0..8 {
            if current == *scope {
                return true;
            }
            match self.units.get(&current).and_then(|(_, p)| p.clone()) {
                Some(parent) => current.code = parent,
                None => return false,
            }
        }
        false
    }

    /// A body's territory: none for a national body.
    fn scope(&self, body_id: Option<Uuid>) -> Option<TerritorialUnitKey> {
        body_id
            .and_then(|b| self.bodies.get(&b))
            .and_then(|b| match b.level {
                BodyLevel::National => None,
                _ => b.territorial_unit.clone(),
            })
    }

    /// Whether a member's commune lies outside a body's territory.
    pub fn outside_territory(&self, body_id: Uuid, member_id: Uuid) -> bool {
        match (self.scope(Some(body_id)), self.members.get(&member_id)) {
            (Some(scope), Some(m)) => !self.within(&m.unit, &scope),
            _ => false,
        }
    }

    /// Who sits in a body on `date`: the members of its territory in good
    /// standing, or, where the statutes say its seats are designated, those
    /// of them holding a seat that day.
    pub fn eligible(&self, body_id: Option<Uuid>, date: NaiveDate) -> BTreeSet<Uuid> {
        let within = self.eligible_to_stand(body_id, date);
        let (Some(statutes), Some(body)) = (
            self.statutes.in_force(date),
            body_id.and_then(|b| self.bodies.get(&b)),
        ) else {
            return within;
        };
        match membership(statutes, body.fact.statutory_body) {
            Membership::Derived => within,
            Membership::Designated => body
                .seats
                .values()
                .filter(|seat| seat.held_on(date))
                .map(|seat| seat.member_id)
                .filter(|m| within.contains(m))
                .collect(),
        }
    }

    /// Members of a body's scope active and in good standing on `date`
    /// (all members for a national body, or when no body is given): who
    /// may stand for its seats.
    pub fn eligible_to_stand(&self, body_id: Option<Uuid>, date: NaiveDate) -> BTreeSet<Uuid> {
        let Some(statutes) = self.statutes.in_force(date) else {
            return BTreeSet::new();
        };
        let scope = self.scope(body_id);
        self.members
            .iter()
            .filter(|(_, m)| in_good_standing(m, &self.schedules, statutes, date))
            .filter(|(_, m)| scope.as_ref().is_none_or(|s| self.within(&m.unit, s)))
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use registre_domain::statutes::with_typical_instances;
    use registre_schema::events::*;
    use registre_schema::{Actor, StreamId};

    fn key(code: &str) -> TerritorialUnitKey {
        TerritorialUnitKey {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            code: code.into(),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn apply(view: &mut View, stream: &str, event: impl Into<DomainEvent>) {
        let event = event.into();
        let stored = RecordedEvent {
            position: view.position + 1,
            id: Uuid::now_v7(),
            stream_id: StreamId::new(stream).unwrap(),
            revision: 0,
            event_type: event.event_type().into(),
            schema_version: 1,
            occurred_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
            recorded_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
            actor: Actor::system(),
            command_id: Uuid::now_v7(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            payload: event.to_payload(),
        };
        view.apply(&stored, &event);
    }

    /// The commune of `code` (2015) admitted in 2019: its member id.
    fn admit(view: &mut View, code: &str) -> Uuid {
        let id = member_id_for(&key(code));
        apply(
            view,
            &format!("member-{id}"),
            CommuneAdmitted {
                member_id: id,
                unit: key(code),
                name: code.into(),
                dues_category: "rurale".into(),
                admitted_on: day(2019, 1, 1),
                deliberation_ref: "d".into(),
                decision_ref: "b".into(),
                statutes_version: 1,
            },
        );
        id
    }

    #[test]
    fn eligibility_follows_scope_status_and_dues_at_the_date() {
        let mut v = View::default();
        apply(
            &mut v,
            "statutes",
            StatutesAdopted {
                statutes: with_typical_instances(day(2001, 1, 1)),
                reference: "AG".into(),
            },
        );
        for (code, level, parent) in [
            ("ML01", TerritorialLevel::Region, None),
            ("ML0101", TerritorialLevel::Cercle, Some("ML01")),
            ("ML010101", TerritorialLevel::Commune, Some("ML0101")),
            ("ML02", TerritorialLevel::Region, None),
            ("ML0201", TerritorialLevel::Cercle, Some("ML02")),
            ("ML020101", TerritorialLevel::Commune, Some("ML0201")),
        ] {
            apply(
                &mut v,
                "territory-ocha-pcode-2015",
                TerritorialUnitRegistered {
                    unit: key(code),
                    level,
                    name: code.into(),
                    parent_code: parent.map(Into::into),
                },
            );
        }
        let regional = Uuid::now_v7();
        apply(
            &mut v,
            &format!("body-{regional}"),
            BodyEstablished {
                body_id: regional,
                name: "Conférence Régionale de Kayes".into(),
                kind: BodyKind::Instance,
                level: BodyLevel::Regional,
                territorial_unit: Some(key("ML01")),
                convened_by_body_id: None,
                parent_body_id: None,
                statutory_body: None,
            },
        );
        let (a, b) = (admit(&mut v, "ML010101"), admit(&mut v, "ML020101"));
        apply(
            &mut v,
            "dues-schedule",
            DuesScheduleSet {
                year: 2020,
                tiers: vec![DuesTier {
                    category: "rurale".into(),
                    amount_xof: 50_000,
                }],
                due_on: day(2020, 3, 31),
                statutes_version: 1,
            },
        );
        apply(
            &mut v,
            &format!("member-{a}"),
            DuesPaid {
                member_id: a,
                year: 2020,
                amount_xof: 50_000,
                paid_on: day(2020, 2, 1),
                receipt_ref: "R".into(),
            },
        );
        // Before the due date both are in good standing; after it only `a`.
        assert_eq!(v.eligible(None, day(2020, 3, 1)), [a, b].into());
        assert_eq!(v.eligible(None, day(2020, 4, 1)), [a].into());
        assert_eq!(v.eligible(Some(regional), day(2020, 3, 1)), [a].into());
        // `b` is left out of the regional body for its place, not its dues.
        assert!(v.outside_territory(regional, b));
        assert!(!v.outside_territory(regional, a));
        // A designated body (the Conseil National) seats the holders of its
        // seats in good standing, while its mandates run; anyone in good
        // standing may stand for a seat.
        let council = Uuid::now_v7();
        let stream = format!("body-{council}");
        apply(
            &mut v,
            &stream,
            BodyEstablished {
                body_id: council,
                name: "Conseil National".into(),
                kind: BodyKind::Instance,
                level: BodyLevel::National,
                territorial_unit: None,
                convened_by_body_id: None,
                parent_body_id: None,
                statutory_body: Some(StatutoryBody::NationalCouncil),
            },
        );
        assert!(v.eligible(Some(council), day(2020, 3, 1)).is_empty());
        assert_eq!(
            v.eligible_to_stand(Some(council), day(2020, 3, 1)),
            [a, b].into()
        );
        let (post, mandate) = (Uuid::now_v7(), Uuid::now_v7());
        apply(
            &mut v,
            &stream,
            OfficerElected {
                body_id: council,
                post_id: post,
                mandate_id: mandate,
                member_id: b,
                holder_name: "Maire".into(),
                session_id: None,
                statutes_version: 1,
            },
        );
        apply(
            &mut v,
            &stream,
            MandateStarted {
                body_id: council,
                post_id: post,
                mandate_id: mandate,
                starts_on: day(2020, 1, 1),
                ends_on: day(2025, 1, 1),
            },
        );
        assert_eq!(v.eligible(Some(council), day(2020, 3, 1)), [b].into());
        // Behind on its dues, the holder does not sit.
        assert!(v.eligible(Some(council), day(2020, 4, 1)).is_empty());
        assert!(v.eligible(Some(council), day(2019, 6, 1)).is_empty());
        // Not yet a member, or no statutes in force: nobody.
        assert!(v.eligible(None, day(2018, 1, 1)).is_empty());
        apply(
            &mut v,
            &format!("member-{a}"),
            MemberSuspended {
                member_id: a,
                effective_on: day(2020, 5, 1),
                reason: "x".into(),
                statutes_version: 1,
            },
        );
        assert!(v.eligible(None, day(2020, 6, 1)).is_empty());
    }

    fn register(v: &mut View, edition: &str, rows: &[(&str, TerritorialLevel, Option<&str>)]) {
        for (code, level, parent) in rows {
            apply(
                v,
                &format!("territory-ocha-pcode-{edition}"),
                TerritorialUnitRegistered {
                    unit: TerritorialUnitKey {
                        edition: edition.into(),
                        ..key(code)
                    },
                    level: *level,
                    name: (*code).into(),
                    parent_code: parent.map(Into::into),
                },
            );
        }
    }

    #[test]
    fn a_commune_is_placed_in_the_edition_a_body_speaks_of_and_admitted_once() {
        use TerritorialLevel::{Cercle, Commune, Region};
        let mut v = View::default();
        // Given the 2015 list, where ML010101 and ML010102 are in Kayes,
        register(
            &mut v,
            "2015",
            &[
                ("ML01", Region, None),
                ("ML0101", Cercle, Some("ML01")),
                ("ML010101", Commune, Some("ML0101")),
                ("ML010102", Commune, Some("ML0101")),
            ],
        );
        // and a 2023 list that moves cercle ML0101 to a new region ML11,
        // where ML010102 is renamed ML010199,
        register(
            &mut v,
            "2023",
            &[
                ("ML01", Region, None),
                ("ML11", Region, None),
                ("ML0101", Cercle, Some("ML11")),
                ("ML010101", Commune, Some("ML0101")),
                ("ML010199", Commune, Some("ML0101")),
            ],
        );
        let in_2023 = |code: &str| TerritorialUnitKey {
            edition: "2023".into(),
            ..key(code)
        };
        apply(
            &mut v,
            "territory-ocha-pcode-2015",
            TerritorialUnitsReorganised {
                reorganisation_id: Uuid::now_v7(),
                kind: ReorganisationKind::Rename,
                effective_from: day(2023, 2, 13),
                predecessors: vec![key("ML010102")],
                successors: vec![in_2023("ML010199")],
                legal_reference: "Loi 2023-007".into(),
            },
        );
        // and both communes admitted under their 2015 codes,
        let (a, b) = (admit(&mut v, "ML010101"), admit(&mut v, "ML010102"));
        let body = |v: &mut View, unit: TerritorialUnitKey| {
            let id = Uuid::now_v7();
            apply(
                v,
                &format!("body-{id}"),
                BodyEstablished {
                    body_id: id,
                    name: "Conférence Régionale".into(),
                    kind: BodyKind::Instance,
                    level: BodyLevel::Regional,
                    territorial_unit: Some(unit),
                    convened_by_body_id: None,
                    parent_body_id: None,
                    statutory_body: None,
                },
            );
            id
        };
        let kayes_2015 = body(&mut v, key("ML01"));
        let kayes_2023 = body(&mut v, in_2023("ML01"));
        let new_region = body(&mut v, in_2023("ML11"));
        // Then each body places them in its own edition: the 2015 region
        // holds both, the 2023 one neither, the new region both (the
        // renamed commune through its rename).
        for m in [a, b] {
            assert!(!v.outside_territory(kayes_2015, m));
            assert!(v.outside_territory(kayes_2023, m));
            assert!(!v.outside_territory(new_region, m));
        }
        // And under its 2023 code, each is the member it already is.
        assert_eq!(v.same_commune_member(&in_2023("ML010101")), Some(a));
        assert_eq!(v.same_commune_member(&in_2023("ML010199")), Some(b));
        assert_eq!(v.same_commune_member(&key("ML010101")), None);
    }
}
