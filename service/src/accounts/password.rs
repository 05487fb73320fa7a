//! Passwords: the rules a new one must meet, argon2id hashing and checking.
//!
//! Hashing takes tens of milliseconds and as many MiB on purpose; callers
//! on the async threads run it with `spawn_blocking`.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes: bounds the hashing work a form can
/// ask for.
pub const MAX_PASSWORD_BYTES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères")]
    TooShort,
    #[error("le mot de passe ne peut dépasser {MAX_PASSWORD_BYTES} octets")]
    TooLong,
    #[error("le générateur aléatoire du système a échoué")]
    Random,
    #[error("le calcul de l'empreinte du mot de passe a échoué")]
    Hashing,
}

/// Whether `password` may be set.
pub fn check_rules(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of a
/// password that meets the rules, under a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_rules(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| PasswordError::Random)?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// Whether `password` is the one `phc` was made from. A malformed `phc`
/// matches nothing.
pub fn matches(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of no one's password, checked when a name is unknown so that a
/// wrong name takes as long to refuse as a wrong password.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("aucun compte ne porte ce mot de passe").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_a_hashed_password_when_checked_then_only_it_matches() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(matches("correct horse battery", &phc));
        assert!(!matches("correct horse batterz", &phc));
        assert!(!matches("correct horse battery", "not a hash"));
    }

    #[test]
    fn given_the_same_password_twice_when_hashed_then_salts_differ() {
        assert_ne!(
            hash("même mot de passe").unwrap(),
            hash("même mot de passe").unwrap()
        );
    }

    #[test]
    fn given_a_short_or_huge_password_when_set_then_refused() {
        assert_eq!(hash("court"), Err(PasswordError::TooShort));
        assert_eq!(
            hash(&"x".repeat(MAX_PASSWORD_BYTES + 1)),
            Err(PasswordError::TooLong)
        );
        // Characters, not bytes: twelve accented letters are enough.
        assert!(check_rules("éééééééééééé").is_ok());
    }
}
