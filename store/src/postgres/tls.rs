//! TLS to PostgreSQL: a store URL's `sslmode` and `sslrootcert`, read as
//! libpq reads them, and the rustls connector that enforces them.
//!
//! tokio-postgres only knows `disable`, `prefer` and `require`, and leaves
//! every certificate check to the TLS connector. So both options are taken
//! off the URL here: the driver is told whether to ask for TLS (`prefer`, or
//! `require` for every mode that insists on it), and the connector decides
//! what a server certificate must prove:
//!
//! | sslmode | TLS | certificate |
//! | --- | --- | --- |
//! | `disable` | never | – |
//! | `prefer` (default) | if the server offers it | not checked |
//! | `require` | always | not checked (checked as `verify-ca` when `sslrootcert` is given, as libpq does) |
//! | `verify-ca` | always | signed by the `sslrootcert` CAs (else the system's) |
//! | `verify-full` | always | as `verify-ca`, and issued for the host name of the URL |
//!
//! An unchecked certificate still has to sign the handshake: without that
//! anyone on the path could present any certificate and read the traffic
//! in clear, which is not even the eavesdropping protection `require`
//! promises.
//!
//! rustls runs on the `ring` provider, named here rather than taken from the
//! process default: tokio-postgres-rustls links `ring` anyway (for SCRAM
//! channel binding), and a build with the `kurrentdb` feature also links
//! `aws-lc-rs`, where a process default would be ambiguous.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What `sslrootcert` may name besides a file: the system's CA store, as in
/// libpq 16.
const SYSTEM_ROOTS: &str = "system";

/// The `sslmode` choices, as libpq names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> Result<Mode, TlsError> {
        Ok(match value {
            "disable" => Mode::Disable,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            other => {
                return Err(TlsError::BadMode {
                    value: other.to_owned(),
                });
            }
        })
    }
}

/// Where the trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    File(PathBuf),
    System,
}

/// A store URL's TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsOptions {
    mode: Mode,
    roots: Option<Roots>,
}

/// Why TLS settings or a TLS connection were refused. Each has a stable
/// code, printed after the French message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsError {
    #[error(
        "sslmode={value:?} n'est pas reconnu : choisissez disable, prefer, require, verify-ca ou verify-full (PG_SSLMODE_INVALID)"
    )]
    BadMode { value: String },
    #[error(
        "sslmode=disable ne chiffre pas la connexion : sslrootcert n'y a pas de sens ; retirez-le ou choisissez verify-ca ou verify-full (PG_SSLMODE_INVALID)"
    )]
    RootsWithoutTls,
    #[error("sslrootcert=system ne se combine qu'avec sslmode=verify-full (PG_SSLMODE_INVALID)")]
    SystemRootsNeedFull,
    #[error(
        "le fichier de certificats d'autorité {path:?} (sslrootcert) est introuvable ou illisible (PG_SSLROOTCERT_MISSING)"
    )]
    RootsMissing { path: PathBuf },
    #[error(
        "le fichier {path:?} (sslrootcert) ne contient aucun certificat PEM utilisable (PG_SSLROOTCERT_INVALID)"
    )]
    RootsInvalid { path: PathBuf },
    #[error(
        "aucun certificat d'autorité n'a été trouvé sur ce système pour vérifier le serveur PostgreSQL : installez ca-certificates ou donnez sslrootcert=FICHIER (PG_SSLROOTCERT_MISSING)"
    )]
    NoSystemRoots,
    #[error(
        "le serveur PostgreSQL {host} n'accepte pas TLS, que sslmode exige (PG_TLS_UNAVAILABLE)"
    )]
    NotOffered { host: String },
    #[error("certificat du serveur PostgreSQL {host} refusé : {reason} (PG_TLS_CERT_REFUSED)")]
    Refused { host: String, reason: &'static str },
    #[error(
        "la négociation TLS avec le serveur PostgreSQL {host} a échoué ; vérifiez sslmode et la configuration TLS du serveur (PG_TLS_FAILED)"
    )]
    Handshake { host: String },
}

