//! The audit directory: where the key, the leaf record and the signed
//! heads live, apart from the log (an operator who can rewrite the store
//! should not find the evidence in the same file).
//!
//! One process at a time may write in it: the one holding the advisory
//! lock on `lock` (a running server, or `registre audit sign`). The lock is
//! released by the system when that process ends, even by `kill -9`, so it
//! never goes stale. Readers (`registre verify`, proofs) take no lock.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use registre_audit::{AuditKey, AuditPublicKey};

use super::AuditError;

const SECRET_FILE: &str = "audit.key";
const PUBLIC_FILE: &str = "audit.pub";
const LEAVES_FILE: &str = "leaves.bin";
const HEADS_FILE: &str = "heads.jsonl";
const LOCK_FILE: &str = "lock";
const WITNESSES_FILE: &str = "witnesses";
const COSIGNATURES_FILE: &str = "cosignatures.jsonl";
/// Key files are a line of about 90 bytes; anything much larger is not one.
const MAX_KEY_FILE: u64 = 4096;

/// The audit directory of one log.
#[derive(Debug, Clone)]
pub struct AuditDir {
    path: PathBuf,
}

/// The right to write in the audit directory, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl AuditDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditDir { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn secret_key_path(&self) -> PathBuf {
        self.path.join(SECRET_FILE)
    }

    pub fn public_key_path(&self) -> PathBuf {
        self.path.join(PUBLIC_FILE)
    }

    pub fn leaves_path(&self) -> PathBuf {
        self.path.join(LEAVES_FILE)
    }

    pub fn heads_path(&self) -> PathBuf {
        self.path.join(HEADS_FILE)
    }

    /// The witness keys the operator trusts (see `witnesses`).
    pub fn witnesses_path(&self) -> PathBuf {
        self.path.join(WITNESSES_FILE)
    }

    pub fn cosignatures_path(&self) -> PathBuf {
        self.path.join(COSIGNATURES_FILE)
    }

    /// Whether the directory was initialised (it has a public key).
    pub fn exists(&self) -> bool {
        self.public_key_path().is_file()
    }

    /// Fails with [`AuditError::NoAuditDir`] unless initialised: readers
    /// never create one.
    pub fn require(&self) -> Result<(), AuditError> {
        if self.exists() {
            Ok(())
        } else {
            Err(AuditError::NoAuditDir(self.path.clone()))
        }
    }

    /// Takes the write lock, creating the directory (mode 0700) if needed.
    /// Fails with [`AuditError::Locked`] if another process holds it.
    pub fn lock(&self) -> Result<DirLock, AuditError> {
        create_private_dir(&self.path)?;
        let path = self.path.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(AuditError::io("cannot open the lock file", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(AuditError::Locked(self.path.clone())),
            Err(std::fs::TryLockError::Error(e)) => Err(AuditError::io("cannot lock", &path)(e)),
        }
    }

    /// The signing key, created on first use. Returns the key and whether
    /// it was created now. Needs the lock, so two processes cannot both
    /// create one.
    pub fn load_or_create_key(&self, _lock: &DirLock) -> Result<(AuditKey, bool), AuditError> {
        let secret_path = self.secret_key_path();
        let public_path = self.public_key_path();
        if secret_path.exists() {
            let text = read_small(&secret_path)?;
            let key = AuditKey::from_secret_text(&text).map_err(|source| AuditError::Key {
                path: secret_path.clone(),
                source,
            })?;
            if public_path.exists() {
                if self.public_key()? != key.public() {
                    return Err(AuditError::KeyMismatch(public_path));
                }
            } else {
                write_new(
                    &public_path,
                    &format!("{}\n", key.public().to_text()),
                    0o644,
                )?;
                sync_dir(&self.path)?;
            }
            return Ok((key, false));
        }
        let key = AuditKey::generate().map_err(|source| AuditError::Key {
            path: secret_path.clone(),
            source,
        })?;
        // The public file is written last: its presence means "initialised".
        let _ = std::fs::remove_file(&public_path);
        write_new(&secret_path, &format!("{}\n", key.to_secret_text()), 0o600)?;
        write_new(
            &public_path,
            &format!("{}\n", key.public().to_text()),
            0o644,
        )?;
        sync_dir(&self.path)?;
        Ok((key, true))
    }

    /// The public key kept in the directory.
    pub fn public_key(&self) -> Result<AuditPublicKey, AuditError> {
        read_public_key(&self.public_key_path())
    }
}

/// Reads a public key file (`registre-audit-public-v1:<hex>`).
pub fn read_public_key(path: &Path) -> Result<AuditPublicKey, AuditError> {
    let text = read_small(path)?;
    AuditPublicKey::from_text(&text).map_err(|source| AuditError::Key {
        path: path.to_path_buf(),
        source,
    })
}

fn read_small(path: &Path) -> Result<String, AuditError> {
    use std::io::Read;
    let mut text = String::new();
    File::open(path)
        .map_err(AuditError::io("cannot open", path))?
        .take(MAX_KEY_FILE)
        .read_to_string(&mut text)
        .map_err(AuditError::io("cannot read", path))?;
    Ok(text)
}

/// Writes a whole new file with this mode: temporary file, fsync, rename,
/// so the file is never seen half written.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), AuditError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(&tmp)
        .map_err(AuditError::io("cannot create", &tmp))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(AuditError::io("cannot write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(AuditError::io("cannot rename to", path))
}

fn create_private_dir(path: &Path) -> Result<(), AuditError> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(AuditError::io("cannot create the audit directory", path))
}

pub(crate) fn sync_dir(path: &Path) -> Result<(), AuditError> {
    #[cfg(unix)]
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("cannot sync the directory", path))?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_private_and_reloaded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = AuditDir::new(tmp.path().join("store.db.audit"));
        assert!(!dir.exists());
        assert!(matches!(dir.require(), Err(AuditError::NoAuditDir(_))));
        let lock = dir.lock().unwrap();
        let (key, created) = dir.load_or_create_key(&lock).unwrap();
        assert!(created && dir.exists());
        assert_eq!(dir.public_key().unwrap(), key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.secret_key_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, created) = dir.load_or_create_key(&lock).unwrap();
        assert!(!created);
        assert_eq!(again.public(), key.public());
    }

    #[test]
    fn a_second_writer_is_refused_while_the_lock_is_held() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = AuditDir::new(tmp.path().join("a"));
        let held = dir.lock().unwrap();
        assert!(matches!(dir.lock(), Err(AuditError::Locked(_))));
        drop(held);
        assert!(dir.lock().is_ok());
    }

    #[test]
    fn a_public_key_that_does_not_match_the_secret_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = AuditDir::new(tmp.path().join("a"));
        let lock = dir.lock().unwrap();
        dir.load_or_create_key(&lock).unwrap();
        let other = AuditKey::from_seed([9; 32]).public().to_text();
        std::fs::write(dir.public_key_path(), other).unwrap();
        assert!(matches!(
            dir.load_or_create_key(&lock),
            Err(AuditError::KeyMismatch(_))
        ));
    }
}
