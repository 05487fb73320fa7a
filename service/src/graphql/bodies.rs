//! Bodies: each instance and organ, its posts, who holds them on a date,
//! and the history of its mandates.

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::bodies::{BodyFilter, BodyRecord, MandateRecord};
use registre_projections::elections::ElectionRecord;
use registre_projections::meetings::statutory_meetings;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{
    AsOf, Conn, Correction, Page, corrections, id, nested, not_found, page_cost, registers, short,
    uuid,
};

use super::domain_enums::BodyKind as GqlBodyKind;

use super::domain_enums::BodyLevel as GqlBodyLevel;

use super::domain_enums::MandateEndReason as GqlMandateEndReason;

use super::domain_enums::StatutoryBody as GqlStatutoryBody;

use super::domain_enums::ElectionMajority as GqlElectionMajority;

/// A mandate: a member's representative in a post.
#[derive(SimpleObject, Clone)]
pub struct Mandate {
    pub id: ID,
    pub post_id: ID,
    pub member_id: ID,
    pub holder_name: String,
    pub elected_in_session_id: Option<ID>,
    pub statutes_version: u32,
    pub starts_on: Option<NaiveDate>,
    /// End of the statutory term.
    pub term_ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<GqlMandateEndReason>,
    /// The day its commune left the association (excluded, withdrawn or
    /// succeeded): the mandate ended then.
    pub commune_left_on: Option<NaiveDate>,
    /// Position of the election in the log.
    pub position: u64,
    pub corrections: Vec<Correction>,
}

fn mandate(m: &MandateRecord) -> Mandate {
    Mandate {
        id: id(m.mandate_id),
        post_id: id(m.post_id),
        member_id: id(m.member_id),
        holder_name: m.holder_name.clone(),
        elected_in_session_id: m.elected_in_session.map(id),
        statutes_version: m.statutes_version,
        starts_on: m.starts_on,
        term_ends_on: m.term_ends_on,
        ended_on: m.ended_on,
        end_reason: m.end_reason.map(Into::into),
        commune_left_on: m.commune_left_on,
        position: m.position,
        corrections: corrections(&m.corrections),
    }
}

/// A candidate in an election.
#[derive(SimpleObject, Clone)]
pub struct Candidate {
    pub member_id: ID,
    pub holder_name: String,
    /// A round elected them.
    pub elected: bool,
}

/// The votes a candidate received in a round.
#[derive(SimpleObject, Clone)]
pub struct CandidateVotes {
    pub member_id: ID,
    pub votes: u32,
}

/// One round of an election, as counted.
#[derive(SimpleObject, Clone)]
pub struct ElectionRound {
    pub round: u32,
    pub majority: GqlElectionMajority,
    /// Valid ballots (suffrages exprimés).
    pub ballots: u32,
    pub blank: u32,
    pub spoilt: u32,
    pub votes: Vec<CandidateVotes>,
    pub elected_member_ids: Vec<ID>,
    /// Position of the count in the log.
    pub position: u64,
}

/// An election to fill seats of a post.
#[derive(SimpleObject, Clone)]
pub struct Election {
    pub id: ID,
    pub post_id: ID,
    /// The session that votes.
    pub session_id: ID,
    pub seats: u32,
    pub held_on: NaiveDate,
    pub candidates: Vec<Candidate>,
    pub rounds: Vec<ElectionRound>,
    /// Every seat is filled.
    pub complete: bool,
    /// Position of its opening in the log.
    pub position: u64,
}

fn election(e: &ElectionRecord) -> Election {
    let elected: Vec<_> = e.elected().copied().collect();
    Election {
        id: id(e.election_id),
        post_id: id(e.post_id),
        session_id: id(e.session_id),
        seats: e.seats,
        held_on: e.held_on,
        candidates: e
            .candidates
            .iter()
            .map(|c| Candidate {
                member_id: id(c.member_id),
                holder_name: c.holder_name.clone(),
                elected: elected.contains(&c.member_id),
            })
            .collect(),
        rounds: e
            .rounds
            .iter()
            .map(|r| ElectionRound {
                round: r.round,
                majority: r.majority.into(),
                ballots: r.ballots,
                blank: r.blank,
                spoilt: r.spoilt,
                votes: r
                    .votes
                    .iter()
                    .map(|v| CandidateVotes {
                        member_id: id(v.member_id),
                        votes: v.votes,
                    })
                    .collect(),
                elected_member_ids: r.elected.iter().copied().map(id).collect(),
                position: r.position,
            })
            .collect(),
        complete: e.complete(),
        position: e.position,
    }
}

/// A post and its holders.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Seat {
    pub post_id: ID,
    pub title: String,
    pub seats: u32,
    #[graphql(skip)]
    holders: Vec<Mandate>,
    #[graphql(skip)]
    read_position: u64,
}

#[ComplexObject]
impl Seat {
    /// The holders, in election order.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn holders(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Mandate>, ApiError> {
        nested(
            self.read_position,
            &self.holders,
            first,
            after,
            Clone::clone,
        )
    }
}

/// An instance or organ.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Body {
    pub id: ID,
    pub name: String,
    pub kind: GqlBodyKind,
    pub level: GqlBodyLevel,
    /// Code of the region or cercle it serves.
    pub unit_code: Option<String>,
    pub convened_by_body_id: Option<ID>,
    pub parent_body_id: Option<ID>,
    /// Which of the statutes' bodies it is (its quorum, majorities and
    /// meetings are that body's).
    pub statutory_body: Option<GqlStatutoryBody>,
    /// Position of its establishment in the log.
    pub position: u64,
    pub corrections: Vec<Correction>,
    /// Position of the log the read models were at for this answer.
    pub read_position: u64,
    #[graphql(skip)]
    record: BodyRecord,
    /// The day `composition` defaults to.
    #[graphql(skip)]
    day: NaiveDate,
}

