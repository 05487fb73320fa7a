//! `registre document`: official documents on the command line.
//! - `fetch`: a document from a server, by its reference or by the link
//!   GraphQL gives (which issues it), with an access token.
//! - `verify FILE.pdf --key KEY`: a document checked offline, with the
//!   file and the registre's public key alone. The records it states are
//!   read from its attachment, each proved in the tree of the signed head
//!   it carries.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use registre_audit::StatedRecords;
use registre_service::application::documents::Reference;
use registre_service::audit_trail::dir::read_public_key;

use super::Tampered;

#[derive(Args)]
pub struct DocumentArgs {
    #[command(subcommand)]
    pub command: DocumentCommand,
}

#[derive(Subcommand)]
pub enum DocumentCommand {
    /// Download a document from a server: by its reference
    /// (`PV-3266-4362`), or by a link GraphQL gives
    /// (`/documents/nouveau?type=pv&session=…`), which issues it at the
    /// log as it stands. Prints the reference.
    Fetch {
        /// A reference, or a link starting with `/documents/`.
        document: String,
        /// The server (`http://127.0.0.1:8080`).
        #[arg(long)]
        server: String,
        /// An access token (any role); rather put it in REGISTRE_TOKEN, out
        /// of the process list.
        #[arg(long, env = "REGISTRE_TOKEN", hide_env_values = true)]
        token: String,
        /// Where to write the PDF (default: `REFERENCE.pdf`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a document's attached records against the public key
    /// (exit status 3 when they do not check).
    Verify {
        /// The PDF, as downloaded or scanned back from the original file.
        file: PathBuf,
        /// The registre's public key file (an auditor's own copy).
        #[arg(long)]
        key: PathBuf,
    },
}

/// The largest PDF read (a Congrès' minutes with 700 members and every
/// proof are about 2 MB).
const MAX_PDF: u64 = 64 << 20;

pub fn run(args: DocumentArgs) -> anyhow::Result<()> {
    match args.command {
        DocumentCommand::Verify { file, key } => verify(&file, &key),
        DocumentCommand::Fetch {
            document,
            server,
            token,
            out,
        } => fetch(&document, &server, &token, out),
    }
}

fn fetch(document: &str, server: &str, token: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(120)))
        .http_status_as_error(false)
        // The issuing link answers with the document's address; it is
        // followed here, keeping the token (ureq drops it on a redirect).
        .max_redirects(0)
        .build()
        .into();
    let base = server.trim_end_matches('/');
    let authorization = format!("Bearer {}", token.trim());
    let get = |path: &str| {
        agent
            .get(format!("{base}{path}"))
            .header("Authorization", &authorization)
            .call()
            .with_context(|| format!("cannot reach {base}"))
    };
    let mut path = if document.starts_with("/documents/") {
        document.to_owned()
    } else {
        format!("/documents/{}", document.trim())
    };
    let mut response = get(&path)?;
    if response.status().is_redirection() {
        path = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .filter(|l| l.starts_with("/documents/"))
            .context("the server answered a redirect elsewhere than to a document")?
            .to_owned();
        response = get(&path)?;
    }
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_PDF)
        .read_to_vec()
        .with_context(|| format!("reading {path}"))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let said = text
            .split("role=\"alert\">")
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap_or("");
        anyhow::bail!("{path}: the server answered {status}: {said}");
    }
    anyhow::ensure!(
        body.starts_with(b"%PDF-"),
        "{path}: the server did not answer a PDF"
    );
    let reference = path.trim_start_matches("/documents/").to_owned();
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{reference}.pdf")));
    std::fs::write(&out, &body).with_context(|| format!("cannot write {}", out.display()))?;
    say!("{reference}");
    Ok(())
}

fn verify(file: &Path, key: &Path) -> anyhow::Result<()> {
    let key = read_public_key(key)?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_PDF,
        "{} is over 64 MiB: not a registre document",
        file.display()
    );
    let pdf = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let attached = registre_documents::proofs_of(&pdf)
        .map_err(|e| Tampered(format!("{}: {e}", file.display())))?;
    let records = StatedRecords::from_json(&attached)
        .map_err(|e| Tampered(format!("{}: {e}", file.display())))?;
    let verified = records
        .verify(&key)
        .map_err(|e| Tampered(format!("{} ({}): {e}", file.display(), records.reference)))?;
    // The records must be those of the reference they claim: made at the
    // head they carry, and about the subject the reference names.
    let reference = Reference::parse(&verified.reference).ok_or_else(|| {
        Tampered(format!(
            "{}: {:?} is not a document reference",
            file.display(),
            verified.reference
        ))
    })?;
    if reference.at != verified.tree_size {
        return Err(Tampered(format!(
            "{}: the reference {reference} was made at position {}, but its records are proved at {}",
            file.display(),
            reference.at,
            verified.tree_size
        ))
        .into());
    }
    if reference.kind != registre_documents::Kind::Directory
        && !verified.positions.contains(&reference.subject)
    {
        return Err(Tampered(format!(
            "{}: the records do not include what the reference {reference} is about (position {})",
            file.display(),
            reference.subject
        ))
        .into());
    }
    say!(
        "OK: document {} states {} record(s) of the log, each proved in the tree of {} events signed by key {}",
        verified.reference,
        verified.positions.len(),
        verified.tree_size,
        key.key_id()
    );
    if !verified.positions.is_empty() {
        say!("  positions {}", runs(&verified.positions));
    }
    say!(
        "The printed text is not covered: compare it with the records, or with the page at /verifier/{}.",
        verified.reference
    );
    Ok(())
}

/// `3266-4194, 4211-4212`: positions as runs of consecutive ones.
fn runs(positions: &[u64]) -> String {
    let mut sorted = positions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_are_printed_as_runs() {
        assert_eq!(super::runs(&[5, 3, 4, 9, 11, 12]), "3-5, 9, 11-12");
        assert_eq!(super::runs(&[7]), "7");
    }
}
