//! Witnesses and their cosignatures (C2SP `tlog-cosignature` v1, Ed25519).
//!
//! A witness is run by a third party. It keeps the last checkpoint it
//! cosigned, accepts a newer one only with a consistency proof from it,
//! and cosigns it: "as of this time, the largest consistent tree I have
//! seen of this log has this root". The operator cannot then show an
//! auditor a log that lost or altered what the witness saw.
//!
//! ## Cosignature
//!
//! A note signature line (see [`crate::checkpoint`]) whose key name is the
//! witness's name and whose bytes are
//! `key id (4) || timestamp (8, big-endian, seconds since 1970) || Ed25519 signature (64)`,
//! with key id `SHA-256(name || 0x0A || 0x04 || public key)[:4]`. The
//! signed message is
//!
//! ```text
//! cosignature/v1
//! time <timestamp in decimal>
//! <the checkpoint's note text, three lines>
//! ```
//!
//! ## Keys
//!
//! - public (a C2SP vkey): `<name>+<key id in 8 hex>+<base64(0x04 || public key)>`;
//! - secret: `PRIVATE+KEY+<name>+<key id in 8 hex>+<base64(0x04 || seed)>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::checkpoint::{Checkpoint, NoteSignature, note_key_id, valid_key_name};

/// Signature type byte of a timestamped Ed25519 cosignature.
pub const COSIGNATURE_TYPE: u8 = 0x04;
const SECRET_PREFIX: &str = "PRIVATE+KEY+";

/// Why a witness key or a cosignature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("not a witness {kind} key: {why}")]
    MalformedKey {
        kind: &'static str,
        why: &'static str,
    },
    #[error("the witness name is empty or holds a space or a plus sign")]
    InvalidName,
    #[error("the operating system gave no randomness for a new key")]
    NoRandomness,
    #[error("the signature line of {name} is not a cosignature (76 bytes expected)")]
    Malformed { name: String },
    #[error("the cosignature of {name} does not verify for this checkpoint")]
    BadSignature { name: String },
}

/// The message a witness signs for `checkpoint` at `timestamp`.
pub fn cosigned_message(checkpoint: &Checkpoint, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{}", checkpoint.body())
}

/// A witness's secret key. Its `Debug` form hides the secret.
pub struct WitnessKey {
    name: String,
    signing: SigningKey,
}

impl fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl WitnessKey {
    /// A new key named `name`, from the operating system's randomness.
    pub fn generate(name: &str) -> Result<Self, CosignatureError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| CosignatureError::NoRandomness)?;
        let key = Self::from_seed(name, seed);
        seed.fill(0);
        key
    }

    /// The key of a name and a 32-byte seed (tests and key files).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, CosignatureError> {
        if !valid_key_name(name) {
            return Err(CosignatureError::InvalidName);
        }
        Ok(WitnessKey {
            name: name.to_string(),
            signing: SigningKey::from_bytes(&seed),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public(&self) -> WitnessPublicKey {
        WitnessPublicKey {
            name: self.name.clone(),
            verifying: self.signing.verifying_key(),
        }
    }

    /// `PRIVATE+KEY+<name>+<key id>+<base64(0x04 || seed)>`.
    pub fn to_secret_text(&self) -> String {
        let mut blob = vec![COSIGNATURE_TYPE];
        blob.extend_from_slice(&self.signing.to_bytes());
        format!(
            "{SECRET_PREFIX}{}+{}+{}",
            self.name,
            hex::encode(self.public().key_id()),
            BASE64.encode(blob)
        )
    }

    pub fn from_secret_text(text: &str) -> Result<Self, CosignatureError> {
        let malformed = |why| CosignatureError::MalformedKey {
            kind: "secret",
            why,
        };
        let rest = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(malformed("it must start with PRIVATE+KEY+"))?;
        let (name, id, key) = split_key(rest).ok_or(malformed("name+id+key expected"))?;
        let seed: [u8; 32] = typed_key(key).ok_or(malformed("not a type 0x04 Ed25519 seed"))?;
        let key = Self::from_seed(name, seed)?;
        if hex::encode(key.public().key_id()) != id {
            return Err(malformed("its key id does not match its name and key"));
        }
        Ok(key)
    }

    /// Cosigns `checkpoint` at `timestamp` (seconds since 1970).
    pub fn cosign(&self, checkpoint: &Checkpoint, timestamp: u64) -> Cosignature {
        let signature = self
            .signing
            .sign(cosigned_message(checkpoint, timestamp).as_bytes())
            .to_bytes();
        Cosignature {
            witness: self.name.clone(),
            key_id: self.public().key_id(),
            timestamp,
            signature,
        }
    }
}

/// A witness's public key, as an auditor configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPublicKey {
    name: String,
    verifying: VerifyingKey,
}

