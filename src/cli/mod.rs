//! One module per subcommand.

pub mod bench;
pub mod log;
pub mod probe;
pub mod serve;
pub mod stress;
