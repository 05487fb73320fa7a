//! The statutes: adopted once, then amended.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::statutes::{StatutesChanges, StatutesCommand, defaults};
use uuid::Uuid;

use super::{Call, CommandResult, Entity, MAX_TEXT, bounded, uuid};
use crate::graphql::domain_enums::Majority;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};
use crate::graphql::statutory_rules::InstanceRules;

/// The rules of a statutes version. In an adoption every field left out
/// takes the shipped default (simple majorities, 1/2 quorum, five-year
/// mandates, 15 days' notice, no rules of a statutory body's own); in an
/// amendment it keeps its value in the latest version.
#[derive(InputObject, Default)]
pub struct StatutesInput {
    /// Decisions dated on or after this day are judged under this version.
    pub effective_from: NaiveDate,
    pub notice_days_ordinary: Option<u32>,
    pub notice_days_extraordinary: Option<u32>,
    pub quorum_numerator: Option<u32>,
    pub quorum_denominator: Option<u32>,
    pub second_convocation_without_quorum: Option<bool>,
    pub second_convocation_min_delay_days: Option<u32>,
    pub majority_ordinary: Option<Majority>,
    pub majority_election: Option<Majority>,
    pub majority_exclusion: Option<Majority>,
    pub majority_statute_amendment: Option<Majority>,
    pub majority_dissolution: Option<Majority>,
    pub proxy_cap_per_delegate: Option<u32>,
    pub mandate_years: Option<u32>,
    pub unpaid_years_lose_vote: Option<u32>,
    pub unpaid_years_before_suspension: Option<u32>,
    pub exclusion_hearing_notice_days: Option<u32>,
    pub election_absolute_majority_rounds: Option<u32>,
    pub election_several_posts: Option<bool>,
    /// Statutory bodies whose rules are stated: each replaces that body's
    /// rules whole (at most one entry per statutory body).
    #[graphql(validator(max_items = 7))]
    pub instances: Option<Vec<InstanceRules>>,
}

impl StatutesInput {
    /// The rules named (the one conversion of this input).
    fn changes(&self) -> StatutesChanges {
        StatutesChanges {
            notice_days_ordinary: self.notice_days_ordinary,
            notice_days_extraordinary: self.notice_days_extraordinary,
            quorum_numerator: self.quorum_numerator,
            quorum_denominator: self.quorum_denominator,
            second_convocation_without_quorum: self.second_convocation_without_quorum,
            second_convocation_min_delay_days: self.second_convocation_min_delay_days,
            majority_ordinary: self.majority_ordinary.map(Into::into),
            majority_election: self.majority_election.map(Into::into),
            majority_exclusion: self.majority_exclusion.map(Into::into),
            majority_statute_amendment: self.majority_statute_amendment.map(Into::into),
            majority_dissolution: self.majority_dissolution.map(Into::into),
            proxy_cap_per_delegate: self.proxy_cap_per_delegate,
            mandate_years: self.mandate_years,
            unpaid_years_lose_vote: self.unpaid_years_lose_vote,
            unpaid_years_before_suspension: self.unpaid_years_before_suspension,
            exclusion_hearing_notice_days: self.exclusion_hearing_notice_days,
            election_absolute_majority_rounds: self.election_absolute_majority_rounds,
            election_several_posts: self.election_several_posts,
            instances: self
                .instances
                .iter()
                .flatten()
                .map(|r| (*r).into())
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct StatutesMutation;

async fn statutes_submit(
    ctx: &Context<'_>,
    command_id: Option<ID>,
    occurred_at: Option<DateTime<Utc>>,
    statutes: StatutesInput,
    reference: String,
    amended_by: Option<Uuid>,
) -> Result<CommandResult, ApiError> {
    let call = Call::new(command_id, occurred_at)?;
    bounded("reference", &reference, MAX_TEXT)?;
    let effective_from = statutes.effective_from;
    let changes = statutes.changes();
    let mut stated = std::collections::BTreeSet::new();
    if !changes
        .instances
        .iter()
        .all(|r| stated.insert(r.statutory_body))
    {
        return Err(ApiError::bad_input(
            "statutes.instances : une entrée par corps statutaire au plus.",
            "statutes.instances: one entry per statutory body at most.",
        ));
    }
    let command = match amended_by {
        Some(motion_id) => StatutesCommand::Amend {
            effective_from,
            changes,
            reference,
            motion_id,
        },
        None => StatutesCommand::Adopt {
            statutes: changes.apply(&defaults(effective_from)),
            reference,
        },
    };
    let version = Entity::Statutes(effective_from);
    call.submit(ctx, Some(effective_from), command, version)
        .await
}

#[Object(guard = "Policy(RootKind::Mutation)")]
impl StatutesMutation {
    /// Adopts the first statutes.
    async fn adopt_statutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        statutes: StatutesInput,
        reference: String,
    ) -> Result<CommandResult, ApiError> {
        statutes_submit(ctx, command_id, occurred_at, statutes, reference, None).await
    }

    /// Adopts a new version of the statutes (its number is the latest + 1):
    /// the rules it names change, the others keep their value in the
    /// latest version. It cites the statute-amendment motion a national
    /// instance adopted, and takes effect no earlier than that session.
    async fn amend_statutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        statutes: StatutesInput,
        reference: String,
        motion_id: ID,
    ) -> Result<CommandResult, ApiError> {
        let motion = uuid("motionId", &motion_id)?;
        statutes_submit(
            ctx,
            command_id,
            occurred_at,
            statutes,
            reference,
            Some(motion),
        )
        .await
    }
}
