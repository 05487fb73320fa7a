//! # registre-domain: the pure governance core
//!
//! For each aggregate: a state, `decide(state, command, context)` that checks
//! a command against the state and the statutes and returns the events to
//! append (or a [`DomainError`]), and `evolve(state, event)` that folds one
//! event into the state.
//!
//! Architecture invariant: nothing here does I/O, reads a clock or draws a
//! random number. Time, the actor, new entities' ids and the facts that
//! span aggregates (is this unit known, who was eligible on that date, which
//! statutes were in force) come in through the command and the [`Context`].
//!
//! ## Layout
//! - [`aggregate`]: the [`Aggregate`] trait every aggregate implements.
//! - [`context`]: what a decision is given besides state and command.
//! - [`error`]: [`DomainError`], with stable codes and French messages.
//! - [`majority`]: quorum and majorities counted, in integer arithmetic;
//!   [`statutory`]: which rules a statutory body follows.
//! - [`dates`]: the years a record's dates may fall in, checked for every
//!   command.
//! - one file per aggregate: [`territory`], [`member`], [`dues`],
//!   [`statutes`], [`body`] (posts and mandates, with [`election`]: the
//!   elections that fill them), [`session`], [`minutes`],
//!   [`correction`], [`access`] (the API's tokens) and [`account`] (the
//!   web application's personal accounts), whose events are not the
//!   domain's but follow the same decide/evolve.
//! - [`lineage`]: which unit of another edition of the territory is the
//!   same place (renames and transfers carry a commune; splits and merges
//!   do not).
//! - [`streams`]: which stream each aggregate lives in (the stream design is
//!   what makes invariants race-safe: one stream per consistency boundary).

pub mod access;
pub mod account;
pub mod aggregate;
pub mod body;
pub mod contacts;
pub mod context;
pub mod correction;
pub mod dates;
pub mod decided;
pub mod dues;
pub mod election;
pub mod error;
pub mod lineage;
pub mod majority;
pub mod member;
pub mod minutes;
pub mod session;
pub mod statutes;
pub mod statutory;
pub mod streams;
pub mod territory;
pub mod text;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testing;

pub use aggregate::Aggregate;
pub use context::{Context, Facts};
pub use error::{DomainError, Reason};
pub use registre_schema::DomainEvent;
pub use registre_schema::events;
