//! registre's one integration-test binary: the store conformance suite on
//! every available backend (SQLite always, PostgreSQL when a server
//! answers), crash tests against the real binary, and the HTTP server
//! started on a random port.

mod commands;
mod crash;
mod demo;
mod deploy;
mod graphql_http;
mod graphql_roles;
mod graphql_ws;
mod projection;
mod server;
mod store_postgres;
mod store_sqlite;
mod support;
