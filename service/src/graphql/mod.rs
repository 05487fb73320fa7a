//! The GraphQL API.
//!
//! ## Layout
//! - [`schema`]: root types, limits, the SDL.
//! - [`guard`]: roles, the permission table every root field is listed in,
//!   and the guard and `authorize` helper resolvers use.
//! - [`errors`]: errors with a code shown to clients; masking of the rest.
//! - [`limits`]: what one request may cost, bounded before it runs.
//! - [`activity`]: the latest events, for dashboards.
//! - [`as_of`]: the registers at a past point, and what changed between
//!   two dates.
//! - [`audit`]: the audit tree head, public key and proofs.
//! - [`events`]: raw log queries and the live event feed.
//! - [`read_models`]: what read-model queries share (minimum position,
//!   connections, cursors); one file per register: [`membership`],
//!   [`dues`], [`sessions`], [`resolutions`], [`bodies`], [`minutes`],
//!   [`statutes`], [`indicators`], and [`timeline`] (an entity's history).
//! - [`http`]: POST/GET handling per the GraphQL-over-HTTP specification.
//! - [`response_cache`]: whole answers to read-model queries, kept while
//!   the read models stay at one position.
//! - [`mutations`]: one mutation per domain command (secretariat only).
//! - [`domain_enums`]: the domain's enumerations as GraphQL enums.
//! - [`register_changes`]: the live feed of what changed in the registers.
//! - [`ws`]: subscriptions over websockets (`graphql-transport-ws`).
//!
//! API boundary: resolvers read the store and read models or hand commands
//! to the domain; nothing here decides anything.

pub mod activity;
pub mod as_of;
pub mod audit;
pub mod bodies;
pub mod documents;
pub mod domain_enums;
pub mod dues;
pub mod errors;
pub mod events;
pub mod guard;
pub mod http;
pub mod indicators;
pub mod limits;
pub mod membership;
pub mod minutes;
pub mod mutations;
pub mod read_models;
pub mod register_changes;
pub mod resolutions;
pub mod response_cache;
pub mod schema;
pub mod sessions;
pub mod statutes;
pub mod statutory_rules;
pub mod timeline;
pub mod translation;
pub mod ws;

pub use errors::{ApiError, RequestId};
pub use guard::{Caller, Permission, Policy, authorize, authorize_field};
pub use http::GraphqlState;
pub use schema::{RegistreSchema, build_schema, sdl};
