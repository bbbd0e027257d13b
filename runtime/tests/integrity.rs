//! The engine's and the bridge's integrity under hostile but safe use: user code that
//! re-enters traced, panics or suspends inside it; `tracing` spans shared between threads,
//! re-entered, linked; panics caught and resumed; futures cancelled; spans left in
//! thread-locals at thread exit; `fork`; leaked guards; a capture around `init`.
//!
//! The pipeline is global, so the tests run in sequence behind a lock. Scenarios that may abort
//! or hang the process (a panic inside the bridge, a deadlock, `fork`) run in a child process:
//! the test binary runs itself again with only that test selected and `TRACED_INTEGRITY_CHILD`
//! set, and the parent checks how it ended.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::Value as OtelValue;
use opentelemetry::trace::{SpanId as OtelSpanId, Status};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use traced::{Config, FutureExt as _, Span, SpanGuard, SpanId, SpanValue, Value, child_span};
use tracing_subscriber::layer::SubscriberExt as _;

#[path = "support/coroutine.rs"]
#[allow(dead_code, reason = "shared with memcheck.rs, which uses all of it")]
mod coroutine;

// ---------------------------------------------------------------------------------------------
// Harness

#[derive(Debug, Clone, Default)]
struct Sink(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Sink {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(batch);
        Ok(())
    }
}

impl Sink {
    fn spans(&self) -> Vec<SpanData> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tests' settings, without an exporter.
fn settings() -> Config {
    Config::new()
        .schedule_delay(Duration::from_millis(10))
        .install_logging(false)
        .install_panic_hook(false)
}

/// The tests' settings, exporting to `sink` only.
fn config(sink: &Sink) -> Config {
    settings().with_exporter(sink.clone())
}

/// Runs `f` under a fresh pipeline (`config`, given no exporter) and returns every span
/// exported.
fn capture(config: Config, f: impl FnOnce()) -> Vec<SpanData> {
    let sink = Sink::default();
    let mut guard = traced::init(config.with_exporter(sink.clone()));
    f();
    guard.shutdown();
    sink.spans()
}

fn capture_default(f: impl FnOnce()) -> Vec<SpanData> {
    capture(settings(), f)
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a OtelValue> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

#[track_caller]
fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let mut found = spans.iter().filter(|s| s.name == name);
    match (found.next(), found.next()) {
        (Some(span), None) => span,
        (None, _) => panic!("no span named {name:?}; exported: {:?}", names(spans)),
        (Some(_), Some(_)) => panic!(
            "more than one span named {name:?}; exported: {:?}",
            names(spans)
        ),
    }
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> Option<&'a SpanData> {
    spans.iter().find(|s| s.name == name)
}

fn id(span: &SpanData) -> OtelSpanId {
    span.span_context.span_id()
}

/// Checks that span `name` is a child of `parent`, as a line for a list of problems.
fn check_child(spans: &[SpanData], name: &str, parent: &str, problems: &mut Vec<String>) {
    let Some(parent_span) = find(spans, parent) else {
        problems.push(format!(
            "{parent:?} was not exported; exported: {:?}",
            names(spans)
        ));
        return;
    };
    let Some(span) = find(spans, name) else {
        problems.push(format!(
            "{name:?} (a child of {parent:?}) was not exported; exported: {:?}",
            names(spans)
        ));
        return;
    };
    if span.parent_span_id != id(parent_span) {
        let actual = find_by_id(spans, span.parent_span_id);
        problems.push(format!(
            "{name:?} should be a child of {parent:?}, its parent is {actual}"
        ));
    }
}

fn find_by_id(spans: &[SpanData], span_id: OtelSpanId) -> String {
    if span_id == OtelSpanId::INVALID {
        return "none (a root)".to_owned();
    }
    spans.iter().find(|s| id(s) == span_id).map_or_else(
        || format!("{span_id} (not exported)"),
        |s| format!("{:?}", s.name),
    )
}

#[track_caller]
fn assert_no_problems(problems: &[String]) {
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn bridged() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(traced::BridgeLayer::new())
}

fn to_span_id(id: Option<SpanId>) -> Option<OtelSpanId> {
    id.map(|id| OtelSpanId::from_hex(&id.to_string()).expect("a span id prints as 16 hex digits"))
}

/// Polls once with a waker that does nothing.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Pending on its first poll, ready on the next.
#[derive(Debug, Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

const CHILD: &str = "TRACED_INTEGRITY_CHILD";

/// Whether this process is the child started to run `test`'s scenario.
fn in_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == test)
}

