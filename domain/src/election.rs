//! Elections to a body's posts, as assembly software runs them: a session
//! of the body the statutes name opens an election to fill seats of a
//! post, member communes stand, and each round's ballots are counted. The
//! first rounds the statutes name are decided by an absolute majority of
//! the valid ballots, later ones by the most votes; the round that elects
//! gives the mandates in the same write (the body's stream).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{
    BodyLevel, CandidacyFiled, CandidateVotes, ElectionMajority, ElectionOpened,
    ElectionRoundCounted, ElectionRules, MandateStarted, MotionKind, OfficerElected, Statutes,
};
use uuid::Uuid;

use crate::body::{Body, add_years};
use crate::context::{BodyFact, SessionFact};
use crate::text::{MAX_NAME, required};
use crate::{Context, DomainError, Reason};

/// Most candidates one election may have.
pub const MAX_CANDIDATES: usize = 100;
/// Most ballots one round may count.
pub const MAX_BALLOTS: u32 = 1_000_000;

/// An election as the body's stream records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    pub post_id: Uuid,
    pub session_id: Uuid,
    pub seats: u32,
    pub held_on: NaiveDate,
    /// Each candidate and the person standing for it.
    pub candidates: BTreeMap<Uuid, String>,
    pub rounds: u32,
    /// Elected so far, in the order the rounds elected them.
    pub elected: Vec<Uuid>,
}

impl Election {
    /// Seats the rounds so far have not filled.
    pub fn vacant(&self) -> u32 {
        self.seats.saturating_sub(self.elected.len() as u32)
    }

    /// Every seat is filled: no round follows.
    pub fn complete(&self) -> bool {
        self.vacant() == 0
    }

    /// Candidates not yet elected.
    pub fn standing(&self) -> impl Iterator<Item = &Uuid> {
        self.candidates.keys().filter(|c| !self.elected.contains(c))
    }

    /// Still under way: its session sits (`ctx.facts.sessions` holds the
    /// sessions of the body's elections), a seat is left, and someone may
    /// still win it. An election whose session ended lapsed: it holds no
    /// seat and no candidate any more.
    pub fn live(&self, ctx: &Context) -> bool {
        !self.complete()
            && (self.rounds == 0 || self.standing().next().is_some())
            && sitting(ctx, &self.session_id)
    }
}

/// The majority round `round` (1 for the first) is decided by.
pub fn majority(rules: ElectionRules, round: u32) -> ElectionMajority {
    if round <= rules.absolute_majority_rounds {
        ElectionMajority::Absolute
    } else {
        ElectionMajority::Relative
    }
}

/// Who a round elects: the candidates meeting its majority, best placed
/// first, up to the vacant seats. Candidates tied for the last seat are
/// none of them elected: another round decides between them.
pub fn winners(
    votes: &[CandidateVotes],
    ballots: u32,
    vacant: u32,
    majority: ElectionMajority,
) -> Vec<Uuid> {
    let mut ranked: Vec<CandidateVotes> = votes
        .iter()
        .filter(|c| match majority {
            ElectionMajority::Absolute => u64::from(c.votes) * 2 > u64::from(ballots),
            ElectionMajority::Relative => c.votes > 0,
        })
        .copied()
        .collect();
    ranked.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.member_id.cmp(&b.member_id)));
    let vacant = vacant as usize;
    if ranked.len() > vacant {
        let first_left_out = ranked[vacant].votes;
        ranked.truncate(vacant);
        ranked.retain(|c| c.votes > first_left_out);
    }
    ranked.into_iter().map(|c| c.member_id).collect()
}

/// Whether a session of `electing` may fill `elected`'s posts: the body's
/// own sessions may; so may those of the statutory body the statutes say
/// elects it, for the same territory; where they name none, those of a
/// body it convenes (the Congrès, convened by the bureau it elects).
pub fn competent(statutes: &Statutes, elected: &Body, electing: &BodyFact) -> bool {
    if electing.body_id == elected.body_id {
        return true;
    }
    let named = statutes
        .instances
        .iter()
        .find(|r| Some(r.statutory_body) == elected.statutory_body)
        .and_then(|r| r.elected_by);
    // A national body has no territory to match, whatever it recorded.
    let same_territory = elected.level == BodyLevel::National
        || electing.territorial_unit == elected.territorial_unit;
    match named {
        Some(by) => electing.statutory_body == Some(by) && same_territory,
        None => electing.convened_by_body_id == Some(elected.body_id),
    }
}

