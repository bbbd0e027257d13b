//! A discarding OTLP/HTTP receiver that counts log records and checks their ids, in a process
//! of its own (`logs_cpu`): Rotel's `blackhole` exporter answers but cannot count what it
//! discards, and the CPU per exported record must be divided by the records that arrived.
//!
//! The receiver decodes each `ExportLogsServiceRequest` with `opentelemetry-proto` (gzip
//! bodies inflated first), answers `ExportLogsServiceResponse` (an
//! `ExportTraceServiceResponse` on `/v1/traces`, whose spans are only counted), and keeps, for
//! every log record, the benchmark's iteration (its `order_id` attribute), which of the
//! iteration's two events it is (its body), and its trace and span ids. Asked to check, it
//! compares them with the ids the candidate wrote down as it ran (see [`Expected`]) and
//! forgets what it kept.
//!
//! Its own protocol, on the same port, plain text: `GET /stats` answers
//! `records <n> requests <n> spans <n>`; `POST /check` with a file path as the body answers
//! `checked <n> wrong <n>` (`POST /check` with an empty body only forgets).
//!
//! ```no_run
//! // The receiver process (`logs_cpu --receiver`):
//! traced_benches::logs_receiver::serve();
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;

use crate::log_events::{DISPATCHED, RECEIVED};

/// One received log record: iteration, event (0 the root's, 1 the child's, 2 neither), ids.
#[derive(Debug, Clone, Copy)]
struct Seen {
    iteration: u64,
    event: u8,
    trace_id: u128,
    span_id: u64,
}

#[derive(Debug, Default)]
struct Received {
    records: u64,
    requests: u64,
    spans: u64,
    seen: Vec<Seen>,
}

type Shared = Arc<Mutex<Received>>;

/// The ids each iteration's two events were logged in, as the candidate read them from its
/// current span: a file of 48-byte entries, one per iteration in order, each the trace id
/// (16 bytes), the root span's id, the child's trace id (16 bytes) and the child span's id,
/// little-endian.
#[derive(Debug, Default)]
pub struct Expected {
    entries: Vec<[u8; Expected::ENTRY]>,
}

impl Expected {
    const ENTRY: usize = 48;

    /// Room for `iterations` entries, allocated now (the benchmark fills it while measured).
    pub fn with_capacity(iterations: usize) -> Expected {
        Expected {
            entries: Vec::with_capacity(iterations),
        }
    }

    /// Records iteration `entries.len()`'s ids.
    #[inline]
    pub fn push(&mut self, root: (u128, u64), child: (u128, u64)) {
        let mut entry = [0; Expected::ENTRY];
        entry[..16].copy_from_slice(&root.0.to_le_bytes());
        entry[16..24].copy_from_slice(&root.1.to_le_bytes());
        entry[24..40].copy_from_slice(&child.0.to_le_bytes());
        entry[40..].copy_from_slice(&child.1.to_le_bytes());
        self.entries.push(entry);
    }

    /// Writes the entries to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.entries.concat())
    }

    fn read(path: &Path) -> std::io::Result<Vec<[u8; Expected::ENTRY]>> {
        let bytes = std::fs::read(path)?;
        Ok(bytes
            .chunks_exact(Expected::ENTRY)
            .map(|c| c.try_into().expect("a whole entry"))
            .collect())
    }
}

fn ids(entry: &[u8; Expected::ENTRY], event: u8) -> (u128, u64) {
    let at = if event == 0 { 0 } else { 24 };
    (
        u128::from_le_bytes(entry[at..at + 16].try_into().expect("16 bytes")),
        u64::from_le_bytes(entry[at + 16..at + 24].try_into().expect("8 bytes")),
    )
}

fn inflate(headers: &HeaderMap, body: Bytes) -> Bytes {
    let gzip = headers
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    if !gzip {
        return body;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut out)
        .expect("gzip body");
    Bytes::from(out)
}

fn be_u128(bytes: &[u8]) -> u128 {
    bytes.try_into().map_or(0, u128::from_be_bytes)
}

fn be_u64(bytes: &[u8]) -> u64 {
    bytes.try_into().map_or(0, u64::from_be_bytes)
}

