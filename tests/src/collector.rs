//! A real OpenTelemetry collector between traced and the test's [`Receiver`]: Rotel
//! (`pip install rotel`, an OpenTelemetry collector written in Rust), started with an OTLP/HTTP
//! receiver on a free port of 127.0.0.1 and an OTLP/HTTP exporter to the test's receiver. What
//! traced sends must survive a collector's decoding and re-encoding to arrive.
//!
//! Rotel is looked for as `rotel-agent` on `PATH`, then inside the `rotel` Python package. When
//! it is missing, [`Collector::start`] returns `None` and the test prints `skipped: rotel not
//! found`, unless `TRACED_REQUIRE_COLLECTOR=1` (set by `.ci/run`, which installs Rotel): then a
//! missing collector is a failure.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Receiver;

/// How long Rotel may take to listen.
const STARTUP: Duration = Duration::from_secs(20);

/// A running Rotel that forwards what it receives to a [`Receiver`]; killed when dropped.
#[derive(Debug)]
pub struct Collector {
    child: Child,
    http: SocketAddr,
    log: PathBuf,
}

impl Collector {
    /// Starts Rotel forwarding to `receiver`, or `None` (with the skip printed) when Rotel is
    /// not installed and not required.
    ///
    /// # Panics
    ///
    /// When Rotel is required (`TRACED_REQUIRE_COLLECTOR=1`) and missing, or when it does not
    /// start listening within 20 s.
    pub fn start(receiver: &Receiver) -> Option<Collector> {
        let Some(agent) = find_agent() else {
            assert!(
                std::env::var_os("TRACED_REQUIRE_COLLECTOR").is_none_or(|v| v != "1"),
                "rotel-agent not found (pip install rotel), and TRACED_REQUIRE_COLLECTOR=1"
            );
            eprintln!("skipped: rotel not found");
            return None;
        };
        let http = free_addr();
        let grpc = free_addr();
        let dir = std::env::temp_dir().join(format!(
            "traced-rotel-{}-{}",
            std::process::id(),
            http.port()
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir for rotel");
        let log = dir.join("rotel.log");
        let child = Command::new(&agent)
            .arg("start")
            .args(["--otlp-http-endpoint", &http.to_string()])
            .args(["--otlp-grpc-endpoint", &grpc.to_string()])
            .args(["--exporter", "otlp"])
            .args(["--otlp-exporter-endpoint", &receiver.endpoint()])
            .args(["--otlp-exporter-protocol", "http"])
            // Forward what arrives without waiting to fill a batch.
            .args(["--batch-timeout", "50ms"])
            .arg("--pid-file")
            .arg(dir.join("rotel.pid"))
            .arg("--log-file")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", agent.display()));
        let collector = Collector { child, http, log };
        let started = Instant::now();
        while TcpStream::connect(http).is_err() {
            assert!(
                started.elapsed() < STARTUP,
                "rotel did not listen on {http} within {STARTUP:?}; its log:\n{}",
                collector.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(collector)
    }

    /// The base endpoint traced exports to (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.http)
    }

    /// What Rotel logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now on 127.0.0.1 (the listener is dropped; another process taking it before
/// Rotel binds would make the start fail visibly, not silently).
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
}

/// `rotel-agent` on `PATH`, else the one the `rotel` Python package ships.
fn find_agent() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("rotel-agent");
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && path.is_file()).then_some(path)
}
