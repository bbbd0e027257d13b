//! TLS for an `https://` collector: rustls with ring as its crypto provider, the platform's
//! verifier for the system's roots (on Linux the system's PEM bundle through
//! rustls-native-certs; on macOS and Windows the OS's own verification, with its revocation
//! checks and managed roots; what reqwest uses too), or, when `…CERTIFICATE` is set, only the
//! CAs of that file (OTLP exporter configuration: the certificate file "SHOULD only be used
//! for a secure connection" and is the trust to verify the server with).
//!
//! Every file is read and checked here, once, so a problem is one startup warning naming its
//! variable, and the handshake never meets a key the HTTP client would panic on.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};

use crate::config::{PemFile, TlsFiles};

/// The TLS configuration for `files`, or why the files cannot be used (a warning that names
/// the variable; exports then fail rather than trust the system's roots instead).
pub(crate) fn tls_config(files: &TlsFiles) -> Result<TlsConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match &files.certificate {
        Some(file) => RootCerts::Specific(Arc::new(trusted_cas(file, &provider)?)),
        None => RootCerts::PlatformVerifier,
    };
    let client = match &files.client {
        Some(identity) => Some(client_cert(
            &identity.certificate,
            &identity.key,
            &provider,
        )?),
        None => None,
    };
    Ok(TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider)
        .root_certs(roots)
        .client_cert(client)
        .build())
}

/// The certificates of a CA file, at least one and each one rustls can use as a root.
fn trusted_cas(
    file: &PemFile,
    provider: &Arc<CryptoProvider>,
) -> Result<Vec<Certificate<'static>>, String> {
    let certs = certificates(file)?;
    let mut store = rustls::RootCertStore::empty();
    let (_, ignored) = store.add_parsable_certificates(certs.iter().cloned());
    if ignored > 0 || store.is_empty() {
        return Err(unusable(
            file,
            "holds a certificate that is not a valid CA certificate",
        ));
    }
    // The store is what ureq builds too; checking that rustls accepts it as the server
    // verifier's roots keeps every error at startup.
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
        .build()
        .map_err(|e| unusable(file, &format!("cannot be used to verify servers ({e})")))?;
    Ok(certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect())
}

fn client_cert(
    cert_file: &PemFile,
    key_file: &PemFile,
    provider: &Arc<CryptoProvider>,
) -> Result<ClientCert, String> {
    let chain = certificates(cert_file)?;
    let bytes = read(key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|_| unusable(key_file, "holds no PEM private key"))?;
    // The same first key of the file, for ureq (which does not name key kinds).
    let ureq_key =
        PrivateKey::from_pem(&bytes).map_err(|_| unusable(key_file, "holds no PEM private key"))?;
    let ureq_chain: Vec<Certificate<'static>> = chain
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    // The check ureq makes when it first connects, and would panic on: the key is one the
    // provider can sign with, and it belongs to the chain's first certificate.
    rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            format!(
                "{} and {} cannot be used together ({e}); every export to this endpoint will fail",
                key_file.source, cert_file.source
            )
        })?;
    Ok(ClientCert::new_with_certs(&ureq_chain, ureq_key))
}

/// The certificates of a PEM file, at least one.
fn certificates(file: &PemFile) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(file)?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(unusable(file, "holds no PEM certificate")),
        // The parser's error may quote a line of the file: not repeated.
        Err(_) => Err(unusable(file, "is not a valid PEM file")),
    }
}

fn read(file: &PemFile) -> Result<Vec<u8>, String> {
    std::fs::read(&file.path).map_err(|e| unusable(file, &format!("cannot be read ({e})")))
}

fn unusable(file: &PemFile, problem: &str) -> String {
    format!(
        "{}: {:?} {problem}; every export to this endpoint will fail",
        file.source, file.path
    )
}

/// The rustls error inside an I/O error, where ureq's TLS stream puts handshake failures.
pub(crate) fn tls_error(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}
