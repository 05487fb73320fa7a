//! Member communes: admission to succession, and dues payments.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::contacts::{Contacts, MAX_ADDRESS, MAX_EMAIL, MAX_PHONE, MAX_PHONES};
use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;
use registre_schema::events::TerritorialUnitKey;
use uuid::Uuid;

use super::{Call, CommandResult, Entity, MAX_CODE, MAX_NAME, MAX_TEXT, bounded, opt_uuid, uuid};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

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

/// A change of a member's status, as its mutation names it.
enum Status {
    Suspend,
    Reinstate,
    Withdraw,
    Exclude {
        decided_by_body_id: Uuid,
        hearing_notified_on: NaiveDate,
        motion_id: Uuid,
    },
}

/// What every change of status takes: suspension, reinstatement,
/// withdrawal, exclusion.
struct StatusChange {
    command_id: Option<ID>,
    occurred_at: Option<DateTime<Utc>>,
    member_id: ID,
    effective_on: NaiveDate,
    reason: String,
}

impl StatusChange {
    /// The one conversion of a change of status to its command.
    async fn submit(self, ctx: &Context<'_>, status: Status) -> Result<CommandResult, ApiError> {
        let call = Call::new(self.command_id, self.occurred_at)?;
        let member_id = uuid("memberId", &self.member_id)?;
        bounded("reason", &self.reason, MAX_TEXT)?;
        let (effective_on, reason) = (self.effective_on, self.reason);
        let command = match status {
            Status::Suspend => MemberCommand::Suspend {
                member_id,
                effective_on,
                reason,
            },
            Status::Reinstate => MemberCommand::Reinstate {
                member_id,
                effective_on,
                reason,
            },
            Status::Withdraw => MemberCommand::Withdraw {
                member_id,
                effective_on,
                reason,
            },
            Status::Exclude {
                decided_by_body_id,
                hearing_notified_on,
                motion_id,
            } => MemberCommand::Exclude {
                member_id,
                effective_on,
                reason,
                decided_by_body_id,
                hearing_notified_on,
                motion_id,
            },
        };
        let on = Some(effective_on);
        call.submit(ctx, on, command, Entity::Member(member_id))
            .await
    }
}

