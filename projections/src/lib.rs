//! # registre-projections: read models as pure folds
//!
//! A read model is a value folded from the log: `apply` takes one recorded
//! event and updates the model. It does no I/O and reads nothing but the
//! event, so the server, an offline replay and an auditor's tool all build
//! exactly the same thing from the same log.
//!
//! ## Layout
//! - this file: the [`ReadModel`] trait and its error.
//! - [`read_models`]: [`ReadModels`], every register folded together; it
//!   decodes each event once and hands the typed event to each model
//!   through [`fold::Fold`].
//! - [`fold`]: what a model is handed (envelope data, typed event,
//!   corrections).
//! - one module per read model, named for it: [`membership`], [`dues`],
//!   [`sessions`], [`resolutions`], [`bodies`] (with [`elections`], kept
//!   in each body's record), [`minutes`], [`statutes`],
//!   [`audit_timeline`], [`indicators`], and [`log_summary`] (the log's
//!   table of contents, a model of its own).
//! - [`meetings`]: a query over the registers, not a model: which bodies
//!   met as their statutes require and which are overdue.
//! - [`digest`]: the SHA-256 of a model's canonical JSON, which replay
//!   compares.
//!
//! Architecture invariant: every map in a model is written in key order (a
//! `BTreeMap`, or a `HashMap` serialised with a sorting `serialize_with`, as
//! `audit_timeline::in_key_order`) and every list is in log order, so a
//! model's JSON (and its digest) is a function of the events folded,
//! whatever the process that folded them.

pub mod audit_timeline;
pub mod bodies;
pub mod digest;
pub mod dues;
pub mod elections;
pub mod fold;
pub mod in_force;
pub mod indicators;
pub mod log_summary;
pub mod meetings;
pub mod membership;
pub mod minutes;
pub mod read_models;
pub mod resolutions;
pub mod search;
pub mod sessions;
pub mod statutes;
#[cfg(test)]
mod testing;

pub use log_summary::LogSummary;
pub use read_models::ReadModels;

use registre_schema::{DecodedEvent, Position, RecordedEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a read model could not take an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// The event's payload does not decode as its type and version say.
    #[error("event at position {position} ({event_type}) cannot be read: {reason}")]
    Undecodable {
        position: Position,
        event_type: String,
        reason: String,
    },
    /// Events arrived out of order: a read model must see every position once.
    #[error("event at position {got} arrived after position {after}")]
    OutOfOrder { after: Position, got: Position },
}

/// A fold of the log.
///
/// `VERSION` names the shape and the logic of the model: saved states of
/// another version are discarded and the model is rebuilt from the log.
/// Bump it whenever `apply` or the stored fields change.
pub trait ReadModel: Default + Serialize + DeserializeOwned + Send + Sync + 'static {
    const NAME: &'static str;
    const VERSION: u32;

    /// Takes one event. Event types the model does not follow are ignored.
    fn apply(&mut self, event: &RecordedEvent) -> Result<(), ProjectionError>;

    /// Takes one event whose payload the reader already decoded (how the
    /// runner and a replay read the log); the same fold as `apply`.
    fn apply_decoded(&mut self, event: &DecodedEvent) -> Result<(), ProjectionError>;
}
