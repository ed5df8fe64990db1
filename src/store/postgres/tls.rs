//! TLS to the server through rustls on ring, as libpq's `sslmode` asks:
//! encryption only (`prefer`, `require` without a root certificate: the
//! handshake's signatures are still verified, so the key the server proves
//! is its certificate's), the chain checked against a root certificate file
//! (`verify-ca`, and `require` with one), or the chain and the host name
//! (`verify-full`). A failed check is one line that says which.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::Result;
use crate::store::{StoreError, StoreErrorKind};

/// The connector for `sslmode` prefer and require without a root certificate.
pub(super) fn unverified_connector() -> Result<MakeRustlsConnect> {
    let provider = provider();
    let verifier = Arc::new(EncryptOnly {
        provider: Arc::clone(&provider),
    });
    connector(provider, verifier)
}

/// The connector that checks the server's certificate against the root
/// certificates in `roots` (PEM), and its host name when `host` is set.
/// `address` is for messages.
pub(super) fn verifying_connector(
    roots: &Path,
    host: bool,
    address: &str,
) -> Result<MakeRustlsConnect> {
    let provider = provider();
    let store = root_store(roots, address)?;
    let webpki =
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(&provider))
            .build()
            .map_err(|err| {
                unavailable(
                    address,
                    &format!(
                        "cannot use the root certificates in {}: {err}",
                        roots.display()
                    ),
                )
            })?;
    let verifier: Arc<dyn ServerCertVerifier> = if host {
        webpki
    } else {
        Arc::new(ChainOnly { webpki })
    };
    connector(provider, verifier)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn connector(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<MakeRustlsConnect> {
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| {
            StoreError::new(
                StoreErrorKind::Other,
                format!("cannot set up TLS for the team store: {err}"),
            )
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The root certificates of a PEM file; a file that cannot be read or holds
/// none makes the store unreachable, as libpq refuses to connect then.
fn root_store(file: &Path, address: &str) -> Result<RootCertStore> {
    let failed = |why: &dyn std::fmt::Display| {
        unavailable(
            address,
            &format!("cannot read the root certificate {}: {why}", file.display()),
        )
    };
    let mut store = RootCertStore::empty();
    let certificates =
        CertificateDer::pem_file_iter(file).map_err(|err| failed(&pem_reason(err)))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|err| failed(&pem_reason(err)))?;
        store
            .add(certificate)
            .map_err(|err| failed(&format!("a certificate in it is not usable ({err})")))?;
    }
    if store.is_empty() {
        return Err(failed(&"it holds no PEM certificate"));
    }
    Ok(store)
}

/// A PEM reading error without the debug formatting of I/O errors.
fn pem_reason(err: rustls::pki_types::pem::Error) -> String {
    match err {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

fn unavailable(address: &str, reason: &str) -> crate::Error {
    StoreError::new(
        StoreErrorKind::Unavailable,
        format!("cannot connect to the team store at {address}: {reason}"),
    )
    .into()
}

/// What a refused certificate means, in words, for the one error line;
/// `None` when the TLS error is not about the certificate.
pub(super) fn certificate_problem(err: &rustls::Error, roots: Option<&Path>) -> Option<String> {
    let rustls::Error::InvalidCertificate(problem) = err else {
        return None;
    };
    let from = match roots {
        Some(file) => format!("the certificate authority in {}", file.display()),
        None => "the root certificate".to_owned(),
    };
    Some(match problem {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            format!("the server's certificate was not issued by {from}")
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the server's certificate is not valid for the host {} (it names {})",
            expected.to_str(),
            presented.join(", ")
        ),
        CertificateError::NotValidForName => {
            "the server's certificate is not valid for the host connected to".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("the server's certificate has expired ({problem})")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("the server's certificate is not valid yet ({problem})")
        }
        other => format!("the server's certificate was refused: {other}"),
    })
}

/// `verify-ca`: the chain must lead to a root certificate; the name in the
/// certificate is not compared with the host (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly {
    webpki: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // webpki compares the name last, once the chain, the validity
            // period and the purpose have passed: only the name is forgiven.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Accepts any certificate (as libpq's `require` does without a root
/// certificate) but checks the handshake's signatures with it.
#[derive(Debug)]
struct EncryptOnly {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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
