//! # registre-bench
//!
//! What `registre bench` and `registre stress-append` run, kept out of the
//! service library: the benchmark cases, the sized history generator they
//! measure on, and the stress writer. The `registre` binary links it for
//! those two commands; nothing in the service depends on it.
//!
//! Errors are `anyhow`'s, as in the binary: they are only ever printed to
//! whoever runs the command.
//!
//! ## Layout
//! - [`cases`]: `registre bench`, its arguments and one file per case.
//! - [`history`]: the sized, deterministic history the cases run on.
//! - [`stress`]: `registre stress-append`, concurrent raw appends.

pub mod cases;
pub mod history;
pub mod stress;

pub use cases::{BenchArgs, run};
