//! # registre
//!
//! Event-sourced governance records for an association of municipalities:
//! the secretariat's commands are checked against the statutes and, if
//! valid, append events to an append-only log; read models are folds of
//! that log; auditors replay it.
//!
//! ## Layout
//! - [`store`]: the event log behind one interface; SQLite is the embedded
//!   default. Its `conformance` module is the behaviour every backend owes.
//! - [`auth`]: bearer tokens (recorded as events) and the roles they carry.
//! - [`graphql`]: the GraphQL API: schema, role guards, HTTP and websocket
//!   transports, error masking.
//! - [`metrics`]: Prometheus counters and histograms.
//! - [`config`]: settings from flags, `REGISTRE_*` variables and a TOML file.
//! - [`server`]: the HTTP service (health now; GraphQL on top of it).
//! - `main.rs`: the `registre` command line.
//!
//! The contract (event envelope, event types, versions) lives in the
//! `registre-schema` crate; see ARCHITECTURE.md for the whole map.

pub mod auth;
pub mod config;
pub mod graphql;
pub mod metrics;
pub mod server;
pub mod store;
