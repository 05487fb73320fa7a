//! Bodies: each instance and organ, its posts and seats, who holds them
//! now, and the history of office holders (mandates with start, end and
//! the reason they ended).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::events::{
    BodyKind, BodyLevel, MandateEndReason, StatutoryBody, TerritorialUnitKey,
};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::elections::{self, ElectionRecord};
use crate::fold::{Correction, CorrectionNotice, Fold, Meta};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRecord {
    pub post_id: Uuid,
    pub title: String,
    pub seats: u32,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateRecord {
    pub mandate_id: Uuid,
    pub post_id: Uuid,
    pub member_id: Uuid,
    pub holder_name: String,
    pub elected_in_session: Option<Uuid>,
    pub statutes_version: u32,
    pub starts_on: Option<NaiveDate>,
    /// The end of the statutory term.
    pub term_ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<MandateEndReason>,
    /// The day its commune left the association (excluded, withdrawn,
    /// succeeded): the mandate ended then.
    pub commune_left_on: Option<NaiveDate>,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

impl MandateRecord {
    /// Held on `date`: started on or before it, not ended, term not over,
    /// its commune still a member.
    pub fn held_on(&self, date: NaiveDate) -> bool {
        self.starts_on.is_some_and(|s| s <= date)
            && self.ended_on.is_none_or(|e| date < e)
            && self.term_ends_on.is_none_or(|e| date < e)
            && self.commune_left_on.is_none_or(|e| date < e)
    }

    /// The day it ended early: recorded, or when its commune left.
    pub fn ended(&self) -> Option<NaiveDate> {
        match (self.ended_on, self.commune_left_on) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRecord {
    pub body_id: Uuid,
    pub name: String,
    pub kind: BodyKind,
    pub level: BodyLevel,
    pub territorial_unit: Option<TerritorialUnitKey>,
    pub convened_by_body_id: Option<Uuid>,
    pub parent_body_id: Option<Uuid>,
    /// Which of the statutes' bodies it is.
    pub statutory_body: Option<StatutoryBody>,
    /// The day it was established (when it is first due to meet).
    pub established_on: NaiveDate,
    pub posts: BTreeMap<Uuid, PostRecord>,
    /// Every mandate ever given in this body, in election order.
    pub mandates: Vec<MandateRecord>,
    /// Every election to its posts, in the order they opened.
    pub elections: Vec<ElectionRecord>,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

/// A post and its holders on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seat<'a> {
    pub post: &'a PostRecord,
    pub holders: Vec<&'a MandateRecord>,
}

impl BodyRecord {
    /// Each post with the mandates held on `date`, in post order.
    pub fn composition(&self, date: NaiveDate) -> Vec<Seat<'_>> {
        self.posts
            .values()
            .map(|post| Seat {
                post,
                holders: self
                    .mandates
                    .iter()
                    .filter(|m| m.post_id == post.post_id && m.held_on(date))
                    .collect(),
            })
            .collect()
    }

    /// The office holders of one post, past and present.
    pub fn holders_of(&self, post_id: Uuid) -> Vec<&MandateRecord> {
        self.mandates
            .iter()
            .filter(|m| m.post_id == post_id)
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyFilter {
    pub level: Option<BodyLevel>,
    pub kind: Option<BodyKind>,
    /// Bodies serving this unit code (a region's or cercle's).
    pub unit_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodiesRegister {
    pub bodies: BTreeMap<Uuid, BodyRecord>,
}

impl BodiesRegister {
    pub fn body(&self, id: Uuid) -> Option<&BodyRecord> {
        self.bodies.get(&id)
    }

    pub fn list(&self, f: &BodyFilter) -> Vec<&BodyRecord> {
        self.bodies
            .values()
            .filter(|b| f.level.is_none_or(|l| b.level == l))
            .filter(|b| f.kind.is_none_or(|k| b.kind == k))
            .filter(|b| {
                f.unit_code
                    .as_ref()
                    .is_none_or(|c| b.territorial_unit.as_ref().is_some_and(|u| &u.code == c))
            })
            .collect()
    }

    /// Every mandate a member's representatives held, in any body.
    pub fn mandates_of_member(&self, member_id: Uuid) -> Vec<(&BodyRecord, &MandateRecord)> {
        self.bodies
            .values()
            .flat_map(|b| b.mandates.iter().map(move |m| (b, m)))
            .filter(|(_, m)| m.member_id == member_id)
            .collect()
    }

    /// The elections held in a session, with the body each fills.
    pub fn elections_in_session(&self, session_id: Uuid) -> Vec<(&BodyRecord, &ElectionRecord)> {
        self.bodies
            .values()
            .flat_map(|b| b.elections.iter().map(move |e| (b, e)))
            .filter(|(_, e)| e.session_id == session_id)
            .collect()
    }

    /// A commune left the association: every mandate it holds that day
    /// ends then (one it takes after a readmission is a new mandate).
    fn commune_left(&mut self, member_id: Uuid, on: NaiveDate) {
        let held = self
            .bodies
            .values_mut()
            .flat_map(|b| b.mandates.iter_mut())
            .filter(|m| m.member_id == member_id && m.held_on(on));
        for m in held {
            m.commune_left_on = Some(on);
        }
    }

    fn on_election(&mut self, body: Uuid, position: Position, event: &DomainEvent) {
        if let Some(b) = self.bodies.get_mut(&body) {
            elections::on(&mut b.elections, position, event);
        }
    }

    fn mandate(&mut self, body: Uuid, mandate: Uuid) -> Option<&mut MandateRecord> {
        self.bodies
            .get_mut(&body)?
            .mandates
            .iter_mut()
            .rev()
            .find(|m| m.mandate_id == mandate)
    }
}

impl Fold for BodiesRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        let pos = meta.position;
        match event {
            E::BodyEstablished(e) => {
                self.bodies.insert(
                    e.body_id,
                    BodyRecord {
                        body_id: e.body_id,
                        name: e.name.clone(),
                        kind: e.kind,
                        level: e.level,
                        territorial_unit: e.territorial_unit.clone(),
                        convened_by_body_id: e.convened_by_body_id,
                        parent_body_id: e.parent_body_id,
                        statutory_body: e.statutory_body,
                        established_on: meta.occurred_at.date_naive(),
                        posts: BTreeMap::new(),
                        mandates: Vec::new(),
                        elections: Vec::new(),
                        position: pos,
                        corrections: Vec::new(),
                    },
                );
            }
            E::StatutoryBodyNamed(e) => {
                if let Some(b) = self.bodies.get_mut(&e.body_id) {
                    b.statutory_body = Some(e.statutory_body);
                }
            }
            E::PostDefined(e) => {
                if let Some(b) = self.bodies.get_mut(&e.body_id) {
                    b.posts.insert(
                        e.post_id,
                        PostRecord {
                            post_id: e.post_id,
                            title: e.title.clone(),
                            seats: e.seats,
                            position: pos,
                        },
                    );
                }
            }
            E::OfficerElected(e) => {
                if let Some(b) = self.bodies.get_mut(&e.body_id) {
                    b.mandates.push(MandateRecord {
                        mandate_id: e.mandate_id,
                        post_id: e.post_id,
                        member_id: e.member_id,
                        holder_name: e.holder_name.clone(),
                        elected_in_session: e.session_id,
                        statutes_version: e.statutes_version,
                        starts_on: None,
                        term_ends_on: None,
                        ended_on: None,
                        end_reason: None,
                        commune_left_on: None,
                        position: pos,
                        corrections: Vec::new(),
                    });
                }
            }
            E::MandateStarted(e) => {
                if let Some(m) = self.mandate(e.body_id, e.mandate_id) {
                    m.starts_on = Some(e.starts_on);
                    m.term_ends_on = Some(e.ends_on);
                }
            }
            E::MandateEnded(e) => {
                if let Some(m) = self.mandate(e.body_id, e.mandate_id) {
                    m.ended_on = Some(e.ended_on);
                    m.end_reason = Some(e.reason);
                }
            }
            E::MemberExcluded(e) => self.commune_left(e.member_id, e.effective_on),
            E::MemberWithdrew(e) => self.commune_left(e.member_id, e.effective_on),
            E::MembershipSucceeded(e) => self.commune_left(e.predecessor_member_id, e.effective_on),
            E::ElectionOpened(e) => self.on_election(e.body_id, pos, event),
            E::CandidacyFiled(e) => self.on_election(e.body_id, pos, event),
            E::ElectionRoundCounted(e) => self.on_election(e.body_id, pos, event),
            _ => {}
        }
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        let Some(id) = n.entity("body") else { return };
        let Some(b) = self.bodies.get_mut(&id) else {
            return;
        };
        let at = n.correction.corrected_position;
        // A mandate's own event flags the mandate; anything else, the body.
        match b.mandates.iter_mut().find(|m| at == Some(m.position)) {
            Some(m) => m.corrections.push(n.correction.clone()),
            None => b.corrections.push(n.correction.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn the_composition_shows_current_holders_and_the_history_keeps_all() {
        let rm = given(vec![
            body(10, "Bureau Exécutif National"),
            post(10, 40, "Président", 1),
            post(10, 41, "Vice-président", 2),
            elected(10, 40, 50, 1, "A. Traoré"),
            mandate_started(10, 40, 50, d(2019, 1, 1), d(2024, 1, 1)),
            elected(10, 41, 51, 2, "B. Coulibaly"),
            mandate_started(10, 41, 51, d(2019, 1, 1), d(2024, 1, 1)),
            mandate_ended(10, 40, 50, d(2021, 6, 1), MandateEndReason::Resignation),
            elected(10, 40, 52, 3, "C. Keïta"),
            mandate_started(10, 40, 52, d(2021, 7, 1), d(2026, 7, 1)),
            corrected(10, "body", 9, "holder's name misspelt"),
        ]);
        let b = rm.bodies.body(id(10)).unwrap();
        let now = b.composition(d(2022, 1, 1));
        assert_eq!(now[0].post.title, "Président");
        assert_eq!(now[0].holders.len(), 1);
        assert_eq!(now[0].holders[0].holder_name, "C. Keïta");
        assert_eq!(now[1].holders[0].holder_name, "B. Coulibaly");
        // The vice-president's term is over in 2024.
        assert!(b.composition(d(2024, 6, 1))[1].holders.is_empty());

        let presidents = b.holders_of(id(40));
        assert_eq!(presidents.len(), 2);
        assert_eq!(
            presidents[0].end_reason,
            Some(MandateEndReason::Resignation)
        );
        assert_eq!(presidents[0].ended_on, Some(d(2021, 6, 1)));
        assert_eq!(presidents[1].corrections.len(), 1);
        assert!(b.corrections.is_empty());
        assert_eq!(rm.bodies.mandates_of_member(id(1)).len(), 1);
    }

    #[test]
    fn given_a_contested_election_when_folded_then_the_body_keeps_its_candidates_and_rounds() {
        let rm = given(vec![
            body(10, "Bureau Exécutif National"),
            post(10, 40, "Président", 1),
            election_opened(10, 40, 60, 20, 1),
            stood(10, 60, 1, "A. Traoré"),
            stood(10, 60, 2, "B. Coulibaly"),
            round_counted(10, 60, 1, &[(1, 140), (2, 160)], &[]),
            round_counted(10, 60, 2, &[(1, 170), (2, 130)], &[1]),
            elected(10, 40, 50, 1, "A. Traoré"),
        ]);
        let b = rm.bodies.body(id(10)).unwrap();
        let e = &b.elections[0];
        assert_eq!(e.candidates.len(), 2);
        assert_eq!(e.rounds.len(), 2);
        assert!(e.rounds[0].elected.is_empty());
        assert_eq!(e.elected().collect::<Vec<_>>(), vec![&id(1)]);
        assert!(e.complete());
        assert_eq!(e.holder_name(id(2)), Some("B. Coulibaly"));
        assert_eq!(rm.bodies.elections_in_session(id(20)).len(), 1);
        assert!(rm.bodies.elections_in_session(id(21)).is_empty());
    }

    #[test]
    fn given_a_holder_whose_commune_is_excluded_when_folded_then_its_mandate_ends_that_day() {
        let rm = given(vec![
            body(10, "Conseil National"),
            post(10, 40, "Membre", 30),
            elected(10, 40, 50, 1, "A. Traoré"),
            mandate_started(10, 40, 50, d(2024, 3, 1), d(2029, 3, 1)),
            elected(10, 40, 51, 2, "B. Coulibaly"),
            mandate_started(10, 40, 51, d(2024, 3, 1), d(2029, 3, 1)),
            excluded(1, d(2025, 1, 1)),
        ]);
        let b = rm.bodies.body(id(10)).unwrap();
        assert_eq!(b.composition(d(2024, 12, 31))[0].holders.len(), 2);
        let after = b.composition(d(2025, 1, 1));
        assert_eq!(after[0].holders.len(), 1);
        assert_eq!(after[0].holders[0].holder_name, "B. Coulibaly");
        assert_eq!(b.mandates[0].commune_left_on, Some(d(2025, 1, 1)));
        assert_eq!(b.mandates[1].commune_left_on, None);
    }
}
