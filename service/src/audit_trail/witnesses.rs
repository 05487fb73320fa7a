//! The witnesses a server accepts cosignatures from, and the cosignatures
//! it keeps and serves.
//!
//! - `witnesses`: the operator's list of trusted witness keys, one C2SP
//!   vkey per line (`#` starts a comment). It is read again on every
//!   cosignature received, so a new witness needs no restart.
//! - `cosignatures.jsonl`: every cosignature accepted, as the export's
//!   cosignature line (`registre_audit::cosignature_line`), appended and
//!   fsynced. The server only keeps what verifies against a head it signed,
//!   so the file cannot grow from invented input.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use registre_audit::checkpoint::NoteSignature;
use registre_audit::{
    AuditPublicKey, Checkpoint, Cosignature, SignedNote, SignedTreeHead, WitnessPublicKey,
    cosignature_line, verify_checkpoint,
};
use serde::Deserialize;

use super::AuditError;

/// Most trusted witnesses read from the file (a served note carries at
/// most one cosignature of each, plus the log's own line, within what
/// readers take).
const MAX_WITNESSES: usize = 32;
/// Longest cosignature line kept (a line is about 200 bytes).
const MAX_LINE: usize = 4096;

/// Why a cosigned checkpoint was not taken. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignRefusal {
    #[error("le point de contrôle est mal formé : {0}")]
    Malformed(String),
    #[error("le point de contrôle n'est pas signé par la clé d'audit de ce registre")]
    NotOurs,
    #[error("ce registre n'a signé aucune tête de taille {tree_size} avec cette racine")]
    UnknownHead { tree_size: u64 },
    #[error("aucune cosignature valide d'un témoin reconnu par ce registre")]
    NoTrustedCosignature,
    #[error("la cosignature du témoin {0} n'est pas valide")]
    BadCosignature(String),
}

impl CosignRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            CosignRefusal::Malformed(_) => "MALFORMED_CHECKPOINT",
            CosignRefusal::NotOurs => "CHECKPOINT_NOT_SIGNED",
            CosignRefusal::UnknownHead { .. } => "UNKNOWN_TREE_HEAD",
            CosignRefusal::NoTrustedCosignature => "UNKNOWN_WITNESS",
            CosignRefusal::BadCosignature(_) => "INVALID_COSIGNATURE",
        }
    }
}

/// One kept cosignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptCosignature {
    pub tree_size: u64,
    pub signature: NoteSignature,
}

impl KeptCosignature {
    /// Its line in an export (none if the kept bytes are not a
    /// cosignature, which [`Witnesses::receive`] never keeps).
    pub fn export_line(&self) -> Option<String> {
        Cosignature::from_note_signature(&self.signature)
            .ok()
            .map(|c| cosignature_line(self.tree_size, &c))
    }
}

/// The cosignature file, open for appending (by the lock holder).
#[derive(Debug)]
pub struct Witnesses {
    trusted_path: PathBuf,
    path: PathBuf,
    file: File,
    kept: Vec<KeptCosignature>,
}

impl Witnesses {
    /// Opens (or creates) the cosignature file and reads what it keeps.
    pub fn open(trusted_path: &Path, path: &Path) -> Result<Witnesses, AuditError> {
        let (kept, complete_len) = read_lines(path)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(AuditError::io("cannot open the cosignatures", path))?;
        // A torn last line (a crash while appending) is dropped before
        // anything is appended after it.
        let len = file
            .metadata()
            .map_err(AuditError::io("cannot read the cosignatures", path))?
            .len();
        if complete_len < len {
            file.set_len(complete_len)
                .and_then(|()| file.sync_all())
                .map_err(AuditError::io("cannot truncate the cosignatures", path))?;
        }
        Ok(Witnesses {
            trusted_path: trusted_path.to_path_buf(),
            path: path.to_path_buf(),
            file,
            kept,
        })
    }

    /// The cosignatures kept for the head of `tree_size`.
    pub fn of_size(&self, tree_size: u64) -> impl Iterator<Item = &NoteSignature> {
        self.kept
            .iter()
            .filter(move |k| k.tree_size == tree_size)
            .map(|k| &k.signature)
    }

    /// Every kept cosignature, in the order received.
    pub fn kept(&self) -> &[KeptCosignature] {
        &self.kept
    }

