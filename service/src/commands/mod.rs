//! Command handling: load the aggregate, decide, append with the expected
//! revision; on a concurrency conflict reload and decide again.
//!
//! Architecture invariant: a rejected command writes nothing, and a
//! command id is applied at most once (a retried command that is already in
//! the log returns [`Outcome::already_applied`] without deciding again).
//!
//! ## Layout
//! - this file: [`Command`], [`Outcome`], [`CommandError`].
//! - [`handler`]: [`CommandHandler`]: stream loading with a state cache,
//!   bounded retries, appends.
//! - [`plan`]: for each command, its stream and the facts its decision
//!   needs: a pure function of the command and the view.
//! - [`rehearsal`]: commands decided without being appended (imports).
//! - [`succession`]: the one command that writes two streams.
//! - [`view`]: the in-memory view of cross-aggregate facts.

mod handler;
mod plan;
mod rehearsal;
mod succession;
pub mod view;

use registre_domain::DomainError;
use registre_domain::access::AccessCommand;
use registre_domain::account::AccountCommand;
use registre_domain::body::BodyCommand;
use registre_domain::correction::CorrectRecord;
use registre_domain::dues::SetDuesSchedule;
use registre_domain::member::MemberCommand;
use registre_domain::minutes::MinutesCommand;
use registre_domain::session::SessionCommand;
use registre_domain::statutes::StatutesCommand;
use registre_domain::territory::TerritoryCommand;
use registre_schema::{Position, StreamId};

use crate::store::StoreError;

pub use handler::CommandHandler;
pub use rehearsal::Rehearsed;

/// Concurrency conflicts tolerated before giving up.
pub const MAX_ATTEMPTS: usize = 5;

// The one list of command families: the enum and a `From` for each.
macro_rules! commands {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// Every command the secretariat, the operator or the system can
        /// submit.
        #[derive(Debug, Clone)]
        pub enum Command {
            $($variant($ty),)*
        }

        $(impl From<$ty> for Command {
            fn from(c: $ty) -> Self {
                Command::$variant(c)
            }
        })*
    };
}
commands!(
    Territory(TerritoryCommand),
    Member(MemberCommand),
    Dues(SetDuesSchedule),
    Statutes(StatutesCommand),
    Body(BodyCommand),
    Session(SessionCommand),
    Minutes(MinutesCommand),
    Correction(CorrectRecord),
    Access(AccessCommand),
    Account(AccountCommand),
);

impl Command {
    /// The day a command's change happens in the world, when it names one
    /// (an admission, a change of status, a payment, a mandate, an
    /// amendment): what its events' `occurred_at` says, so that the
    /// registers as in force on a day count it from then. Other commands
    /// happen when they are recorded.
    pub fn occurred_on(&self) -> Option<chrono::NaiveDate> {
        use MemberCommand as M;
        Some(match self {
            Command::Member(M::Admit { admitted_on, .. }) => *admitted_on,
            Command::Member(
                M::Suspend { effective_on, .. }
                | M::Reinstate { effective_on, .. }
                | M::Exclude { effective_on, .. }
                | M::Withdraw { effective_on, .. }
                | M::Succeed { effective_on, .. },
            ) => *effective_on,
            Command::Member(M::RecordPayment { paid_on, .. }) => *paid_on,
            Command::Member(M::ReversePayment { reversed_on, .. }) => *reversed_on,
            Command::Body(BodyCommand::ElectOfficer { starts_on, .. }) => *starts_on,
            Command::Body(BodyCommand::EndMandate { ended_on, .. }) => *ended_on,
            Command::Statutes(StatutesCommand::Amend { effective_from, .. }) => *effective_from,
            Command::Statutes(StatutesCommand::Adopt { statutes, .. }) => statutes.effective_from,
            _ => return None,
        })
    }
}

/// What a handled command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stream_id: StreamId,
    /// The command id was already in the log: nothing was decided again,
    /// and `events` are those the first call appended.
    pub already_applied: bool,
    /// The events the command appended to `stream_id`, in order: none when
    /// the decision changed nothing. What the caller reports without
    /// reading the log again (a read that could fail after the commit).
    pub events: Vec<Appended>,
}

impl Outcome {
    /// The position of the command's last event, if it appended any.
    pub fn last_position(&self) -> Option<Position> {
        self.events.last().map(|e| e.position)
    }
}

/// One event a command appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub position: Position,
    /// The event's id (what a correction names).
    pub id: uuid::Uuid,
    pub event_type: String,
}

/// Why a command failed. Three kinds that callers treat differently.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's mistake: the domain refused the command.
    #[error(transparent)]
    Rejected(#[from] DomainError),
    /// Other writers kept changing the stream; trying later may succeed.
    #[error("the stream {stream_id} kept changing: gave up after {attempts} attempts")]
    Conflict {
        stream_id: StreamId,
        attempts: usize,
    },
    /// A technical fault (storage, a stored event that cannot be read).
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use registre_domain::territory::TerritoryCommand;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn given_a_payment_when_dated_then_it_happens_on_its_day_and_an_import_when_recorded() {
        let paid_on = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let payment = Command::Member(MemberCommand::RecordPayment {
            member_id: Uuid::nil(),
            year: 2024,
            amount_xof: 1_000,
            paid_on,
            receipt_ref: "R-1".into(),
        });
        assert_eq!(payment.occurred_on(), Some(paid_on));
        let import = Command::Territory(TerritoryCommand::Import {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            units: Vec::new(),
        });
        assert_eq!(import.occurred_on(), None);
    }
}
