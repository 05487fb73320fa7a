//! Sessions: convocation, attendance and proxies, opening on quorum,
//! motions and votes, closing or adjournment.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::session::SessionCommand;
use registre_schema::events::{ExtraordinaryRequest, RequestedBy};

use super::{Call, CommandResult, Entity, MAX_AGENDA, MAX_NAME, MAX_TEXT, bounded, opt_uuid, uuid};
use crate::graphql::domain_enums::{MotionKind, Requester, SessionKind, VoteChoice};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

/// An extraordinary session's grounds and who asked for it.
#[derive(InputObject)]
pub struct ExtraordinaryRequestInput {
    pub grounds: String,
    pub requested_by: Requester,
    /// The members who asked, when `requestedBy` is MEMBERS.
    #[graphql(validator(max_items = 2000))]
    pub member_ids: Option<Vec<ID>>,
}

impl ExtraordinaryRequestInput {
    /// The one conversion of this input.
    fn request(self) -> Result<ExtraordinaryRequest, ApiError> {
        bounded("request.grounds", &self.grounds, MAX_TEXT)?;
        let ids = self.member_ids.unwrap_or_default();
        let requested_by = match self.requested_by {
            Requester::Bureau if ids.is_empty() => RequestedBy::Bureau,
            Requester::Bureau => {
                return Err(ApiError::bad_input(
                    "request.memberIds : seulement quand requestedBy vaut MEMBERS.".to_owned(),
                    "request.memberIds: only when requestedBy is MEMBERS.".to_owned(),
                ));
            }
            Requester::Members => RequestedBy::Members {
                member_ids: ids
                    .iter()
                    .map(|id| uuid("request.memberIds", id))
                    .collect::<Result<_, _>>()?,
            },
        };
        Ok(ExtraordinaryRequest {
            grounds: self.grounds,
            requested_by,
        })
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object(guard = "Policy(RootKind::Mutation)")]
impl SessionMutation {
    /// Convenes a session of a body; the eligible members are frozen on
    /// the convocation date. `sessionId` defaults to an id derived from
    /// the command id. An extraordinary session gives its `request`: its
    /// grounds and who asked for it (the bureau, or at least the share of
    /// the members the statutes require).
    #[allow(clippy::too_many_arguments)]
    async fn convene_session(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: Option<ID>,
        body_id: ID,
        convened_by_body_id: ID,
        kind: SessionKind,
        convened_on: NaiveDate,
        session_date: NaiveDate,
        place: String,
        agenda: Vec<String>,
        second_convocation_of: Option<ID>,
        request: Option<ExtraordinaryRequestInput>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let session_id = call.new_id("sessionId", session_id, "session")?;
        bounded("place", &place, MAX_NAME)?;
        if agenda.len() > MAX_AGENDA {
            return Err(ApiError::bad_input(
                format!("agenda : {MAX_AGENDA} points au plus."),
                format!("agenda: at most {MAX_AGENDA} items."),
            ));
        }
        for item in &agenda {
            bounded("agenda", item, MAX_TEXT)?;
        }
        let command = SessionCommand::Convene {
            session_id,
            body_id: uuid("bodyId", &body_id)?,
            convened_by_body_id: uuid("convenedByBodyId", &convened_by_body_id)?,
            kind: kind.into(),
            convened_on,
            session_date,
            place,
            agenda,
            second_convocation_of: opt_uuid("secondConvocationOf", second_convocation_of.as_ref())?,
            request: request
                .map(ExtraordinaryRequestInput::request)
                .transpose()?,
        };
        let on = Some(convened_on);
        call.submit(ctx, on, command, Entity::Session(session_id))
            .await
    }

    /// Records an eligible member as present, with its delegate's name.
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        member_id: ID,
        delegate_name: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let session_id = uuid("sessionId", &session_id)?;
        bounded("delegateName", &delegate_name, MAX_NAME)?;
        let command = SessionCommand::RecordAttendance {
            session_id,
            member_id: uuid("memberId", &member_id)?,
            delegate_name,
        };
        call.submit(ctx, None, command, Entity::Session(session_id))
            .await
    }

