//! Where a store lives: the URL's settings (`?schema=NAME` taken off for
//! registre, `sslmode` and `sslrootcert` for `tls`, the rest for
//! the driver) and the making of connections. Kept apart from the SQL so
//! that the parsing of URLs, which tests check without a server, stands
//! alone.

use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config};

use super::{DEFAULT_SCHEMA, MAX_SCHEMA_LEN, tls};
use crate::{StoreError, redact_url};

/// Where the store lives: connection settings, TLS and the schema.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) config: Config,
    pub(super) tls: tls::Connector,
    pub(super) schema: String,
    pub(super) described: String,
    /// The host TLS errors name (never the password).
    pub(super) host: String,
}

impl Target {
    pub(super) fn parse(url: &str) -> Result<Target, StoreError> {
        let described = redact_url(url);
        let (driver_url, schema) = split_schema(url)?;
        let tls_error = |e: tls::TlsError| StoreError::Format(e.to_string());
        let (driver_url, tls) = tls::TlsOptions::split(&driver_url).map_err(tls_error)?;
        let mut config: Config = driver_url.parse().map_err(|e| {
            StoreError::Format(format!("invalid PostgreSQL URL {described:?}: {e}"))
        })?;
        config.ssl_mode(tls.driver_mode());
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        if config.get_application_name().is_none() {
            config.application_name("registre");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Ok(Target {
            config,
            tls: tls.connector().map_err(tls_error)?,
            schema,
            described,
            host,
        })
    }

    /// Why a connection failed: what TLS refused, in French, or the
    /// driver's words (the URL in them without its password).
    pub(super) fn refused(&self, e: tokio_postgres::Error) -> StoreError {
        match tls::explain(&e, &self.host) {
            Some(refusal) => StoreError::Format(refusal.to_string()),
            None => StoreError::Unavailable(format!("cannot connect to {}: {e}", self.described)),
        }
    }

    /// A new connection, its driver running on its own task.
    pub(super) async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.refused(e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "PostgreSQL connection closed");
            }
        });
        Ok(client)
    }
}

/// Splits `?schema=NAME` off a URL: the rest goes to the driver, which
/// refuses options it does not know.
fn split_schema(url: &str) -> Result<(String, String), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), DEFAULT_SCHEMA.to_owned()));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_owned()),
            None => rest.push(pair),
        }
    }
    let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
    check_schema_name(&schema)?;
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, schema))
}

/// Schema names are plain lower-case identifiers, so they can be quoted
/// into SQL without escaping and mean the same quoted or not.
fn check_schema_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SCHEMA_LEN
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("pg_")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Format(format!(
            "invalid schema name {name:?}: use 1 to {MAX_SCHEMA_LEN} lower-case ASCII letters, digits and _, not starting with a digit or pg_"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_comes_off_the_url() {
        let (url, schema) = split_schema("postgres://u:p@h:5432/db?schema=amm_2025").unwrap();
        assert_eq!(
            (url.as_str(), schema.as_str()),
            ("postgres://u:p@h:5432/db", "amm_2025")
        );
        let (url, schema) =
            split_schema("postgresql://h/db?sslmode=disable&schema=x&connect_timeout=3").unwrap();
        assert_eq!(url, "postgresql://h/db?sslmode=disable&connect_timeout=3");
        assert_eq!(schema, "x");
        let (url, schema) = split_schema("postgres://h/db").unwrap();
        assert_eq!(
            (url.as_str(), schema.as_str()),
            ("postgres://h/db", DEFAULT_SCHEMA)
        );
    }

    #[test]
    fn schema_names_that_could_escape_quoting_are_refused() {
        for bad in [
            "",
            "Registre",
            "a\"; DROP TABLE x; --",
            "1st",
            "pg_temp",
            "with space",
            &"x".repeat(MAX_SCHEMA_LEN + 1),
        ] {
            let url = format!("postgres://h/db?schema={bad}");
            assert!(
                matches!(split_schema(&url), Err(StoreError::Format(_))),
                "{bad:?} accepted"
            );
        }
        assert!(check_schema_name("registre_test_01").is_ok());
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let err = Target::parse("postgres://reg:s3cret@db/x?nonsense=1")
            .err()
            .expect("must refuse");
        let msg = err.to_string();
        assert!(msg.contains("invalid PostgreSQL URL"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }

    #[test]
    fn every_sslmode_is_accepted_and_a_bad_one_refused_in_french() {
        for mode in ["disable", "prefer", "require"] {
            let url = format!("postgres://reg:s3cret@db/x?sslmode={mode}&schema=s");
            let target = Target::parse(&url).unwrap_or_else(|e| panic!("{mode}: {e}"));
            assert_eq!(target.schema, "s");
            assert_eq!(target.host, "db");
        }
        let err = Target::parse("postgres://reg:s3cret@db/x?sslmode=always")
            .err()
            .expect("must refuse");
        let msg = err.to_string();
        assert!(msg.contains("(PG_SSLMODE_INVALID)"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }
}
