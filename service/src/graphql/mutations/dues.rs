//! Dues schedules: the amount each category owes for a year.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::dues::{MAX_TIERS, SetDuesSchedule};
use registre_schema::events::DuesTier;

use super::{Call, CommandResult, Entity, MAX_NAME, bounded};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

/// The amount one dues category owes.
#[derive(InputObject)]
pub struct DuesTierInput {
    pub category: String,
    pub amount_xof: i64,
}

#[derive(Default)]
pub struct DuesMutation;

#[Object(guard = "Policy(RootKind::Mutation)")]
impl DuesMutation {
    /// Sets the dues schedule of a year (once per year).
    async fn set_dues_schedule(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        year: i32,
        tiers: Vec<DuesTierInput>,
        due_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        if tiers.len() > MAX_TIERS {
            return Err(ApiError::bad_input(
                format!("tiers : {MAX_TIERS} catégories au plus."),
                format!("tiers: at most {MAX_TIERS} categories."),
            ));
        }
        for t in &tiers {
            bounded("tiers.category", &t.category, MAX_NAME)?;
        }
        let tiers = tiers
            .into_iter()
            .map(|t| DuesTier {
                category: t.category,
                amount_xof: t.amount_xof,
            })
            .collect();
        let command = SetDuesSchedule {
            year,
            tiers,
            due_on,
        };
        // The schedule is set when the year's budget is, not on its due
        // date: default to now unless the client says when.
        let schedule = Entity::DuesSchedule(year);
        call.submit(ctx, None, command, schedule).await
    }
}