    /// Registers a proxy: an absent member gives its vote to a present one.
    async fn register_proxy(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        grantor_member_id: ID,
        holder_member_id: ID,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let session_id = uuid("sessionId", &session_id)?;
        let command = SessionCommand::RegisterProxy {
            session_id,
            grantor_member_id: uuid("grantorMemberId", &grantor_member_id)?,
            holder_member_id: uuid("holderMemberId", &holder_member_id)?,
        };
        call.submit(ctx, None, command, Entity::Session(session_id))
            .await
    }

    /// Opens the session: counts the quorum (a session without quorum
    /// fails, unless it is a second convocation the statutes let
    /// deliberate without it).
    async fn open_session(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        session_id: ID,
        opened_at: DateTime<Utc>,
    ) -> Result<CommandResult, ApiError> {
        // The opening is dated by the instant it gives: no `occurredAt`.
        let call = Call::new(command_id, Some(opened_at))?;
        let session_id = uuid("sessionId", &session_id)?;
        let command = SessionCommand::Open {
            session_id,
            opened_at,
        };
        call.submit(ctx, None, command, Entity::Session(session_id))
            .await
    }

    /// Tables a motion on an agenda item (numbered from 0). `motionId`
    /// defaults to an id derived from the command id. An exclusion motion
    /// names the member it concerns (`subjectMemberId`).
    #[allow(clippy::too_many_arguments)]
    async fn table_motion(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        motion_id: Option<ID>,
        agenda_item: u32,
        kind: MotionKind,
        title: String,
        text: String,
        subject_member_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let motion_id = call.new_id("motionId", motion_id, "motion")?;
        let subject_member_id = opt_uuid("subjectMemberId", subject_member_id.as_ref())?;
        bounded("title", &title, MAX_NAME)?;
        bounded("text", &text, MAX_TEXT)?;
        let command = SessionCommand::TableMotion {
            session_id: uuid("sessionId", &session_id)?,
            motion_id,
            agenda_item,
            kind: kind.into(),
            title,
            text,
            subject_member_id,
        };
        call.submit(ctx, None, command, Entity::Motion(motion_id))
            .await
    }

    /// Records a member's vote on an open motion, in person or through the
    /// holder of its proxy.
    #[allow(clippy::too_many_arguments)]
    async fn record_vote(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        motion_id: ID,
        member_id: ID,
        choice: VoteChoice,
        proxy_holder_member_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let motion_id = uuid("motionId", &motion_id)?;
        let command = SessionCommand::RecordVote {
            session_id: uuid("sessionId", &session_id)?,
            motion_id,
            member_id: uuid("memberId", &member_id)?,
            choice: choice.into(),
            proxy_holder_member_id: opt_uuid(
                "proxyHolderMemberId",
                proxy_holder_member_id.as_ref(),
            )?,
        };
        call.submit(ctx, None, command, Entity::Motion(motion_id))
            .await
    }

    /// Closes the vote on a motion: the tally decides it under the
    /// majority the statutes require for its kind in the session's body.
    /// `castingVote` is the chair's vote (FOR or AGAINST) on a tie the
    /// statutes let the chair decide, and only then.
    async fn close_vote(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        motion_id: ID,
        casting_vote: Option<VoteChoice>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let motion_id = uuid("motionId", &motion_id)?;
        let command = SessionCommand::CloseVote {
            session_id: uuid("sessionId", &session_id)?,
            motion_id,
            casting_vote: casting_vote.map(Into::into),
        };
        call.submit(ctx, None, command, Entity::Motion(motion_id))
            .await
    }

    /// Closes the session.
    async fn close_session(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        session_id: ID,
        closed_at: DateTime<Utc>,
    ) -> Result<CommandResult, ApiError> {
        // Dated by the instant the closing gives, as the opening is.
        let call = Call::new(command_id, Some(closed_at))?;
        let session_id = uuid("sessionId", &session_id)?;
        let command = SessionCommand::Close {
            session_id,
            closed_at,
        };
        call.submit(ctx, None, command, Entity::Session(session_id))
            .await
    }

    /// Adjourns the session, saying why.
    async fn adjourn_session(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        session_id: ID,
        reason: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let session_id = uuid("sessionId", &session_id)?;
        bounded("reason", &reason, MAX_TEXT)?;
        let command = SessionCommand::Adjourn { session_id, reason };
        call.submit(ctx, None, command, Entity::Session(session_id))
            .await
    }
}
