//! Runs a test binary as a child process with a controlled environment and a deadline, and
//! keeps its output line by line with the instant each line was read.

use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the test binaries print on stdout just before `main` returns.
pub const MAIN_RETURNING: &str = "e2e: main returning";

/// A child process to run: the inherited environment minus every variable that could
/// configure tracing (`OTEL_*`, `RUST_LOG*`, `TRACED_*`) or add backtraces to its output
/// (`RUST_BACKTRACE`, `RUST_LIB_BACKTRACE`), plus what the test sets.
#[derive(Debug)]
pub struct App {
    command: Command,
}

impl App {
    /// The binary at `path` (from `env!("CARGO_BIN_EXE_…")`).
    pub fn new(path: impl AsRef<OsStr>) -> App {
        let mut command = Command::new(path);
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            let prefixes = [
                "OTEL_",
                "RUST_LOG",
                "TRACED_",
                "RUST_BACKTRACE",
                "RUST_LIB_BACKTRACE",
            ];
            if prefixes.iter().any(|p| name.starts_with(p)) {
                command.env_remove(&key);
            }
        }
        // A proxy from the environment must not stand between the app and the loopback receiver.
        command
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        App { command }
    }

    /// Adds arguments.
    pub fn args<I: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = I>) -> App {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> App {
        self.command.env(key, value);
        self
    }

    /// Runs to completion; past `deadline` the process is killed and the test fails with
    /// everything it printed.
    pub fn run(mut self, deadline: Duration) -> Output {
        let started = Instant::now();
        let mut child = self.command.spawn().expect("spawn the test binary");
        let stdout = read_lines(child.stdout.take().expect("piped stdout"));
        let stderr = read_lines(child.stderr.take().expect("piped stderr"));
        let waited = wait(&mut child, started + deadline);
        let output = Output {
            status: waited.unwrap_or_else(|| {
                let _ = child.kill();
                child.wait().expect("wait for the killed child")
            }),
            started,
            exited: Instant::now(),
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        };
        assert!(
            waited.is_some(),
            "still running after {deadline:?}, killed\n{}",
            output.dump()
        );
        output
    }
}

/// Polls until the child exits or the deadline passes (`None`).
fn wait(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn read_lines(stream: impl Read + Send + 'static) -> JoinHandle<Vec<Line>> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut lines = Vec::new();
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_owned();
            lines.push(Line {
                at: Instant::now(),
                text,
            });
            buf.clear();
        }
        lines
    })
}

/// One line of output.
#[derive(Debug, Clone)]
pub struct Line {
    /// When the test read it.
    pub at: Instant,
    /// Its text, without the line end.
    pub text: String,
}

/// A finished run.
#[derive(Debug)]
pub struct Output {
    /// How it exited.
    pub status: ExitStatus,
    /// When it was spawned.
    pub started: Instant,
    /// When its exit was seen (within a few milliseconds).
    pub exited: Instant,
    /// Its stdout.
    pub stdout: Vec<Line>,
    /// Its stderr.
    pub stderr: Vec<Line>,
}

impl Output {
    /// Spawn to exit.
    pub fn total(&self) -> Duration {
        self.exited - self.started
    }

    /// From the [`MAIN_RETURNING`] line to exit: the time spent shutting down.
    pub fn shutdown(&self) -> Duration {
        let marker = self
            .stdout
            .iter()
            .find(|l| l.text == MAIN_RETURNING)
            .unwrap_or_else(|| panic!("no {MAIN_RETURNING:?} line\n{}", self.dump()));
        self.exited.saturating_duration_since(marker.at)
    }

    /// Stdout as text.
    pub fn stdout_text(&self) -> String {
        join(&self.stdout)
    }

    /// Stderr as text.
    pub fn stderr_text(&self) -> String {
        join(&self.stderr)
    }

    /// Every stderr line parsed as a JSON object; fails the test on any other line.
    pub fn json_logs(&self) -> Vec<serde_json::Value> {
        self.stderr
            .iter()
            .map(|line| match serde_json::from_str(&line.text) {
                Ok(value @ serde_json::Value::Object(_)) => value,
                _ => panic!(
                    "stderr line is not a JSON object: {:?}\n{}",
                    line.text,
                    self.dump()
                ),
            })
            .collect()
    }

    /// The JSON log lines whose `key` is the string `value` (e.g. `scope` = `"root"`).
    pub fn logs_where(&self, key: &str, value: &str) -> Vec<serde_json::Value> {
        self.json_logs()
            .into_iter()
            .filter(|line| line.get(key).and_then(|v| v.as_str()) == Some(value))
            .collect()
    }

    /// Asserts a zero exit status.
    pub fn assert_success(&self) {
        assert!(
            self.status.success(),
            "exit status {}\n{}",
            self.status,
            self.dump()
        );
    }

    /// Everything it printed, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- status {} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.total(),
            self.stdout_text(),
            self.stderr_text()
        )
    }
}

fn join(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
