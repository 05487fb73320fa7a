//! The credentials file: each account's password hash, kept out of the
//! log on purpose.
//!
//! Security invariant: a password hash never enters the log, an export or
//! a log line. The log records that an account's password was set
//! (`AccountPasswordSet`); the hash is here, keyed by the account id, so a
//! name opened again after a disable never inherits an old password. A
//! change takes an exclusive lock (`PATH.lock`: two `registre account`
//! commands at once do not lose one another's change), writes the whole
//! file to a new temporary file of mode 0600, syncs it, renames it over
//! the old one and syncs the directory: a crash leaves the old file or the
//! new one.

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
        let _lock = self.lock()?;
        let mut all = self.read()?;
        all.insert(account_id, phc.to_owned());
        self.write(&all)
    }

    /// Forgets the hash of `account_id` (a disabled account).
    pub fn remove(&self, account_id: Uuid) -> Result<(), CredentialError> {
        let _lock = self.lock()?;
        let mut all = self.read()?;
        if all.remove(&account_id).is_some() {
            self.write(&all)?;
        }
        Ok(())
    }

    /// The exclusive lock of a change, released when dropped.
    fn lock(&self) -> Result<std::fs::File, CredentialError> {
        let fail = |source| CredentialError::Write {
            path: self.path.display().to_string(),
            source,
        };
        self.create_dir().map_err(fail)?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.sibling(".lock"))
            .map_err(fail)?;
        file.lock().map_err(fail)?;
        Ok(file)
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    }

    fn create_dir(&self) -> std::io::Result<()> {
        match self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        }
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
        // A name of its own, created new: never a file left behind with
        // another mode.
        let tmp = self.sibling(&format!(".tmp-{}", Uuid::now_v7().simple()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(fail)?;
        let text = serde_json::to_string_pretty(all).expect("ids and strings always serialise");
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        // The rename is durable once the directory is.
        let dir = match self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => dir.to_path_buf(),
            None => PathBuf::from("."),
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(fail)
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
    fn given_two_writers_at_once_when_both_set_then_both_hashes_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let ids: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
        std::thread::scope(|s| {
            for id in &ids {
                let file = CredentialFile::new(&path);
                s.spawn(move || file.set(*id, "$argon2id$x").unwrap());
            }
        });
        let file = CredentialFile::new(&path);
        for id in ids {
            assert!(file.get(id).unwrap().is_some());
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
