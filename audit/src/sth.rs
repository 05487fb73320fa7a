//! Signed tree heads and the audit key that signs them.
//!
//! A signed tree head (STH) says: "at `timestamp`, the log had `tree_size`
//! events and its Merkle root was `root_hash`", signed with Ed25519
//! (RFC 8032) by the registre instance's audit key.
//!
//! ## Signed bytes
//!
//! The signature covers exactly 64 bytes:
//!
//! | bytes | content |
//! | --- | --- |
//! | 16 | the ASCII text `registre-sth-v1` followed by one 0x00 byte (domain separation: a signature over a tree head can never be taken for one over anything else) |
//! | 8 | `tree_size`, unsigned, big-endian |
//! | 8 | `timestamp` in microseconds since 1970-01-01T00:00:00Z, signed, big-endian |
//! | 32 | `root_hash` |
//!
//! `key_id` is not signed: it only names the key, and a head naming one
//! key but signed by another fails verification.
//!
//! ## Key files
//!
//! - secret: `registre-audit-secret-v1:` then the 32-byte Ed25519 seed in
//!   lowercase hex;
//! - public: `registre-audit-public-v1:` then the 32-byte public key in
//!   lowercase hex.
//!
//! Surrounding whitespace is ignored when reading. The key id is the first
//! 8 bytes of SHA-256 of the 32-byte public key, in lowercase hex.
//!
//! ## Stored form
//!
//! serde writes a head as
//! `{"tree_size":N,"root_hash":"<hex>","timestamp":"<RFC 3339, µs, Z>","key_id":"<hex>","signature":"<hex>"}`.

use std::fmt;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Domain-separation prefix of the signed bytes.
pub const STH_PREFIX: &[u8; 16] = b"registre-sth-v1\0";
const SECRET_PREFIX: &str = "registre-audit-secret-v1:";
const PUBLIC_PREFIX: &str = "registre-audit-public-v1:";

/// Why a key could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the operating system gave no randomness for a new key")]
    NoRandomness,
    #[error("not a registre audit {kind} key (expected `{prefix}` and 64 hex digits)")]
    Malformed {
        kind: &'static str,
        prefix: &'static str,
    },
    #[error("the public key is not a valid Ed25519 point")]
    InvalidPublicKey,
}

/// Why a signed tree head was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SthError {
    #[error("the tree head of size {tree_size} names key {found}, not the expected key {expected}")]
    WrongKey {
        tree_size: u64,
        expected: String,
        found: String,
    },
    #[error("the signature of the tree head of size {tree_size} is not valid")]
    BadSignature { tree_size: u64 },
}

/// The secret signing key of a registre instance. Its `Debug` form hides
/// the secret.
pub struct AuditKey {
    signing: SigningKey,
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey")
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

impl AuditKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| KeyError::NoRandomness)?;
        let key = Self::from_seed(seed);
        seed.fill(0);
        Ok(key)
    }

    /// The key of a 32-byte Ed25519 seed (tests and key files).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        AuditKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The key file text: `registre-audit-secret-v1:<hex seed>`.
    pub fn to_secret_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", hex::encode(self.signing.to_bytes()))
    }

    /// Reads a key file's text.
    pub fn from_secret_text(text: &str) -> Result<Self, KeyError> {
        let malformed = KeyError::Malformed {
            kind: "secret",
            prefix: SECRET_PREFIX,
        };
        let seed = parse_hex32(text.trim(), SECRET_PREFIX).ok_or(malformed)?;
        Ok(Self::from_seed(seed))
    }

    pub fn public(&self) -> AuditPublicKey {
        AuditPublicKey {
            verifying: self.signing.verifying_key(),
        }
    }

    /// An Ed25519 signature of `message` (the checkpoint's note text).
    pub(crate) fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Signs the head of a tree of `tree_size` leaves with this root, at
    /// `timestamp` (kept to the microsecond, as it is signed).
    pub fn sign(
        &self,
        tree_size: u64,
        root_hash: Hash,
        timestamp: DateTime<Utc>,
    ) -> SignedTreeHead {
        let micros = timestamp.timestamp_micros();
        let timestamp = DateTime::from_timestamp_micros(micros).unwrap_or(timestamp);
        let signature = self
            .signing
            .sign(&signed_bytes(tree_size, micros, &root_hash))
            .to_bytes();
        SignedTreeHead {
            tree_size,
            root_hash,
            timestamp,
            key_id: self.public().key_id(),
            signature,
        }
    }
}

