//! mTLS for the end-to-end tests (feature `tls`): certificates made here with rcgen, written as
//! PEM files for traced's `OTEL_EXPORTER_OTLP_*CERTIFICATE` / `*CLIENT_KEY` variables, and a
//! TLS front that requires a client certificate and passes each connection it accepts on to a
//! plain [`Receiver`], so what arrives is checked as in every other test.
//!
//! The front is rustls (ring) on a tokio runtime of its own thread, like the receiver; it counts
//! the handshakes that succeeded and those that failed (no client certificate, or one it does
//! not trust, or a client that does not trust it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::Receiver;

/// A server CA and a client CA with a certificate each, and a CA that signed neither, as PEM
/// files in a directory removed on drop: `ca.pem` (the server's CA), `other-ca.pem`,
/// `client.pem` and `client-key.pem`.
pub struct Pki {
    dir: PathBuf,
    server: ServerConfig,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
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
    /// New certificates and keys, in a fresh temporary directory.
    pub fn new() -> Pki {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "traced-e2e-mtls-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let server_ca = ca("traced e2e server CA");
        let client_ca = ca("traced e2e client CA");
        // An IP address as the name: rcgen makes it an IP subject alternative name, which is
        // what a client connecting to `https://127.0.0.1:…` verifies.
        let (server_cert, server_key) =
            leaf(&server_ca, "127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert, client_key) =
            leaf(&client_ca, "exporter", ExtendedKeyUsagePurpose::ClientAuth);
        let files = [
            ("ca.pem", server_ca.cert.pem()),
            ("other-ca.pem", ca("another CA").cert.pem()),
            ("client.pem", client_cert.pem()),
            ("client-key.pem", client_key.serialize_pem()),
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

    /// The path of one of the PEM files (`ca.pem`, `other-ca.pem`, `client.pem`,
    /// `client-key.pem`).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Handshake counts, shared with the front's connection tasks.
#[derive(Debug, Default)]
struct Counts {
    accepted: AtomicUsize,
    failed: AtomicUsize,
}

/// A TLS front requiring a client certificate signed by the [`Pki`]'s client CA; each
/// connection that completes its handshake is passed on to a [`Receiver`]. Stops when dropped.
#[derive(Debug)]
pub struct TlsFront {
    addr: SocketAddr,
    counts: Arc<Counts>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsFront {
    /// Listens on a free port of 127.0.0.1, in front of `receiver`.
    pub fn start(pki: &Pki, receiver: &Receiver) -> TlsFront {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server.clone()));
        let backend = receiver.addr();
        let counts = Arc::new(Counts::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread_counts = counts.clone();
        let thread = std::thread::Builder::new()
            .name(format!("tls-front-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("TLS front runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    tokio::select! {
                        () = serve(listener, acceptor, backend, thread_counts) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime cancels every connection task.
            })
            .expect("spawn the TLS front's thread");
        TlsFront {
            addr,
            counts,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT` (`https://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Handshakes completed so far.
    pub fn accepted(&self) -> usize {
        self.counts.accepted.load(Ordering::SeqCst)
    }

    /// Handshakes that failed so far.
    pub fn failed(&self) -> usize {
        self.counts.failed.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    backend: SocketAddr,
    counts: Arc<Counts>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, counts) = (acceptor.clone(), counts.clone());
        tokio::spawn(async move {
            let mut tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(_) => {
                    counts.failed.fetch_add(1, Ordering::SeqCst);
                    return;
                }
            };
            counts.accepted.fetch_add(1, Ordering::SeqCst);
            let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                return;
            };
            // Ends when either side closes; what it carried is the receiver's to record.
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        });
    }
}
