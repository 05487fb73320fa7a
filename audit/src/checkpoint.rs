//! Checkpoints: a signed tree head in the form the transparency-log
//! ecosystem reads (C2SP `tlog-checkpoint` v1 in a `signed-note` v1), so
//! that witnesses and their tools can follow registre's log.
//!
//! ## Checkpoint
//!
//! The note text is three lines, each ending in `\n`, and nothing else:
//!
//! ```text
//! registre/<key id>
//! <tree size in decimal>
//! <root hash in standard base64>
//! ```
//!
//! The origin `registre/<key id>` names the log by its audit key (the 16 hex
//! digits of [`AuditPublicKey::key_id`]), so anyone holding the public key
//! knows which origin to expect. registre writes no extension lines and
//! refuses notes that carry some.
//!
//! ## Signed note
//!
//! The note text, an empty line, then one line per signature:
//! `— <key name> <base64(4-byte key id || signature)>`. The log's own
//! signature has the origin as key name, key id
//! `SHA-256(origin || 0x0A || 0x01 || public key)[:4]` and an Ed25519
//! signature of the note text (signature type 0x01). It is made by the
//! same audit key as the signed tree head, over other bytes: Ed25519 is
//! deterministic, so the same head always gives the same checkpoint.
//! Witness cosignatures (type 0x04) are in [`crate::cosignature`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::merkle::Hash;
use crate::sth::{AuditKey, AuditPublicKey, SignedTreeHead};

/// Longest note accepted (a checkpoint with many cosignatures is far less).
pub const MAX_NOTE_BYTES: usize = 16 * 1024;
/// Most signature lines accepted on one note (C2SP asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// Signature type byte of an Ed25519 note signature.
pub const ED25519_TYPE: u8 = 0x01;

/// Why a note or checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is longer than {MAX_NOTE_BYTES} bytes")]
    TooLong,
    #[error("the note holds a control character other than a newline")]
    ControlCharacter,
    #[error("the note has no signature lines after an empty line")]
    NoSignatures,
    #[error("the note has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    #[error("malformed signature line: {0}")]
    MalformedSignature(String),
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    #[error("the checkpoint's origin is {found}, not this log's {expected}")]
    WrongOrigin { expected: String, found: String },
    #[error("the checkpoint carries no valid signature of this log's key")]
    NotSignedByLog,
}

/// The origin line of the log signed by `key`.
pub fn log_origin(key: &AuditPublicKey) -> String {
    format!("registre/{}", key.key_id())
}

/// What a checkpoint states: the log's size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: Hash,
}

impl Checkpoint {
    /// The checkpoint of a signed tree head of the log of `key`.
    pub fn of_head(head: &SignedTreeHead, key: &AuditPublicKey) -> Self {
        Checkpoint {
            origin: log_origin(key),
            tree_size: head.tree_size,
            root_hash: head.root_hash,
        }
    }

    /// The note text: three lines, each ending in a newline.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            BASE64.encode(self.root_hash)
        )
    }

    /// Reads a note text written by [`Checkpoint::body`], strictly.
    pub fn parse_body(text: &str) -> Result<Self, NoteError> {
        let bad = |why: &str| NoteError::MalformedCheckpoint(why.to_string());
        let lines = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("the text must end in a newline"))?;
        let lines: Vec<&str> = lines.split('\n').collect();
        let [origin, size, root] = lines[..] else {
            return Err(bad("expected exactly three lines: origin, size, root"));
        };
        if !valid_key_name(origin) {
            return Err(bad("the origin is empty or holds a space or a plus sign"));
        }
        let no_leading_zero = size == "0" || !size.starts_with('0');
        let tree_size = size
            .parse::<u64>()
            .ok()
            .filter(|_| no_leading_zero && size.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| bad("the size must be a decimal number"))?;
        let root_hash = BASE64
            .decode(root)
            .ok()
            .and_then(|b| Hash::try_from(b).ok())
            .filter(|h| BASE64.encode(h) == root)
            .ok_or_else(|| bad("the root must be 32 bytes in standard base64"))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            tree_size,
            root_hash,
        })
    }

    /// Two checkpoints of one log, one size and two roots: the log showed
    /// two histories (a split view), and whoever holds both signed
    /// checkpoints holds the proof.
    pub fn splits_from(&self, other: &Checkpoint) -> bool {
        self.origin == other.origin
            && self.tree_size == other.tree_size
            && self.root_hash != other.root_hash
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    /// What follows the key id: the signature (and for a cosignature, the
    /// time before it).
    pub bytes: Vec<u8>,
}