/// How a child process ended.
struct ChildRun {
    /// `None` when it was still running at the deadline (and was killed).
    status: Option<ExitStatus>,
    output: String,
}

impl ChildRun {
    /// How it ended, with its panic messages (or the end of its output when it had none).
    fn describe(&self) -> String {
        let lines: Vec<&str> = self.output.lines().collect();
        let mut panics = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("panicked at") {
                panics.push(format!("{line} {}", lines.get(i + 1).unwrap_or(&"")));
            }
        }
        if panics.is_empty() {
            panics = lines[lines.len().saturating_sub(10)..]
                .iter()
                .map(|l| (*l).to_owned())
                .collect();
        }
        let how = match self.status {
            None => "was still running at the deadline (killed)".to_owned(),
            Some(status) => describe_status(status),
        };
        format!("the child {how}; its output:\n{}", panics.join("\n"))
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(6)) => "aborted (SIGABRT)".to_owned(),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        _ => format!("ended with {status:?}"),
    }
}

/// Runs test `test` of this binary again in a child process with its scenario selected; kills
/// it if it is still running after `deadline`.
fn run_child(test: &str, deadline: Duration) -> ChildRun {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD, test)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let output = format!(
        "{}{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    ChildRun { status, output }
}

// ---------------------------------------------------------------------------------------------
// a. A `SpanValue` (or a `Display`) that re-enters traced

/// A value that records an attribute and makes a span of its own while it is converted.
struct Reentrant(&'static str);

impl SpanValue for Reentrant {
    fn span_value(&self) -> Option<Value<'_>> {
        traced::record("recorded inside", 1_i64);
        drop(Span::child(self.0).enter());
        Some(Value::I64(7))
    }
}

impl fmt::Display for Reentrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        drop(Span::child(self.0).enter());
        f.write_str("shown")
    }
}

#[child_span]
fn traced_with_reentrant_argument(value: Reentrant) {
    let _ = value;
}

#[child_span(fields(shown = %Reentrant("made in a fields Display")))]
fn traced_with_reentrant_field() {}

#[test]
fn a_span_value_that_re_enters_traced_records_on_the_current_span_and_nests_its_spans() {
    let _serial = serial();
    let spans = capture_default(|| {
        {
            let _root = Span::root("traced::record root").enter();
            traced::record("value", Reentrant("made in traced::record"));
        }
        {
            let root = Span::root("SpanGuard::record root").enter();
            root.record("value", Reentrant("made in SpanGuard::record"));
        }
        {
            let _root = Span::root("macro root").enter();
            traced_with_reentrant_argument(Reentrant("made in a macro argument"));
            traced_with_reentrant_field();
        }
    });
    let mut problems = Vec::new();
    for root in ["traced::record root", "SpanGuard::record root"] {
        let Some(span) = find(&spans, root) else {
            problems.push(format!("{root:?} was not exported"));
            continue;
        };
        if attr(span, "value") != Some(&OtelValue::I64(7)) {
            problems.push(format!("{root:?}: the value itself is missing"));
        }
        if attr(span, "recorded inside") != Some(&OtelValue::I64(1)) {
            problems.push(format!(
                "{root:?}: traced::record inside span_value was lost (attributes: {:?})",
                span.attributes
            ));
        }
    }
    check_child(
        &spans,
        "made in traced::record",
        "traced::record root",
        &mut problems,
    );
    check_child(
        &spans,
        "made in SpanGuard::record",
        "SpanGuard::record root",
        &mut problems,
    );
    // The fn's span is not current yet while its attributes are computed: spans made there
    // belong to the caller's span.
    check_child(
        &spans,
        "made in a macro argument",
        "macro root",
        &mut problems,
    );
    check_child(
        &spans,
        "made in a fields Display",
        "macro root",
        &mut problems,
    );
    assert_no_problems(&problems);
}

