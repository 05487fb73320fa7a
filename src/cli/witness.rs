//! `registre witness`: what a third party (a partner, the supervising
//! ministry) runs to watch a registre server it does not trust.
//!
//! `key` makes the witness's key pair. `run` fetches the server's latest
//! checkpoint, checks it is signed by the log's public key and extends the
//! last checkpoint this witness cosigned (a consistency proof, asked of the
//! server), cosigns it, keeps it in its state directory, and sends the
//! cosignature back for the server to keep and serve. A rollback, a split
//! view or a rewritten history is refused and reported, with the two
//! signed checkpoints kept as evidence (exit status 3).
//!
//! The state directory holds `checkpoint`: the last checkpoint cosigned,
//! with the log's signature and the witness's. It is what an auditor asks
//! the witness for: `registre verify --checkpoint` checks a log against it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use registre_audit::checkpoint::log_origin;
use registre_audit::{
    AuditPublicKey, Checkpoint, Hash, SignedNote, WitnessKey, WitnessRefusal, witness,
};
use registre_service::audit_trail::dir::read_public_key;

use super::Tampered;

#[derive(Args)]
pub struct WitnessArgs {
    #[command(subcommand)]
    pub command: WitnessCommand,
}

#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Make a witness key pair: the secret in FILE (mode 0600), the public
    /// key (a C2SP vkey) printed for the operator and auditors.
    Key {
        /// The witness's name, a schema-less URL (e.g. `ministere.example/temoin`).
        #[arg(long)]
        name: String,
        /// Where to write the secret key (refused if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Watch a server: fetch, check and cosign its checkpoints.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// The server's address, e.g. `https://registre.example.ml`.
    #[arg(long)]
    pub server: String,
    /// The log's public key file (`audit.pub`), obtained from the operator
    /// once and kept by the witness.
    #[arg(long)]
    pub log_key: PathBuf,
    /// The witness's secret key file (from `registre witness key`).
    #[arg(long)]
    pub key: PathBuf,
    /// Where the witness keeps the last checkpoint it cosigned.
    #[arg(long)]
    pub state: PathBuf,
    /// A bearer token of the server allowed to read the log (auditor).
    #[arg(long, env = "REGISTRE_WITNESS_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Check once and exit, rather than every --every seconds.
    #[arg(long)]
    pub once: bool,
    /// Seconds between two checks.
    #[arg(long, default_value_t = 60)]
    pub every: u64,
}

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    match args.command {
        WitnessCommand::Key { name, out } => make_key(&name, &out),
        WitnessCommand::Run(args) => watch(&args),
    }
}

fn make_key(name: &str, out: &Path) -> anyhow::Result<()> {
    let key = WitnessKey::generate(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    write_new_secret(out, &key.to_secret_text())?;
    say!("{}", key.public().to_vkey());
    Ok(())
}

fn write_new_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn watch(args: &RunArgs) -> anyhow::Result<()> {
    let log = read_public_key(&args.log_key)?;
    let text = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read {}", args.key.display()))?;
    let key = WitnessKey::from_secret_text(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.key.display()))?;
    std::fs::create_dir_all(&args.state)
        .with_context(|| format!("cannot create {}", args.state.display()))?;
    let server = Server::new(&args.server, &args.token);
    loop {
        match round(&server, &log, &key, &args.state) {
            Ok(line) => say!("{line}"),
            Err(e) if e.is::<Tampered>() || args.once => return Err(e),
            // A server down or a network cut is not evidence: try again.
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "witness round failed"),
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(args.every.max(1)));
    }
}