/// The session `session_id` if it is in progress and its body may fill
/// `body`'s posts.
fn electing_session(
    body: &Body,
    session_id: &Uuid,
    ctx: &Context,
) -> Result<crate::context::SessionFact, DomainError> {
    let session = ctx
        .facts
        .sessions
        .get(session_id)
        .ok_or(DomainError::UnknownSession)?;
    let statutes = ctx.statutes()?;
    let electing = ctx.facts.bodies.get(&session.body_id);
    if !electing.is_some_and(|b| competent(statutes, body, b)) {
        return Err(DomainError::NotCompetentToElect);
    }
    Ok(session.clone())
}

/// Refuses a member who may not take a seat of `post_id` on `day`: one
/// already holding a seat of it or standing for one in an election under
/// way, or, where the statutes allow one post a commune, one holding or
/// standing for another post of the body.
pub(crate) fn may_take_seat(
    body: &Body,
    post_id: &Uuid,
    member_id: &Uuid,
    day: NaiveDate,
    ctx: &Context,
) -> Result<(), DomainError> {
    let statutes = ctx.statutes()?;
    let standing_for = |post: &Uuid| {
        body.elections
            .values()
            .any(|e| e.post_id == *post && e.live(ctx) && e.standing().any(|c| c == member_id))
    };
    let holds = |post: &crate::body::Post| {
        post.mandates
            .values()
            .any(|h| h.member_id == *member_id && h.starts_on <= day && day < h.until())
    };
    if body.posts.get(post_id).is_some_and(holds) {
        return Err(DomainError::AlreadyHoldsSeat);
    }
    if standing_for(post_id) {
        return Err(DomainError::AlreadyCandidate);
    }
    if statutes.elections.several_posts {
        return Ok(());
    }
    let other_post = body
        .posts
        .iter()
        .any(|(id, p)| id != post_id && (holds(p) || standing_for(id)));
    if other_post {
        return Err(DomainError::SeveralPostsNotAllowed);
    }
    Ok(())
}

/// The seats of a post that elections under way are to fill: neither
/// another election nor a designation takes them.
pub(crate) fn reserved(body: &Body, post_id: Uuid, ctx: &Context) -> u32 {
    body.elections
        .values()
        .filter(|e| e.post_id == post_id && e.live(ctx))
        .map(Election::vacant)
        .sum()
}

/// Opens an election in a session in progress, to fill seats of a post
/// that are vacant on the session's day and not already to be filled by
/// another election.
pub(crate) fn open(
    body: &Body,
    (election_id, post_id, session_id): (Uuid, Uuid, Uuid),
    seats: u32,
    motion_id: Option<Uuid>,
    ctx: &Context,
) -> Result<Vec<DomainEvent>, DomainError> {
    if body.elections.contains_key(&election_id) {
        return Err(DomainError::IdAlreadyUsed);
    }
    let post = body.posts.get(&post_id).ok_or(DomainError::UnknownPost)?;
    let session = electing_session(body, &session_id, ctx)?;
    if !session.open {
        return Err(DomainError::SessionNotOpen);
    }
    let day = session.session_date;
    let vacant = post
        .seats
        .saturating_sub(post.holders_on(day) as u32)
        .saturating_sub(reserved(body, post_id, ctx));
    if vacant == 0 {
        return Err(DomainError::PostFull { seats: post.seats });
    }
    if seats == 0 || seats > vacant {
        return Err(DomainError::ElectionSeats { vacant });
    }
    if let Some(motion_id) = &motion_id {
        carried_out(ctx, motion_id, &session)?;
    }
    Ok(vec![
        ElectionOpened {
            body_id: body.body_id,
            election_id,
            post_id,
            session_id,
            seats,
            held_on: day,
            motion_id,
        }
        .into(),
    ])
}