    /// Takes the cosignatures of trusted witnesses on a checkpoint of ours
    /// (`head_at` finds the head we signed at its size). Returns how many
    /// were new.
    pub fn receive(
        &mut self,
        note_text: &str,
        log: &AuditPublicKey,
        head_at: impl Fn(u64) -> Option<SignedTreeHead>,
    ) -> Result<usize, ReceiveError> {
        let note =
            SignedNote::parse(note_text).map_err(|e| CosignRefusal::Malformed(e.to_string()))?;
        let checkpoint = verify_checkpoint(&note, log).map_err(|e| match e {
            registre_audit::NoteError::NotSignedByLog
            | registre_audit::NoteError::WrongOrigin { .. } => CosignRefusal::NotOurs,
            other => CosignRefusal::Malformed(other.to_string()),
        })?;
        let ours = head_at(checkpoint.tree_size)
            .filter(|h| Checkpoint::of_head(h, log) == checkpoint)
            .ok_or(CosignRefusal::UnknownHead {
                tree_size: checkpoint.tree_size,
            })?;
        let trusted = read_trusted(&self.trusted_path)?;
        let mut taken = Vec::new();
        for line in &note.signatures {
            let Some(witness) = trusted.iter().find(|w| w.names(line)) else {
                continue;
            };
            let refused = || CosignRefusal::BadCosignature(witness.name().to_string());
            let cosignature = Cosignature::from_note_signature(line).map_err(|_| refused())?;
            cosignature
                .verify(witness, &checkpoint)
                .map_err(|_| refused())?;
            taken.push(cosignature);
        }
        if taken.is_empty() {
            return Err(CosignRefusal::NoTrustedCosignature.into());
        }
        // One cosignature per witness key and head: a witness that cosigns
        // an unchanged head again must not grow the file, nor the served
        // note past what a reader takes.
        let mut already: HashSet<(String, [u8; 4])> = self
            .of_size(ours.tree_size)
            .map(|s| (s.name.clone(), s.key_id))
            .collect();
        let mut added = 0;
        for c in taken {
            if !already.insert((c.witness.clone(), c.key_id)) {
                continue;
            }
            let line = cosignature_line(ours.tree_size, &c);
            self.append(&line)?;
            self.kept.push(KeptCosignature {
                tree_size: ours.tree_size,
                signature: c.to_note_signature(),
            });
            added += 1;
        }
        Ok(added)
    }

    fn append(&mut self, line: &str) -> Result<(), AuditError> {
        let path = &self.path;
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(AuditError::io("cannot write the cosignatures", path))
    }
}

