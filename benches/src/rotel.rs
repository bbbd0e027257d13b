//! A real OpenTelemetry collector as the receiver, in a process of its own: Rotel
//! (`pip install rotel`, a collector written in Rust) with its OTLP/HTTP receiver on a free port
//! of 127.0.0.1 and its `blackhole` exporter, which discards what arrives. It answers each
//! request with an `ExportTraceServiceResponse` once decoded, as a collector does.
//!
//! Rotel is looked for as `rotel-agent` on `PATH`, then inside the `rotel` Python package (the
//! same search as the collector tests of `tests/`).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Rotel may take to listen.
const STARTUP: Duration = Duration::from_secs(20);

/// A running Rotel that discards everything; killed when dropped.
#[derive(Debug)]
pub struct Blackhole {
    child: Child,
    http: SocketAddr,
    log: PathBuf,
}

impl Blackhole {
    /// Starts Rotel, or says why it cannot.
    pub fn start() -> Result<Blackhole, String> {
        let agent = find_agent().ok_or("rotel-agent not found (pip install rotel)")?;
        let http = free_addr();
        let grpc = free_addr();
        let dir = std::env::temp_dir().join(format!(
            "traced-bench-rotel-{}-{}",
            std::process::id(),
            http.port()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("a temp dir for rotel: {e}"))?;
        let log = dir.join("rotel.log");
        let child = Command::new(&agent)
            .arg("start")
            .args(["--otlp-http-endpoint", &http.to_string()])
            .args(["--otlp-grpc-endpoint", &grpc.to_string()])
            .args(["--exporter", "blackhole"])
            .arg("--pid-file")
            .arg(dir.join("rotel.pid"))
            .arg("--log-file")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", agent.display()))?;
        let blackhole = Blackhole { child, http, log };
        let started = Instant::now();
        while TcpStream::connect(http).is_err() {
            if started.elapsed() > STARTUP {
                return Err(format!(
                    "rotel did not listen on {http} within {STARTUP:?}; its log:\n{}",
                    std::fs::read_to_string(&blackhole.log).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(blackhole)
    }

    /// The base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.http)
    }

    /// Rotel's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Rotel's CPU time so far, all threads (`/proc/<pid>/stat` utime + stime, 10 ms ticks:
    /// enough for a receiver running seconds).
    pub fn cpu(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: `sysconf` has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        Some(Duration::from_secs_f64(ticks as f64 / hz.max(1) as f64))
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now on 127.0.0.1 (another process taking it before Rotel binds makes the start
/// fail visibly).
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