/// The motion an election cites: an election motion adopted in the
/// session that holds it.
fn carried_out(ctx: &Context, motion_id: &Uuid, session: &SessionFact) -> Result<(), DomainError> {
    let motion = ctx
        .facts
        .motions
        .get(motion_id)
        .ok_or(DomainError::UnknownMotion)?;
    if motion.kind != MotionKind::Election {
        return Err(DomainError::MotionOfAnotherKind {
            expected: "election",
        });
    }
    if motion.body_id != session.body_id || motion.decided_on != session.session_date {
        return Err(DomainError::MotionOfAnotherBody {
            competent: Reason::new(
                "the session that holds the election",
                "la session qui tient l'élection",
            ),
        });
    }
    if !motion.adopted {
        return Err(DomainError::MotionNotAdopted);
    }
    Ok(())
}

fn find(body: &Body, election_id: Uuid) -> Result<&Election, DomainError> {
    body.elections
        .get(&election_id)
        .ok_or(DomainError::UnknownElection)
}

/// Whether the session sits (the plan gives the sessions an election of
/// the body refers to).
fn sitting(ctx: &Context, session_id: &Uuid) -> bool {
    ctx.facts.sessions.get(session_id).is_some_and(|s| s.open)
}

/// A member commune stands, if it may sit and take the seat.
pub(crate) fn file_candidacy(
    body: &Body,
    election_id: Uuid,
    member_id: Uuid,
    holder_name: &str,
    ctx: &Context,
) -> Result<Vec<DomainEvent>, DomainError> {
    let election = find(body, election_id)?;
    if election.rounds > 0 {
        return Err(DomainError::CandidaciesClosed);
    }
    if !sitting(ctx, &election.session_id) {
        return Err(DomainError::SessionNotOpen);
    }
    if election.candidates.contains_key(&member_id) {
        return Err(DomainError::AlreadyCandidate);
    }
    if election.candidates.len() >= MAX_CANDIDATES {
        return Err(DomainError::TooManyCandidates {
            max: MAX_CANDIDATES,
        });
    }
    required("holder_name", holder_name, MAX_NAME)?;
    if ctx.facts.outside_territory.contains(&member_id) {
        return Err(DomainError::OutsideBodyTerritory);
    }
    if !ctx.facts.eligible_members.contains(&member_id) {
        return Err(DomainError::NotEligibleToStand);
    }
    may_take_seat(body, &election.post_id, &member_id, election.held_on, ctx)?;
    Ok(vec![
        CandidacyFiled {
            body_id: body.body_id,
            election_id,
            member_id,
            holder_name: holder_name.to_owned(),
        }
        .into(),
    ])
}

/// A round's count, as the tellers give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub ballots: u32,
    pub blank: u32,
    pub spoilt: u32,
    /// Votes per candidate; a standing candidate left out had none.
    pub votes: Vec<CandidateVotes>,
}

fn bad_tally(english: &'static str, french: &'static str) -> DomainError {
    DomainError::InvalidElectionTally {
        reason: Reason::new(english, french),
    }
}