#[Object(guard = "Policy(RootKind::Mutation)")]
impl MemberMutation {
    /// Admits a commune (its member id derives from its territorial key).
    #[allow(clippy::too_many_arguments)]
    async fn admit_commune(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        unit: TerritorialUnitInput,
        #[graphql(desc = "Omitted: the territorial list's.")] name: Option<String>,
        #[graphql(
            default,
            desc = "True to record a name other than the territorial list's; else it is refused."
        )]
        keep_different_name: bool,
        dues_category: String,
        admitted_on: NaiveDate,
        deliberation_ref: String,
        decision_ref: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let unit = unit.key("unit")?;
        let name = name.unwrap_or_default();
        bounded("name", &name, MAX_NAME)?;
        bounded("duesCategory", &dues_category, MAX_NAME)?;
        bounded("deliberationRef", &deliberation_ref, MAX_TEXT)?;
        bounded("decisionRef", &decision_ref, MAX_TEXT)?;
        let member_id = member_id_for(&unit);
        let command = MemberCommand::Admit {
            unit,
            name,
            keep_different_name,
            dues_category,
            admitted_on,
            deliberation_ref,
            decision_ref,
        };
        let on = Some(admitted_on);
        call.submit(ctx, on, command, Entity::Member(member_id))
            .await
    }

    /// Suspends a member (it stays a member, without a vote).
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
            member_id,
            effective_on,
            reason,
        };
        change.submit(ctx, Status::Suspend).await
    }

    /// Lifts a suspension.
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
            member_id,
            effective_on,
            reason,
        };
        change.submit(ctx, Status::Reinstate).await
    }

    /// Records a member's withdrawal.
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
            member_id,
            effective_on,
            reason,
        };
        change.submit(ctx, Status::Withdraw).await
    }

    /// Excludes a member after its hearing notice, as the exclusion
    /// motion the deciding body adopted says.
    #[allow(clippy::too_many_arguments)]
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
        motion_id: ID,
    ) -> Result<CommandResult, ApiError> {
        let exclude = Status::Exclude {
            decided_by_body_id: uuid("decidedByBodyId", &decided_by_body_id)?,
            hearing_notified_on,
            motion_id: uuid("motionId", &motion_id)?,
        };
        let change = StatusChange {
            command_id,
            occurred_at,
            member_id,
            effective_on,
            reason,
        };
        change.submit(ctx, exclude).await
    }

    /// A successor commune (after a reorganisation) takes over a member's
    /// membership. A merge records one succession per predecessor, to the
    /// same successor; a split one per successor, from the same member;
    /// each names the reorganisation. A successor that `inheritsDues`
    /// owes what the predecessor left unpaid of the years before the
    /// succession's (in a split, one successor at most).
    #[allow(clippy::too_many_arguments)]
    async fn record_succession(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        successor_unit: TerritorialUnitInput,
        #[graphql(desc = "Omitted: the territorial list's.")] successor_name: Option<String>,
        #[graphql(
            default,
            desc = "True to record a name other than the territorial list's; else it is refused."
        )]
        keep_different_name: bool,
        dues_category: String,
        effective_on: NaiveDate,
        inherits_dues: bool,
        reorganisation_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let member_id = uuid("memberId", &member_id)?;
        let successor_unit = successor_unit.key("successorUnit")?;
        let successor_name = successor_name.unwrap_or_default();
        bounded("successorName", &successor_name, MAX_NAME)?;
        bounded("duesCategory", &dues_category, MAX_NAME)?;
        // The successor is the entity that now stands as the member.
        let successor = Entity::Member(member_id_for(&successor_unit));
        let command = MemberCommand::Succeed {
            member_id,
            successor_unit,
            successor_name,
            keep_different_name,
            dues_category,
            effective_on,
            inherits_dues,
            reorganisation_id: opt_uuid("reorganisationId", reorganisation_id.as_ref())?,
        };
        call.submit(ctx, Some(effective_on), command, successor)
            .await
    }

    /// Records a dues payment (francs CFA) for a year with a schedule.
    #[allow(clippy::too_many_arguments)]
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
        let call = Call::new(command_id, occurred_at)?;
        let member_id = uuid("memberId", &member_id)?;
        bounded("receiptRef", &receipt_ref, MAX_TEXT)?;
        let command = MemberCommand::RecordPayment {
            member_id,
            year,
            amount_xof,
            paid_on,
            receipt_ref,
        };
        let dues = Entity::MemberDues(member_id);
        call.submit(ctx, Some(paid_on), command, dues).await
    }

    /// Reverses a recorded payment (named by its receipt number), saying
    /// why: from `reversedOn` it no longer counts and its year is owed
    /// again. The payment stays in the log.
    #[allow(clippy::too_many_arguments)]
    async fn reverse_payment(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        receipt_ref: String,
        reversed_on: NaiveDate,
        reason: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let member_id = uuid("memberId", &member_id)?;
        bounded("receiptRef", &receipt_ref, MAX_TEXT)?;
        bounded("reason", &reason, MAX_TEXT)?;
        let command = MemberCommand::ReversePayment {
            member_id,
            receipt_ref,
            reversed_on,
            reason,
        };
        let dues = Entity::MemberDues(member_id);
        call.submit(ctx, Some(reversed_on), command, dues).await
    }

    /// States a member's contacts from now on: the mayor's and the
    /// secretary-general's names, phone numbers, e-mail and postal
    /// address. Each recording states them all (a field left out is no
    /// longer known); earlier ones stay in the member's history.
    #[allow(clippy::too_many_arguments)]
    async fn record_contacts(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        member_id: ID,
        mayor: Option<String>,
        secretary_general: Option<String>,
        #[graphql(default)] phones: Vec<String>,
        email: Option<String>,
        postal_address: Option<String>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let member_id = uuid("memberId", &member_id)?;
        if phones.len() > MAX_PHONES {
            return Err(ApiError::bad_input(
                format!("phones : {MAX_PHONES} numéros au plus."),
                format!("phones: at most {MAX_PHONES} numbers."),
            ));
        }
        // Blank fields are not known: left out rather than recorded blank.
        let given =
            |field: &str, v: Option<String>, max: usize| -> Result<Option<String>, ApiError> {
                let v = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
                if let Some(v) = &v {
                    bounded(field, v, max)?;
                }
                Ok(v)
            };
        let mut numbers = Vec::with_capacity(phones.len());
        for p in phones {
            numbers.extend(given("phones", Some(p), MAX_PHONE)?);
        }
        let contacts = Contacts {
            mayor: given("mayor", mayor, MAX_NAME)?,
            secretary_general: given("secretaryGeneral", secretary_general, MAX_NAME)?,
            phones: numbers,
            email: given("email", email, MAX_EMAIL)?,
            postal_address: given("postalAddress", postal_address, MAX_ADDRESS)?,
        };
        let command = MemberCommand::RecordContacts {
            member_id,
            contacts,
        };
        call.submit(ctx, None, command, Entity::Member(member_id))
            .await
    }
}
