//! One module per subcommand.

pub mod bench;
pub mod log;
pub mod replay;
pub mod serve;
pub mod stress;
