//! One module per subcommand.

pub mod demo;
pub mod log;
pub mod serve;
pub mod stress;
pub mod territory;
