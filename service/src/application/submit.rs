//! A command submitted on someone's behalf: decided, appended, and shown
//! as the read models see it once they include it.
//!
//! Architecture invariant: a command whose events were appended is never
//! answered with an error. Once the store has taken them, the answer is
//! built from the handler's outcome; if the read models do not include
//! them in time ([`READ_YOUR_WRITES`]: lagging, or stopped), it says so
//! with `registers_behind` instead of failing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use registre_projections::ReadModels;
use registre_schema::{Actor, CommandMeta, Position};
use uuid::Uuid;

use super::Application;
use crate::commands::{Command, CommandError, Outcome};

/// How long a submission waits for the read models to include its events.
pub const READ_YOUR_WRITES: Duration = Duration::from_secs(5);

/// A command and who submits it.
pub struct Submission {
    /// The same id sent again appends nothing and answers with the events
    /// of the first call.
    pub command_id: Uuid,
    pub actor: Actor,
    /// When it happened in the world.
    pub occurred_at: DateTime<Utc>,
    pub command: Command,
}

/// What a submission did, and what the read models show after it.
pub struct Submitted<T> {
    pub outcome: Outcome,
    /// The log position the read models had reached when `shown` was read:
    /// at least the command's last event, unless `registers_behind`.
    pub position: Position,
    /// The read models did not include the command's events in time.
    pub registers_behind: bool,
    /// What `show` read of the models (none when they are behind or not
    /// served).
    pub shown: Option<T>,
}

impl Application {
    /// Decides and appends a command, then waits for the read models to
    /// include it and reads them with `show`.
    pub async fn submit<T>(
        &self,
        submission: Submission,
        show: impl FnOnce(&ReadModels) -> T,
    ) -> Result<Submitted<T>, CommandError> {
        let meta = CommandMeta {
            command_id: submission.command_id,
            actor: submission.actor,
            correlation_id: submission.command_id,
            causation_id: None,
        };
        let outcome = self
            .commands
            .handle(meta, submission.occurred_at, submission.command)
            .await?;
        // From here on the command is committed (or was, by a first call):
        // nothing below may turn it into an error.
        let target = match outcome.last_position() {
            Some(last) => Some(last),
            // Nothing appended: the head is where the decision was taken.
            None => self.store.head().await.ok(),
        };
        let Some(models) = &self.read_models else {
            return Ok(Submitted {
                outcome,
                position: target.unwrap_or_default(),
                registers_behind: false,
                shown: None,
            });
        };
        let waited = match target {
            Some(target) => models.wait_for(target, READ_YOUR_WRITES).await,
            None => Ok(()),
        };
        if let Err(e) = waited {
            tracing::warn!(command_id = %submission.command_id, error = %e,
                "command recorded; the read models do not show it yet");
            return Ok(Submitted {
                outcome,
                position: models.position(),
                registers_behind: true,
                shown: None,
            });
        }
        let (position, shown) = models.read(|m, p| (p, show(m)));
        Ok(Submitted {
            outcome,
            position,
            registers_behind: false,
            shown: Some(shown),
        })
    }
}
