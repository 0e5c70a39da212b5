//! TLS for `amqps://` URLs: whom isovm trusts to be the broker (the CA file an operator
//! names, or else the system's root certificates), the client certificate it shows for
//! mutual TLS, and what a failed handshake refused, said in words an operator can act on.
//!
//! A named CA file *replaces* the system roots rather than adding to them: a broker with a
//! certificate from a private CA should not also be impersonable by any public CA.

use std::io;
use std::path::Path;
use std::sync::Arc;

use lapin::tcp::RustlsConnector;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{AlertDescription, CertificateError, RootCertStore};

use super::config::BusConfig;
use super::error::BusError;

/// What an `amqps://` connection verifies the broker against, and shows it.
#[derive(Clone)]
pub(super) struct Tls {
    pub connector: RustlsConnector,
    /// Whom the broker's certificate must chain to, for error messages.
    pub trusted: String,
    /// Whether a client certificate is shown.
    pub client_cert: bool,
}

impl Tls {
    /// Reads the CA file (or the system roots) and the client certificate of `config`.
    /// Every problem with these local files is a configuration error naming the file.
    pub(super) fn new(config: &BusConfig) -> Result<Tls, BusError> {
        let (roots, trusted) = match &config.ca_file {
            Some(path) => (ca_file(path)?, format!("the CA file {}", path.display())),
            None => (
                system_roots()?,
                "the system's root certificates".to_string(),
            ),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| BusError::Config(format!("TLS: {e}")))?
            .with_root_certificates(roots);
        let client = match (&config.client_cert_file, &config.client_key_file) {
            (Some(cert), Some(key)) => {
                let chain = certificates("client_cert_file", cert)?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    BusError::Config(format!(
                        "client_key_file {}: no usable private key: {e}",
                        key.display()
                    ))
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    BusError::Config(format!(
                        "client_cert_file {} and client_key_file: {e}",
                        cert.display()
                    ))
                })?
            }
            (None, None) => builder.with_no_client_auth(),
            // `BusConfig::check` refuses one without the other.
            _ => {
                return Err(BusError::Config(
                    "client_cert_file and client_key_file go together".into(),
                ));
            }
        };
        Ok(Tls {
            connector: RustlsConnector::from(client),
            trusted,
            client_cert: config.client_cert_file.is_some(),
        })
    }

    /// Why the handshake with `host` failed, if `error` is a TLS failure.
    pub(super) fn describe(&self, error: &io::Error, host: &str) -> Option<String> {
        // A broker that wants a client certificate and got none may close the connection
        // rather than send its alert (TLS 1.3 finishes the client's side of the handshake
        // before the broker has looked at the client): the client reads a reset or an end.
        let closed = matches!(
            error.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        );
        if closed && !self.client_cert && error.get_ref().is_none_or(|e| !e.is::<rustls::Error>()) {
            return Some(format!(
                "the broker closed the connection during the TLS handshake ({error}): it may \
                 want a client certificate, and none is configured (client_cert_file, \
                 client_key_file)"
            ));
        }
        let tls = error.get_ref()?.downcast_ref::<rustls::Error>()?;
        Some(match tls {
            rustls::Error::InvalidCertificate(e) => match e {
                CertificateError::UnknownIssuer => format!(
                    "the broker's certificate is not signed by a trusted CA (trusted: {})",
                    self.trusted
                ),
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    format!("the broker's certificate is not valid for the host name `{host}`")
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "the broker's certificate has expired".into()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "the broker's certificate is not valid yet".into()
                }
                CertificateError::Revoked => "the broker's certificate is revoked".into(),
                other => format!("the broker's certificate was refused: {other:?}"),
            },
            rustls::Error::AlertReceived(
                alert @ (AlertDescription::BadCertificate
                | AlertDescription::CertificateRequired
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::HandshakeFailure),
            ) => format!(
                "the broker ended the TLS handshake ({alert:?}): it may want a client \
                 certificate it trusts (client_cert_file, client_key_file)"
            ),
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                format!("the broker does not speak TLS on this port ({tls})")
            }
            other => format!("the TLS handshake failed: {other}"),
        })
    }
}

/// The certificates of the PEM file `path` (the setting `key` names it), at least one.
fn certificates(key: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, BusError> {
    let fail = |m: String| BusError::Config(format!("{key} {}: {m}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(format!("cannot read certificates: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// Every certificate of the CA file, each of which must be usable as a trust anchor.
fn ca_file(path: &Path) -> Result<RootCertStore, BusError> {
    let mut store = RootCertStore::empty();
    for (i, cert) in certificates("ca_file", path)?.into_iter().enumerate() {
        store.add(cert).map_err(|e| {
            BusError::Config(format!(
                "ca_file {}: certificate {} is not a usable CA certificate: {e}",
                path.display(),
                i + 1
            ))
        })?;
    }
    Ok(store)
}

/// The operating system's trusted roots (`SSL_CERT_FILE`/`SSL_CERT_DIR` point elsewhere).
fn system_roots() -> Result<RootCertStore, BusError> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let (_, ignored) = store.add_parsable_certificates(loaded.certs);
    if store.is_empty() {
        let why = loaded
            .errors
            .first()
            .map_or_else(|| "none found".to_string(), ToString::to_string);
        return Err(BusError::Config(format!(
            "amqps:// without ca_file trusts the system's root certificates, but none could be \
             loaded ({why}); install ca-certificates or name the broker's CA with ca_file \
             (--amqp-ca-file)"
        )));
    }
    if ignored > 0 {
        tracing::debug!(ignored, "system root certificates that could not be parsed");
    }
    Ok(store)
}
