//! TLS and mTLS against a rustls server that requires a client certificate, with certificates
//! made here (rcgen, ring): the CA file replaces the system's roots, the client's certificate
//! and key are presented, and every TLS failure is reported once, never retried.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use super::server::{Server, Stream, respond};
use super::*;
use crate::config::{ClientIdentity, PemFile};

/// A CA and what it signed, as PEM files in a directory removed on drop.
struct Pki {
    dir: PathBuf,
    server: ServerConfig,
}

struct Ca {
    cert: rcgen::Certificate,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).expect("CA certificate");
    Ca {
        cert,
        issuer: Issuer::new(params, key),
    }
}

fn leaf(ca: &Ca, name: &str, usage: ExtendedKeyUsagePurpose) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    (
        params.signed_by(&key, &ca.issuer).expect("certificate"),
        key,
    )
}

impl Pki {
    /// Files: `ca.pem` (the server's CA), `other-ca.pem`, `client.pem`, `client-key.pem`,
    /// `other-key.pem` (a key of no certificate here).
    fn new() -> Pki {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "traced-sender-tls-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let server_ca = ca("traced test server CA");
        let client_ca = ca("traced test client CA");
        let (server_cert, server_key) =
            leaf(&server_ca, "127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert, client_key) =
            leaf(&client_ca, "exporter", ExtendedKeyUsagePurpose::ClientAuth);
        let files = [
            ("ca.pem", server_ca.cert.pem()),
            ("other-ca.pem", ca("another CA").cert.pem()),
            ("client.pem", client_cert.pem()),
            ("client-key.pem", client_key.serialize_pem()),
            (
                "other-key.pem",
                KeyPair::generate().expect("key").serialize_pem(),
            ),
        ];
        for (name, pem) in files {
            std::fs::write(dir.join(name), pem).expect("write PEM");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut client_roots = RootCertStore::empty();
        client_roots
            .add(client_ca.cert.der().clone())
            .expect("client CA");
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(client_roots), provider.clone())
                .build()
                .expect("client verifier");
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![server_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .expect("server certificate");
        Pki { dir, server }
    }

    fn file(&self, name: &str, source: &str) -> PemFile {
        PemFile {
            path: self.dir.join(name),
            source: source.to_owned(),
        }
    }

    /// An mTLS server answering 200 to everything.
    fn serve(&self) -> Server {
        let config = Arc::new(self.server.clone());
        let wrap = move |tcp| -> Box<dyn Stream> {
            let connection = ServerConnection::new(config.clone()).expect("TLS server");
            Box::new(StreamOwned::new(connection, tcp))
        };
        Server::start_wrapped(Arc::new(wrap), |_| respond(200, &[], b""))
    }

    fn settings(&self, server: &Server, ca: &str, client: Option<(&str, &str)>) -> OtlpSettings {
        let mut settings = settings(&format!("https://127.0.0.1:{}/v1/traces", server.port));
        settings.tls.certificate = Some(self.file(ca, "OTEL_EXPORTER_OTLP_CERTIFICATE"));
        settings.tls.client = client.map(|(cert, key)| ClientIdentity {
            certificate: self.file(cert, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
            key: self.file(key, "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
        });
        settings
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn mtls_delivers_with_the_ca_and_the_client_certificate() {
    let pki = Pki::new();
    let server = pki.serve();
    let settings = pki.settings(&server, "ca.pem", Some(("client.pem", "client-key.pem")));
    let mut sender = sender_for(&settings, &[]);
    assert_eq!(sender.send(b"secure", in_secs(5.0)), delivered());
    assert_eq!(sender.send(b"again", in_secs(5.0)), delivered());
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, b"secure");
    assert_eq!(server.connections(), 1, "kept alive");
}

#[test]
fn without_the_client_certificate_the_server_refuses() {
    let pki = Pki::new();
    let server = pki.serve();
    let mut sender = sender_for(&pki.settings(&server, "ca.pem", None), &[]);
    let outcome = sender.send(b"x", in_secs(5.0));
    let Outcome::Failed { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(reason.starts_with("TLS failed: "), "{reason}");
    assert!(reason.contains("CertificateRequired"), "{reason}");
    assert!(server.received().is_empty());
    // In TLS 1.3 the server judges the client's certificate after the client has finished
    // its handshake: when the server's close overtakes its alert, the attempt ends as a broken
    // connection, which is retried, until an attempt reads the alert. So no count of
    // connections is asserted here.
}

#[test]
fn a_wrong_ca_fails_the_handshake_and_is_not_retried() {
    let pki = Pki::new();
    let server = pki.serve();
    let settings = pki.settings(
        &server,
        "other-ca.pem",
        Some(("client.pem", "client-key.pem")),
    );
    let outcome = sender_for(&settings, &[]).send(b"x", in_secs(5.0));
    let Outcome::Failed { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.starts_with("TLS failed: invalid peer certificate"),
        "{reason}"
    );
    assert!(server.received().is_empty());
    assert_eq!(server.connections(), 1, "not retried");
}

#[test]
fn unusable_files_are_one_warning_naming_the_variable_and_exports_fail() {
    let pki = Pki::new();
    let server = pki.serve();
    std::fs::write(pki.dir.join("empty.pem"), "no PEM here").expect("write");
    let cases = [
        (
            "missing.pem",
            None,
            "OTEL_EXPORTER_OTLP_CERTIFICATE: ",
            "cannot be read",
        ),
        (
            "empty.pem",
            None,
            "OTEL_EXPORTER_OTLP_CERTIFICATE: ",
            "holds no PEM certificate",
        ),
        (
            "ca.pem",
            Some(("client.pem", "other-key.pem")),
            "OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE cannot be \
             used together",
            "",
        ),
        (
            "ca.pem",
            Some(("client.pem", "ca.pem")),
            "OTEL_EXPORTER_OTLP_CLIENT_KEY: ",
            "holds no PEM private key",
        ),
    ];
    for (ca, client, start, problem) in cases {
        let (mut sender, warnings) =
            Sender::with_env(&pki.settings(&server, ca, client), &|_| None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        assert!(
            warning.starts_with(start) && warning.contains(problem),
            "{warning}"
        );
        assert!(
            warning.ends_with("every export to this endpoint will fail"),
            "{warning}"
        );
        assert!(!warning.contains("BEGIN"), "no file content: {warning}");
        assert_eq!(
            sender.send(b"x", in_secs(5.0)),
            Outcome::Failed {
                reason: warning.clone()
            }
        );
    }
    assert_eq!(server.connections(), 0, "no fallback to the system's roots");
}

#[test]
fn a_ca_file_may_hold_several_certificates() {
    let pki = Pki::new();
    let server = pki.serve();
    let both = [
        std::fs::read_to_string(pki.dir.join("other-ca.pem")).expect("read"),
        std::fs::read_to_string(pki.dir.join("ca.pem")).expect("read"),
    ]
    .concat();
    std::fs::write(pki.dir.join("bundle.pem"), both).expect("write");
    let settings = pki.settings(
        &server,
        "bundle.pem",
        Some(("client.pem", "client-key.pem")),
    );
    assert_eq!(
        sender_for(&settings, &[]).send(b"x", in_secs(5.0)),
        delivered()
    );
}