/// Counts a round in the session still in progress: the round's result,
/// then the mandates of those it elects, from the session's day for the
/// body's term.
pub(crate) fn count_round(
    body: &Body,
    election_id: Uuid,
    count: &Count,
    ctx: &Context,
) -> Result<Vec<DomainEvent>, DomainError> {
    let election = find(body, election_id)?;
    if election.complete() {
        return Err(DomainError::ElectionComplete);
    }
    let session = electing_session(body, &election.session_id, ctx)?;
    if !session.open {
        return Err(DomainError::SessionNotOpen);
    }
    if election.standing().next().is_none() {
        return Err(DomainError::NoCandidates);
    }
    if count.ballots == 0 || count.ballots > MAX_BALLOTS {
        return Err(bad_tally(
            "a round counts at least one valid ballot",
            "un tour compte au moins un bulletin valable",
        ));
    }
    let cast = u64::from(count.ballots) + u64::from(count.blank) + u64::from(count.spoilt);
    if cast > u64::from(session.voters) {
        return Err(DomainError::TooManyBallots {
            voters: session.voters,
        });
    }
    let mut votes: BTreeMap<Uuid, Option<u32>> = election.standing().map(|c| (*c, None)).collect();
    for given in &count.votes {
        let slot = votes
            .get_mut(&given.member_id)
            .ok_or(DomainError::NotACandidate)?;
        if slot.is_some() || given.votes > count.ballots {
            return Err(bad_tally(
                "each candidate is counted once, with at most one vote a valid ballot",
                "chaque candidat est compté une fois, avec au plus une voix par bulletin valable",
            ));
        }
        *slot = Some(given.votes);
    }
    let total: u64 = votes.values().flatten().map(|v| u64::from(*v)).sum();
    if total > u64::from(count.ballots) * u64::from(election.vacant()) {
        return Err(bad_tally(
            "a ballot carries at most one vote per seat to fill",
            "un bulletin porte au plus une voix par siège à pourvoir",
        ));
    }
    let statutes = ctx.statutes()?;
    let round = election.rounds + 1;
    let majority = majority(statutes.elections, round);
    let votes: Vec<CandidateVotes> = votes
        .into_iter()
        .map(|(member_id, votes)| CandidateVotes {
            member_id,
            votes: votes.unwrap_or(0),
        })
        .collect();
    let elected = winners(&votes, count.ballots, election.vacant(), majority);
    let post = body
        .posts
        .get(&election.post_id)
        .ok_or(DomainError::UnknownPost)?;
    let term = crate::statutory::term_years(statutes, body.statutory_body);
    let starts_on = election.held_on;
    let ends_on = add_years(starts_on, term);
    if post.busiest(starts_on, ends_on) + elected.len() > post.seats as usize {
        return Err(DomainError::PostFull { seats: post.seats });
    }
    let mut events: Vec<DomainEvent> = vec![
        ElectionRoundCounted {
            body_id: body.body_id,
            election_id,
            round,
            majority,
            ballots: count.ballots,
            blank: count.blank,
            spoilt: count.spoilt,
            votes,
            elected: elected.clone(),
            statutes_version: statutes.version,
        }
        .into(),
    ];
    for member_id in elected {
        // One mandate per election and member: its id follows from both,
        // so a retried count gives the same mandates.
        let mandate_id = Uuid::new_v5(&election_id, member_id.as_bytes());
        if body
            .posts
            .values()
            .any(|p| p.mandates.contains_key(&mandate_id))
        {
            return Err(DomainError::IdAlreadyUsed);
        }
        events.push(
            OfficerElected {
                body_id: body.body_id,
                post_id: election.post_id,
                mandate_id,
                member_id,
                holder_name: election.candidates[&member_id].clone(),
                session_id: Some(election.session_id),
                statutes_version: statutes.version,
            }
            .into(),
        );
        events.push(
            MandateStarted {
                body_id: body.body_id,
                post_id: election.post_id,
                mandate_id,
                starts_on,
                ends_on,
            }
            .into(),
        );
    }
    Ok(events)
}

/// Folds an election's events into the body's elections.
pub(crate) fn evolve(elections: &mut BTreeMap<Uuid, Election>, event: &DomainEvent) {
    match event {
        DomainEvent::ElectionOpened(e) => {
            elections.insert(
                e.election_id,
                Election {
                    post_id: e.post_id,
                    session_id: e.session_id,
                    seats: e.seats,
                    held_on: e.held_on,
                    candidates: BTreeMap::new(),
                    rounds: 0,
                    elected: Vec::new(),
                },
            );
        }
        DomainEvent::CandidacyFiled(e) => {
            if let Some(election) = elections.get_mut(&e.election_id) {
                election
                    .candidates
                    .insert(e.member_id, e.holder_name.clone());
            }
        }
        DomainEvent::ElectionRoundCounted(e) => {
            if let Some(election) = elections.get_mut(&e.election_id) {
                election.rounds = e.round;
                election.elected.extend(e.elected.iter().copied());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