// ---------------------------------------------------------------------------------------------
// b. A `Display` that panics inside `tracing::Span::record`

struct PanickingDisplay;

impl fmt::Display for PanickingDisplay {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display panicked inside tracing::Span::record");
    }
}

#[test]
fn a_display_that_panics_inside_a_tracing_record_neither_aborts_nor_loses_the_span() {
    const TEST: &str =
        "a_display_that_panics_inside_a_tracing_record_neither_aborts_nor_loses_the_span";
    if in_child(TEST) {
        let spans = capture_default(|| {
            tracing::subscriber::with_default(bridged(), || {
                let entered = tracing::info_span!("entered", f = tracing::field::Empty, kept = 1);
                {
                    let _entered = entered.enter();
                    let display = tracing::field::display(PanickingDisplay);
                    let caught = catch_unwind(AssertUnwindSafe(|| entered.record("f", display)));
                    assert!(
                        caught.is_ok(),
                        "a panicking Display costs its field; the panic does not reach the caller"
                    );
                }
                drop(entered);
                let idle = tracing::info_span!("not entered", f = tracing::field::Empty, kept = 1);
                let display = tracing::field::display(PanickingDisplay);
                let caught = catch_unwind(AssertUnwindSafe(|| idle.record("f", display)));
                assert!(
                    caught.is_ok(),
                    "a panicking Display costs its field; the panic does not reach the caller"
                );
                idle.in_scope(|| {});
                drop(idle);
            });
        });
        for name in ["entered", "not entered"] {
            let span = named(&spans, name);
            assert_eq!(attr(span, "f"), None, "{name}: the field is missing");
            assert_eq!(attr(span, "kept"), Some(&OtelValue::I64(1)), "{name}");
        }
        return;
    }
    let _serial = serial();
    let run = run_child(TEST, Duration::from_secs(60));
    assert!(
        run.status.is_some_and(|s| s.success()),
        "a panicking Display in tracing::Span::record must neither abort the process nor lose \
         the span: {}",
        run.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// c. A `Debug` that records on its own span from inside `Span::record`

struct RecordsOnCurrent;

impl fmt::Debug for RecordsOnCurrent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tracing::Span::current().record("nested", 1);
        f.write_str("outer value")
    }
}

