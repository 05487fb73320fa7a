//! One module per subcommand.

pub mod audit;
pub mod copy;
pub mod demo;
pub mod export;
pub mod log;
pub mod probe;
pub mod proof;
pub mod replay;
pub mod serve;
pub mod territory;
pub mod token;
pub mod verify;

/// Exit status of a command that found tampering (the log, the leaf
/// record, the signed heads or an export do not match).
pub const TAMPERED_EXIT: u8 = 3;

/// Evidence of tampering: `main` prints it and exits with
/// [`TAMPERED_EXIT`].
#[derive(Debug)]
pub struct Tampered(pub String);

impl std::fmt::Display for Tampered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TAMPERED: {}", self.0)
    }
}

impl std::error::Error for Tampered {}
