//! `traced::flush` over OTLP to a real receiver (`runtime/tests/flush.rs` covers exporters
//! given in code): it returns `Delivered` only once the collector has answered for the spans,
//! from a sync `main` and from a task of a `current_thread` tokio runtime; against a collector
//! that never answers it returns `TimedOut` within its timeout (plus 100 ms of scheduling).
//!
//! The scheduled export is an hour away in every run, so only the flush can send.

use std::time::Duration;

use traced_tests::export::{field, flush_result, line};
use traced_tests::{App, Receiver};

const EXPORT_APP: &str = env!("CARGO_BIN_EXE_export_app");
const DEADLINE: Duration = Duration::from_secs(60);
const NEVER: &str = "3600000";
/// How long the receiver waits before answering: a flush that returned once the request was
/// sent, not answered, would return within it.
const ANSWER_DELAY: Duration = Duration::from_millis(500);
const SPANS: usize = 20;

fn app(receiver: &Receiver, args: &[&str]) -> App {
    App::new(EXPORT_APP)
        .args(args)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", NEVER)
}

/// Runs `export_app <scenario> SPANS` against a receiver that answers late, and checks that
/// when the flush line is printed the receiver has answered for every span named `name`.
fn assert_delivered_before_flush_returns(scenario: &str, name: &str) {
    let receiver = Receiver::start();
    receiver.set_delay(Some(ANSWER_DELAY));
    let running = app(&receiver, &[scenario, &SPANS.to_string()]).spawn();
    let flushed = running
        .wait_for_stdout(DEADLINE, |l| l.starts_with("export: flush "))
        .unwrap_or_else(|| panic!("no flush line\n{}", running.dump()));
    let requests = receiver.requests();
    let output = running.wait(DEADLINE);
    output.assert_success();
    assert_eq!(
        flush_result(&flushed.text),
        format!("Delivered {{ spans: {SPANS}, logs: 0 }}"),
        "{}",
        output.dump()
    );
    assert_eq!(requests.len(), 1, "{requests:#?}\n{}", output.dump());
    let request = &requests[0];
    assert!(request.accepted(), "{request:#?}");
    assert_eq!(request.spans.len(), SPANS);
    assert!(
        request.spans.iter().all(|s| s.name() == name),
        "{request:#?}"
    );
    let answered = request.received_at + ANSWER_DELAY;
    assert!(
        flushed.at >= answered,
        "flush returned {:?} before the collector answered",
        answered - flushed.at
    );
    // Nothing was left for the shutdown to send.
    assert_eq!(receiver.requests().len(), 1, "{}", output.dump());
}

#[test]
fn flush_returns_delivered_once_the_collector_has_answered_for_the_spans() {
    assert_delivered_before_flush_returns("flush", "flush.span");
}

#[test]
fn flush_from_a_task_of_a_current_thread_runtime_delivers_before_it_returns() {
    assert_delivered_before_flush_returns("flush-task", "task.span");
}

#[test]
fn against_a_collector_that_never_answers_flush_times_out_within_its_timeout() {
    const TIMEOUT_MS: u64 = 500;
    let receiver = Receiver::hanging();
    let output = app(&receiver, &["flush-timeout", &TIMEOUT_MS.to_string()])
        // The shutdown after it meets the same collector: bounded too, so the run is short.
        .env("OTEL_BSP_EXPORT_TIMEOUT", "1000")
        .run(DEADLINE);
    output.assert_success();
    let flushed = &line(&output, "flush").text;
    assert_eq!(flush_result(flushed), "TimedOut", "{}", output.dump());
    let took = Duration::from_micros(field(flushed, "took_us"));
    eprintln!("flush({TIMEOUT_MS} ms) against a hanging collector returned after {took:?}");
    assert!(
        took <= Duration::from_millis(TIMEOUT_MS + 100),
        "flush({TIMEOUT_MS} ms) returned after {took:?}"
    );
    // It did meet the collector: the request arrived and was never answered.
    let requests = receiver.wait_for_requests(1, Duration::from_secs(5));
    assert!(
        !requests.is_empty(),
        "no export attempted\n{}",
        output.dump()
    );
    assert!(requests.iter().all(|r| r.status.is_none()), "{requests:#?}");
}
