//! One module per subcommand.

pub mod bench;
pub mod log;
pub mod serve;
pub mod stress;