impl WitnessPublicKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        note_key_id(&self.name, COSIGNATURE_TYPE, self.verifying.as_bytes())
    }

    /// The vkey: `<name>+<key id>+<base64(0x04 || public key)>`.
    pub fn to_vkey(&self) -> String {
        let mut blob = vec![COSIGNATURE_TYPE];
        blob.extend_from_slice(self.verifying.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            BASE64.encode(blob)
        )
    }

    pub fn from_vkey(text: &str) -> Result<Self, CosignatureError> {
        let malformed = |why| CosignatureError::MalformedKey {
            kind: "public",
            why,
        };
        let (name, id, key) = split_key(text.trim()).ok_or(malformed("name+id+key expected"))?;
        if !valid_key_name(name) {
            return Err(CosignatureError::InvalidName);
        }
        let bytes: [u8; 32] = typed_key(key).ok_or(malformed("not a type 0x04 Ed25519 key"))?;
        let verifying =
            VerifyingKey::from_bytes(&bytes).map_err(|_| malformed("not an Ed25519 point"))?;
        if verifying.is_weak() {
            return Err(malformed("a small-order point"));
        }
        let key = WitnessPublicKey {
            name: name.to_string(),
            verifying,
        };
        if hex::encode(key.key_id()) != id {
            return Err(malformed("its key id does not match its name and key"));
        }
        Ok(key)
    }

    /// Whether `line` names this key (name and key id both match): only
    /// such lines are this witness's to verify.
    pub fn names(&self, line: &NoteSignature) -> bool {
        line.name == self.name && line.key_id == self.key_id()
    }
}

impl fmt::Display for WitnessPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// A witness's cosignature of one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    pub witness: String,
    pub key_id: [u8; 4],
    /// When it was made, in seconds since 1970.
    pub timestamp: u64,
    pub signature: [u8; 64],
}

impl Cosignature {
    /// Its signature line on the checkpoint's note.
    pub fn to_note_signature(&self) -> NoteSignature {
        let mut bytes = self.timestamp.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        NoteSignature {
            name: self.witness.clone(),
            key_id: self.key_id,
            bytes,
        }
    }

    /// Reads a signature line as a cosignature (without checking it).
    pub fn from_note_signature(line: &NoteSignature) -> Result<Self, CosignatureError> {
        let malformed = || CosignatureError::Malformed {
            name: line.name.clone(),
        };
        if line.bytes.len() != 72 {
            return Err(malformed());
        }
        let (time, signature) = line.bytes.split_at(8);
        let timestamp = u64::from_be_bytes(time.try_into().map_err(|_| malformed())?);
        if timestamp > i64::MAX as u64 {
            return Err(malformed());
        }
        Ok(Cosignature {
            witness: line.name.clone(),
            key_id: line.key_id,
            timestamp,
            signature: signature.try_into().map_err(|_| malformed())?,
        })
    }

    /// Checks this cosignature of `checkpoint` against the witness's key.
    pub fn verify(
        &self,
        key: &WitnessPublicKey,
        checkpoint: &Checkpoint,
    ) -> Result<(), CosignatureError> {
        let bad = || CosignatureError::BadSignature {
            name: self.witness.clone(),
        };
        if self.witness != key.name || self.key_id != key.key_id() {
            return Err(bad());
        }
        let message = cosigned_message(checkpoint, self.timestamp);
        key.verifying
            .verify_strict(message.as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| bad())
    }
}

