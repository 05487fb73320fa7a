//! The shape every aggregate shares.

use registre_schema::DomainEvent;

use crate::{Context, DomainError};

/// An aggregate: a consistency boundary living in one stream.
pub trait Aggregate {
    /// What the aggregate remembers; `Default` is the state of an empty stream.
    type State: Default + Clone + std::fmt::Debug + PartialEq;
    /// What the secretariat asks.
    type Command: std::fmt::Debug + Clone;

    /// Checks a command; returns the events to append (possibly none: the
    /// command changes nothing) or why it is refused.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError>;

    /// Folds one event into the state. Events of other aggregates are ignored.
    fn evolve(state: Self::State, event: &DomainEvent) -> Self::State;

    /// Folds a whole stream.
    fn fold<'a>(events: impl IntoIterator<Item = &'a DomainEvent>) -> Self::State {
        events
            .into_iter()
            .fold(Self::State::default(), |s, e| Self::evolve(s, e))
    }
}
