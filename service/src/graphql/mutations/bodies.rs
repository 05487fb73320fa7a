//! Bodies, their posts, elections to the posts and ends of mandates.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::body::{BodyCommand, MAX_SEATS};
use registre_domain::election::{Count, MAX_CANDIDATES};
use registre_schema::events::CandidateVotes;

use super::members::TerritorialUnitInput;
use super::{Call, CommandResult, Entity, MAX_NAME, bounded, opt_uuid, uuid};
use crate::graphql::domain_enums::{BodyKind, BodyLevel, MandateEndReason, StatutoryBody};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::{Policy, RootKind};

#[derive(Default)]
pub struct BodyMutation;

/// The votes one candidate received in a round.
#[derive(InputObject)]
pub struct CandidateVotesInput {
    pub member_id: ID,
    pub votes: u32,
}

#[Object(guard = "Policy(RootKind::Mutation)")]
impl BodyMutation {
    /// Establishes an instance or an organ. `bodyId` defaults to an id
    /// derived from the command id. `statutoryBody` says which of the
    /// statutes' bodies it is (its sessions follow that body's quorum and
    /// majorities); it must match `kind` and `level`.
    #[allow(clippy::too_many_arguments)]
    async fn establish_body(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: Option<ID>,
        name: String,
        kind: BodyKind,
        level: BodyLevel,
        territorial_unit: Option<TerritorialUnitInput>,
        convened_by_body_id: Option<ID>,
        parent_body_id: Option<ID>,
        statutory_body: Option<StatutoryBody>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = call.new_id("bodyId", body_id, "body")?;
        bounded("name", &name, MAX_NAME)?;
        let territorial_unit = territorial_unit
            .map(|u| u.key("territorialUnit"))
            .transpose()?;
        let command = BodyCommand::Establish {
            body_id,
            name,
            kind: kind.into(),
            level: level.into(),
            territorial_unit,
            convened_by_body_id: opt_uuid("convenedByBodyId", convened_by_body_id.as_ref())?,
            parent_body_id: opt_uuid("parentBodyId", parent_body_id.as_ref())?,
            statutory_body: statutory_body.map(Into::into),
        };
        call.submit(ctx, None, command, Entity::Body(body_id)).await
    }

    /// Says which of the statutes' bodies an established body is (for a
    /// body established before bodies said so); it must match the body's
    /// kind and level.
    async fn name_statutory_body(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        statutory_body: StatutoryBody,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let command = BodyCommand::NameStatutoryBody {
            body_id,
            statutory_body: statutory_body.into(),
        };
        call.submit(ctx, None, command, Entity::Body(body_id)).await
    }

    /// Defines a post of a body with its number of seats. `postId`
    /// defaults to an id derived from the command id.
    #[allow(clippy::too_many_arguments)]
    async fn define_post(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: Option<ID>,
        title: String,
        seats: u32,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let post_id = call.new_id("postId", post_id, "post")?;
        bounded("title", &title, MAX_NAME)?;
        if seats > MAX_SEATS {
            return Err(ApiError::bad_input(
                format!("seats : {MAX_SEATS} sièges au plus."),
                format!("seats: at most {MAX_SEATS}."),
            ));
        }
        let command = BodyCommand::DefinePost {
            body_id,
            post_id,
            title,
            seats,
        };
        let post = Entity::InBody {
            id: post_id,
            body_id,
        };
        call.submit(ctx, None, command, post).await
    }

    /// Elects a member in good standing to a post, from `startsOn` for the
    /// statutory term. `mandateId` defaults to an id derived from the
    /// command id.
    #[allow(clippy::too_many_arguments)]
    async fn elect_officer(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: ID,
        mandate_id: Option<ID>,
        member_id: ID,
        holder_name: String,
        session_id: Option<ID>,
        starts_on: NaiveDate,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let mandate_id = call.new_id("mandateId", mandate_id, "mandate")?;
        bounded("holderName", &holder_name, MAX_NAME)?;
        let command = BodyCommand::ElectOfficer {
            body_id,
            post_id: uuid("postId", &post_id)?,
            mandate_id,
            member_id: uuid("memberId", &member_id)?,
            holder_name,
            session_id: opt_uuid("sessionId", session_id.as_ref())?,
            starts_on,
        };
        let mandate = Entity::InBody {
            id: mandate_id,
            body_id,
        };
        call.submit(ctx, Some(starts_on), command, mandate).await
    }

