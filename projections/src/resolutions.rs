//! The resolutions register: every motion with its kind, its tally (for,
//! against, abstain, absent), its result, the majority it required and the
//! statutes version it was judged under.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::events::{MajorityRule, MotionKind, Tally, VoteChoice};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotionResult {
    Pending,
    Adopted,
    Rejected,
}

/// The decision closing a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub tally: Tally,
    /// The majority rule applied, with its base as counted and the
    /// chair's casting vote on a tie.
    pub rule: MajorityRule,
    pub base: u32,
    pub casting_vote: Option<VoteChoice>,
    pub statutes_version: u32,
    pub position: Position,
}

/// What an adopted motion caused: the decision that cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The member was excluded.
    Exclusion { member_id: Uuid, position: Position },
    /// The statutes took this version.
    Amendment { version: u32, position: Position },
    /// An election to a body's post was opened to carry it out; its
    /// rounds and result are the body's (`BodyRecord::elections`).
    Election {
        body_id: Uuid,
        election_id: Uuid,
        position: Position,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub motion_id: Uuid,
    pub session_id: Uuid,
    /// The body the session belongs to (none if the convocation is unknown).
    pub body_id: Option<Uuid>,
    pub session_date: Option<NaiveDate>,
    pub agenda_item: u32,
    pub kind: MotionKind,
    pub title: String,
    pub text: String,
    /// The member an exclusion motion concerns.
    pub subject_member_id: Option<Uuid>,
    /// Votes recorded so far (the decision's tally also counts the absent).
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    /// Votes cast through a proxy holder.
    pub by_proxy: u32,
    pub result: MotionResult,
    pub decision: Option<Decision>,
    /// The decisions that cite the motion.
    pub effects: Vec<Effect>,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

/// Which resolutions a listing shows; dates bound the session date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionFilter {
    pub body_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub kind: Option<MotionKind>,
    pub result: Option<MotionResult>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolutionsRegister {
    pub motions: BTreeMap<Uuid, Resolution>,
    /// Each convened session's body and date, to file its motions.
    pub sessions: BTreeMap<Uuid, (Uuid, NaiveDate)>,
}

impl ResolutionsRegister {
    pub fn motion(&self, id: Uuid) -> Option<&Resolution> {
        self.motions.get(&id)
    }

    /// Resolutions matching the filter, by session date, session, agenda item.
    pub fn list(&self, f: &ResolutionFilter) -> Vec<&Resolution> {
        let mut out: Vec<_> = self
            .motions
            .values()
            .filter(|r| f.body_id.is_none_or(|b| r.body_id == Some(b)))
            .filter(|r| f.session_id.is_none_or(|s| r.session_id == s))
            .filter(|r| f.kind.is_none_or(|k| r.kind == k))
            .filter(|r| f.result.is_none_or(|k| r.result == k))
            .filter(|r| {
                f.from
                    .is_none_or(|d| r.session_date.is_some_and(|s| s >= d))
            })
            .filter(|r| f.to.is_none_or(|d| r.session_date.is_some_and(|s| s <= d)))
            .collect();
        out.sort_by_key(|r| (r.session_date, r.session_id, r.agenda_item, r.position));
        out
    }

    fn caused(&mut self, motion: Option<Uuid>, effect: Effect) {
        if let Some(r) = motion.and_then(|m| self.motions.get_mut(&m)) {
            r.effects.push(effect);
        }
    }

    fn decide(&mut self, motion: Uuid, result: MotionResult, d: Decision) {
        if let Some(r) = self.motions.get_mut(&motion) {
            r.result = result;
            r.decision = Some(d);
        }
    }
}

impl Fold for ResolutionsRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        let pos = meta.position;
        match event {
            E::SessionConvened(e) => {
                self.sessions
                    .insert(e.session_id, (e.body_id, e.session_date));
            }
            E::MotionTabled(e) => {
                let session = self.sessions.get(&e.session_id);
                self.motions.insert(
                    e.motion_id,
                    Resolution {
                        motion_id: e.motion_id,
                        session_id: e.session_id,
                        body_id: session.map(|s| s.0),
                        session_date: session.map(|s| s.1),
                        agenda_item: e.agenda_item,
                        kind: e.kind,
                        title: e.title.clone(),
                        text: e.text.clone(),
                        subject_member_id: e.subject_member_id,
                        votes_for: 0,
                        votes_against: 0,
                        abstentions: 0,
                        by_proxy: 0,
                        result: MotionResult::Pending,
                        decision: None,
                        effects: Vec::new(),
                        position: pos,
                        corrections: Vec::new(),
                    },
                );
            }
            E::VoteRecorded(e) => {
                if let Some(r) = self.motions.get_mut(&e.motion_id) {
                    match e.choice {
                        VoteChoice::For => r.votes_for += 1,
                        VoteChoice::Against => r.votes_against += 1,
                        VoteChoice::Abstain => r.abstentions += 1,
                    }
                    r.by_proxy += u32::from(e.proxy_holder_member_id.is_some());
                }
            }
            E::MotionAdopted(e) => self.decide(
                e.motion_id,
                MotionResult::Adopted,
                Decision {
                    tally: e.tally,
                    rule: e.rule,
                    base: e.base,
                    casting_vote: e.casting_vote,
                    statutes_version: e.statutes_version,
                    position: pos,
                },
            ),
            E::MotionRejected(e) => self.decide(
                e.motion_id,
                MotionResult::Rejected,
                Decision {
                    tally: e.tally,
                    rule: e.rule,
                    base: e.base,
                    casting_vote: e.casting_vote,
                    statutes_version: e.statutes_version,
                    position: pos,
                },
            ),
            E::MemberExcluded(e) => self.caused(
                e.motion_id,
                Effect::Exclusion {
                    member_id: e.member_id,
                    position: pos,
                },
            ),
            E::StatutesAmended(e) => self.caused(
                e.motion_id,
                Effect::Amendment {
                    version: e.statutes.version,
                    position: pos,
                },
            ),
            E::ElectionOpened(e) => self.caused(
                e.motion_id,
                Effect::Election {
                    body_id: e.body_id,
                    election_id: e.election_id,
                    position: pos,
                },
            ),
            _ => {}
        }
    }

    /// A correction of a motion's tabling or decision flags the motion.
    /// (A vote's correction shows on its session: a vote event does not
    /// say which record it is without its payload.)
    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        let Some(session) = n.entity("session") else {
            return;
        };
        let Some(at) = n.correction.corrected_position else {
            return;
        };
        if let Some(r) = self.motions.values_mut().find(|r| {
            r.session_id == session
                && (r.position == at || r.decision.is_some_and(|d| d.position == at))
        }) {
            r.corrections.push(n.correction.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use registre_schema::events::Majority;
    use registre_schema::events::VoteChoice as V;

    #[test]
    fn a_decided_motion_shows_its_tally_majority_and_statutes() {
        let rm = given_congress_convened([
            tabled(20, 30, MotionKind::StatuteAmendment),
            voted(20, 30, 1, V::For, None),
            voted(20, 30, 2, V::For, None),
            voted(20, 30, 3, V::Against, Some(1)),
            decided(20, 30, true, (2, 1, 0, 1), Majority::TwoThirds),
            tabled(20, 31, MotionKind::Ordinary),
            corrected(20, "session", 9, "title misspelt"),
        ]);
        let r = rm.resolutions.motion(id(30)).unwrap();
        assert_eq!(r.result, MotionResult::Adopted);
        assert_eq!((r.votes_for, r.votes_against, r.abstentions), (2, 1, 0));
        assert_eq!(r.by_proxy, 1);
        let d = r.decision.unwrap();
        assert_eq!(
            d.rule,
            registre_domain::statutory::general(Majority::TwoThirds)
        );
        assert_eq!(d.base, 3);
        assert_eq!(d.tally.absent, 1);
        assert_eq!(d.statutes_version, 1);
        assert_eq!(r.body_id, Some(id(10)));
        assert!(r.corrections.is_empty());
        assert!(r.effects.is_empty());

        let pending = rm.resolutions.list(&ResolutionFilter {
            result: Some(MotionResult::Pending),
            ..Default::default()
        });
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].motion_id, id(31));
        assert_eq!(pending[0].corrections.len(), 1);
        let other_body = rm.resolutions.list(&ResolutionFilter {
            body_id: Some(id(11)),
            ..Default::default()
        });
        assert!(other_body.is_empty());
    }

    #[test]
    fn given_an_adopted_motion_when_a_decision_cites_it_then_its_record_shows_the_effect() {
        let mut amendment = statutes_amended(2, d(2024, 6, 1), Default::default());
        if let DomainEvent::StatutesAmended(e) = &mut amendment.event {
            e.motion_id = Some(id(30));
        }
        let rm = given_congress_convened([
            tabled(20, 30, MotionKind::StatuteAmendment),
            decided(20, 30, true, (2, 0, 0, 1), Majority::TwoThirds),
            amendment,
        ]);
        let r = rm.resolutions.motion(id(30)).unwrap();
        assert!(
            matches!(r.effects[..], [Effect::Amendment { version: 2, .. }]),
            "{:?}",
            r.effects
        );
    }
}
