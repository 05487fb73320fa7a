//! The territory: a reorganisation of its units (a region split, communes
//! merged, a cercle renamed) recorded between two editions of the list.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::territory::TerritoryCommand;

use super::members::TerritorialUnitInput;
use super::{Call, CommandResult, Entity, MAX_TEXT, bounded};
use crate::graphql::domain_enums::ReorganisationKind;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

/// Most units one reorganisation names on either side.
const MAX_UNITS: usize = 100;

#[derive(Default)]
pub struct TerritoryMutation;

#[Object(guard = "Policy(RootKind::Mutation)")]
impl TerritoryMutation {
    /// Records that units of one edition became units of another from
    /// `effectiveFrom`, under a legal reference: the lineage a member's
    /// succession (`succeedMembership`) then cites. The successors must
    /// already be registered (`registre territory import`).
    /// `reorganisationId` defaults to an id derived from the command id.
    #[allow(clippy::too_many_arguments)]
    async fn record_reorganisation(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        reorganisation_id: Option<ID>,
        kind: ReorganisationKind,
        effective_from: NaiveDate,
        predecessors: Vec<TerritorialUnitInput>,
        successors: Vec<TerritorialUnitInput>,
        legal_reference: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let reorganisation_id =
            call.new_id("reorganisationId", reorganisation_id, "reorganisation")?;
        bounded("legalReference", &legal_reference, MAX_TEXT)?;
        if predecessors.len() > MAX_UNITS || successors.len() > MAX_UNITS {
            return Err(ApiError::bad_input(
                format!("predecessors, successors : {MAX_UNITS} unités au plus de chaque côté."),
                format!("predecessors, successors: at most {MAX_UNITS} units on each side."),
            ));
        }
        let keys = |units: Vec<TerritorialUnitInput>, field: &str| {
            units
                .into_iter()
                .map(|u| u.key(field))
                .collect::<Result<Vec<_>, _>>()
        };
        let command = TerritoryCommand::RecordReorganisation {
            reorganisation_id,
            kind: kind.into(),
            effective_from,
            predecessors: keys(predecessors, "predecessors")?,
            successors: keys(successors, "successors")?,
            legal_reference,
        };
        call.submit(
            ctx,
            Some(effective_from),
            command,
            Entity::Reorganisation(reorganisation_id),
        )
        .await
    }
}