    /// Ends a mandate before or at its term.
    #[allow(clippy::too_many_arguments)]
    async fn end_mandate(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        post_id: ID,
        mandate_id: ID,
        ended_on: NaiveDate,
        reason: MandateEndReason,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let mandate_id = uuid("mandateId", &mandate_id)?;
        let command = BodyCommand::EndMandate {
            body_id,
            post_id: uuid("postId", &post_id)?,
            mandate_id,
            ended_on,
            reason: reason.into(),
        };
        let mandate = Entity::InBody {
            id: mandate_id,
            body_id,
        };
        call.submit(ctx, Some(ended_on), command, mandate).await
    }

    /// Opens an election to fill `seats` vacant seats of a post, in a
    /// session in progress of the body the statutes say elects this one.
    /// `electionId` defaults to an id derived from the command id. An
    /// election may cite the election motion the session adopted
    /// (`motionId`): the motion's effects then list it.
    #[allow(clippy::too_many_arguments)]
    async fn open_election(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        election_id: Option<ID>,
        post_id: ID,
        session_id: ID,
        seats: u32,
        motion_id: Option<ID>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let election_id = call.new_id("electionId", election_id, "election")?;
        let command = BodyCommand::OpenElection {
            body_id,
            election_id,
            post_id: uuid("postId", &post_id)?,
            session_id: uuid("sessionId", &session_id)?,
            seats,
            motion_id: opt_uuid("motionId", motion_id.as_ref())?,
        };
        let election = Entity::InBody {
            id: election_id,
            body_id,
        };
        call.submit(ctx, None, command, election).await
    }

    /// A member commune stands in an election, by its representative,
    /// before the first round is counted.
    #[allow(clippy::too_many_arguments)]
    async fn file_candidacy(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        election_id: ID,
        member_id: ID,
        holder_name: String,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let election_id = uuid("electionId", &election_id)?;
        bounded("holderName", &holder_name, MAX_NAME)?;
        let command = BodyCommand::FileCandidacy {
            body_id,
            election_id,
            member_id: uuid("memberId", &member_id)?,
            holder_name,
        };
        let election = Entity::InBody {
            id: election_id,
            body_id,
        };
        call.submit(ctx, None, command, election).await
    }

    /// Records a round's count: valid ballots, blank and spoilt (nuls)
    /// ones, and each candidate's votes (a candidate left out had none).
    /// The round
    /// elects by the majority the statutes set for it; those it elects get
    /// their mandates from the session's day.
    #[allow(clippy::too_many_arguments)]
    async fn count_election_round(
        &self,
        ctx: &Context<'_>,
        command_id: Option<ID>,
        occurred_at: Option<DateTime<Utc>>,
        body_id: ID,
        election_id: ID,
        ballots: u32,
        #[graphql(default)] blank: u32,
        #[graphql(default)] spoilt: u32,
        votes: Vec<CandidateVotesInput>,
    ) -> Result<CommandResult, ApiError> {
        let call = Call::new(command_id, occurred_at)?;
        let body_id = uuid("bodyId", &body_id)?;
        let election_id = uuid("electionId", &election_id)?;
        if votes.len() > MAX_CANDIDATES {
            return Err(ApiError::bad_input(
                format!("votes : {MAX_CANDIDATES} candidats au plus."),
                format!("votes: at most {MAX_CANDIDATES} candidates."),
            ));
        }
        let votes = votes
            .iter()
            .map(|v| {
                Ok(CandidateVotes {
                    member_id: uuid("votes.memberId", &v.member_id)?,
                    votes: v.votes,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let command = BodyCommand::CountElectionRound {
            body_id,
            election_id,
            count: Count {
                ballots,
                blank,
                spoilt,
                votes,
            },
        };
        let election = Entity::InBody {
            id: election_id,
            body_id,
        };
        call.submit(ctx, None, command, election).await
    }
}
