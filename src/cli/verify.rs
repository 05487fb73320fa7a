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
use registre_audit::{
    AuditPublicKey, Checkpoint, Cosignature, ExportError, Hash, RootBuilder, SignedNote,
    SignedTreeHead, VerifiedLog, WitnessPublicKey, event_leaf_hash, read_export, verify_checkpoint,
    verify_witnessed_export,
};
use registre_service::audit_trail::check::check_store;
use registre_service::audit_trail::dir::read_public_key;
use registre_service::audit_trail::witnessed::{compare, log_root_at};
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
    /// A witness whose cosignatures are required (a C2SP vkey, or a file
    /// holding one); repeatable. With --export, each must have cosigned a
    /// head of the file; with --checkpoint, that checkpoint.
    #[arg(long = "witness-key", value_name = "VKEY")]
    pub witness_keys: Vec<String>,
    /// A checkpoint kept by a witness (its state file `checkpoint`): the
    /// log must still hold it, with the same root.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
}

impl VerifyArgs {
    fn witnesses(&self) -> anyhow::Result<Vec<WitnessPublicKey>> {
        self.witness_keys
            .iter()
            .map(|given| {
                let text = match std::fs::read_to_string(given) {
                    Ok(text) => text,
                    Err(_) => given.clone(),
                };
                WitnessPublicKey::from_vkey(&text)
                    .map_err(|e| anyhow::anyhow!("witness key {given}: {e}"))
            })
            .collect()
    }

    /// The checkpoint given, checked: signed by the log, cosigned by every
    /// witness required.
    fn checkpoint(&self, key: &AuditPublicKey) -> anyhow::Result<Option<Checkpoint>> {
        let Some(path) = &self.checkpoint else {
            return Ok(None);
        };
        if self.witness_keys.is_empty() {
            anyhow::bail!(
                "--checkpoint needs --witness-key: a checkpoint the log alone signed is the \
                 operator's word, which a witness's cosignature is there to check"
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let note = SignedNote::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a signed checkpoint: {e}", path.display()))?;
        let checkpoint = verify_checkpoint(&note, key).map_err(|e| {
            Tampered(format!(
                "{}: not a checkpoint of this log: {e}",
                path.display()
            ))
        })?;
        for witness in self.witnesses()? {
            let cosigned = note
                .signatures
                .iter()
                .filter(|s| witness.names(s))
                .any(|s| {
                    Cosignature::from_note_signature(s)
                        .and_then(|c| c.verify(&witness, &checkpoint))
                        .is_ok()
                });
            if !cosigned {
                anyhow::bail!(
                    "{}: no valid cosignature of the witness {}",
                    path.display(),
                    witness.name()
                );
            }
        }
        Ok(Some(checkpoint))
    }
}

/// Says how the log stands against a witnessed checkpoint.
fn against_checkpoint(
    log_size: u64,
    root: Option<Hash>,
    checkpoint: &Checkpoint,
) -> anyhow::Result<()> {
    compare(log_size, root, checkpoint).map_err(|f| Tampered(f.to_string()))?;
    say!(
        "witnessed: the log holds the tree of {} events the checkpoint states{}",
        checkpoint.tree_size,
        if log_size > checkpoint.tree_size {
            format!(
                "; {} later event(s) no witness has seen yet",
                log_size - checkpoint.tree_size
            )
        } else {
            String::new()
        }
    );
    Ok(())
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
    if args.checkpoint.is_none() && !args.witness_keys.is_empty() {
        anyhow::bail!(
            "with a store, --witness-key checks the cosignatures of --checkpoint \
             (an export carries its own cosignatures)"
        );
    }
    let checkpoint = args.checkpoint(&key)?;
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
            if let Some(checkpoint) = checkpoint {
                let root = log_root_at(store, checkpoint.tree_size).await?;
                against_checkpoint(verified.size, root, &checkpoint)?;
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

/// Verifies an export file with the public key alone (and the keys of
/// the witnesses required).
pub fn run_export(file: &Path, key_file: &Path, args: &VerifyArgs) -> anyhow::Result<()> {
    let key = read_public_key(key_file)?;
    let witnesses = args.witnesses()?;
    let checkpoint = args.checkpoint(&key)?;
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let lines =
        read_lines(BufReader::new(f)).with_context(|| format!("reading {}", file.display()))?;
    // The root at the checkpoint's size, from the events themselves.
    let checkpoint_root = match &checkpoint {
        Some(c) => read_export(&lines, &key).ok().and_then(|(_, events)| {
            let mut root = RootBuilder::new();
            for e in events.iter().take(c.tree_size as usize) {
                root.push(event_leaf_hash(e).ok()?);
            }
            (root.size() == c.tree_size).then(|| root.root())
        }),
        None => None,
    };
    match verify_witnessed_export(&lines, &key, &witnesses) {
        Ok((verified, witnessed)) => {
            say!(
                "intact: the export is sealed and matches {} signed tree head(s)",
                verified.heads_checked
            );
            print_summary(&verified);
            for w in &witnessed {
                let at = chrono::DateTime::from_timestamp(w.timestamp as i64, 0)
                    .map(|t| t.format(" on %Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default();
                say!(
                    "witness {}: cosigned the tree of {} events{at}{}",
                    w.witness,
                    w.tree_size,
                    if verified.size > w.tree_size {
                        format!(
                            "; {} later event(s) this witness has not seen",
                            verified.size - w.tree_size
                        )
                    } else {
                        String::new()
                    }
                );
            }
            if let Some(checkpoint) = checkpoint {
                against_checkpoint(verified.size, checkpoint_root, &checkpoint)?;
            }
            Ok(())
        }
        Err(
            e @ (ExportError::Tampered(_)
            | ExportError::NotSealed { .. }
            | ExportError::Cosignature { .. }
            | ExportError::NotWitnessed { .. }),
        ) => Err(Tampered(e.to_string()).into()),
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
