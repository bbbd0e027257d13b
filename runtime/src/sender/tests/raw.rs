//! A server on 127.0.0.1 whose every connection runs a script of the test's: what it reads,
//! what it writes and when, in what pieces, and how the connection ends. For the plain
//! transport's tests, where the scripted replies of `server.rs` are not enough.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::server::{Received, read_request};
use crate::sender::origin::Origin;
use crate::sender::plain::Plain;

/// One accepted connection, as its script sees it.
pub(super) struct Session {
    pub(super) tcp: TcpStream,
    /// Which accepted connection (0, 1, …) this is.
    pub(super) connection: usize,
    buffer: Vec<u8>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Session {
    /// The next request of the connection, recorded; `None` when the client closed it.
    pub(super) fn request(&mut self) -> Option<Received> {
        let request = read_request(&mut self.tcp, &mut self.buffer, self.connection)?;
        self.received.lock().expect("log").push(request.clone());
        Some(request)
    }

    pub(super) fn send(&mut self, bytes: &[u8]) {
        let _ = self.tcp.write_all(bytes).and_then(|()| self.tcp.flush());
    }

    /// Reads a few bytes of what the client sent, no more.
    pub(super) fn read_some(&mut self, n: usize) {
        let mut some = vec![0; n];
        let _ = self.tcp.read(&mut some);
    }
}

pub(super) struct Raw {
    pub(super) port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Raw {
    pub(super) fn start(script: impl Fn(&mut Session) + Send + Sync + 'static) -> Raw {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let raw = Raw {
            port: listener.local_addr().expect("address").port(),
            received: Arc::default(),
            connections: Arc::default(),
            stop: Arc::default(),
        };
        let (received, connections, stop) = (
            raw.received.clone(),
            raw.connections.clone(),
            raw.stop.clone(),
        );
        let script = Arc::new(script);
        thread::spawn(move || {
            for tcp in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = tcp else { continue };
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = tcp.set_nodelay(true);
                let mut session = Session {
                    tcp,
                    connection: connections.fetch_add(1, Ordering::SeqCst),
                    buffer: Vec::new(),
                    received: received.clone(),
                };
                let script = script.clone();
                thread::spawn(move || script(&mut session));
            }
        });
        raw
    }

    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1/traces", self.port)
    }

    /// Our client for this server, with `headers`.
    pub(super) fn plain(&self, headers: &[(&'static str, &str)]) -> Plain {
        client_for(&self.url(), headers)
    }

    pub(super) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }

    pub(super) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Our client (not a sender: no retries) for `url`, with `headers`.
pub(super) fn client_for(url: &str, headers: &[(&'static str, &str)]) -> Plain {
    let headers: Vec<_> = headers
        .iter()
        .map(|&(name, value)| {
            (
                ureq::http::HeaderName::from_static(name),
                ureq::http::HeaderValue::from_str(value).expect("value"),
            )
        })
        .collect();
    Plain::new(url, Origin::of(url).expect("origin"), &headers).expect("an http URL")
}

/// Answers every request of the session with `reply`, until the client closes it.
pub(super) fn answer_all(session: &mut Session, reply: &[u8]) {
    while session.request().is_some() {
        session.send(reply);
    }
}

/// `partial_success { rejected_spans: 3, error_message: "bad" }`
pub(super) const PARTIAL: [u8; 9] = [0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, b'b', b'a', b'd'];
