//! The credentials file: each account's password hash, kept out of the
//! log on purpose.
//!
//! Security invariant: a password hash never enters the log, an export or
//! a log line. The log records that an account's password was set
//! (`AccountPasswordSet`); the hash is here, keyed by the account id, so a
//! name opened again after a disable never inherits an old password. The
//! file is written whole to a temporary file with mode 0600, synced, then
//! renamed over the old one: a crash leaves the old file or the new one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// Where the password hashes are kept.
#[derive(Debug, Clone)]
pub struct CredentialFile {
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read the credentials file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the credentials file {path} is not valid: {reason}")]
    Invalid { path: String, reason: String },
    #[error("cannot write the credentials file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

impl CredentialFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CredentialFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hash kept for `account_id`, if any (read from the file each
    /// time: the command line sets passwords while a server runs).
    pub fn get(&self, account_id: Uuid) -> Result<Option<String>, CredentialError> {
        Ok(self.read()?.remove(&account_id))
    }

    /// Keeps `phc` as the hash of `account_id`, replacing any other.
    pub fn set(&self, account_id: Uuid, phc: &str) -> Result<(), CredentialError> {
        let mut all = self.read()?;
        all.insert(account_id, phc.to_owned());
        self.write(&all)
    }

    /// Forgets the hash of `account_id` (a disabled account).
    pub fn remove(&self, account_id: Uuid) -> Result<(), CredentialError> {
        let mut all = self.read()?;
        if all.remove(&account_id).is_some() {
            self.write(&all)?;
        }
        Ok(())
    }

    fn read(&self) -> Result<BTreeMap<Uuid, String>, CredentialError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => {
                return Err(CredentialError::Read {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| CredentialError::Invalid {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })
    }

    fn write(&self, all: &BTreeMap<Uuid, String>) -> Result<(), CredentialError> {
        let fail = |source| CredentialError::Write {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(fail)?;
        let text = serde_json::to_string_pretty(all).expect("ids and strings always serialise");
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        std::fs::rename(&tmp, &self.path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_hashes_set_when_read_then_each_account_has_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let file = CredentialFile::new(dir.path().join("sub/credentials"));
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(file.get(a).unwrap(), None);
        file.set(a, "$argon2id$a").unwrap();
        file.set(b, "$argon2id$b").unwrap();
        file.set(a, "$argon2id$a2").unwrap();
        assert_eq!(file.get(a).unwrap().as_deref(), Some("$argon2id$a2"));
        file.remove(b).unwrap();
        assert_eq!(file.get(b).unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn given_a_damaged_file_when_read_then_an_error_not_an_empty_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, "{not json").unwrap();
        let file = CredentialFile::new(&path);
        assert!(matches!(
            file.get(Uuid::nil()),
            Err(CredentialError::Invalid { .. })
        ));
        // Nor is it overwritten by a later set.
        assert!(file.set(Uuid::nil(), "x").is_err());
    }
}