/// The public half of an [`AuditKey`]: what auditors are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditPublicKey {
    verifying: VerifyingKey,
}

impl AuditPublicKey {
    /// `registre-audit-public-v1:<hex>`.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}", hex::encode(self.verifying.as_bytes()))
    }

    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let bytes = parse_hex32(text.trim(), PUBLIC_PREFIX).ok_or(KeyError::Malformed {
            kind: "public",
            prefix: PUBLIC_PREFIX,
        })?;
        let verifying = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::InvalidPublicKey)?;
        // A small-order point would let "signatures" verify for many
        // messages; no honest key is one.
        if verifying.is_weak() {
            return Err(KeyError::InvalidPublicKey);
        }
        Ok(AuditPublicKey { verifying })
    }

    /// The 32 bytes of the Ed25519 public key.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.verifying.as_bytes()
    }

    /// Whether `signature` is this key's signature of `message`, strictly
    /// (no malleable or small-order forms).
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verifying
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// First 8 bytes of SHA-256 of the public key, in hex.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.verifying.as_bytes())[..8])
    }
}

impl fmt::Display for AuditPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A tree head signed by an audit key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SthWire", into = "SthWire")]
pub struct SignedTreeHead {
    pub tree_size: u64,
    pub root_hash: Hash,
    /// When it was signed, to the microsecond.
    pub timestamp: DateTime<Utc>,
    /// Names the key that signed it (see the module doc).
    pub key_id: String,
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// Checks the head against the expected public key: a head naming
    /// another key is [`SthError::WrongKey`]; a signature that does not
    /// verify (another key claiming this key's id, or a modified size,
    /// time or root) is [`SthError::BadSignature`].
    pub fn verify(&self, key: &AuditPublicKey) -> Result<(), SthError> {
        let expected = key.key_id();
        if self.key_id != expected {
            return Err(SthError::WrongKey {
                tree_size: self.tree_size,
                expected,
                found: self.key_id.clone(),
            });
        }
        let bytes = signed_bytes(
            self.tree_size,
            self.timestamp.timestamp_micros(),
            &self.root_hash,
        );
        // verify_strict refuses the malleable and small-order forms that
        // plain verification lets through.
        key.verifying
            .verify_strict(&bytes, &Signature::from_bytes(&self.signature))
            .map_err(|_| SthError::BadSignature {
                tree_size: self.tree_size,
            })
    }
}

/// The 64 signed bytes (module doc).
pub fn signed_bytes(tree_size: u64, timestamp_micros: i64, root: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(STH_PREFIX);
    out.extend_from_slice(&tree_size.to_be_bytes());
    out.extend_from_slice(&timestamp_micros.to_be_bytes());
    out.extend_from_slice(root);
    out
}

