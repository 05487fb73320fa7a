//! Imports from the secretariat's spreadsheets, all or nothing: every
//! line is decided first, on the registers as they are and on the lines
//! before it; if any is refused, each refused line is named and nothing
//! is written. Otherwise the lines' commands go through the command path
//! like any other, under ids derived from what they record, so a file
//! imported again (or an import that stopped half-way, run again) writes
//! only what is not in the log yet.

use registre_domain::DomainError;
use registre_schema::{Actor, CommandMeta};

use super::Application;
use crate::commands::{Command, CommandError, Rehearsed};
use crate::language::Message;
use crate::spreadsheets::{Line, Refusal};

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Lines written now.
    pub written: usize,
    /// Lines found already in the log (an earlier import of them).
    pub already: usize,
    /// The log position of the last event written (none: nothing was).
    /// A server's registers show the import once they reach it.
    pub last_position: Option<u64>,
}

/// Why an import wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Lines the rules refuse: nothing was written.
    #[error("{} line(s) refused", .0.len())]
    Refused(Vec<Refusal>),
    /// A technical fault; what was written stays, and running the import
    /// again completes it.
    #[error(transparent)]
    Command(#[from] CommandError),
}

impl Application {
    /// Imports `lines` on behalf of `actor` (see the module docs).
    pub async fn import_lines(
        &self,
        actor: Actor,
        lines: Vec<Line>,
    ) -> Result<Imported, ImportError> {
        let mut owner = Vec::new();
        let mut commands = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            for c in &l.commands {
                owner.push(i);
                commands.push((c.command_id, c.occurred_at, c.command.clone()));
            }
        }
        let verdicts = self.commands.rehearse(&actor, &commands).await?;
        let mut refused: Vec<Refusal> = Vec::new();
        let mut fresh = vec![false; lines.len()];
        for (i, verdict) in owner.iter().zip(&verdicts) {
            match verdict {
                // Contacts already those recorded (typed in by hand since):
                // nothing to write for them.
                Rehearsed::Refused(DomainError::ContactsUnchanged) => {}
                Rehearsed::Refused(e)
                    if refused.last().is_none_or(|r| r.line != lines[*i].line) =>
                {
                    refused.push(Refusal::new(
                        lines[*i].line,
                        e.code(),
                        Message::new(e.message_fr(), e.message_en()),
                    ));
                }
                Rehearsed::Decided => fresh[*i] = true,
                _ => {}
            }
        }
        if !refused.is_empty() {
            return Err(ImportError::Refused(refused));
        }
        let mut last_position = None;
        for ((command_id, occurred_at, command), verdict) in commands.into_iter().zip(&verdicts) {
            if matches!(
                verdict,
                Rehearsed::AlreadyApplied | Rehearsed::Refused(DomainError::ContactsUnchanged)
            ) {
                continue;
            }
            let meta = CommandMeta {
                command_id,
                actor: actor.clone(),
                correlation_id: command_id,
                causation_id: None,
            };
            let outcome = self
                .commands
                .handle(meta, occurred_at, Command::Member(command))
                .await?;
            last_position = outcome.last_position().or(last_position);
        }
        let written = fresh.iter().filter(|f| **f).count();
        Ok(Imported {
            written,
            already: lines.len() - written,
            last_position,
        })
    }
}
