//! registre's one integration-test binary: the store conformance suite on
//! every available backend, crash tests against the real binary, and the
//! HTTP server started on a random port.

mod crash;
mod deploy;
mod projection;
mod server;
mod store_kurrentdb;
mod store_sqlite;
mod support;
