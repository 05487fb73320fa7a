//! `registre verify`: recompute the audit tree from the log and check it
//! against the leaf record and every signed tree head; or check an export
//! file with nothing but the file and the public key.
//!
//! Exit status: 0 intact, [`super::TAMPERED_EXIT`] (3) when tampering is
//! found (the finding is printed), 1 when verification could not run.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use registre_audit::export::MAX_LINE_BYTES;
use registre_audit::{ExportError, SignedTreeHead, VerifiedLog, verify_export};
use registre_service::audit_trail::check::check_store;
use registre_service::audit_trail::dir::read_public_key;
use registre_service::audit_trail::{AuditDir, hex};
use registre_service::store::{EventStore, StreamIndexCheck};

use super::Tampered;

#[derive(Args)]
pub struct VerifyArgs {
    /// Check this export file instead of the store (no store is opened;
    /// needs --key).
    #[arg(long, requires = "key")]
    pub export: Option<PathBuf>,
    /// The public key file to check with (an auditor's own copy)
    /// [default: audit.pub in the audit directory]
    #[arg(long)]
    pub key: Option<PathBuf>,
}

/// Verifies the store (the caller opens it only when no export is given).
pub async fn run_store(
    store: &dyn EventStore,
    dir: &AuditDir,
    args: &VerifyArgs,
) -> anyhow::Result<()> {
    let key = match &args.key {
        Some(path) => read_public_key(path)?,
        None => dir.require().and_then(|()| dir.public_key())?,
    };
    match check_store(store, dir, &key).await {
        Ok(verified) => {
            say!(
                "intact: the log matches the leaf record and {} signed tree head(s)",
                verified.heads_checked
            );
            print_summary(&verified);
            if verified.size > verified.signed_size {
                say!("{}", uncovered(&verified));
            }
            check_stream_index(store).await
        }
        Err(f) if f.is_tampering() => Err(Tampered(f.to_string()).into()),
        Err(f) => Err(f.into()),
    }
}

/// The store's own index of streams, once the log itself is intact.
async fn check_stream_index(store: &dyn EventStore) -> anyhow::Result<()> {
    match store.check_stream_index().await? {
        Some(StreamIndexCheck {
            finding: Some(finding),
            ..
        }) => Err(Tampered(format!(
            "{finding} (the log is intact: `registre copy` into a new file rebuilds the index)"
        ))
        .into()),
        Some(check) => {
            say!(
                "stream index: {} entries, one for each event up to position {}",
                check.entries,
                check.indexed_through
            );
            Ok(())
        }
        None => Ok(()),
    }
}

/// Verifies an export file with the public key alone.
pub fn run_export(file: &Path, key_file: &Path) -> anyhow::Result<()> {
    let key = read_public_key(key_file)?;
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let lines =
        read_lines(BufReader::new(f)).with_context(|| format!("reading {}", file.display()))?;
    match verify_export(lines, &key) {
        Ok(verified) => {
            say!(
                "intact: the export is sealed and matches {} signed tree head(s)",
                verified.heads_checked
            );
            print_summary(&verified);
            Ok(())
        }
        Err(e @ (ExportError::Tampered(_) | ExportError::NotSealed { .. })) => {
            Err(Tampered(e.to_string()).into())
        }
        Err(e) => Err(Tampered(format!("not a valid export: {e}")).into()),
    }
}

/// What no signed head vouches for, said plainly: the leaf record is kept
/// by the same operator as the log, so events past the last head (an
/// unsigned tail, or a last head deleted) are only as good as that
/// operator's word until a head covers them.
fn uncovered(v: &VerifiedLog) -> String {
    format!(
        "warning: {} event(s), positions {} to {}, are covered by no signed head{}: \
         nothing kept here can show they were not altered or added since; a head \
         signed over them, or a copy of a later head kept elsewhere, can",
        v.size - v.signed_size,
        v.signed_size + 1,
        v.size,
        if v.recorded_leaves >= v.size {
            " (they match the leaf record)"
        } else {
            ""
        }
    )
}

fn print_summary(v: &VerifiedLog) {
    say!("tree size: {}", v.size);
    say!("root: {}", hex(&v.root));
    match &v.latest_head {
        Some(h) => say!("latest signed head: {}", describe_head(h)),
        None => say!("latest signed head: none"),
    }
}

pub fn describe_head(h: &SignedTreeHead) -> String {
    format!(
        "size {}, root {}, signed at {}, key {}",
        h.tree_size,
        hex(&h.root_hash),
        h.timestamp.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        h.key_id
    )
}

/// The file's lines, each read with a cap so a huge line cannot exhaust
/// memory (the verifier refuses lines over its limit).
pub(super) fn read_lines(mut r: impl BufRead) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut buf = Vec::new();
        let n = (&mut r)
            .take(MAX_LINE_BYTES as u64 + 2)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(lines);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() > MAX_LINE_BYTES {
            anyhow::bail!(Tampered(format!(
                "line {}: longer than {MAX_LINE_BYTES} bytes",
                lines.len() + 1
            )));
        }
        let line_no = lines.len() + 1;
        let line =
            String::from_utf8(buf).map_err(|_| Tampered(format!("line {line_no}: not UTF-8")))?;
        lines.push(line);
    }
}
