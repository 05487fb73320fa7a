//! Settings: command-line flags win over `REGISTRE_*` environment
//! variables (clap reads both), which win over the TOML file, which wins
//! over the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_STORE: &str = "sqlite:./registre.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The optional TOML file (`--config FILE` or `REGISTRE_CONFIG`).
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Store URL, e.g. `sqlite:/var/lib/registre/registre.db`.
    pub store: Option<String>,
    /// Address the HTTP server listens on.
    pub listen: Option<SocketAddr>,
    /// Log filter, e.g. `info` or `registre=debug`.
    pub log: Option<String>,
    /// Audit directory (signing key, leaf record, signed tree heads).
    pub audit_dir: Option<PathBuf>,
    /// Where the server saves its read models (and `replay --check` reads
    /// them).
    pub state_dir: Option<PathBuf>,
    /// The web accounts' password hashes (never in the log).
    pub credentials: Option<PathBuf>,
    /// The official documents' letterhead and public address.
    pub documents: Option<DocumentFileSettings>,
}

/// `[documents]`: what official documents print; each unset value keeps
/// the AMM's default.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DocumentFileSettings {
    /// The association's name.
    pub name: Option<String>,
    /// The town documents are made in ("Fait à Bamako").
    pub town: Option<String>,
    /// The address, one line per element.
    pub address: Option<Vec<String>>,
    /// The emblem, an SVG file.
    pub emblem: Option<PathBuf>,
    /// The address readers reach registre at (the verification page's,
    /// printed and in the QR code); default: `http://` and the address
    /// served.
    pub public_url: Option<String>,
}

/// The read models' directory when none is set: `PATH.state/` beside a
/// `sqlite:PATH` store, else `./registre-state/`.
pub fn default_state_dir(store_url: &str) -> PathBuf {
    match store_url.strip_prefix("sqlite:") {
        Some(path) if !path.is_empty() && path != ":memory:" => {
            PathBuf::from(format!("{path}.state"))
        }
        _ => PathBuf::from("./registre-state"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Parse { path: String, message: String },
}

impl FileSettings {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: shown,
            message: e.message().to_owned(),
        })
    }
}

/// First of the values that is set, else the default.
pub fn pick<T: Clone>(flag_or_env: Option<T>, file: Option<T>, default: T) -> T {
    flag_or_env.or(file).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_settings_parse_and_refuse_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("registre.toml");
        std::fs::write(
            &p,
            "store = \"sqlite:/tmp/x.db\"\nlisten = \"0.0.0.0:9000\"\naudit_dir = \"/srv/a\"\n",
        )
        .unwrap();
        let s = FileSettings::load(Some(&p)).unwrap();
        assert_eq!(s.store.as_deref(), Some("sqlite:/tmp/x.db"));
        assert_eq!(s.listen, Some("0.0.0.0:9000".parse().unwrap()));
        assert_eq!(s.audit_dir, Some(PathBuf::from("/srv/a")));
        std::fs::write(&p, "stor = 1\n").unwrap();
        let err = FileSettings::load(Some(&p)).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");
        assert!(FileSettings::load(Some(&dir.path().join("missing.toml"))).is_err());
        assert_eq!(FileSettings::load(None).unwrap(), FileSettings::default());
    }

    #[test]
    fn the_state_dir_sits_beside_a_sqlite_store() {
        assert_eq!(
            default_state_dir("sqlite:/var/lib/registre/registre.db"),
            PathBuf::from("/var/lib/registre/registre.db.state")
        );
        assert_eq!(
            default_state_dir("postgres://db/registre"),
            PathBuf::from("./registre-state")
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("registre.toml");
        std::fs::write(&p, "state_dir = \"/srv/state\"\n").unwrap();
        let s = FileSettings::load(Some(&p)).unwrap();
        assert_eq!(s.state_dir, Some(PathBuf::from("/srv/state")));
    }

    #[test]
    fn flags_win_over_file_over_default() {
        assert_eq!(pick(Some(1), Some(2), 3), 1);
        assert_eq!(pick(None, Some(2), 3), 2);
        assert_eq!(pick(None, None, 3), 3);
    }
}
