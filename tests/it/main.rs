//! registre's one integration-test binary: the store conformance suite on
//! every available backend, crash tests against the real binary, the HTTP
//! server started on a random port, and tamper evidence (the audit trail,
//! `registre verify`, proofs and exports) against adversarial edits.

mod architecture;
mod as_of;
mod audit;
mod commands;
mod copy;
mod crash;
mod demo;
mod deploy;
mod documents;
mod elections;
mod exports;
mod faults;
mod graphql_audit;
mod graphql_bad_input;
mod graphql_cache;
mod graphql_conflicts;
mod graphql_crash;
mod graphql_http;
mod graphql_limits;
mod graphql_mutations;
mod graphql_queries;
mod graphql_roles;
mod graphql_ws;
mod imports;
mod independent_verifier;
mod multi_instance;
mod mutation_examples;
mod projection;
mod read_only;
mod refusal_codes;
mod replay;
mod server;
mod store_kurrentdb;
mod store_postgres;
mod store_sqlite;
mod support;
mod territory;
mod web;
mod web_accounts;
mod web_english;
mod web_forms;
mod witness;
