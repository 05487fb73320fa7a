//! One module per subcommand.

pub mod bench;
pub mod demo;
pub mod log;
pub mod probe;
pub mod serve;
pub mod stress;
pub mod territory;
pub mod token;
