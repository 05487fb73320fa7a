//! The resolutions register: motions with their tallies, results and the
//! majority and statutes version they were judged under.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::resolutions::{Effect, Resolution, ResolutionFilter};

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{
    AsOf, Conn, Correction, Page, corrections, date_key, id, not_found, page_cost, registers, uuid,
};

use super::domain_enums::MotionKind as GqlMotionKind;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "MotionResult",
    remote = "registre_projections::resolutions::MotionResult"
)]
pub enum GqlMotionResult {
    Pending,
    Adopted,
    Rejected,
}

use super::domain_enums::VoteChoice;
use super::statutory_rules::MajorityRule;

/// The count closing a vote.
#[derive(SimpleObject, Clone)]
pub struct Tally {
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    pub absent: u32,
}

/// The decision closing a vote.
#[derive(SimpleObject, Clone)]
pub struct Decision {
    pub tally: Tally,
    /// The majority rule applied.
    pub rule: MajorityRule,
    /// The rule's base as counted when the vote closed.
    pub base: u32,
    /// The chair's casting vote on a tie, when the rule gives one.
    pub casting_vote: Option<VoteChoice>,
    pub statutes_version: u32,
    /// Position of the decision in the log.
    pub position: u64,
}

/// What an adopted motion caused.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EffectKind {
    /// A member excluded (`memberId`).
    Exclusion,
    /// A version of the statutes (`statutesVersion`).
    Amendment,
    /// An election that carries it out (`electionId` in the body
    /// `bodyId`: its rounds and result are `Body.elections`).
    Election,
}

/// A decision that cites the motion.
#[derive(SimpleObject, Clone)]
pub struct MotionEffect {
    pub kind: EffectKind,
    pub member_id: Option<ID>,
    pub statutes_version: Option<u32>,
    pub body_id: Option<ID>,
    pub election_id: Option<ID>,
    /// Position of the decision in the log.
    pub position: u64,
}

fn effect(e: &Effect) -> MotionEffect {
    match *e {
        Effect::Exclusion {
            member_id,
            position,
        } => MotionEffect {
            kind: EffectKind::Exclusion,
            member_id: Some(id(member_id)),
            statutes_version: None,
            body_id: None,
            election_id: None,
            position,
        },
        Effect::Amendment { version, position } => MotionEffect {
            kind: EffectKind::Amendment,
            member_id: None,
            statutes_version: Some(version),
            body_id: None,
            election_id: None,
            position,
        },
        Effect::Election {
            body_id,
            election_id,
            position,
        } => MotionEffect {
            kind: EffectKind::Election,
            member_id: None,
            statutes_version: None,
            body_id: Some(id(body_id)),
            election_id: Some(id(election_id)),
            position,
        },
    }
}

/// A motion and its outcome.
#[derive(SimpleObject, Clone)]
pub struct Motion {
    pub id: ID,
    pub session_id: ID,
    pub body_id: Option<ID>,
    pub session_date: Option<NaiveDate>,
    pub agenda_item: u32,
    pub kind: GqlMotionKind,
    pub title: String,
    pub text: String,
    /// Votes recorded so far.
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    /// Votes cast through a proxy holder.
    pub by_proxy: u32,
    pub result: GqlMotionResult,
    pub decision: Option<Decision>,
    /// The decisions that cite it: an exclusion, an amendment.
    pub effects: Vec<MotionEffect>,
    /// Position of the tabling in the log.
    pub position: u64,
    pub corrections: Vec<Correction>,
    /// Position of the log the read models were at for this answer.
    pub read_position: u64,
    /// Its certified extract in PDF, once decided.
    pub documents: Vec<super::documents::DocumentLink>,
}

pub(crate) fn motion(r: &Resolution, read_position: u64) -> Motion {
    Motion {
        id: id(r.motion_id),
        session_id: id(r.session_id),
        body_id: r.body_id.map(id),
        session_date: r.session_date,
        agenda_item: r.agenda_item,
        kind: r.kind.into(),
        title: r.title.clone(),
        text: r.text.clone(),
        votes_for: r.votes_for,
        votes_against: r.votes_against,
        abstentions: r.abstentions,
        by_proxy: r.by_proxy,
        result: r.result.into(),
        decision: r.decision.map(|d| Decision {
            tally: Tally {
                votes_for: d.tally.votes_for,
                votes_against: d.tally.votes_against,
                abstentions: d.tally.abstentions,
                absent: d.tally.absent,
            },
            rule: d.rule.into(),
            base: d.base,
            casting_vote: d.casting_vote.map(Into::into),
            statutes_version: d.statutes_version,
            position: d.position,
        }),
        effects: r.effects.iter().map(effect).collect(),
        position: r.position,
        corrections: corrections(&r.corrections),
        read_position,
        documents: super::documents::of_motion(r.motion_id, r.decision.is_some()),
    }
}

/// The sort key of the register's order: session date, session, agenda
/// item, tabling position.
fn key(r: &Resolution) -> String {
    format!(
        "{}|{}|{:010}|{:020}",
        date_key(r.session_date),
        r.session_id,
        r.agenda_item,
        r.position
    )
}

#[derive(Default)]
pub struct ResolutionsQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl ResolutionsQuery {
    /// Motions by session date, filtered by body, session, kind, result
    /// and session dates (`from`, `to` included).
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn resolutions(
        &self,
        ctx: &Context<'_>,
        body_id: Option<ID>,
        session_id: Option<ID>,
        kind: Option<GqlMotionKind>,
        result: Option<GqlMotionResult>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<Motion>, ApiError> {
        let f = ResolutionFilter {
            body_id: body_id.as_ref().map(|b| uuid(b, "instance")).transpose()?,
            session_id: session_id
                .as_ref()
                .map(|s| uuid(s, "session"))
                .transpose()?,
            kind: kind.map(Into::into),
            result: result.map(Into::into),
            from,
            to,
        };
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, pos| {
            let items = rm
                .resolutions
                .list(&f)
                .into_iter()
                .map(|r| (key(r), r))
                .collect();
            page.cut(pos, items, |r| motion(r, pos))
        }))
    }

    /// One motion with its tally and decision.
    async fn motion(
        &self,
        ctx: &Context<'_>,
        id: ID,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Motion, ApiError> {
        let key = uuid(&id, "motion")?;
        let p = registers(ctx, min_position, as_of).await?;
        p.read(|rm, pos| {
            rm.resolutions
                .motion(key)
                .map(|r| motion(r, pos))
                .ok_or_else(|| not_found("motion", "motion", key))
        })
    }
}