impl NoteSignature {
    /// `— <name> <base64(key id || bytes)>` and a newline.
    pub fn line(&self) -> String {
        format!("\u{2014} {} {}\n", self.name, self.to_base64())
    }

    /// `base64(key id || bytes)`: the signature as a note line and an
    /// export's cosignature line both write it.
    pub fn to_base64(&self) -> String {
        let mut blob = self.key_id.to_vec();
        blob.extend_from_slice(&self.bytes);
        BASE64.encode(blob)
    }

    /// The signature of `name` written as [`NoteSignature::to_base64`]
    /// does; none unless it is standard base64 of a key id and more.
    pub fn from_base64(name: &str, text: &str) -> Option<Self> {
        let blob = BASE64.decode(text).ok().filter(|b| b.len() > 4)?;
        Some(NoteSignature {
            name: name.to_string(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            bytes: blob[4..].to_vec(),
        })
    }

    fn parse(line: &str) -> Result<Self, NoteError> {
        let bad = |why: &str| NoteError::MalformedSignature(why.to_string());
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| bad("a signature line starts with an em dash and a space"))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or_else(|| bad("a key name and a signature, separated by a space"))?;
        if !valid_key_name(name) {
            return Err(bad("the key name is empty or holds a plus sign"));
        }
        Self::from_base64(name, blob)
            .ok_or_else(|| bad("the signature is not standard base64 of a key id and more"))
    }
}

/// A note text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// The note as it is served and stored.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.text);
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        out
    }

    /// Reads a signed note. The text ends at the last empty line; every
    /// line after it is a signature.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLong);
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::ControlCharacter);
        }
        let split = note.rfind("\n\n").ok_or(NoteError::NoSignatures)?;
        let text = &note[..split + 1];
        let signatures = note[split + 2..].strip_suffix('\n').ok_or_else(|| {
            NoteError::MalformedSignature("the note must end in a newline".into())
        })?;
        if signatures.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let signatures = signatures
            .split('\n')
            .map(NoteSignature::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        Ok(SignedNote {
            text: text.to_string(),
            signatures,
        })
    }
}

/// Key names are non-empty and hold no space and no plus sign (C2SP);
/// registre also keeps them printable and short.
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '+')
}

