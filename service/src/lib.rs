//! # registre-service
//!
//! Event-sourced governance records for an association of municipalities:
//! the secretariat's commands are checked against the statutes and, if
//! valid, append events to an append-only log; read models are folds of
//! that log; auditors replay it.
//!
//! ## Layout
//! - [`application`]: the one way in for every adapter: commands
//!   submitted, the registers live or as of a point, the log read only.
//! - [`audit_trail`]: tamper evidence at work: the leaf record, signed tree
//!   heads, the trail follower, verification, proofs and the export.
//! - [`store`]: the event log behind one interface (the `registre-store`
//!   crate); SQLite is the embedded default.
//! - [`projector`]: the runner that keeps read models up to date and saves
//!   them with the position they describe; past states (as of a point).
//! - [`commands`]: command handling: load, decide (registre-domain), append,
//!   retry on conflicts.
//! - [`demo`]: the deterministic demo history generator (sized).
//! - [`exports`]: the registers as CSV and Popolo JSON.
//! - [`auth`]: bearer tokens (recorded as events) and the roles they carry.
//! - [`accounts`]: the web application's personal accounts (events of the
//!   log) and their password hashes (a file, never the log).
//! - [`pages`]: the web application (French, or English), a second adapter
//!   beside GraphQL.
//! - [`catalogue`]: the pages' English, keyed by the French text
//!   (`locales/en.po`); [`language`]: the reader's language, and dates,
//!   amounts and counts written in it.
//! - [`french`]: dates, amounts, statuses and names written in French (the
//!   pages' catalogue keys, and the documents).
//! - [`graphql`]: the GraphQL API: schema, role guards, HTTP and websocket
//!   transports, error masking.
//! - [`metrics`]: Prometheus counters and histograms.
//! - [`config`]: settings from flags, `REGISTRE_*` variables and a TOML file.
//! - [`server`]: the HTTP service: `/graphql`, health, readiness, metrics.
//! - [`territory_csv`]: reading a territorial reference list.
//!
//! The contract (event envelope, event types, versions) lives in the
//! `registre-schema` crate, the `registre` command line in the workspace's
//! root package and the benchmarks in `registre-bench`; see ARCHITECTURE.md
//! for the whole map.

pub mod accounts;
pub mod application;
pub mod audit_trail;
pub mod auth;
pub mod catalogue;
pub mod commands;
pub mod config;
pub mod demo;
pub mod exports;
pub mod french;
pub mod graphql;
pub mod health;
pub mod language;
pub mod metrics;
pub mod projector;
pub mod server;
pub mod spreadsheets;
/// The event log (the `registre-store` crate), under the name the service
/// has always used for it.
pub use registre_store as store;
pub mod pages;
pub mod territory_csv;
