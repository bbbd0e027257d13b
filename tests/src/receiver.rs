//! A real OTLP/HTTP receiver on loopback, for end-to-end and fault tests.
//!
//! An axum server on `127.0.0.1:0` whose tokio runtime lives on a thread the [`Receiver`]
//! owns, so sync and async tests use it alike; dropping the receiver stops the server and
//! cancels every connection, hung ones included. Every request to any path is recorded: the
//! body is gunzipped when `Content-Encoding: gzip` says so and decoded as an
//! `ExportLogsServiceRequest` when the path ends in `/v1/logs`, else as an
//! `ExportTraceServiceRequest`. Trace requests and log requests are kept apart, as a collector
//! keeps its pipelines: [`Receiver::requests`] and [`Receiver::spans`] see traces only,
//! [`Receiver::log_requests`] and [`Receiver::logs`] logs only. How it answers is set per
//! receiver: a script of [`Reply`]s per signal consumed in order, then the [`Behavior`] (answer
//! OK, or read the request and never answer) for both, each after an optional delay.
//!
//! Decoding runs off the response path, on tokio's blocking pool: in a debug build it costs
//! milliseconds per batch, and since an exporter sends one batch at a time that would slow
//! every export down and make the receiver, not the code under test, the bottleneck. So the
//! answer never depends on the body; a body that does not decode is kept in
//! [`Request::decode_error`], and [`Receiver::spans`] refuses to pretend it was fine. Readers
//! wait for decodes in progress, so what they see is complete.

mod exchange;
mod server;

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub use exchange::{Reply, Request, Signal};

use crate::Output;
use crate::logs::ReceivedLog;
use crate::spans::ReceivedSpan;

/// Larger than the request body limit OTLP recommends to clients and servers alike (64 MiB, OTLP
/// specification, OTLP/HTTP Request), so the receiver never refuses first.
const BODY_LIMIT: usize = 80 << 20;

/// What the receiver does once its script is used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Answer 200 with an empty `ExportTraceServiceResponse`.
    Ok,
    /// Accept the connection, read the whole request, record it, never answer.
    Hang,
}

#[derive(Debug)]
struct Config {
    behavior: Behavior,
    /// For trace requests.
    script: VecDeque<Reply>,
    /// For log requests.
    logs_script: VecDeque<Reply>,
    delay: Option<Duration>,
}

#[derive(Debug, Default)]
struct Log {
    /// In arrival order.
    requests: Vec<Request>,
    /// Requests read whose decoding has not finished.
    decoding: usize,
}

#[derive(Debug)]
struct Shared {
    config: Mutex<Config>,
    log: Mutex<Log>,
    recorded: Condvar,
}

/// How long a reader waits for decodes in progress; decoding one batch takes milliseconds.
const DECODE_WAIT: Duration = Duration::from_secs(10);

