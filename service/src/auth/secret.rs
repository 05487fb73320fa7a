//! Token secrets: 256 random bits from the operating system, shown once,
//! stored only as their SHA-256.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Every secret starts with this, so a leaked one is easy to recognise
/// (secret scanners, logs).
pub const PREFIX: &str = "reg_";

/// Longest bearer value looked at; anything longer is refused unhashed.
pub const MAX_SECRET_LEN: usize = 128;

/// A secret in clear. Its `Debug` hides it so it cannot end up in a log by
/// accident; [`Secret::expose`] is the one way to read it.
pub struct Secret(String);

impl Secret {
    /// 32 bytes from the OS random generator, as `reg_<base64url>`.
    pub fn generate() -> Result<Secret, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Secret(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn sha256(&self) -> [u8; 32] {
        sha256(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// SHA-256 of a presented secret.
pub fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub fn to_hex(hash: &[u8; 32]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(64);
    for b in hash {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses 64 lowercase or uppercase hex digits.
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hidden_from_debug() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with(PREFIX));
        // 32 bytes in unpadded base64 are 43 characters.
        assert_eq!(a.expose().len(), PREFIX.len() + 43);
        assert!(!format!("{a:?}").contains(&a.expose()[PREFIX.len()..]));
    }

    #[test]
    fn hashes_round_trip_through_hex() {
        let h = sha256("reg_x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(
            to_hex(&sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
    }
}