#[ComplexObject]
impl Body {
    /// Each post with the mandates held on `on` (default today, or the
    /// day of the point `asOf` names).
    async fn composition(&self, on: Option<NaiveDate>) -> Vec<Seat> {
        self.record
            .composition(on.unwrap_or(self.day))
            .into_iter()
            .map(|s| Seat {
                post_id: id(s.post.post_id),
                title: s.post.title.clone(),
                seats: s.post.seats,
                holders: s.holders.into_iter().map(mandate).collect(),
                read_position: self.read_position,
            })
            .collect()
    }

    /// Each post with every holder it ever had, in election order.
    async fn posts(&self) -> Vec<Seat> {
        self.record
            .posts
            .values()
            .map(|p| Seat {
                post_id: id(p.post_id),
                title: p.title.clone(),
                seats: p.seats,
                holders: self
                    .record
                    .holders_of(p.post_id)
                    .into_iter()
                    .map(mandate)
                    .collect(),
                read_position: self.read_position,
            })
            .collect()
    }

    /// Every mandate ever given in this body, in election order.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn mandates(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Mandate>, ApiError> {
        nested(
            self.read_position,
            &self.record.mandates,
            first,
            after,
            mandate,
        )
    }

    /// Every election to its posts, in the order they opened, with their
    /// candidates and rounds.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn elections(
        &self,
        first: Option<u32>,
        after: Option<String>,
    ) -> Result<Conn<Election>, ApiError> {
        nested(
            self.read_position,
            &self.record.elections,
            first,
            after,
            election,
        )
    }
}

fn body(b: &BodyRecord, read_position: u64, day: NaiveDate) -> Body {
    Body {
        id: id(b.body_id),
        name: b.name.clone(),
        kind: b.kind.into(),
        level: b.level.into(),
        unit_code: b.territorial_unit.as_ref().map(|u| u.code.clone()),
        convened_by_body_id: b.convened_by_body_id.map(id),
        parent_body_id: b.parent_body_id.map(id),
        statutory_body: b.statutory_body.map(Into::into),
        position: b.position,
        corrections: corrections(&b.corrections),
        read_position,
        record: b.clone(),
        day,
    }
}

/// A body's ordinary sessions against its statutes.
#[derive(SimpleObject)]
pub struct StatutoryMeeting {
    pub body_id: ID,
    pub name: String,
    pub statutory_body: GqlStatutoryBody,
    /// Code of the region or cercle it serves.
    pub unit_code: Option<String>,
    /// Most months between two ordinary sessions.
    pub every_months: u32,
    /// Its latest ordinary session that deliberated.
    pub last_met: Option<NaiveDate>,
    /// When it must next meet at the latest.
    pub next_due: NaiveDate,
    pub overdue: bool,
}

#[derive(Default)]
pub struct BodiesQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl BodiesQuery {
    /// Bodies by id, filtered by level, kind and the unit they serve.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn bodies(
        &self,
        ctx: &Context<'_>,
        level: Option<GqlBodyLevel>,
        kind: Option<GqlBodyKind>,
        unit_code: Option<String>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<Body>, ApiError> {
        let f = BodyFilter {
            level: level.map(Into::into),
            kind: kind.map(Into::into),
            unit_code: short(unit_code, "unitCode")?,
        };
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        let day = p.today();
        Ok(p.read(|rm, pos| {
            let items = rm
                .bodies
                .list(&f)
                .into_iter()
                .map(|b| (b.body_id.to_string(), b))
                .collect();
            page.cut(pos, items, |b| body(b, pos, day))
        }))
    }

    /// Every body the statutes in force on `on` (default today, or the
    /// day of the point `asOf` names) require to meet in ordinary session
    /// every so many months: when it last met, when it must next meet,
    /// whether it is overdue. `overdueOnly` keeps the overdue ones.
    async fn statutory_meetings(
        &self,
        ctx: &Context<'_>,
        on: Option<NaiveDate>,
        overdue_only: Option<bool>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Vec<StatutoryMeeting>, ApiError> {
        let p = registers(ctx, min_position, as_of).await?;
        let on = on.unwrap_or_else(|| p.today());
        let overdue_only = overdue_only.unwrap_or(false);
        Ok(p.read(|rm, _| {
            statutory_meetings(rm, on)
                .into_iter()
                .filter(|due| due.overdue || !overdue_only)
                .filter_map(|due| {
                    let b = rm.bodies.body(due.body_id)?;
                    Some(StatutoryMeeting {
                        body_id: id(due.body_id),
                        name: b.name.clone(),
                        statutory_body: due.statutory_body.into(),
                        unit_code: b.territorial_unit.as_ref().map(|u| u.code.clone()),
                        every_months: due.every_months,
                        last_met: due.last_met,
                        next_due: due.next_due,
                        overdue: due.overdue,
                    })
                })
                .collect()
        }))
    }

    /// One body with its posts, holders and mandate history.
    async fn body(
        &self,
        ctx: &Context<'_>,
        id: ID,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Body, ApiError> {
        let key = uuid(&id, "instance")?;
        let p = registers(ctx, min_position, as_of).await?;
        let day = p.today();
        p.read(|rm, pos| {
            rm.bodies
                .body(key)
                .map(|b| body(b, pos, day))
                .ok_or_else(|| not_found("instance", "body", key))
        })
    }
}