/// The 4-byte key id of a note key: `SHA-256(name || 0x0A || type || key)[:4]`.
pub fn note_key_id(name: &str, signature_type: u8, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, signature_type]);
    h.update(public_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The log's signed checkpoint of `head`, with no cosignatures.
pub fn sign_checkpoint(key: &AuditKey, head: &SignedTreeHead) -> SignedNote {
    let public = key.public();
    let checkpoint = Checkpoint::of_head(head, &public);
    let text = checkpoint.body();
    let signature = key.sign_message(text.as_bytes());
    SignedNote {
        signatures: vec![NoteSignature {
            key_id: note_key_id(&checkpoint.origin, ED25519_TYPE, public.as_bytes()),
            name: checkpoint.origin,
            bytes: signature.to_vec(),
        }],
        text,
    }
}

/// Checks that `note` is a checkpoint of the log of `key`, signed by it,
/// and returns what it states. Signature lines of other keys (witnesses)
/// are left for [`crate::cosignature`]; a line naming this log's key that
/// does not verify refuses the note.
pub fn verify_checkpoint(note: &SignedNote, key: &AuditPublicKey) -> Result<Checkpoint, NoteError> {
    let checkpoint = Checkpoint::parse_body(&note.text)?;
    let expected = log_origin(key);
    if checkpoint.origin != expected {
        return Err(NoteError::WrongOrigin {
            expected,
            found: checkpoint.origin,
        });
    }
    let key_id = note_key_id(&expected, ED25519_TYPE, key.as_bytes());
    let mut signed = false;
    for s in note
        .signatures
        .iter()
        .filter(|s| s.name == expected && s.key_id == key_id)
    {
        let signature: [u8; 64] = s
            .bytes
            .as_slice()
            .try_into()
            .map_err(|_| NoteError::NotSignedByLog)?;
        if !key.verifies(note.text.as_bytes(), &signature) {
            return Err(NoteError::NotSignedByLog);
        }
        signed = true;
    }
    if signed {
        Ok(checkpoint)
    } else {
        Err(NoteError::NotSignedByLog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn key() -> AuditKey {
        AuditKey::from_seed([7; 32])
    }

    fn head(size: u64, root: u8) -> SignedTreeHead {
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap();
        key().sign(size, [root; 32], at)
    }

    #[test]
    fn a_signed_checkpoint_reads_back_and_verifies() {
        // given a head signed by the log
        let note = sign_checkpoint(&key(), &head(12, 3));
        // when it is written out and read back
        let text = note.to_text();
        let read = SignedNote::parse(&text).unwrap();
        // then it states the head's size and root under the log's origin
        let cp = verify_checkpoint(&read, &key().public()).unwrap();
        assert_eq!(cp.tree_size, 12);
        assert_eq!(cp.root_hash, [3; 32]);
        assert_eq!(cp.origin, log_origin(&key().public()));
        assert!(text.starts_with("registre/"));
        assert_eq!(text.lines().nth(1), Some("12"));
    }

    #[test]
    fn the_same_head_always_gives_the_same_checkpoint() {
        assert_eq!(
            sign_checkpoint(&key(), &head(5, 1)).to_text(),
            sign_checkpoint(&key(), &head(5, 1)).to_text()
        );
    }

    #[test]
    fn an_altered_size_or_root_fails_the_log_signature() {
        let note = sign_checkpoint(&key(), &head(12, 3));
        for altered in [
            note.text.replace("\n12\n", "\n13\n"),
            note.text.replacen('A', "B", 1),
        ] {
            let forged = SignedNote {
                text: altered,
                signatures: note.signatures.clone(),
            };
            assert!(verify_checkpoint(&forged, &key().public()).is_err());
        }
    }

    #[test]
    fn another_logs_key_is_refused() {
        let note = sign_checkpoint(&AuditKey::from_seed([8; 32]), &head(12, 3));
        assert!(matches!(
            verify_checkpoint(&note, &key().public()),
            Err(NoteError::WrongOrigin { .. })
        ));
    }

    #[test]
    fn malformed_notes_are_refused_not_misread() {
        let good = sign_checkpoint(&key(), &head(12, 3)).to_text();
        for bad in [
            good.replace("\n\n", "\n"),
            good.replace('\u{2014}', "-"),
            good.replace("\n12\n", "\n012\n"),
            good.replace("\n12\n", "\n12\nextension\n"),
            format!("{good}\u{7}"),
            good.trim_end().to_string(),
        ] {
            let refused =
                SignedNote::parse(&bad).and_then(|n| verify_checkpoint(&n, &key().public()));
            assert!(refused.is_err(), "accepted: {bad:?}");
        }
    }

    #[test]
    fn two_roots_at_one_size_are_a_split_view() {
        let public = key().public();
        let a = Checkpoint::of_head(&head(12, 3), &public);
        let b = Checkpoint::of_head(&head(12, 4), &public);
        let c = Checkpoint::of_head(&head(13, 4), &public);
        assert!(a.splits_from(&b));
        assert!(!a.splits_from(&c));
        assert!(!a.splits_from(&a.clone()));
    }
}
