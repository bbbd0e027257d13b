//! The flush at the end of `main` (README, Guarantees, "Collector faults": exit and nothing lost):
//! everything ended just before `main` returns is delivered, a `current_thread` runtime exits
//! without hanging, and a collector that never answers delays exit by at most the export
//! timeout plus one second. Spans and log records flush at the same time, each within its own
//! export timeout (`OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BLRP_EXPORT_TIMEOUT`), so the bound is the
//! longer of the two; the tests set both.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::serial;
use traced_tests::{App, AttrValue, Output, Receiver};

const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(10);
const SYNC_MAIN: &str = env!("CARGO_BIN_EXE_e2e_app");
const CURRENT_THREAD: &str = env!("CARGO_BIN_EXE_e2e_current_thread");

/// `OTEL_BSP_EXPORT_TIMEOUT` and `OTEL_BLRP_EXPORT_TIMEOUT` in the bounded-exit tests, and the
/// bound they imply.
const EXPORT_TIMEOUT_MS: u64 = 2_000;
const EXIT_BOUND: Duration = Duration::from_millis(EXPORT_TIMEOUT_MS + 1_000);
/// Spawning the binary and running its scenario up to the marker, generously.
const STARTUP_ALLOWANCE: Duration = Duration::from_secs(3);

/// Asserts exactly `n` spans named `name` arrived, all distinct, with `i` = 0..n.
fn assert_all_delivered(receiver: &Receiver, output: &Output, name: &str, n: usize) {
    let spans = receiver.wait_for_spans(n, ARRIVAL);
    // The process has exited: nothing more is coming, so the count must be exact.
    assert_eq!(spans.len(), n, "spans delivered\n{}", output.dump());
    assert!(
        spans.iter().all(|s| s.name() == name),
        "unexpected span names"
    );
    let ids: BTreeSet<_> = spans.iter().map(|s| (s.trace_id(), s.span_id())).collect();
    assert_eq!(ids.len(), n, "duplicate span ids");
    let indexes: BTreeSet<i64> = spans
        .iter()
        .filter_map(|s| s.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(indexes, (0..n as i64).collect(), "missing span indexes");
}

fn run_many(binary: &str, receiver: &Receiver) -> Output {
    let output = App::new(binary)
        .args(["many", "10000"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    output
}

#[test]
fn ten_thousand_spans_ended_just_before_main_returns_all_arrive() {
    let _serial = serial();
    let receiver = Receiver::start();
    let output = run_many(SYNC_MAIN, &receiver);
    assert_all_delivered(&receiver, &output, "e2e.many", 10_000);
}

#[test]
fn ten_thousand_spans_all_arrive_from_a_current_thread_runtime() {
    let _serial = serial();
    let receiver = Receiver::start();
    let output = run_many(CURRENT_THREAD, &receiver);
    assert_all_delivered(&receiver, &output, "ct.many", 10_000);
}

#[test]
fn a_current_thread_runtime_exits_promptly_and_delivers_its_trace() {
    let _serial = serial();
    let receiver = Receiver::start();
    let output = App::new(CURRENT_THREAD)
        .args(["basic"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .env("OTEL_BLRP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .run(DEADLINE);
    output.assert_success();
    assert!(
        output.shutdown() <= EXIT_BOUND,
        "shutdown took {:?}\n{}",
        output.shutdown(),
        output.dump()
    );

    let spans = receiver.wait_for_spans(3, ARRIVAL);
    assert_eq!(spans.len(), 3, "{spans:#?}\n{}", output.dump());
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.name() == name)
            .unwrap_or_else(|| panic!("no span {name}: {spans:#?}"))
    };
    let (root, child, grandchild) = (
        by_name("ct.request"),
        by_name("ct.load"),
        by_name("ct.fetch"),
    );
    assert_eq!(root.service_name(), Some("e2e-current-thread"));
    assert_eq!(
        root.attr("http.route"),
        Some(AttrValue::Str("/orders".into()))
    );
    assert_eq!(root.parent_span_id(), "");
    assert_eq!(child.parent_span_id(), root.span_id());
    assert_eq!(grandchild.parent_span_id(), child.span_id());
    assert!(spans.iter().all(|s| s.trace_id() == root.trace_id()));
    // Futures run by `in_span` log with their span's ids.
    let line = &output.logs_where("scope", "grandchild")[0];
    assert_eq!(line["span_id"], grandchild.span_id().as_str(), "{line}");
}

/// Runs `basic` against a receiver that never answers and checks the exit is bounded, with a
/// request timeout shorter than the export timeout (1 s) and with the default one (10 s), where
/// only the export timeout can end the flush.
fn assert_bounded_exit_with_a_hanging_collector(binary: &str) {
    for request_timeout in [Some("1000"), None] {
        assert_bounded_exit(binary, request_timeout);
    }
}

fn assert_bounded_exit(binary: &str, request_timeout: Option<&str>) {
    let receiver = Receiver::hanging();
    let mut app = App::new(binary)
        .args(["basic"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .env("OTEL_BLRP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string());
    if let Some(timeout) = request_timeout {
        app = app.env("OTEL_EXPORTER_OTLP_TIMEOUT", timeout);
    }
    let output = app.run(DEADLINE);
    // Losing spans to a dead collector is not the program's failure.
    output.assert_success();
    assert!(
        output.shutdown() <= EXIT_BOUND,
        "shutdown took {:?}, bound {EXIT_BOUND:?}, request timeout {request_timeout:?}\n{}",
        output.shutdown(),
        output.dump()
    );
    assert!(
        output.total() <= EXIT_BOUND + STARTUP_ALLOWANCE,
        "run took {:?}\n{}",
        output.total(),
        output.dump()
    );
    // The flush really did meet the hanging collector.
    let requests = receiver.requests();
    assert!(
        !requests.is_empty(),
        "no export attempted\n{}",
        output.dump()
    );
    assert!(requests.iter().all(|r| r.status.is_none()), "{requests:#?}");
}

#[test]
fn a_hanging_collector_delays_exit_by_at_most_the_export_timeout_plus_one_second() {
    let _serial = serial();
    assert_bounded_exit_with_a_hanging_collector(SYNC_MAIN);
}

#[test]
fn a_hanging_collector_delays_exit_by_at_most_the_export_timeout_on_current_thread() {
    let _serial = serial();
    assert_bounded_exit_with_a_hanging_collector(CURRENT_THREAD);
}