impl TlsOptions {
    /// Takes `sslmode` and `sslrootcert` off a URL's query; the rest is
    /// what the driver gets.
    pub(crate) fn split(url: &str) -> Result<(String, TlsOptions), TlsError> {
        let mut mode = None;
        let mut root_cert = None;
        let (base, rest) = match url.split_once('?') {
            None => (url, Vec::new()),
            Some((base, query)) => {
                let mut rest = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let value = percent_decode_str(value).decode_utf8_lossy();
                    match key {
                        "sslmode" => mode = Some(Mode::parse(&value)?),
                        "sslrootcert" => root_cert = Some(value.into_owned()),
                        _ => rest.push(pair),
                    }
                }
                (base, rest)
            }
        };
        let roots = root_cert.map(|v| match v.as_str() {
            SYSTEM_ROOTS => Roots::System,
            _ => Roots::File(PathBuf::from(v)),
        });
        let mode = match (mode, &roots) {
            (Some(Mode::Disable), Some(_)) => return Err(TlsError::RootsWithoutTls),
            // libpq: with a CA file, `require` behaves as `verify-ca`.
            (Some(Mode::Require), Some(Roots::File(_))) => Mode::VerifyCa,
            // libpq 16: the system's CAs make `verify-full` the default
            // and the only mode allowed.
            (None | Some(Mode::VerifyFull), Some(Roots::System)) => Mode::VerifyFull,
            (Some(_), Some(Roots::System)) => return Err(TlsError::SystemRootsNeedFull),
            (mode, _) => mode.unwrap_or(Mode::Prefer),
        };
        let url = if rest.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        Ok((url, TlsOptions { mode, roots }))
    }

    /// What the driver is told: ask for TLS and fall back, ask and insist,
    /// or not ask.
    pub(crate) fn driver_mode(&self) -> SslMode {
        match self.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }

    /// The connector, with its CA certificates loaded now so that a missing
    /// file is reported when the store opens, not at each connection.
    pub(crate) fn connector(&self) -> Result<Connector, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = match self.mode {
            Mode::Disable | Mode::Prefer | Mode::Require => None,
            Mode::VerifyCa | Mode::VerifyFull => Some(Arc::new(match &self.roots {
                Some(Roots::File(path)) => roots_from_file(path)?,
                Some(Roots::System) | None => system_roots()?,
            })),
        };
        let verifier = Verifier {
            roots,
            check_name: self.mode == Mode::VerifyFull,
            provider: provider.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Connector(MakeRustlsConnect::new(config)))
    }
}

fn roots_from_file(path: &Path) -> Result<RootCertStore, TlsError> {
    let pem = std::fs::read(path).map_err(|_| TlsError::RootsMissing {
        path: path.to_owned(),
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|_| TlsError::RootsInvalid {
            path: path.to_owned(),
        })?;
        roots.add(cert).map_err(|_| TlsError::RootsInvalid {
            path: path.to_owned(),
        })?;
    }
    if roots.is_empty() {
        return Err(TlsError::RootsInvalid {
            path: path.to_owned(),
        });
    }
    Ok(roots)
}

/// The system's CA certificates (`ca-certificates` on Debian); unreadable
/// ones are skipped, as by every client that reads that store.
fn system_roots() -> Result<RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(TlsError::NoSystemRoots);
    }
    Ok(roots)
}

/// The server-certificate check of one `sslmode`: with `roots`, the chain
/// must end at one of them (and, with `check_name`, name the host); without,
/// nothing is checked but the handshake signatures.
#[derive(Debug)]
struct Verifier {
    roots: Option<Arc<RootCertStore>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
            if self.check_name {
                verify_server_name(&cert, server_name)?;
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The TLS connector handed to tokio-postgres.
#[derive(Clone)]
pub(crate) struct Connector(MakeRustlsConnect);

impl<S> MakeTlsConnect<S> for Connector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = <MakeRustlsConnect as MakeTlsConnect<S>>::Stream;
    type TlsConnect = <MakeRustlsConnect as MakeTlsConnect<S>>::TlsConnect;
    type Error = <MakeRustlsConnect as MakeTlsConnect<S>>::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<Self::TlsConnect, Self::Error> {
        // A Unix socket has no host name (the driver passes ""), and
        // PostgreSQL never speaks TLS there, so the name is never used; an
        // empty one would fail every socket connection, even with `prefer`.
        let host = if host.is_empty() { "localhost" } else { host };
        <MakeRustlsConnect as MakeTlsConnect<S>>::make_tls_connect(&mut self.0, host)
    }
}

/// What a failed connection says, when TLS is why: `None` otherwise.
pub(crate) fn explain(error: &tokio_postgres::Error, host: &str) -> Option<TlsError> {
    let host = host.to_owned();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        // tokio-rustls wraps rustls's error in an io::Error, whose
        // `source` skips it: look inside.
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(tls) = e.downcast_ref::<rustls::Error>().or(inner) {
            return Some(match tls {
                rustls::Error::InvalidCertificate(why) => TlsError::Refused {
                    host,
                    reason: refusal(why),
                },
                _ => TlsError::Handshake { host },
            });
        }
        source = e.source();
    }
    // The driver's own words when the server answers "no" to TLS.
    let text = error.to_string();
    if text.contains("server does not support TLS") {
        return Some(TlsError::NotOffered { host });
    }
    if text.contains("TLS") {
        return Some(TlsError::Handshake { host });
    }
    None
}

