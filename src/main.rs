//! The `registre` command line: parses settings, opens the store and hands
//! over to one module of [`cli`] per subcommand.

mod cli;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use registre_service::accounts::{self, CredentialFile};
use registre_service::audit_trail::{self, AuditDir};
use registre_service::config::{self, FileSettings};
use registre_service::store;

#[derive(Parser)]
#[command(name = "registre", version, about = "Event-sourced governance records")]
struct Cli {
    /// TOML settings file (keys: store, listen, log, audit_dir, state_dir,
    /// credentials).
    #[arg(long, global = true, env = "REGISTRE_CONFIG")]
    config: Option<PathBuf>,
    /// Event store URL [default: sqlite:./registre.db]
    #[arg(long, global = true, env = "REGISTRE_STORE")]
    store: Option<String>,
    /// Where the read models are saved [default: PATH.state/ beside a
    /// sqlite:PATH store, else ./registre-state/]
    #[arg(long, global = true, env = "REGISTRE_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Log filter, e.g. `info` or `registre=debug` [default: info]
    #[arg(long, global = true, env = "REGISTRE_LOG")]
    log: Option<String>,
    /// Audit directory: signing key, leaf record, signed tree heads
    /// [default: STORE_FILE.audit beside an SQLite store, else ./registre-audit]
    #[arg(long, global = true, env = "REGISTRE_AUDIT_DIR")]
    audit_dir: Option<PathBuf>,
    /// The web accounts' password hashes, kept out of the log (mode 0600)
    /// [default: STORE_FILE.credentials beside an SQLite store, else
    /// ./registre-credentials]
    #[arg(long, global = true, env = "REGISTRE_CREDENTIALS")]
    credentials: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(cli::serve::ServeArgs),
    /// Rebuild every read model from the log alone and print its digest.
    Replay(cli::replay::ReplayArgs),
    /// Print the log as JSON lines, for auditors.
    Log(cli::log::LogArgs),
    /// Ask a running server whether it is ready (exit 0 when it is).
    Probe(cli::probe::ProbeArgs),
    /// Check that the log is unaltered: recompute the audit tree and check
    /// it against the leaf record and every signed tree head (exit status 3
    /// on tampering), or check an export file with only the public key.
    Verify(cli::verify::VerifyArgs),
    /// Print an inclusion or consistency proof as JSON.
    Proof(cli::proof::ProofArgs),
    /// Archival exports.
    Export(cli::export::ExportArgs),
    /// The audit key and signed tree heads.
    Audit(cli::audit::AuditArgs),
    /// Benchmarks: append, replay, start-up, GraphQL and size (see BENCHMARKS.md).
    Bench(registre_bench::BenchArgs),
    /// Manage territorial reference lists.
    Territory(cli::territory::TerritoryArgs),
    /// Existing members from a spreadsheet. Columns: code_commune, nom,
    /// categorie_cotisation, admise_le, deliberation, decision; and,
    /// optional, maire, secretaire_general, telephones (apart by /),
    /// email, adresse.
    Members(cli::import::ImportArgs),
    /// Past dues payments from a spreadsheet. Columns: code_commune,
    /// annee, montant_xof, paye_le, recu.
    Payments(cli::import::ImportArgs),
    /// Seed an empty store with a realistic demo history.
    Demo(cli::demo::DemoArgs),
    /// Copy the log to another store (say SQLite to PostgreSQL), keeping
    /// ids, order and times; resumable; checks the Merkle roots match.
    Copy(cli::copy::CopyArgs),
    /// Issue, list and revoke API tokens.
    Token(cli::token::TokenArgs),
    /// Open, list and disable the web application's accounts; reset a
    /// password, change a role.
    Account(cli::account::AccountArgs),
    /// Watch a registre server as a third party: check and cosign its
    /// signed tree heads (exit status 3 on a rollback or split view).
    Witness(cli::witness::WitnessArgs),
    /// Official documents: fetch one from a server; check a PDF's
    /// attached records offline.
    Document(cli::document::DocumentArgs),
    /// Append generated events from many writers and print each
    /// acknowledgement as it arrives (used by the crash tests).
    #[command(hide = true)]
    StressAppend(registre_bench::stress::StressArgs),
}