async fn logs(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Vec<u8> {
    let request = ExportLogsServiceRequest::decode(inflate(&headers, body)).expect("protobuf");
    let mut seen = Vec::new();
    for record in request
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
    {
        let iteration = record
            .attributes
            .iter()
            .find(|kv| kv.key == "order_id")
            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                Value::IntValue(i) => u64::try_from(*i).ok(),
                _ => None,
            })
            .unwrap_or(u64::MAX);
        let event = match record.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(Value::StringValue(s)) if s == RECEIVED => 0,
            Some(Value::StringValue(s)) if s == DISPATCHED => 1,
            _ => 2,
        };
        seen.push(Seen {
            iteration,
            event,
            trace_id: be_u128(&record.trace_id),
            span_id: be_u64(&record.span_id),
        });
    }
    let mut received = shared.lock().expect("receiver state");
    received.records += seen.len() as u64;
    received.requests += 1;
    received.seen.extend(seen);
    drop(received);
    ExportLogsServiceResponse::default().encode_to_vec()
}

async fn traces(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(inflate(&headers, body)).expect("protobuf");
    let spans: usize = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    shared.lock().expect("receiver state").spans += spans as u64;
    ExportTraceServiceResponse::default().encode_to_vec()
}

async fn stats(State(shared): State<Shared>) -> String {
    let received = shared.lock().expect("receiver state");
    format!(
        "records {} requests {} spans {}",
        received.records, received.requests, received.spans
    )
}

/// Compares every record kept with the expected ids in the file named by the body, then
/// forgets them. A record is wrong when its iteration or event is unknown or its ids differ.
async fn check(State(shared): State<Shared>, body: String) -> String {
    let seen = std::mem::take(&mut shared.lock().expect("receiver state").seen);
    if body.is_empty() {
        return "checked 0 wrong 0".to_owned();
    }
    let expected = match Expected::read(Path::new(body.trim())) {
        Ok(expected) => expected,
        Err(e) => return format!("error {e}"),
    };
    let wrong = seen
        .iter()
        .filter(|s| {
            let entry = usize::try_from(s.iteration)
                .ok()
                .and_then(|i| expected.get(i));
            match entry {
                Some(entry) if s.event < 2 => ids(entry, s.event) != (s.trace_id, s.span_id),
                _ => true,
            }
        })
        .count();
    format!("checked {} wrong {wrong}", seen.len())
}

/// Runs the receiver on a free port of 127.0.0.1 until the process is killed, after printing
/// `LISTENING <address>` on stdout.
pub fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    println!("LISTENING {}", listener.local_addr().expect("address"));
    std::io::stdout().flush().expect("stdout");
    let app = axum::Router::new()
        .route("/v1/logs", axum::routing::post(logs))
        .route("/v1/traces", axum::routing::post(traces))
        .route("/stats", axum::routing::get(stats))
        .route("/check", axum::routing::post(check))
        .layer(axum::extract::DefaultBodyLimit::max(80 << 20))
        .with_state(Shared::default());
    runtime
        .block_on(async move { axum::serve(listener, app).await })
        .expect("serve");
}

/// The receiver process, started from this executable with `args`; killed when dropped.
#[derive(Debug)]
pub struct Receiver {
    child: Child,
    addr: SocketAddr,
    _stdout: BufReader<ChildStdout>,
}

impl Receiver {
    /// Starts `exe args…`, which must call [`serve`], and waits for its address.
    pub fn start(exe: &Path, args: &[&str]) -> Receiver {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the receiver process");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the receiver's address");
        let addr = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the receiver said `{line}`"));
        Receiver {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// The base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The receiver's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.1 request to the receiver at `endpoint` (`http://host:port`); the body of
/// its answer.
fn ask(endpoint: &str, method: &str, path: &str, body: &str) -> String {
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).expect("the receiver");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("a request to the receiver");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("the receiver's answer");
    answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_owned())
}

/// The log records the receiver at `endpoint` decoded so far.
pub fn records(endpoint: &str) -> u64 {
    let stats = ask(endpoint, "GET", "/stats", "");
    stats
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the receiver's stats: `{stats}`"))
}

/// Checks every record kept against the ids in `expected` (or only forgets them, with
/// `None`): records checked and records with wrong ids.
pub fn check_ids(endpoint: &str, expected: Option<&Path>) -> (u64, u64) {
    let body = expected.map_or(String::new(), |p| p.display().to_string());
    let answer = ask(endpoint, "POST", "/check", &body);
    let numbers: Vec<u64> = answer
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers[..] {
        [checked, wrong] => (checked, wrong),
        _ => panic!("the receiver's check: `{answer}`"),
    }
}