fn refusal(why: &CertificateError) -> &'static str {
    match why {
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "il n'est pas délivré pour ce nom d'hôte, que sslmode=verify-full exige"
        }
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            "il n'est pas signé par une autorité de confiance (sslrootcert)"
        }
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => "il est expiré ou pas encore valide",
        CertificateError::Revoked => "il est révoqué",
        CertificateError::Other(other)
            if matches!(
                other.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            "c'est un certificat d'autorité (CA:TRUE) : le serveur doit présenter un certificat que cette autorité a signé"
        }
        _ => "il est invalide",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(url: &str) -> (String, TlsOptions) {
        TlsOptions::split(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn given_no_sslmode_when_split_then_tls_is_preferred_and_the_url_kept() {
        let (url, tls) = split("postgres://u@h/db?connect_timeout=3");
        assert_eq!(url, "postgres://u@h/db?connect_timeout=3");
        assert_eq!(tls.mode, Mode::Prefer);
        assert_eq!(tls.driver_mode(), SslMode::Prefer);
    }

    #[test]
    fn given_each_sslmode_when_split_then_the_driver_asks_for_tls_as_libpq_would() {
        for (value, mode, driver) in [
            ("disable", Mode::Disable, SslMode::Disable),
            ("prefer", Mode::Prefer, SslMode::Prefer),
            ("require", Mode::Require, SslMode::Require),
            ("verify-ca", Mode::VerifyCa, SslMode::Require),
            ("verify-full", Mode::VerifyFull, SslMode::Require),
        ] {
            let (url, tls) = split(&format!(
                "postgres://h/db?sslmode={value}&application_name=x"
            ));
            assert_eq!(url, "postgres://h/db?application_name=x", "{value}");
            assert_eq!((tls.mode, tls.driver_mode()), (mode, driver), "{value}");
        }
    }

    #[test]
    fn given_a_ca_file_when_split_then_its_path_is_decoded_and_require_checks_it() {
        let (url, tls) = split("postgres://h/db?sslmode=require&sslrootcert=%2Fetc%2Fmy%20ca.pem");
        assert_eq!(url, "postgres://h/db");
        assert_eq!(tls.mode, Mode::VerifyCa);
        assert_eq!(tls.roots, Some(Roots::File("/etc/my ca.pem".into())));
        let (_, tls) = split("postgres://h/db?sslrootcert=system");
        assert_eq!(
            (tls.mode, tls.roots),
            (Mode::VerifyFull, Some(Roots::System))
        );
        let (_, tls) = split("postgres://h/db?sslmode=prefer&sslrootcert=/ca.pem");
        assert_eq!(tls.mode, Mode::Prefer, "libpq checks nothing with prefer");
    }

    #[test]
    fn given_an_unknown_sslmode_when_split_then_a_french_error_names_the_choices() {
        let err = TlsOptions::split("postgres://h/db?sslmode=verify_full").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("n'est pas reconnu"), "{msg}");
        assert!(msg.contains("verify-full"), "{msg}");
        assert!(msg.ends_with("(PG_SSLMODE_INVALID)"), "{msg}");
        for contradiction in [
            "sslmode=disable&sslrootcert=/x",
            "sslmode=require&sslrootcert=system",
        ] {
            let err = TlsOptions::split(&format!("postgres://h/db?{contradiction}")).unwrap_err();
            assert!(err.to_string().ends_with("(PG_SSLMODE_INVALID)"), "{err}");
        }
    }

    #[test]
    fn given_a_missing_or_empty_ca_file_when_connecting_then_it_is_refused_by_code() {
        let (_, tls) = split("postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem");
        let err = tls.connector().err().expect("must refuse");
        assert!(err.to_string().contains("introuvable"), "{err}");
        assert!(
            err.to_string().ends_with("(PG_SSLROOTCERT_MISSING)"),
            "{err}"
        );

        let empty = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(empty.path(), "pas un certificat\n").unwrap();
        let url = format!(
            "postgres://h/db?sslmode=verify-full&sslrootcert={}",
            empty.path().display()
        );
        let err = split(&url).1.connector().err().expect("must refuse");
        assert!(
            err.to_string().ends_with("(PG_SSLROOTCERT_INVALID)"),
            "{err}"
        );
    }

    #[test]
    fn given_modes_without_a_ca_when_connecting_then_no_file_is_needed() {
        for mode in ["disable", "prefer", "require"] {
            let (_, tls) = split(&format!("postgres://h/db?sslmode={mode}"));
            assert!(tls.connector().is_ok(), "{mode}");
        }
    }

    #[test]
    fn given_a_certificate_error_then_the_reason_is_french() {
        assert!(refusal(&CertificateError::NotValidForName).contains("nom d'hôte"));
        assert!(refusal(&CertificateError::UnknownIssuer).contains("autorité de confiance"));
        assert!(refusal(&CertificateError::Expired).contains("expiré"));
        let ca_as_server = CertificateError::Other(rustls::OtherError(Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        )));
        assert!(refusal(&ca_as_server).contains("certificat d'autorité"));
    }
}