#[test]
fn a_debug_that_records_on_its_own_span_inside_record_does_not_deadlock() {
    const TEST: &str = "a_debug_that_records_on_its_own_span_inside_record_does_not_deadlock";
    if in_child(TEST) {
        let spans = capture_default(|| {
            tracing::subscriber::with_default(bridged(), || {
                let span = tracing::info_span!(
                    "records on itself",
                    f = tracing::field::Empty,
                    nested = tracing::field::Empty
                );
                let _entered = span.enter();
                span.record("f", tracing::field::debug(RecordsOnCurrent));
            });
        });
        let span = named(&spans, "records on itself");
        assert_eq!(attr(span, "f"), Some(&OtelValue::from("outer value")));
        return;
    }
    let _serial = serial();
    let run = run_child(TEST, Duration::from_secs(20));
    assert!(
        run.status.is_some(),
        "recording on a span from a Debug running inside that span's record deadlocks: {}",
        run.describe()
    );
    assert!(
        run.status.is_some_and(|s| s.success()),
        "the scenario failed: {}",
        run.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// d. A tracing span entered on several threads at once

/// Waits (a bounded time) until `n` threads have arrived, so that they are inside the span at
/// the same time.
fn rendezvous(arrived: &AtomicUsize, n: usize) {
    arrived.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    while arrived.load(Ordering::SeqCst) < n && Instant::now() < deadline {
        thread::yield_now();
    }
}

#[test]
fn a_tracing_span_entered_on_several_threads_at_once_parents_every_child_and_ends_once() {
    use tracing::Instrument as _;

    let _serial = serial();
    let spans = capture_default(|| {
        let _default = tracing::subscriber::set_default(bridged());

        // Instrumented tasks on a multi-thread runtime.
        let shared = tracing::info_span!("shared by tasks");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let arrived = Arc::new(AtomicUsize::new(0));
        runtime.block_on(async {
            let tasks: Vec<_> = (0..16)
                .map(|_| {
                    let arrived = arrived.clone();
                    tokio::spawn(
                        async move {
                            rendezvous(&arrived, 4);
                            drop(Span::child("task").enter());
                        }
                        .instrument(shared.clone()),
                    )
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        drop(runtime);
        drop(shared);

        // Threads inside `in_scope` at once.
        let scoped = tracing::info_span!("shared by threads");
        let arrived = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    scoped.in_scope(|| {
                        rendezvous(&arrived, 4);
                        drop(Span::child("scoped").enter());
                    });
                });
            }
        });
        drop(scoped);

        // A record from a thread other than the one the span is entered on.
        let recorded = tracing::info_span!("recorded elsewhere", k = tracing::field::Empty);
        let (entered, done) = (Barrier::new(2), Barrier::new(2));
        thread::scope(|s| {
            s.spawn(|| {
                let _entered = recorded.enter();
                entered.wait();
                done.wait();
            });
            s.spawn(|| {
                entered.wait();
                recorded.record("k", 5);
                done.wait();
            });
        });
        drop(recorded);
    });

    let mut problems = Vec::new();
    for (parent, child, n) in [
        ("shared by tasks", "task", 16),
        ("shared by threads", "scoped", 4),
    ] {
        let exported = spans.iter().filter(|s| s.name == parent).count();
        if exported != 1 {
            problems.push(format!("{parent:?} exported {exported} times, not once"));
            continue;
        }
        let parent_span = named(&spans, parent);
        let children: Vec<_> = spans.iter().filter(|s| s.name == child).collect();
        let nested = children
            .iter()
            .filter(|s| s.parent_span_id == id(parent_span))
            .count();
        if children.len() != n || nested != n {
            let others: Vec<String> = children
                .iter()
                .filter(|s| s.parent_span_id != id(parent_span))
                .map(|s| find_by_id(&spans, s.parent_span_id))
                .collect();
            problems.push(format!(
                "{nested} of {n} {child:?} spans ({} exported) are children of {parent:?}; the \
                 others' parents: {others:?}",
                children.len()
            ));
        }
    }
    match spans
        .iter()
        .filter(|s| s.name == "recorded elsewhere")
        .count()
    {
        1 => {
            let span = named(&spans, "recorded elsewhere");
            if attr(span, "k") != Some(&OtelValue::I64(5)) {
                problems.push(format!(
                    "a record from another thread while the span is entered elsewhere was \
                     lost (attributes: {:?})",
                    span.attributes
                ));
            }
        }
        n => problems.push(format!(
            "\"recorded elsewhere\" exported {n} times, not once"
        )),
    }
    assert_no_problems(&problems);
}

// ---------------------------------------------------------------------------------------------
// e. Re-entering an entered tracing span

#[test]
fn re_entering_an_entered_tracing_span_keeps_it_current_after_the_inner_entry() {
    let _serial = serial();
    let mut current_after_in_scope = None;
    let spans = capture_default(|| {
        tracing::subscriber::with_default(bridged(), || {
            let span = tracing::info_span!("re-entered");
            let _entered = span.enter();
            span.in_scope(|| drop(Span::child("inside in_scope").enter()));
            current_after_in_scope = Some(traced::current_span_id());
            drop(Span::child("after in_scope").enter());
        });
    });
    let mut problems = Vec::new();
    check_child(&spans, "inside in_scope", "re-entered", &mut problems);
    check_child(&spans, "after in_scope", "re-entered", &mut problems);
    if let Some(span) = find(&spans, "re-entered") {
        let current = current_after_in_scope.flatten();
        if to_span_id(current) != Some(id(span)) {
            problems.push(format!(
                "after leaving the inner entry the current span is {current:?}, not the \
                 re-entered span {}",
                id(span)
            ));
        }
    }
    assert_no_problems(&problems);
}

// ---------------------------------------------------------------------------------------------
// f. follows_from

#[test]
fn follows_from_between_tracing_spans_becomes_a_link_and_only_to_a_live_sampled_span() {
    let _serial = serial();
    // Unsampled by the caller's decision; the default sampler is parent-based.
    let unsampled_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    let spans = capture_default(|| {
        tracing::subscriber::with_default(bridged(), || {
            let cause = tracing::info_span!("cause");
            let effect = tracing::info_span!("effect");
            effect.follows_from(&cause);

            let after_closed = tracing::info_span!("follows a closed span");
            let closed = tracing::info_span!("closed");
            let closed_id = closed.id();
            drop(closed);
            after_closed.follows_from(closed_id);

            let unsampled = {
                let _root = Span::root("unsampled root")
                    .parent(unsampled_parent)
                    .enter();
                tracing::info_span!("unsampled")
            };
            let after_unsampled = tracing::info_span!("follows an unsampled span");
            after_unsampled.follows_from(&unsampled);
        });
    });
    let mut problems = Vec::new();
    let cause = named(&spans, "cause");
    let effect = named(&spans, "effect");
    let links: Vec<_> = effect
        .links
        .links
        .iter()
        .map(|l| (l.span_context.trace_id(), l.span_context.span_id()))
        .collect();
    if links != [(cause.span_context.trace_id(), id(cause))] {
        problems.push(format!(
            "effect.follows_from(&cause) must link to cause ({}, {}); links: {links:?}",
            cause.span_context.trace_id(),
            id(cause)
        ));
    }
    for name in ["follows a closed span", "follows an unsampled span"] {
        let span = named(&spans, name);
        if !span.links.links.is_empty() {
            problems.push(format!("{name:?} has links: {:?}", span.links.links));
        }
    }
    assert!(
        find(&spans, "unsampled").is_none(),
        "the unsampled span is not exported"
    );
    assert_no_problems(&problems);
}

// ---------------------------------------------------------------------------------------------
// g. A stale panic message

#[test]
fn a_panic_without_a_message_does_not_reuse_the_message_of_an_earlier_panic() {
    let _serial = serial();
    let spans = capture(settings().install_panic_hook(true), || {
        let first = catch_unwind(|| panic!("card 4111 1111 1111 1111"));
        assert!(first.is_err());
        let second = catch_unwind(|| {
            let _span = Span::root("resumed unwind").enter();
            std::panic::resume_unwind(Box::new(42_u32));
        });
        assert!(second.is_err());
    });
    let span = named(&spans, "resumed unwind");
    let status = match &span.status {
        Status::Error { description } => description.to_string(),
        other => format!("{other:?}"),
    };
    let events: Vec<String> = span
        .events
        .iter()
        .map(|e| format!("{}: {:?}", e.name, e.attributes))
        .collect();
    assert!(
        !status.contains("4111") && !events.iter().any(|e| e.contains("4111")),
        "the span unwound by resume_unwind carries the message of an earlier, unrelated panic: \
         status {status:?}, events {events:?}"
    );
}

/// The status and events of `span`, as text, to look for a message in.
fn exception_text(span: &SpanData) -> String {
    let status = match &span.status {
        Status::Error { description } => description.to_string(),
        other => format!("{other:?}"),
    };
    let events: Vec<String> = span
        .events
        .iter()
        .map(|e| format!("{}: {:?}", e.name, e.attributes))
        .collect();
    format!("status {status:?}, events {events:?}")
}

#[test]
fn a_panic_caught_in_a_child_does_not_lend_its_message_to_a_resumed_unwind_through_the_parent() {
    let _serial = serial();
    let spans = capture(settings().install_panic_hook(true), || {
        let resumed = catch_unwind(|| {
            let _parent = Span::root("parent").enter();
            {
                let _child = Span::child("child").enter();
                let caught = catch_unwind(|| panic!("card 4111 1111 1111 1111"));
                assert!(caught.is_err());
            }
            std::panic::resume_unwind(Box::new(42_u32));
        });
        assert!(resumed.is_err());
    });
    // The panic happened in the child: its span carries the message.
    assert!(exception_text(named(&spans, "child")).contains("4111"));
    // The parent was only unwound by the second, message-less payload.
    let parent = named(&spans, "parent");
    assert!(
        matches!(parent.status, Status::Error { .. }) && !exception_text(parent).contains("4111"),
        "the parent unwound by resume_unwind: {}",
        exception_text(parent)
    );
}

// ---------------------------------------------------------------------------------------------
// h. A future dropped mid-span

/// Makes a span and notes the current span when dropped, as cleanup code that logs does.
struct CleansUp(Arc<Mutex<Option<Option<SpanId>>>>);

impl Drop for CleansUp {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(traced::current_span_id());
        drop(Span::child("cleanup").enter());
        tracing::info!("cleaned up");
    }
}

