//! # registre-projections: read models as pure folds
//!
//! A read model is a value folded from the log: `apply` takes one recorded
//! event and updates the model. It does no I/O and reads nothing but the
//! event, so the server, an offline replay and an auditor's tool all build
//! exactly the same thing from the same log.
//!
//! ## Layout
//! - this file: the [`ReadModel`] trait and its error.
//! - one module per read model, named for it: [`log_summary`].

pub mod log_summary;

pub use log_summary::LogSummary;

use registre_schema::{Position, RecordedEvent};
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
}
