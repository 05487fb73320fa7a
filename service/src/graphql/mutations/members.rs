//! Member communes: admission to succession, and dues payments.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;
use registre_schema::events::TerritorialUnitKey;
use uuid::Uuid;

use super::{
    CommandResult, MAX_CODE, MAX_NAME, MAX_TEXT, Submit, bounded, command_uuid, json, occurred,
    submit, uuid,
};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Permission, RoleGuard};

/// A territorial unit: coding scheme, edition and code.
#[derive(InputObject)]
pub struct TerritorialUnitInput {
    /// e.g. `ocha-pcode`.
    pub scheme: String,
    /// e.g. `2015`.
    pub edition: String,
    /// e.g. `ML010101`.
    pub code: String,
}

impl TerritorialUnitInput {
    pub(super) fn key(self, field: &str) -> Result<TerritorialUnitKey, ApiError> {
        for s in [&self.scheme, &self.edition, &self.code] {
            bounded(field, s, MAX_CODE)?;
        }
        Ok(TerritorialUnitKey {
            scheme: self.scheme,
            edition: self.edition,
            code: self.code,
        })
    }
}

#[derive(Default)]
pub struct MemberMutation;

/// The member's record in the membership register.
fn member_entity(id: Uuid) -> super::EntityOf {
    Box::new(move |m| json(m.membership.member(id)))
}

fn member_submit(
    command_id: Uuid,
    occurred_at: DateTime<Utc>,
    member_id: Uuid,
    command: MemberCommand,
) -> Submit {
    Submit {
        command_id,
        occurred_at,
        command: command.into(),
        entity_id: member_id.to_string(),
        entity: member_entity(member_id),
    }
}

/// A change of status: suspension, reinstatement, withdrawal.
struct StatusChange<'a> {
    command_id: Option<ID>,
    occurred_at: Option<DateTime<Utc>>,
    member_id: &'a ID,
    effective_on: NaiveDate,
    reason: String,
}

impl StatusChange<'_> {
    fn submit(
        self,
        make: impl FnOnce(Uuid, NaiveDate, String) -> MemberCommand,
    ) -> Result<Submit, ApiError> {
        let cid = command_uuid(self.command_id.as_ref())?;
        let member_id = uuid("memberId", self.member_id)?;
        bounded("reason", &self.reason, MAX_TEXT)?;
        Ok(member_submit(
            cid,
            occurred(self.occurred_at, Some(self.effective_on)),
            member_id,
            make(member_id, self.effective_on, self.reason),
        ))
    }
}

#[Object]
impl MemberMutation {
    /// Admits a commune (its member id derives from its territorial key).
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn admit_commune(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        unit: TerritorialUnitInput,
        name: String,
        dues_category: String,
        admitted_on: NaiveDate,
        deliberation_ref: String,
        decision_ref: String,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let unit = unit.key("unit")?;
        bounded("name", &name, MAX_NAME)?;
        bounded("duesCategory", &dues_category, MAX_NAME)?;
        bounded("deliberationRef", &deliberation_ref, MAX_TEXT)?;
        bounded("decisionRef", &decision_ref, MAX_TEXT)?;
        let member_id = member_id_for(&unit);
        let command = MemberCommand::Admit {
            unit,
            name,
            dues_category,
            admitted_on,
            deliberation_ref,
            decision_ref,
        };
        let when = occurred(occurred_at, Some(admitted_on));
        submit(ctx, member_submit(cid, when, member_id, command)).await
    }

    /// Suspends a member (it stays a member, without a vote).
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn suspend_member(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        effective_on: NaiveDate,
        reason: String,
    ) -> Result<CommandResult, ApiError> {
        let change = StatusChange {
            command_id,
            occurred_at,
            member_id: &member_id,
            effective_on,
            reason,
        };
        let i = change.submit(|member_id, effective_on, reason| MemberCommand::Suspend {
            member_id,
            effective_on,
            reason,
        })?;
        submit(ctx, i).await
    }

    /// Lifts a suspension.
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn reinstate_member(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        effective_on: NaiveDate,
        reason: String,
    ) -> Result<CommandResult, ApiError> {
        let change = StatusChange {
            command_id,
            occurred_at,
            member_id: &member_id,
            effective_on,
            reason,
        };
        let i = change.submit(|member_id, effective_on, reason| MemberCommand::Reinstate {
            member_id,
            effective_on,
            reason,
        })?;
        submit(ctx, i).await
    }

    /// Records a member's withdrawal.
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn withdraw_member(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        effective_on: NaiveDate,
        reason: String,
    ) -> Result<CommandResult, ApiError> {
        let change = StatusChange {
            command_id,
            occurred_at,
            member_id: &member_id,
            effective_on,
            reason,
        };
        let i = change.submit(|member_id, effective_on, reason| MemberCommand::Withdraw {
            member_id,
            effective_on,
            reason,
        })?;
        submit(ctx, i).await
    }

    /// Excludes a member, by decision of a body, after its hearing notice.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn exclude_member(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        effective_on: NaiveDate,
        reason: String,
        decided_by_body_id: ID,
        hearing_notified_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let decided_by_body_id = uuid("decidedByBodyId", &decided_by_body_id)?;
        let change = StatusChange {
            command_id,
            occurred_at,
            member_id: &member_id,
            effective_on,
            reason,
        };
        let i = change.submit(|member_id, effective_on, reason| MemberCommand::Exclude {
            member_id,
            effective_on,
            reason,
            decided_by_body_id,
            hearing_notified_on,
        })?;
        submit(ctx, i).await
    }

    /// A successor commune (after a reorganisation) takes over a member's
    /// membership.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn record_succession(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        successor_unit: TerritorialUnitInput,
        successor_name: String,
        dues_category: String,
        effective_on: NaiveDate,
        inherits_dues: bool,
        reorganisation_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let member_id = uuid("memberId", &member_id)?;
        let successor_unit = successor_unit.key("successorUnit")?;
        bounded("successorName", &successor_name, MAX_NAME)?;
        bounded("duesCategory", &dues_category, MAX_NAME)?;
        let reorganisation_id = super::opt_uuid("reorganisationId", reorganisation_id.as_ref())?;
        let successor_id = member_id_for(&successor_unit);
        let command = MemberCommand::Succeed {
            member_id,
            successor_unit,
            successor_name,
            dues_category,
            effective_on,
            inherits_dues,
            reorganisation_id,
        };
        let mut i = member_submit(
            cid,
            occurred(occurred_at, Some(effective_on)),
            member_id,
            command,
        );
        // The successor is the entity that now stands as the member.
        i.entity_id = successor_id.to_string();
        i.entity = member_entity(successor_id);
        submit(ctx, i).await
    }

    /// Records a dues payment (francs CFA) for a year with a schedule.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "RoleGuard(Permission::Mutate)")]
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        year: i32,
        amount_xof: i64,
        paid_on: NaiveDate,
        receipt_ref: String,
    ) -> Result<CommandResult, ApiError> {
        let cid = command_uuid(command_id.as_ref())?;
        let member_id = uuid("memberId", &member_id)?;
        bounded("receiptRef", &receipt_ref, MAX_TEXT)?;
        let command = MemberCommand::RecordPayment {
            member_id,
            year,
            amount_xof,
            paid_on,
            receipt_ref,
        };
        let mut i = member_submit(
            cid,
            occurred(occurred_at, Some(paid_on)),
            member_id,
            command,
        );
        i.entity = Box::new(move |m| json(m.dues.members.get(&member_id)));
        submit(ctx, i).await
    }
}
