//! Commands decided in order without being appended, so that an import
//! is checked in full before any of it is written.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use registre_domain::member::{Member, MemberCommand};
use registre_domain::{Aggregate, DomainError};
use registre_schema::{Actor, CommandMeta, StreamId};
use uuid::Uuid;

use super::handler::CommandHandler;
use super::plan::{Plan, plan};
use super::{Command, CommandError};

/// What a rehearsed command would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rehearsed {
    /// Its id is already in the log: it was written before.
    AlreadyApplied,
    /// It would be appended.
    Decided,
    /// The domain refuses it.
    Refused(DomainError),
}

impl CommandHandler {
    /// Decides member commands in order, each on the state the earlier
    /// ones would leave in its stream, and appends nothing. Facts from
    /// other streams are the log's as it is: what the commands would
    /// change there (a receipt number used twice) is the caller's to check.
    pub async fn rehearse(
        &self,
        actor: &Actor,
        commands: &[(Uuid, DateTime<Utc>, MemberCommand)],
    ) -> Result<Vec<Rehearsed>, CommandError> {
        let now = Utc::now();
        let mut states: HashMap<StreamId, Option<Member>> = HashMap::new();
        let mut out = Vec::with_capacity(commands.len());
        for (command_id, occurred_at, member_command) in commands {
            let meta = CommandMeta {
                command_id: *command_id,
                actor: actor.clone(),
                correlation_id: *command_id,
                causation_id: None,
            };
            let command = Command::Member(member_command.clone());
            let planned = self
                .with_view(|v| plan(v, &meta, *occurred_at, now, &command))
                .await?;
            let Plan {
                stream_id,
                context,
                first_call,
            } = match planned {
                Ok(p) => p,
                Err(CommandError::Rejected(e)) => {
                    out.push(Rehearsed::Refused(e));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if first_call.is_some() {
                out.push(Rehearsed::AlreadyApplied);
                continue;
            }
            let state = match states.get(&stream_id) {
                Some(s) => s.clone(),
                None => self.load_state::<Member>(&stream_id).await?.0,
            };
            match Member::decide(&state, member_command, &context) {
                Ok(events) => {
                    let next = events.iter().fold(state, Member::evolve);
                    states.insert(stream_id, next);
                    out.push(Rehearsed::Decided);
                }
                Err(e) => out.push(Rehearsed::Refused(e)),
            }
        }
        Ok(out)
    }
}