#[test]
fn a_cancelled_futures_cleanup_runs_inside_its_span() {
    let _serial = serial();
    let seen = Arc::new(Mutex::new(None));
    let spans = capture_default(|| {
        let cleanup = CleansUp(seen.clone());
        let mut future = Box::pin(Span::root("cancelled").in_span(async move {
            let _cleanup = cleanup;
            std::future::pending::<()>().await;
        }));
        assert!(poll_once(future.as_mut()).is_pending());
        drop(future);
    });
    let mut problems = Vec::new();
    check_child(&spans, "cleanup", "cancelled", &mut problems);
    if let Some(cancelled) = find(&spans, "cancelled") {
        let current = seen.lock().unwrap().flatten();
        if to_span_id(current) != Some(id(cancelled)) {
            problems.push(format!(
                "in the dropped future's Drop the current span (what logs carry) is {current:?}, \
                 not the future's span {}",
                id(cancelled)
            ));
        }
    }
    assert_no_problems(&problems);
}

// ---------------------------------------------------------------------------------------------
// i. Spans alive in thread-locals at thread exit

type HeldFuture = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    static HELD_GUARD: RefCell<Option<SpanGuard>> = const { RefCell::new(None) };
    static HELD_FUTURE: RefCell<Option<HeldFuture>> = const { RefCell::new(None) };
}

