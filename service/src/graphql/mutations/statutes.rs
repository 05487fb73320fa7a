//! The statutes: adopted once, then amended.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::statutes::{StatutesCommand, defaults};
use registre_schema::events::{Fraction, Statutes};

use super::{Call, CommandResult, Entity, MAX_TEXT, bounded};
use crate::graphql::domain_enums::Majority;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

/// The rules of one statutes version. Every field left out takes the
/// value of the shipped defaults (simple majorities, 1/2 quorum, five-year
/// mandates, 15 days' notice...).
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
}

impl StatutesInput {
    fn statutes(self) -> Statutes {
        let mut s = defaults(self.effective_from);
        let set = |v: &mut u32, o: Option<u32>| {
            if let Some(o) = o {
                *v = o;
            }
        };
        let maj = |v: &mut registre_schema::events::Majority, o: Option<Majority>| {
            if let Some(o) = o {
                *v = o.into();
            }
        };
        set(&mut s.notice_days_ordinary, self.notice_days_ordinary);
        set(
            &mut s.notice_days_extraordinary,
            self.notice_days_extraordinary,
        );
        s.quorum = Fraction {
            numerator: self.quorum_numerator.unwrap_or(s.quorum.numerator),
            denominator: self.quorum_denominator.unwrap_or(s.quorum.denominator),
        };
        if let Some(b) = self.second_convocation_without_quorum {
            s.second_convocation.allowed_without_quorum = b;
        }
        set(
            &mut s.second_convocation.min_delay_days,
            self.second_convocation_min_delay_days,
        );
        maj(&mut s.majorities.ordinary, self.majority_ordinary);
        maj(&mut s.majorities.election, self.majority_election);
        maj(&mut s.majorities.exclusion, self.majority_exclusion);
        maj(
            &mut s.majorities.statute_amendment,
            self.majority_statute_amendment,
        );
        maj(&mut s.majorities.dissolution, self.majority_dissolution);
        set(&mut s.proxy_cap_per_delegate, self.proxy_cap_per_delegate);
        set(&mut s.mandate_years, self.mandate_years);
        set(
            &mut s.arrears.unpaid_years_lose_vote,
            self.unpaid_years_lose_vote,
        );
        set(
            &mut s.arrears.unpaid_years_before_suspension,
            self.unpaid_years_before_suspension,
        );
        set(
            &mut s.exclusion_hearing_notice_days,
            self.exclusion_hearing_notice_days,
        );
        s
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
    amend: bool,
) -> Result<CommandResult, ApiError> {
    let call = Call::new(command_id, occurred_at)?;
    bounded("reference", &reference, MAX_TEXT)?;
    let effective_from = statutes.effective_from;
    let statutes = statutes.statutes();
    let command = if amend {
        StatutesCommand::Amend {
            statutes,
            reference,
        }
    } else {
        StatutesCommand::Adopt {
            statutes,
            reference,
        }
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
        statutes_submit(ctx, command_id, occurred_at, statutes, reference, false).await
    }

    /// Adopts a new version of the statutes (its number is the latest + 1).
    async fn amend_statutes(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        statutes: StatutesInput,
        reference: String,
    ) -> Result<CommandResult, ApiError> {
        statutes_submit(ctx, command_id, occurred_at, statutes, reference, true).await
    }
}
