//! The shape every aggregate shares.

use registre_schema::LogEvent;

use crate::dates::{self, Dated};
use crate::{Context, DomainError};

/// An aggregate: a consistency boundary living in one stream.
pub trait Aggregate {
    /// What the aggregate remembers; `Default` is the state of an empty stream.
    type State: Default + Clone + std::fmt::Debug + PartialEq;
    /// What the secretariat asks.
    type Command: std::fmt::Debug + Clone;
    /// The family of events its stream holds: the domain's
    /// ([`DomainEvent`](registre_schema::DomainEvent)) for every aggregate
    /// but the access tokens and the accounts
    /// ([`AccessEvent`](registre_schema::access::AccessEvent)).
    type Event: LogEvent + std::fmt::Debug + Clone + PartialEq;

    /// Checks a command; returns the events to append (possibly none: the
    /// command changes nothing) or why it is refused.
    ///
    /// The command's dates, then `ctx.occurred_at` (the events' envelope),
    /// are checked against [`dates::YEARS`] first, here, for every
    /// aggregate, so that no event dated outside it reaches the log.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
        ctx: &Context,
    ) -> Result<Vec<Self::Event>, DomainError> {
        dates::check(
            Self::dates(command)
                .into_iter()
                .chain([Dated::time("occurred_at", ctx.occurred_at)]),
        )?;
        Self::decide_dated(state, command, ctx)
    }

    /// Every date and time the command carries, by field name.
    fn dates(command: &Self::Command) -> Vec<Dated>;

    /// [`decide`](Self::decide) once the dates are known to be in range.
    fn decide_dated(
        state: &Self::State,
        command: &Self::Command,
        ctx: &Context,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// Folds one event into the state. Events of other aggregates are ignored.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds a whole stream.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |s, e| Self::evolve(s, e))
    }
}