#[test]
fn spans_held_in_thread_locals_at_thread_exit_are_exported_or_counted() {
    let _serial = serial();
    let sink = Sink::default();
    let mut guard = traced::init(config(&sink));
    let made = [
        // The thread-local is used before any span on that thread.
        thread::spawn(|| {
            HELD_GUARD.with(|_| {});
            let guard = Span::root("guard, thread-local first").enter();
            HELD_GUARD.with(|held| *held.borrow_mut() = Some(guard));
            1_u64
        }),
        // A span was made before the thread-local was used.
        thread::spawn(|| {
            drop(Span::root("warm-up").enter());
            let guard = Span::root("guard, span first").enter();
            HELD_GUARD.with(|held| *held.borrow_mut() = Some(guard));
            2_u64
        }),
        thread::spawn(|| {
            let future = Span::root("future, never polled").in_span(async {});
            HELD_FUTURE.with(|held| *held.borrow_mut() = Some(Box::pin(future)));
            1_u64
        }),
        thread::spawn(|| {
            let mut future: HeldFuture =
                Box::pin(Span::root("future, polled once").in_span(YieldOnce::default()));
            assert!(poll_once(future.as_mut()).is_pending());
            HELD_FUTURE.with(|held| *held.borrow_mut() = Some(future));
            1_u64
        }),
    ]
    .into_iter()
    .map(|t| t.join().unwrap())
    .sum::<u64>();
    guard.shutdown();
    let stats = guard.stats();
    let exported = names(&sink.spans());
    let missing: Vec<_> = [
        "guard, thread-local first",
        "guard, span first",
        "future, never polled",
        "future, polled once",
    ]
    .into_iter()
    .filter(|name| !exported.iter().any(|e| e == name))
    .collect();
    assert_eq!(
        stats.exported + stats.failed + stats.dropped,
        made,
        "{made} spans made, {stats:?}: spans held in thread-locals vanished at thread exit \
         without being exported or counted; not exported: {missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// j. SpanGuard::record inside `in_current_span`

#[test]
fn span_guard_record_inside_an_in_current_span_future_reaches_the_span() {
    let _serial = serial();
    let spans = capture_default(|| {
        let guard = Span::root("r").enter();
        let future = async { guard.record("k", 1_i64) }.in_current_span();
        futures_executor::block_on(future);
        drop(guard);
    });
    let span = named(&spans, "r");
    assert_eq!(
        attr(span, "k"),
        Some(&OtelValue::I64(1)),
        "SpanGuard::record inside in_current_span() is lost (attributes: {:?})",
        span.attributes
    );
}

// ---------------------------------------------------------------------------------------------
// k. fork

#[test]
fn a_forked_child_that_makes_a_span_and_shuts_down_exits_promptly() {
    let _serial = serial();
    let sink = Sink::default();
    let mut guard = traced::init(config(&sink).export_timeout(Duration::from_secs(30)));
    drop(Span::root("before the fork").enter());

    // SAFETY: the child runs only this test's code and leaves with `_exit`, never returning
    // into the test harness, whose other threads do not exist in it.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = catch_unwind(AssertUnwindSafe(|| {
            drop(Span::root("in the child").enter());
            // An exporter given in code cannot be made again in the child.
            let reinit = traced::reinit_after_fork();
            guard.shutdown();
            // The child's span, and whatever the parent had queued, is counted as dropped.
            reinit == Err(traced::ReinitError::CustomExporter) && guard.stats().dropped >= 1
        }))
        .unwrap_or(false);
        // SAFETY: ends the child at once, without running the parent's exit handlers twice.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }

    let status = wait_child(pid, Duration::from_secs(1));
    let exited = status.is_some();
    let status = status.unwrap_or(0);
    drop(Span::root("after the fork").enter());
    guard.shutdown();
    assert!(
        exited,
        "the forked child was still running 1 s after it made a span and dropped the guard \
         (the export timeout is 30 s: shutdown waits for an export thread that does not exist \
         in the child)"
    );
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the forked child failed: wait status {status:#x}"
    );
    let exported = names(&sink.spans());
    assert!(
        exported.iter().any(|n| n == "after the fork"),
        "the parent still exports: {exported:?}"
    );
}

