//! The GraphQL API.
//!
//! ## Layout
//! - [`schema`]: root types, limits, the SDL.
//! - [`guard`]: roles, the permission table every root field is listed in,
//!   and the guard and `authorize` helper resolvers use.
//! - [`errors`]: errors with a code shown to clients; masking of the rest.
//! - [`as_of`]: the registers at a past point, and what changed between
//!   two dates.
//! - [`audit`]: the audit tree head, public key and proofs.
//! - [`events`]: raw log queries and the live event feed.
//! - [`http`]: POST/GET handling per the GraphQL-over-HTTP specification.
//! - [`ws`]: subscriptions over websockets (`graphql-transport-ws`).
//!
//! API boundary: resolvers read the store and read models or hand commands
//! to the domain; nothing here decides anything.

pub mod as_of;
pub mod audit;
pub mod errors;
pub mod events;
pub mod guard;
pub mod http;
pub mod schema;
pub mod ws;

pub use errors::{ApiError, RequestId};
pub use guard::{Caller, Permission, RoleGuard, authorize};
pub use http::GraphqlState;
pub use schema::{RegistreSchema, SchemaDeps, build_schema, sdl};
