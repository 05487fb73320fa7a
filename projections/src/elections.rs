//! Elections as the registers show them: each election a body's posts
//! were filled by, its candidates and every round's count. They are kept
//! in their body's record (the body's stream holds them).

use chrono::NaiveDate;
use registre_schema::events::{CandidateVotes, ElectionMajority};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub member_id: Uuid,
    pub holder_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub round: u32,
    pub majority: ElectionMajority,
    pub ballots: u32,
    pub blank: u32,
    pub spoilt: u32,
    pub votes: Vec<CandidateVotes>,
    pub elected: Vec<Uuid>,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionRecord {
    pub election_id: Uuid,
    pub post_id: Uuid,
    pub session_id: Uuid,
    pub seats: u32,
    pub held_on: NaiveDate,
    /// In the order they stood.
    pub candidates: Vec<Candidate>,
    pub rounds: Vec<Round>,
    pub position: Position,
}

impl ElectionRecord {
    /// Everyone the rounds elected, in order.
    pub fn elected(&self) -> impl Iterator<Item = &Uuid> {
        self.rounds.iter().flat_map(|r| r.elected.iter())
    }

    /// Every seat is filled.
    pub fn complete(&self) -> bool {
        self.elected().count() >= self.seats as usize
    }

    /// The name a candidate stood under.
    pub fn holder_name(&self, member_id: Uuid) -> Option<&str> {
        self.candidates
            .iter()
            .find(|c| c.member_id == member_id)
            .map(|c| c.holder_name.as_str())
    }
}

/// Folds an election event into a body's elections.
pub(crate) fn on(elections: &mut Vec<ElectionRecord>, position: Position, event: &DomainEvent) {
    fn find(elections: &mut [ElectionRecord], id: Uuid) -> Option<&mut ElectionRecord> {
        elections.iter_mut().rev().find(|e| e.election_id == id)
    }
    match event {
        DomainEvent::ElectionOpened(e) => elections.push(ElectionRecord {
            election_id: e.election_id,
            post_id: e.post_id,
            session_id: e.session_id,
            seats: e.seats,
            held_on: e.held_on,
            candidates: Vec::new(),
            rounds: Vec::new(),
            position,
        }),
        DomainEvent::CandidacyFiled(e) => {
            if let Some(election) = find(elections, e.election_id) {
                election.candidates.push(Candidate {
                    member_id: e.member_id,
                    holder_name: e.holder_name.clone(),
                });
            }
        }
        DomainEvent::ElectionRoundCounted(e) => {
            if let Some(election) = find(elections, e.election_id) {
                election.rounds.push(Round {
                    round: e.round,
                    majority: e.majority,
                    ballots: e.ballots,
                    blank: e.blank,
                    spoilt: e.spoilt,
                    votes: e.votes.clone(),
                    elected: e.elected.clone(),
                    position,
                });
            }
        }
        _ => {}
    }
}