/// A running OTLP/HTTP receiver; stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("addr", &self.addr)
            .field("requests", &lock(&self.shared.log).requests.len())
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A healthy receiver: every request answered 200.
    pub fn start() -> Receiver {
        Receiver::with_behavior(Behavior::Ok)
    }

    /// A receiver that reads every request and never answers.
    pub fn hanging() -> Receiver {
        Receiver::with_behavior(Behavior::Hang)
    }

    /// A receiver with this behavior and no script.
    pub fn with_behavior(behavior: Behavior) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let shared = Arc::new(Shared {
            config: Mutex::new(Config {
                behavior,
                script: VecDeque::new(),
                logs_script: VecDeque::new(),
                delay: None,
            }),
            log: Mutex::new(Log::default()),
            recorded: Condvar::new(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .fallback(server::handle)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(shared.clone());
        let thread = std::thread::Builder::new()
            .name(format!("otlp-receiver-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("receiver runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    tokio::select! {
                        result = async { axum::serve(listener, app).await } => {
                            result.expect("receiver server");
                        }
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here cancels every connection task, hung ones included.
            })
            .expect("spawn receiver thread");
        Receiver {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full traces URL, for `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    pub fn traces_endpoint(&self) -> String {
        format!("{}/v1/traces", self.endpoint())
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What to do once the script is used up, from the next request on.
    pub fn set_behavior(&self, behavior: Behavior) {
        lock(&self.shared.config).behavior = behavior;
    }

    /// Appends answers to the traces' script; each trace request consumes one, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.config).script.extend(replies);
    }

    /// Appends answers to the logs' script; each log request consumes one, in order.
    pub fn script_logs(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.config).logs_script.extend(replies);
    }

    /// Waits this long before answering each request (`None`: answer at once).
    pub fn set_delay(&self, delay: Option<Duration>) {
        lock(&self.shared.config).delay = delay;
    }

    /// Every trace request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        only(Signal::Traces, self.wait_until(Duration::ZERO, |_| true))
    }

    /// Every log request so far, in arrival order.
    pub fn log_requests(&self) -> Vec<Request> {
        only(Signal::Logs, self.wait_until(Duration::ZERO, |_| true))
    }

    /// Every request of either signal so far, in arrival order.
    pub fn all_requests(&self) -> Vec<Request> {
        self.wait_until(Duration::ZERO, |_| true)
    }

    /// The log records of every accepted (2xx) log request, in arrival order.
    ///
    /// # Panics
    /// If a request body could not be decoded: the exporter sent something that is not OTLP.
    pub fn logs(&self) -> Vec<ReceivedLog> {
        accepted_logs(&self.all_requests())
    }

    /// Waits until at least `n` log records were accepted or `timeout` passed; returns the
    /// accepted records either way (assert on their number). Panics as [`Receiver::logs`] does.
    pub fn wait_for_logs(&self, n: usize, timeout: Duration) -> Vec<ReceivedLog> {
        let requests = self.wait_until(timeout, |r| accepted_logs(r).len() >= n);
        accepted_logs(&requests)
    }

    /// The spans of every accepted (2xx) request, in arrival order.
    ///
    /// # Panics
    /// If a request body could not be decoded: the exporter sent something that is not OTLP.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        accepted_spans(&self.requests())
    }

    /// Waits until at least `n` spans were accepted or `timeout` passed; returns the accepted
    /// spans either way (assert on their number). Panics as [`Receiver::spans`] does.
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let requests = self.wait_until(timeout, |r| accepted_spans(r).len() >= n);
        accepted_spans(&requests)
    }

    /// Waits for the first accepted span, then returns the span named `name`.
    ///
    /// # Panics
    /// When no span of that name arrived within `timeout`, with the spans that did and what the
    /// process under test printed (`output`).
    pub fn wait_for_span_named(
        &self,
        name: &str,
        timeout: Duration,
        output: &Output,
    ) -> ReceivedSpan {
        let spans = self.wait_for_spans(1, timeout);
        spans
            .iter()
            .find(|s| s.name() == name)
            .cloned()
            .unwrap_or_else(|| panic!("{spans:#?}\n{}", output.dump()))
    }

    /// Waits until at least `n` trace requests arrived or `timeout` passed; returns them either
    /// way.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Request> {
        let traces = |r: &[Request]| r.iter().filter(|r| r.signal == Signal::Traces).count();
        only(Signal::Traces, self.wait_until(timeout, |r| traces(r) >= n))
    }

    /// Waits until `done` holds or `timeout` passed, then (up to [`DECODE_WAIT`] more) until no
    /// decode is in progress; returns the requests.
    fn wait_until(&self, timeout: Duration, done: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        while !done(&log.requests) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            log = self
                .shared
                .recorded
                .wait_timeout(log, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let decoded = Instant::now() + DECODE_WAIT;
        while log.decoding > 0 {
            let Some(left) = decoded.checked_duration_since(Instant::now()) else {
                panic!(
                    "{} request bodies still decoding after {DECODE_WAIT:?}",
                    log.decoding
                );
            };
            log = self
                .shared
                .recorded
                .wait_timeout(log, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        log.requests.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL on loopback where nothing listens (connection refused), for fault tests.
pub fn refused_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

/// The requests of one signal.
fn only(signal: Signal, requests: Vec<Request>) -> Vec<Request> {
    requests
        .into_iter()
        .filter(|r| r.signal == signal)
        .collect()
}

/// A poisoned lock means a test thread panicked; the data is still what was recorded.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn accepted_spans(requests: &[Request]) -> Vec<ReceivedSpan> {
    if let Some(bad) = requests.iter().find(|r| r.decode_error.is_some()) {
        panic!("a request body did not decode as OTLP: {bad:#?}");
    }
    requests
        .iter()
        .filter(|r| r.accepted())
        .flat_map(|r| r.spans.iter().cloned())
        .collect()
}

/// The log records of the accepted log requests. Panics as [`accepted_spans`] does.
fn accepted_logs(requests: &[Request]) -> Vec<ReceivedLog> {
    if let Some(bad) = requests.iter().find(|r| r.decode_error.is_some()) {
        panic!("a request body did not decode as OTLP: {bad:#?}");
    }
    requests
        .iter()
        .filter(|r| r.accepted())
        .flat_map(|r| r.logs.iter().cloned())
        .collect()
}
