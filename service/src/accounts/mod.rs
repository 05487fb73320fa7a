//! Personal accounts of the web application: who signs in, with which
//! role.
//!
//! ## Layout
//! - [`book`]: the pure fold of the account events.
//! - [`password`]: the rules of a password, argon2id hashing and checking.
//! - [`credentials`]: the file of password hashes, outside the log.
//! - [`manage`]: opening, password resets, role changes and disabling as
//!   commands of the account aggregate (used by `registre account`).
//!
//! Security invariant: the log holds every account's history (opened,
//! role changed, password set, disabled) and never a password or its
//! hash; those stay in the credentials file, mode 0600.

pub mod book;
pub mod credentials;
pub mod manage;
pub mod password;

pub use book::{AccountBook, AccountRecord};
pub use credentials::{CredentialError, CredentialFile};
pub use manage::{
    AccountError, NewAccount, active_account, change_role, disable_account, list_accounts,
    open_account, reset_password,
};
pub use password::PasswordError;

/// The credentials file when none is set: `PATH.credentials` beside a
/// `sqlite:PATH` store, else `./registre-credentials`.
pub fn default_credentials_path(store_url: &str) -> std::path::PathBuf {
    match store_url.strip_prefix("sqlite:") {
        Some(path) if !path.is_empty() && path != ":memory:" => {
            std::path::PathBuf::from(format!("{path}.credentials"))
        }
        _ => std::path::PathBuf::from("./registre-credentials"),
    }
}