fn main() -> ExitCode {
    match run() {
        Ok(()) if cli::output_failed() => ExitCode::FAILURE,
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<cli::Tampered>() {
            Some(t) => {
                eprintln!("{t}");
                ExitCode::from(cli::TAMPERED_EXIT)
            }
            None => {
                eprintln!("Error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Whether the logs (on stderr) are coloured: only on a terminal, and not
/// when `NO_COLOR` is set to anything but the empty string
/// (<https://no-color.org>). A log file or a journal must not fill with
/// escape codes.
fn colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileSettings::load(cli.config.as_deref())?;
    let filter = config::pick(cli.log.clone(), file.log.clone(), "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter)
                .with_context(|| format!("invalid log filter {filter:?}"))?,
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .init();
    let store_url = config::pick(
        cli.store.clone(),
        file.store.clone(),
        config::DEFAULT_STORE.into(),
    );
    let audit_dir = AuditDir::new(config::pick(
        cli.audit_dir.clone(),
        file.audit_dir.clone(),
        audit_trail::default_dir(&store_url),
    ));
    let state_dir = config::pick(
        cli.state_dir.clone(),
        file.state_dir.clone(),
        config::default_state_dir(&store_url),
    );
    let credentials = CredentialFile::new(config::pick(
        cli.credentials.clone(),
        file.credentials.clone(),
        accounts::default_credentials_path(&store_url),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let open = || async {
            store::open(&store_url)
                .await
                .with_context(|| format!("opening the store {}", store::redact_url(&store_url)))
        };
        // Commands that only read open an existing store read-only: they
        // never create, upgrade, index or checkpoint it, so an auditor can
        // run them on a store on read-only media.
        let open_existing = || async {
            if let Some(path) = store_url.strip_prefix("sqlite:") {
                let path = path.strip_prefix("//").unwrap_or(path);
                anyhow::ensure!(
                    std::path::Path::new(path).is_file(),
                    "no store file at {path}"
                );
            }
            store::open_read_only(&store_url)
                .await
                .with_context(|| format!("opening the store {}", store::redact_url(&store_url)))
        };
        match cli.command {
            Command::Serve(args) => {
                let dirs = cli::serve::Places {
                    audit_dir,
                    state_dir,
                    credentials,
                };
                cli::serve::run(open().await?, args, &file, dirs).await
            }
            Command::Verify(args) => match &args.export {
                Some(export) => {
                    let key = args.key.as_deref().context("--export needs --key")?;
                    cli::verify::run_export(export, key, &args)
                }
                None => cli::verify::run_store(&*open_existing().await?, &audit_dir, &args).await,
            },
            Command::Proof(args) => {
                cli::proof::run(&*open_existing().await?, &audit_dir, args).await
            }
            Command::Export(args) => {
                cli::export::run(&*open_existing().await?, &audit_dir, args).await
            }
            Command::Audit(args) => match args.task {
                cli::audit::AuditTask::PublicKey => cli::audit::public_key(&audit_dir),
                cli::audit::AuditTask::Sign => {
                    cli::audit::sign(open_existing().await?, &audit_dir).await
                }
            },
            Command::Replay(args) if args.export.is_some() => cli::replay::run_export(args),
            Command::Replay(args) => {
                cli::replay::run(open_existing().await?, args, &state_dir).await
            }
            Command::Log(args) => cli::log::run(open_existing().await?, args).await,
            Command::StressAppend(args) => registre_bench::stress::run(open().await?, args).await,
            Command::Probe(args) => cli::probe::run(args),
            // The benchmarks make their own stores.
            Command::Bench(args) => registre_bench::run(args).await,
            Command::Territory(args) => cli::territory::run(open().await?, args).await,
            Command::Members(args) => {
                cli::import::run(open().await?, cli::import::Register::Members, args).await
            }
            Command::Payments(args) => {
                cli::import::run(open().await?, cli::import::Register::Payments, args).await
            }
            Command::Demo(args) => cli::demo::run(open().await?, args).await,
            // Names its two stores itself; --store is not used.
            Command::Copy(args) => cli::copy::run(args).await,
            Command::Token(args) if args.reads_only() => {
                cli::token::run(open_existing().await?, args).await
            }
            Command::Token(args) => cli::token::run(open().await?, args).await,
            Command::Account(args) if args.reads_only() => {
                cli::account::run(open_existing().await?, &credentials, args).await
            }
            Command::Account(args) => cli::account::run(open().await?, &credentials, args).await,
            // A witness opens no store: it watches a server.
            Command::Witness(args) => cli::witness::run(args),
            // Nor does a document's check: the file and the key suffice.
            Command::Document(args) => cli::document::run(args),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::colour;
    use std::ffi::OsStr;

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
        assert!(!colour(false, Some(OsStr::new(""))));
    }
}
