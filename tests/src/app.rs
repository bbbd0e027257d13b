//! Runs a test binary as a child process with a controlled environment and a deadline, and
//! keeps its output line by line with the instant each line was read: to completion
//! ([`App::run`]), or in the background ([`App::spawn`]) for servers a test talks to, waits
//! for (their `listening` line) and stops with SIGTERM.

use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
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
    input: Option<Vec<u8>>,
}

impl App {
    /// The binary at `path` (from `env!("CARGO_BIN_EXE_…")`, or [`crate::examples::bin`] for the examples).
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
        App {
            command,
            input: None,
        }
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

    /// Writes `input` to the child's stdin, then closes it (by default stdin is empty).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> App {
        self.input = Some(input.into());
        self
    }

    /// Runs to completion; past `deadline` the process is killed and the test fails with
    /// everything it printed.
    pub fn run(self, deadline: Duration) -> Output {
        self.spawn().wait(deadline)
    }

    /// Starts the process and returns at once; its output is collected as it comes, so a test
    /// can wait for a line (a server's `listening`), talk to it, then stop it.
    pub fn spawn(mut self) -> Running {
        if self.input.is_some() {
            self.command.stdin(Stdio::piped());
        }
        let started = Instant::now();
        let mut child = self.command.spawn().expect("spawn the test binary");
        let writer = self.input.take().map(|input| {
            let mut stdin = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || {
                // The child may exit without reading everything; that is its business.
                let _ = stdin.write_all(&input);
            })
        });
        let stdout = Arc::new(Stream::default());
        let stderr = Arc::new(Stream::default());
        let readers = vec![
            read_lines(child.stdout.take().expect("piped stdout"), stdout.clone()),
            read_lines(child.stderr.take().expect("piped stderr"), stderr.clone()),
        ];
        Running {
            child: Some(child),
            started,
            stdout,
            stderr,
            threads: readers.into_iter().chain(writer).collect(),
        }
    }
}

/// A process started by [`App::spawn`]; killed if dropped before [`Running::wait`].
#[derive(Debug)]
pub struct Running {
    child: Option<Child>,
    started: Instant,
    stdout: Arc<Stream>,
    stderr: Arc<Stream>,
    threads: Vec<JoinHandle<()>>,
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits up to `timeout` for a stderr line that satisfies `matches` and returns it; `None`
    /// when the timeout passed or stderr closed first.
    pub fn wait_for_stderr(
        &self,
        timeout: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Option<String> {
        self.stderr.wait_for(Instant::now() + timeout, matches)
    }

    /// Waits up to `timeout` for a stdout line that satisfies `matches` and returns it with the
    /// instant it was read; `None` when the timeout passed or stdout closed first.
    pub fn wait_for_stdout(
        &self,
        timeout: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Option<Line> {
        self.stdout.wait_for_line(Instant::now() + timeout, matches)
    }

    /// The `addr` of the JSON log line whose message is `listening` (what the example servers
    /// log once bound); fails the test if none comes within `timeout`.
    pub fn listening_addr(&self, timeout: Duration) -> SocketAddr {
        let addr = |line: &str| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            if value.get("message")?.as_str()? != "listening" {
                return None;
            }
            value.get("addr")?.as_str()?.parse::<SocketAddr>().ok()
        };
        let line = self.wait_for_stderr(timeout, |line| addr(line).is_some());
        line.and_then(|line| addr(&line)).unwrap_or_else(|| {
            panic!(
                "no `listening` line with an `addr` within {timeout:?}\n{}",
                self.dump()
            )
        })
    }

    /// Sends SIGTERM (through `kill`, so the tests need no libc).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run `kill`");
        assert!(
            status.success(),
            "kill -TERM {} failed: {status}",
            self.pid()
        );
    }

    /// [`terminate`](Running::terminate), then [`wait`](Running::wait).
    pub fn stop(self, deadline: Duration) -> Output {
        self.terminate();
        self.wait(deadline)
    }

    /// Waits for the exit; past `deadline` (from now) the process is killed and the test fails
    /// with everything it printed.
    pub fn wait(mut self, deadline: Duration) -> Output {
        let mut child = self.child.take().expect("a running child");
        let waited = wait(&mut child, Instant::now() + deadline);
        let status = waited.unwrap_or_else(|| {
            let _ = child.kill();
            child.wait().expect("wait for the killed child")
        });
        let exited = Instant::now();
        for thread in self.threads.drain(..) {
            thread.join().expect("stdio thread");
        }
        let output = Output {
            status,
            started: self.started,
            exited,
            stdout: self.stdout.lines(),
            stderr: self.stderr.lines(),
        };
        assert!(
            waited.is_some(),
            "still running after {deadline:?}, killed\n{}",
            output.dump()
        );
        output
    }

    /// What it printed so far, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- pid {} running for {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.pid(),
            self.started.elapsed(),
            join(&self.stdout.lines()),
            join(&self.stderr.lines())
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The lines read so far from one of the child's streams, and whether it closed.
#[derive(Debug, Default)]
struct Stream {
    state: Mutex<StreamState>,
    grew: Condvar,
}

#[derive(Debug, Default)]
struct StreamState {
    lines: Vec<Line>,
    closed: bool,
}

impl Stream {
    fn lock(&self) -> MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lines(&self) -> Vec<Line> {
        self.lock().lines.clone()
    }

    fn push(&self, line: Line) {
        self.lock().lines.push(line);
        self.grew.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.grew.notify_all();
    }

    fn wait_for(&self, deadline: Instant, matches: impl Fn(&str) -> bool) -> Option<String> {
        self.wait_for_line(deadline, matches).map(|line| line.text)
    }

    fn wait_for_line(&self, deadline: Instant, matches: impl Fn(&str) -> bool) -> Option<Line> {
        let mut seen = 0;
        let mut state = self.lock();
        loop {
            if let Some(line) = state.lines[seen..].iter().find(|l| matches(&l.text)) {
                return Some(line.clone());
            }
            seen = state.lines.len();
            let left = deadline.checked_duration_since(Instant::now())?;
            if state.closed {
                return None;
            }
            state = self
                .grew
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
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

fn read_lines(stream: impl Read + Send + 'static, into: Arc<Stream>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_owned();
            into.push(Line {
                at: Instant::now(),
                text,
            });
            buf.clear();
        }
        into.close();
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
