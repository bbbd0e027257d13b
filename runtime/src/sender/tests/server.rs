//! A small HTTP/1.1 server on 127.0.0.1 for the sender's tests and the OTLP exporter's: it
//! records every request (with the connection it came on and when) and answers each with what
//! the test scripted. Its threads end when it is dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) request_line: String,
    /// Names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Which accepted connection (0, 1, …) carried it.
    pub(crate) connection: usize,
    pub(crate) at: Instant,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The server's answer to one request.
pub(crate) enum Reply {
    Bytes(Vec<u8>),
    /// Read the request, never answer (until the server is dropped).
    Hang,
}

/// `status` with `headers`, a `Content-Length` and `body`.
pub(crate) fn respond(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut bytes = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        bytes.push_str(&format!("{name}: {value}\r\n"));
    }
    bytes.push_str("\r\n");
    let mut bytes = bytes.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

pub(crate) trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

type Script = dyn Fn(usize) -> Reply + Send + Sync;
/// Turns an accepted connection into the stream requests are read from (TLS tests wrap it).
pub(crate) type Wrap = dyn Fn(TcpStream) -> Box<dyn Stream> + Send + Sync;

pub(crate) struct Server {
    pub(crate) port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Answers request number `n` (0, 1, …, over all connections) with `script(n)`.
    pub(crate) fn start(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_wrapped(Arc::new(|tcp| Box::new(tcp)), script)
    }

    pub(crate) fn start_wrapped(
        wrap: Arc<Wrap>,
        script: impl Fn(usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        let server = Server {
            port,
            received: Arc::default(),
            connections: Arc::default(),
            stop: Arc::default(),
        };
        let (received, connections, stop) = (
            server.received.clone(),
            server.connections.clone(),
            server.stop.clone(),
        );
        let script: Arc<Script> = Arc::new(script);
        thread::spawn(move || {
            for tcp in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = tcp else { continue };
                let connection = connections.fetch_add(1, Ordering::SeqCst);
                let (received, stop, script, wrap) =
                    (received.clone(), stop.clone(), script.clone(), wrap.clone());
                thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                    let stream = wrap(tcp);
                    serve(stream, connection, &received, &stop, &*script);
                });
            }
        });
        server
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1/traces", self.port)
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    mut stream: Box<dyn Stream>,
    connection: usize,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
    script: &Script,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer, connection) {
        let n = {
            let mut log = received.lock().expect("log");
            log.push(request);
            log.len() - 1
        };
        match script(n) {
            Reply::Bytes(bytes) => {
                if stream
                    .write_all(&bytes)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
            }
            Reply::Hang => {
                while !stop.load(Ordering::SeqCst) {
                    thread::sleep(Duration::from_millis(10));
                }
                return;
            }
        }
    }
}

/// The next request of a connection; `None` at its end or on anything malformed.
pub(crate) fn read_request(
    stream: &mut dyn Stream,
    buffer: &mut Vec<u8>,
    connection: usize,
) -> Option<Received> {
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        fill(stream, buffer)?;
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let start = head_end + 4;
    while buffer.len() < start + length {
        fill(stream, buffer)?;
    }
    let body = buffer[start..start + length].to_vec();
    buffer.drain(..start + length);
    Some(Received {
        request_line,
        headers,
        body,
        connection,
        at: Instant::now(),
    })
}

fn fill(stream: &mut dyn Stream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0_u8; 16 * 1024];
    match stream.read(&mut chunk) {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

/// A port nothing listens on: one below the ephemeral range (Linux: 32768 and up), which
/// the port-0 listeners of concurrent tests are never given, checked free by binding it.
pub(crate) fn closed_port() -> u16 {
    let start = 20_000 + u16::try_from(std::process::id() % 5_000).unwrap_or(0);
    (start..32_000)
        .find(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// Closes a connection's both directions, ignoring errors (the peer may be gone).
pub(crate) fn close(tcp: &TcpStream) {
    let _ = tcp.shutdown(Shutdown::Both);
}