/// Waits for child `pid` up to `deadline`; kills it past that. Its wait status, if it exited.
fn wait_child(pid: libc::pid_t, deadline: Duration) -> Option<libc::c_int> {
    let started = Instant::now();
    let mut status = 0;
    loop {
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return Some(status);
        }
        if started.elapsed() > deadline {
            // SAFETY: as above; the child is killed and reaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_forked_child_that_reinitialises_exports_its_own_spans() {
    let _serial = serial();
    // A built-in exporter, which the child can make again (the console prints each trace).
    let mut guard = traced::init(
        Config::new()
            .exporter(traced::ExporterKind::Console)
            .schedule_delay(Duration::from_millis(10))
            .install_logging(false)
            .install_panic_hook(false),
    );
    assert_eq!(
        traced::reinit_after_fork(),
        Err(traced::ReinitError::NotForked),
        "the parent is not a forked child"
    );
    // SAFETY: the child runs only this test's code and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = catch_unwind(AssertUnwindSafe(|| {
            if traced::reinit_after_fork().is_err() || traced::reinit_after_fork().is_err() {
                return 2;
            }
            drop(Span::root("in the reinitialised child").enter());
            guard.shutdown();
            let stats = guard.stats();
            if stats.exported == 1 && stats.dropped == 0 {
                0
            } else {
                3
            }
        }))
        .unwrap_or(1);
        // SAFETY: ends the child at once, without running the parent's exit handlers twice.
        unsafe { libc::_exit(code) };
    }
    let status = wait_child(pid, Duration::from_secs(10));
    guard.shutdown();
    let status = status.expect("the reinitialised child exits");
    assert!(libc::WIFEXITED(status), "wait status {status:#x}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "1: the child panicked; 2: reinit_after_fork failed; 3: its span was not exported by \
         its own pipeline"
    );
}

// ---------------------------------------------------------------------------------------------
// l. Forgotten guards

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096)
}

/// Keeps every span but the forgotten ones, which it only counts: the spans of the leaked
/// guards are exported too (the oldest are ended when the thread's stack is full, the rest
/// when the thread exits), and keeping 200 000 of them would be the test's own memory.
#[derive(Debug, Clone, Default)]
struct CountsForgotten {
    kept: Sink,
    forgotten: Arc<std::sync::atomic::AtomicUsize>,
}

impl SpanExporter for CountsForgotten {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let (forgotten, kept): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|s| s.name == "forgotten");
        self.forgotten
            .fetch_add(forgotten.len(), std::sync::atomic::Ordering::Relaxed);
        self.kept.export(kept).await
    }
}

