//! Who is calling: bearer tokens and the roles they carry.
//!
//! ## Layout
//! - [`secret`]: generating a secret and hashing it (the only place that
//!   ever sees a secret in clear).
//! - [`book`]: the pure fold of the token events into the set of tokens.
//! - [`issue`]: issuing and revoking tokens as commands of the token
//!   aggregate, and listing them from the log (used by `registre token`).
//! - [`registry`]: the server's in-memory copy of the book, kept current by
//!   following the log, that authenticates each request.
//!
//! Architecture invariant: tokens live in the log only (streams
//! `token-<uuid>`), never in a side table, so every backend supports them
//! and every instance sharing a store sees the same tokens.

pub mod book;
pub mod issue;
pub mod registry;
pub mod secret;

pub use book::{Principal, TokenBook, TokenRecord};
pub use issue::{AuthError, issue_token, list_tokens, operator, revoke_token};
pub use registry::TokenRegistry;
pub use secret::Secret;
