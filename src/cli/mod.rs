//! One module per subcommand.

pub mod log;
pub mod serve;
pub mod stress;
pub mod token;
