//! A succession: the one command that writes two streams.

use registre_domain::member::{Member, MemberCommand, check_successor};
use registre_domain::{Aggregate, Context, streams};
use registre_schema::{CommandMeta, DomainEvent, StreamId};
use uuid::Uuid;

use super::handler::CommandHandler;
use super::plan::stream;
use super::{CommandError, Outcome};

impl CommandHandler {
    /// A succession writes the same event to the successor's stream (which
    /// must not hold a current member, a merge's successor excepted: see
    /// [`check_successor`]) and then to the predecessor's.
    ///
    /// The two appends are not one transaction: if the second fails, the
    /// successor is a member and the predecessor still is too. Re-issuing
    /// the command with the same id completes it: the successor's append
    /// carries a command id derived from the command's, so a retry sees it
    /// is already in the log and goes on to the predecessor's append.
    pub(super) async fn succeed(
        &self,
        predecessor_stream: StreamId,
        meta: &CommandMeta,
        ctx: &Context,
        command: &MemberCommand,
    ) -> Result<Outcome, CommandError> {
        let MemberCommand::Succeed { successor_unit, .. } = command else {
            return self
                .execute::<Member>(predecessor_stream, meta, ctx, command)
                .await;
        };
        let successor_id = streams::member_id_for(successor_unit);
        let successor_stream = stream(streams::member(successor_id))?;
        // Decide once on the predecessor's current state, then write the
        // event to the successor first: it is the stream where a race can
        // conflict.
        let (predecessor_state, _) = self.load_state::<Member>(&predecessor_stream).await?;
        let events = Member::decide(&predecessor_state, command, ctx)?;
        let successor_meta = CommandMeta {
            command_id: Uuid::new_v5(&meta.command_id, b"successor"),
            causation_id: Some(meta.command_id),
            ..meta.clone()
        };
        let successor_done = self
            .with_view(|v| v.commands.contains_key(&successor_meta.command_id))
            .await?;
        if !successor_done {
            let for_successor = events.clone();
            self.execute_events::<Member>(successor_stream, &successor_meta, ctx, move |s| {
                if let Some(DomainEvent::MembershipSucceeded(e)) = for_successor.first() {
                    check_successor(s, e)?;
                }
                Ok(for_successor.clone())
            })
            .await?;
        }
        self.execute::<Member>(predecessor_stream, meta, ctx, command)
            .await
    }
}
