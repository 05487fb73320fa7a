//! One module per subcommand.

/// Prints one line of a command's report on standard output, as
/// `println!` would, without panicking when the reader went away.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say_line(format_args!($($arg)*))
    };
}

pub mod account;
pub mod audit;
pub mod copy;
pub mod demo;
pub mod document;
pub mod export;
pub mod import;
pub mod log;
pub mod probe;
pub mod proof;
pub mod replay;
pub mod serve;
pub mod territory;
pub mod token;
pub mod verify;
pub mod witness;

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

/// Set when a line of a report could not be written for another reason
/// than a closed pipe: the command then exits with a failure.
static WRITE_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes one line to standard output. A reader that closed the pipe
/// (`registre verify … | head -1`) is not an error: what was asked for has
/// been read, and the exit status still carries the verdict. Any other
/// failure (a full disk under a redirection) fails the command.
pub fn say_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(line).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("cannot write to standard output: {e}");
        WRITE_FAILED.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Whether a report line could not be written (see [`say_line`]).
pub fn output_failed() -> bool {
    WRITE_FAILED.load(std::sync::atomic::Ordering::SeqCst)
}
