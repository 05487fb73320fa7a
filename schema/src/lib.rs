//! # registre-schema: the contract
//!
//! Everything that is written to the log, and so must stay readable forever,
//! is defined here and nowhere else.
//!
//! ## Layout
//! - [`envelope`]: the envelope every event travels in (ids, stream, revision,
//!   global position, times, actor, command, correlation) and the ids it uses.
//! - [`events`]: every domain event type, gathered in [`DomainEvent`].
//! - [`access`]: access tokens (issued, revoked) and personal accounts
//!   (opened, role changed, password set, disabled), recorded in their own
//!   streams, outside the governance domain.
//! - [`log_event`]: [`LogEvent`], what both families of events (the
//!   domain's and the access events of tokens and accounts) share as the
//!   log stores them.
//! - [`json_schema`]: the JSON Schema of every event type and version and
//!   of the envelope, committed in `schema/events/` for outside auditors.
//! - [`upcast`]: the step between an event's stored form (type + schema version
//!   + JSON payload) and its current form, so old events stay readable.
//!
//! The crate does no I/O: stores, the domain and projections all depend on it,
//! and it depends on none of them.

pub mod access;
pub mod envelope;
pub mod events;
pub mod json_schema;
pub mod log_event;
pub mod upcast;

pub use envelope::{
    Actor, CommandMeta, DecodedEvent, EventData, InvalidStreamId, Position, RecordedEvent,
    Revision, Role, StreamId,
};
pub use events::{DecodeError, DomainEvent};
pub use log_event::LogEvent;
pub use upcast::{UpcastError, Upcaster};