/// Why [`Witnesses::receive`] took nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Refused(#[from] CosignRefusal),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The trusted witness keys; a missing file trusts no one.
pub fn read_trusted(path: &Path) -> Result<Vec<WitnessPublicKey>, AuditError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io("cannot read the trusted witnesses", path)(e)),
    };
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let key = WitnessPublicKey::from_vkey(line).map_err(|e| AuditError::BadWitnessKey {
            path: path.to_path_buf(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        keys.push(key);
        if keys.len() > MAX_WITNESSES {
            return Err(AuditError::BadWitnessKey {
                path: path.to_path_buf(),
                line: i + 1,
                reason: format!("more than {MAX_WITNESSES} witnesses"),
            });
        }
    }
    Ok(keys)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredLine {
    cosignature: String,
    tree_size: u64,
    #[serde(rename = "type")]
    _kind: String,
    witness: String,
}

/// Every cosignature of the file; a torn last line (a crash while
/// appending) is left out, any other bad line is an error.
pub fn read_cosignatures(path: &Path) -> Result<Vec<KeptCosignature>, AuditError> {
    read_lines(path).map(|(kept, _)| kept)
}

/// The cosignatures and the length of the file's complete lines.
fn read_lines(path: &Path) -> Result<(Vec<KeptCosignature>, u64), AuditError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(AuditError::io("cannot read the cosignatures", path)(e)),
    };
    let bad = |line: usize, reason: &str| AuditError::BadCosignatureLine {
        path: path.to_path_buf(),
        line,
        reason: reason.to_string(),
    };
    let mut kept = Vec::new();
    let mut reader = BufReader::new(file);
    let mut buf = String::new();
    let mut line_no = 0;
    let mut complete_len = 0u64;
    loop {
        buf.clear();
        let read = reader
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_line(&mut buf)
            .map_err(AuditError::io("cannot read the cosignatures", path))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if !buf.ends_with('\n') {
            if read > MAX_LINE {
                return Err(bad(line_no, "line too long"));
            }
            break; // torn last line
        }
        complete_len += read as u64;
        let stored: StoredLine =
            serde_json::from_str(buf.trim_end()).map_err(|e| bad(line_no, &e.to_string()))?;
        let signature = NoteSignature::from_base64(&stored.witness, &stored.cosignature)
            .ok_or_else(|| bad(line_no, "cosignature must be base64"))?;
        kept.push(KeptCosignature {
            tree_size: stored.tree_size,
            signature,
        });
    }
    Ok((kept, complete_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use chrono::{TimeZone, Utc};
    use registre_audit::{AuditKey, WitnessKey, sign_checkpoint};

    fn log() -> AuditKey {
        AuditKey::from_seed([7; 32])
    }

    fn witness() -> WitnessKey {
        WitnessKey::from_seed("ministere.example/temoin", [9; 32]).unwrap()
    }

    fn head() -> SignedTreeHead {
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap();
        log().sign(10, [1; 32], at)
    }

    /// The log's checkpoint of `head()`, cosigned by `by` at `time`.
    fn cosigned(by: &WitnessKey, time: u64) -> String {
        let mut note = sign_checkpoint(&log(), &head());
        let checkpoint = Checkpoint::of_head(&head(), &log().public());
        note.signatures
            .push(by.cosign(&checkpoint, time).to_note_signature());
        note.to_text()
    }

    fn open(dir: &Path, trusted: &[&WitnessKey]) -> Witnesses {
        let vkeys: String = trusted
            .iter()
            .map(|w| format!("{}\n", w.public().to_vkey()))
            .collect();
        std::fs::write(dir.join("witnesses"), vkeys).unwrap();
        Witnesses::open(&dir.join("witnesses"), &dir.join("cosignatures.jsonl")).unwrap()
    }

    fn receive(w: &mut Witnesses, note: &str) -> Result<usize, String> {
        w.receive(note, &log().public(), |size| (size == 10).then(head))
            .map_err(|e| match e {
                ReceiveError::Refused(r) => r.code().to_string(),
                ReceiveError::Audit(a) => a.to_string(),
            })
    }

    #[test]
    fn a_trusted_cosignature_is_kept_once_per_head_and_survives_a_restart() {
        // given a server that trusts the ministry's witness
        let dir = tempfile::tempdir().unwrap();
        let mut w = open(dir.path(), &[&witness()]);
        // when the witness sends its cosignature of one head again and again
        assert_eq!(receive(&mut w, &cosigned(&witness(), 1_736_931_600)), Ok(1));
        assert_eq!(receive(&mut w, &cosigned(&witness(), 1_736_931_600)), Ok(0));
        // and a later cosignature of the same head by the same key adds nothing
        assert_eq!(receive(&mut w, &cosigned(&witness(), 1_736_935_200)), Ok(0));
        // then it is kept once, and read back after a restart
        let w = open(dir.path(), &[&witness()]);
        assert_eq!(w.of_size(10).count(), 1);
        assert!(
            w.kept()[0]
                .export_line()
                .unwrap()
                .contains("\"tree_size\":10")
        );
    }

    #[test]
    fn what_is_not_a_trusted_cosignature_of_our_head_is_refused_and_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stranger = WitnessKey::from_seed("inconnu.example/temoin", [3; 32]).unwrap();
        let mut w = open(dir.path(), &[&witness()]);
        assert_eq!(
            receive(&mut w, &cosigned(&stranger, 1)),
            Err("UNKNOWN_WITNESS".into())
        );
        let other_size = cosigned(&witness(), 1).replacen("\n10\n", "\n11\n", 1);
        assert_eq!(
            receive(&mut w, &other_size),
            Err("CHECKPOINT_NOT_SIGNED".into())
        );
        let forged = {
            // The witness's key id and time, a signature byte changed.
            let good = cosigned(&witness(), 1);
            let (rest, blob) = good.trim_end().rsplit_once(' ').unwrap();
            let mut blob = BASE64.decode(blob).unwrap();
            blob[40] ^= 1;
            format!("{rest} {}\n", BASE64.encode(blob))
        };
        assert_eq!(receive(&mut w, &forged), Err("INVALID_COSIGNATURE".into()));
        let never_signed_here = {
            let at = Utc.with_ymd_and_hms(2025, 1, 16, 9, 0, 0).unwrap();
            let head = log().sign(12, [2; 32], at);
            let mut note = sign_checkpoint(&log(), &head);
            let checkpoint = Checkpoint::of_head(&head, &log().public());
            note.signatures
                .push(witness().cosign(&checkpoint, 1).to_note_signature());
            note.to_text()
        };
        assert_eq!(
            receive(&mut w, &never_signed_here),
            Err("UNKNOWN_TREE_HEAD".into())
        );
        assert_eq!(
            receive(&mut w, "pas une note"),
            Err("MALFORMED_CHECKPOINT".into())
        );
        assert_eq!(w.kept().len(), 0);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("cosignatures.jsonl")).unwrap(),
            ""
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = open(dir.path(), &[&witness()]);
        receive(&mut w, &cosigned(&witness(), 1)).unwrap();
        drop(w);
        let path = dir.path().join("cosignatures.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"cosignature\":\"AAAA");
        std::fs::write(&path, text).unwrap();
        let partner = WitnessKey::from_seed("partenaire.example/temoin", [4; 32]).unwrap();
        let mut w = open(dir.path(), &[&witness(), &partner]);
        assert_eq!(receive(&mut w, &cosigned(&partner, 2)), Ok(1));
        assert_eq!(read_cosignatures(&path).unwrap().len(), 2);
    }
}