fn parse_hex32(text: &str, prefix: &str) -> Option<[u8; 32]> {
    let hex_part = text.strip_prefix(prefix)?;
    if hex_part.len() != 64 {
        return None;
    }
    hex::decode(hex_part).ok()?.try_into().ok()
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SthWire {
    tree_size: u64,
    root_hash: String,
    timestamp: String,
    key_id: String,
    signature: String,
}

impl From<SignedTreeHead> for SthWire {
    fn from(h: SignedTreeHead) -> Self {
        SthWire {
            tree_size: h.tree_size,
            root_hash: hex::encode(h.root_hash),
            timestamp: h.timestamp.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            key_id: h.key_id,
            signature: hex::encode(h.signature),
        }
    }
}

impl TryFrom<SthWire> for SignedTreeHead {
    type Error = String;
    fn try_from(w: SthWire) -> Result<Self, Self::Error> {
        let root_hash = hex::decode(&w.root_hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("root_hash must be 64 hex digits")?;
        let signature = hex::decode(&w.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("signature must be 128 hex digits")?;
        let timestamp = DateTime::parse_from_rfc3339(&w.timestamp)
            .map_err(|_| "timestamp must be RFC 3339")?
            .with_timezone(&Utc);
        if w.key_id.len() != 16 || !w.key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("key_id must be 16 hex digits".into());
        }
        Ok(SignedTreeHead {
            tree_size: w.tree_size,
            root_hash,
            timestamp,
            key_id: w.key_id,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> AuditKey {
        AuditKey::from_seed([n; 32])
    }

    fn at(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap()
    }

    #[test]
    fn a_signed_head_verifies_with_its_key_and_round_trips_through_json() {
        let k = key(1);
        let head = k.sign(42, [7; 32], at(1_709_285_400_123_456));
        head.verify(&k.public()).unwrap();
        let json = serde_json::to_string(&head).unwrap();
        assert!(json.contains("\"timestamp\":\"2024-03-01T09:30:00.123456Z\""));
        let back: SignedTreeHead = serde_json::from_str(&json).unwrap();
        assert_eq!(back, head);
        back.verify(&k.public()).unwrap();
    }

    #[test]
    fn the_signed_bytes_are_the_documented_64() {
        let b = signed_bytes(0x0102, -1, &[0xab; 32]);
        assert_eq!(b.len(), 64);
        assert_eq!(&b[..16], b"registre-sth-v1\0");
        assert_eq!(&b[16..24], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(&b[24..32], &[0xff; 8]);
        assert_eq!(&b[32..], &[0xab; 32]);
    }

    #[test]
    fn sub_microsecond_time_is_dropped_before_signing() {
        let k = key(1);
        let t = DateTime::from_timestamp(1_709_285_400, 123_456_789).unwrap();
        let head = k.sign(1, [0; 32], t);
        assert_eq!(head.timestamp, at(1_709_285_400_123_456));
        head.verify(&k.public()).unwrap();
    }

    #[test]
    fn keys_round_trip_through_their_text_forms() {
        let k = AuditKey::generate().unwrap();
        let text = k.to_secret_text();
        assert!(text.starts_with("registre-audit-secret-v1:"));
        let back = AuditKey::from_secret_text(&format!("  {text}\n")).unwrap();
        assert_eq!(back.public(), k.public());
        let public = AuditPublicKey::from_text(&k.public().to_text()).unwrap();
        assert_eq!(public, k.public());
        assert_eq!(public.key_id().len(), 16);
        assert!(!format!("{k:?}").contains(&text[25..]));
        assert_ne!(AuditKey::generate().unwrap().public(), k.public());
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "registre-audit-secret-v1:",
            "registre-audit-secret-v1:zz",
            &format!("registre-audit-public-v1:{}", "00".repeat(32)),
            &format!("registre-audit-secret-v1:{}", "00".repeat(31)),
        ] {
            assert!(AuditKey::from_secret_text(bad).is_err(), "{bad}");
        }
        // The identity point is a weak key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            AuditPublicKey::from_text(&format!(
                "registre-audit-public-v1:{}",
                hex::encode(identity)
            )),
            Err(KeyError::InvalidPublicKey)
        );
    }

    #[test]
    fn a_head_signed_by_another_key_is_refused() {
        let head = key(2).sign(3, [1; 32], at(0));
        assert!(matches!(
            head.verify(&key(1).public()),
            Err(SthError::WrongKey { tree_size: 3, .. })
        ));
        // Even when it claims the expected key's id.
        let mut claimed = head;
        claimed.key_id = key(1).public().key_id();
        assert_eq!(
            claimed.verify(&key(1).public()),
            Err(SthError::BadSignature { tree_size: 3 })
        );
    }

    #[test]
    fn a_head_with_a_modified_size_root_or_time_is_refused() {
        let k = key(1);
        let head = k.sign(10, [1; 32], at(1_000));
        let mut bigger = head.clone();
        bigger.tree_size = 11;
        let mut other_root = head.clone();
        other_root.root_hash[31] ^= 1;
        let mut later = head.clone();
        later.timestamp = at(1_001);
        let mut bad_sig = head.clone();
        bad_sig.signature[0] ^= 1;
        for forged in [bigger, other_root, later, bad_sig] {
            assert!(matches!(
                forged.verify(&k.public()),
                Err(SthError::BadSignature { .. })
            ));
        }
    }

    #[test]
    fn malformed_stored_heads_are_refused() {
        let head = key(1).sign(1, [0; 32], at(0));
        let mut v = serde_json::to_value(&head).unwrap();
        v["root_hash"] = "00".into();
        assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
        let mut v = serde_json::to_value(&head).unwrap();
        v["extra"] = 1.into();
        assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
    }
}