/// `name+id+key`, where the name may not hold a `+`.
fn split_key(text: &str) -> Option<(&str, &str, &str)> {
    let mut parts = text.splitn(3, '+');
    let (name, id, key) = (parts.next()?, parts.next()?, parts.next()?);
    (id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some((name, id, key))
}

/// The 32 bytes after a 0x04 type byte in base64.
fn typed_key(text: &str) -> Option<[u8; 32]> {
    let blob = BASE64.decode(text).ok()?;
    let (kind, key) = blob.split_first()?;
    (*kind == COSIGNATURE_TYPE).then_some(())?;
    key.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{SignedNote, sign_checkpoint};
    use crate::sth::AuditKey;
    use chrono::{TimeZone, Utc};

    fn witness() -> WitnessKey {
        WitnessKey::from_seed("ministere.example/temoin", [9; 32]).unwrap()
    }

    fn checkpoint(size: u64, root: u8) -> Checkpoint {
        let log = AuditKey::from_seed([7; 32]);
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap();
        Checkpoint::of_head(&log.sign(size, [root; 32], at), &log.public())
    }

    #[test]
    fn a_cosignature_verifies_through_its_note_line() {
        // given a witness's cosignature of a checkpoint
        let cp = checkpoint(10, 1);
        let cosig = witness().cosign(&cp, 1_736_931_600);
        // when it travels as a note signature line and is read back
        let line = cosig.to_note_signature();
        let read = Cosignature::from_note_signature(&line).unwrap();
        // then it verifies with the witness's public key, for that checkpoint only
        assert!(witness().public().names(&line));
        read.verify(&witness().public(), &cp).unwrap();
        assert!(
            read.verify(&witness().public(), &checkpoint(10, 2))
                .is_err()
        );
        assert!(
            read.verify(&witness().public(), &checkpoint(11, 1))
                .is_err()
        );
    }

    #[test]
    fn an_altered_time_fails() {
        let cp = checkpoint(10, 1);
        let mut cosig = witness().cosign(&cp, 1_736_931_600);
        cosig.timestamp += 1;
        assert!(cosig.verify(&witness().public(), &cp).is_err());
    }

    #[test]
    fn another_witness_with_the_same_name_is_refused() {
        let cp = checkpoint(10, 1);
        let impostor = WitnessKey::from_seed(witness().name(), [10; 32]).unwrap();
        let cosig = impostor.cosign(&cp, 1);
        assert!(!witness().public().names(&cosig.to_note_signature()));
        assert!(cosig.verify(&witness().public(), &cp).is_err());
    }

    #[test]
    fn keys_read_back_from_their_text_forms() {
        let key = witness();
        let secret = WitnessKey::from_secret_text(&key.to_secret_text()).unwrap();
        assert_eq!(secret.public(), key.public());
        let vkey = key.public().to_vkey();
        assert!(vkey.starts_with("ministere.example/temoin+"));
        assert_eq!(WitnessPublicKey::from_vkey(&vkey).unwrap(), key.public());
        // a vkey whose id was changed, or with a log key's type byte, is refused
        let mut wrong_id = vkey.clone();
        wrong_id.replace_range(25..26, if &vkey[25..26] == "0" { "1" } else { "0" });
        assert!(WitnessPublicKey::from_vkey(&wrong_id).is_err());
        assert!(WitnessKey::from_seed("a b", [1; 32]).is_err());
        assert!(WitnessKey::from_seed("a+b", [1; 32]).is_err());
    }

    #[test]
    fn a_cosigned_checkpoint_is_a_note_the_log_and_the_witness_both_sign() {
        let log = AuditKey::from_seed([7; 32]);
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap();
        let head = log.sign(10, [1; 32], at);
        let mut note = sign_checkpoint(&log, &head);
        let cp = Checkpoint::of_head(&head, &log.public());
        note.signatures
            .push(witness().cosign(&cp, 1_736_931_600).to_note_signature());
        let read = SignedNote::parse(&note.to_text()).unwrap();
        let line = read
            .signatures
            .iter()
            .find(|s| witness().public().names(s))
            .unwrap();
        Cosignature::from_note_signature(line)
            .unwrap()
            .verify(&witness().public(), &cp)
            .unwrap();
    }
}