#[test]
fn forgetting_many_guards_keeps_memory_bounded_and_later_roots_are_roots() {
    let _serial = serial();
    const FORGOTTEN: usize = 200_000;
    const BOUND: u64 = 8 << 20;
    let sink = CountsForgotten::default();
    let mut guard = traced::init(settings().with_exporter(sink.clone()));
    let growth = thread::spawn(|| {
        // Warm the thread's caches first, so their one-off allocations are not counted.
        drop(Span::root("warm-up").enter());
        let before = resident_bytes();
        for _ in 0..FORGOTTEN {
            std::mem::forget(Span::root("forgotten").enter());
        }
        let leaked_trace = traced::current_trace_id();
        let fresh = Span::root("fresh").enter();
        // A root: a trace of its own, current on the thread.
        assert_ne!(fresh.trace_id(), leaked_trace, "fresh starts a new trace");
        assert_eq!(
            traced::current_span_id(),
            fresh.span_id(),
            "fresh is current"
        );
        drop(fresh);
        resident_bytes().saturating_sub(before)
    })
    .join()
    .unwrap();
    guard.shutdown();
    // Most spans of the leaked guards find the export queue full (they are counted as dropped
    // below): "fresh" may be one of them, so its export is checked only when it arrived.
    let spans = sink.kept.spans();
    if let Some(fresh) = find(&spans, "fresh") {
        assert_eq!(fresh.parent_span_id, OtelSpanId::INVALID, "fresh is a root");
    }
    assert!(
        growth < BOUND,
        "resident memory grew by {:.1} MiB after forgetting {FORGOTTEN} guards (bound {} MiB)",
        growth as f64 / f64::from(1 << 20),
        BOUND >> 20
    );
    let stats = guard.stats();
    let forgotten = sink.forgotten.load(std::sync::atomic::Ordering::Relaxed) as u64;
    // "warm-up" and "fresh" are spans too: either is exported, or dropped at the full queue
    // and counted with the forgotten ones.
    let others = spans.len() as u64;
    assert_eq!(
        forgotten + others + stats.failed + stats.dropped,
        FORGOTTEN as u64 + 2,
        "every span is exported or counted ({others} others exported, {stats:?})"
    );
}

// ---------------------------------------------------------------------------------------------
// m. A capture around an initialisation

#[test]
fn spans_reach_the_exporter_of_an_init_made_inside_a_finished_capture() {
    let _serial = serial();
    let sink = Sink::default();
    let capture = traced::testing::Capture::start();
    let mut guard = traced::init(config(&sink));
    let _ = capture.finish();
    drop(Span::root("after the capture").enter());
    guard.shutdown();
    let exported = names(&sink.spans());
    assert!(
        exported.iter().any(|n| n == "after the capture"),
        "a span made after the capture finished did not reach init's exporter; it got \
         {exported:?} ({:?})",
        guard.stats()
    );
}

// ---------------------------------------------------------------------------------------------
// n. A coroutine suspended inside traced and never resumed

#[test]
fn traced_works_after_a_coroutine_suspended_inside_it_is_abandoned() {
    let _serial = serial();
    let mut problems = Vec::new();
    let spans = capture_default(|| {
        // Each on a thread of its own: a thread whose span stack is left broken is not reused.
        problems.extend(
            thread::spawn(|| {
                drop(coroutine::suspended());
                coroutine::check_later_calls("dropped")
            })
            .join()
            .unwrap(),
        );
        problems.extend(
            thread::spawn(|| {
                std::mem::forget(coroutine::suspended());
                coroutine::check_later_calls("forgotten")
            })
            .join()
            .unwrap(),
        );
    });
    for how in ["dropped", "forgotten"] {
        let root = format!("after ({how})");
        check_child(
            &spans,
            &format!("child after ({how})"),
            &root,
            &mut problems,
        );
        if let Some(span) = find(&spans, &root)
            && attr(span, "recorded after") != Some(&OtelValue::I64(2))
        {
            problems.push(format!("{how}: traced::record afterwards was lost"));
        }
    }
    assert_no_problems(&problems);
}