/// One check: fetch, decide, keep, send back.
fn round(
    server: &Server,
    log: &AuditPublicKey,
    key: &WitnessKey,
    state: &Path,
) -> anyhow::Result<String> {
    let offered = SignedNote::parse(&server.get("/audit/checkpoint")?)
        .context("the server's checkpoint is not a signed note")?;
    let kept_path = state.join("checkpoint");
    let kept = read_kept(&kept_path)?;
    let last = kept
        .as_ref()
        .map(|n| Checkpoint::parse_body(&n.text))
        .transpose()
        .context("the kept checkpoint is damaged")?;
    let offered_size = Checkpoint::parse_body(&offered.text).map(|c| c.tree_size);
    let proof = match (&last, offered_size) {
        (Some(last), Ok(size)) if size > last.tree_size => {
            server.consistency(last.tree_size, size)?
        }
        _ => Vec::new(),
    };
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let cosigned = match witness(log, key, last.as_ref(), &offered, &proof, now) {
        Ok(c) => c,
        Err(refusal @ WitnessRefusal::NotSigned(_)) => bail!("{refusal}"),
        Err(refusal) => {
            let evidence = keep_evidence(state, kept.as_ref(), &offered, &proof)?;
            bail!(Tampered(format!(
                "{refusal}; both signed checkpoints are kept in {}",
                evidence.display()
            )));
        }
    };
    let size = cosigned.checkpoint.tree_size;
    let kept_by_server = offered.signatures.iter().any(|s| key.public().names(s));
    if last.as_ref() == Some(&cosigned.checkpoint) && kept_by_server {
        // Cosigned already, and the server serves it: a new time would say
        // nothing more.
        return Ok(format!(
            "the log has not grown since the tree of {size} events this witness cosigned"
        ));
    }
    // Keep only the log's signature and ours: the note is this witness's
    // own statement.
    let origin = log_origin(log);
    let mut note = SignedNote {
        text: offered.text.clone(),
        signatures: offered
            .signatures
            .iter()
            .filter(|s| s.name == origin)
            .cloned()
            .collect(),
    };
    note.signatures
        .push(cosigned.cosignature.to_note_signature());
    write_atomically(&kept_path, &note.to_text())?;
    let sent = server.post("/audit/cosignature", &note.to_text());
    Ok(match sent {
        Ok(_) => format!("cosigned the tree of {size} events; the server keeps the cosignature"),
        Err(e) => format!(
            "cosigned the tree of {size} events; the server did not take the cosignature ({e:#})"
        ),
    })
}

fn read_kept(path: &Path) -> anyhow::Result<Option<SignedNote>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            Ok(Some(SignedNote::parse(&text).with_context(|| {
                format!("{} is damaged", path.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The checkpoint cosigned before, the one refused and the proof given:
/// whoever holds both signed checkpoints can show the log misbehaved.
fn keep_evidence(
    state: &Path,
    kept: Option<&SignedNote>,
    offered: &SignedNote,
    proof: &[Hash],
) -> anyhow::Result<PathBuf> {
    let path = state.join(format!("evidence-{}.txt", chrono::Utc::now().timestamp()));
    let mut text = String::from("# the checkpoint this witness cosigned before\n");
    text.push_str(&kept.map(SignedNote::to_text).unwrap_or_default());
    text.push_str("\n# the checkpoint the log offered next\n");
    text.push_str(&offered.to_text());
    text.push_str("\n# the consistency proof the log gave\n");
    for h in proof {
        text.push_str(&BASE64.encode(h));
        text.push('\n');
    }
    write_atomically(&path, &text)?;
    Ok(path)
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The server, over HTTP(S).
struct Server {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

/// Largest answer read from the server (a checkpoint or a proof is far less).
const MAX_ANSWER: u64 = 64 * 1024;

impl Server {
    fn new(base: &str, token: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        Server {
            agent,
            base: base.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {}", token.trim()),
        }
    }

    fn get(&self, path: &str) -> anyhow::Result<String> {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .call()
            .with_context(|| format!("cannot reach {}", self.base))?;
        answer(response, path)
    }

    fn post(&self, path: &str, body: &str) -> anyhow::Result<String> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "text/plain; charset=utf-8")
            .send(body)
            .with_context(|| format!("cannot reach {}", self.base))?;
        answer(response, path)
    }

    fn consistency(&self, from: u64, to: u64) -> anyhow::Result<Vec<Hash>> {
        let text = self.get(&format!("/audit/consistency?from={from}&to={to}"))?;
        text.lines()
            .map(|l| {
                BASE64
                    .decode(l)
                    .ok()
                    .and_then(|b| Hash::try_from(b).ok())
                    .context("the consistency proof is not base64 hashes")
            })
            .collect()
    }
}

fn answer(mut response: ureq::http::Response<ureq::Body>, path: &str) -> anyhow::Result<String> {
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_string()
        .with_context(|| format!("reading the answer to {path}"))?;
    if !status.is_success() {
        bail!("{path}: the server answered {status}: {}", body.trim());
    }
    Ok(body)
}
