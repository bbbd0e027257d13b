//! Nothing lost on a clean exit, for log records (README, Guarantees, "Collector faults"):
//! 10 000 records logged just before `main` returns, with a queue that holds them all
//! (`OTEL_BLRP_MAX_QUEUE_SIZE`; the default 2048 drops part of a burst this fast, by design,
//! as the spans' queue does), all arrive once each: the flush at exit drains the queue. A
//! panic that ends `main` still delivers its record (an exception, in the span it unwound)
//! and the span. A record logged after the shutdown is counted as dropped; its line is printed.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::{self, field};
use traced_tests::{App, Receiver};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");
const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const RECORDS: u64 = 10_000;

#[test]
fn ten_thousand_records_logged_just_before_main_returns_all_arrive() {
    let receiver = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["records", &RECORDS.to_string()])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env("OTEL_BLRP_MAX_QUEUE_SIZE", "16384")
            // 10 000 lines on stderr would only slow the test down.
            .env("TRACED_LOG_FORMAT", "none"),
    );
    let counts = (
        field(&output, "logs", "exported"),
        field(&output, "logs", "failed"),
        field(&output, "logs", "dropped"),
    );
    assert_eq!(counts, (RECORDS, 0, 0), "{}", output.dump());
    let records = receiver.wait_for_logs(RECORDS as usize, Duration::from_secs(30));
    // The process has exited: nothing more is coming, so the count must be exact.
    assert_eq!(records.len() as u64, RECORDS, "{}", output.dump());
    let indexes: BTreeSet<i64> = records
        .iter()
        .filter_map(|r| r.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(indexes, (0..RECORDS as i64).collect(), "each index once");
}

#[test]
fn a_panic_that_ends_main_delivers_its_exception_record_and_its_span() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["panic"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(101), "{}", output.dump());
    let spans = receiver.wait_for_spans(1, Duration::from_secs(30));
    let crash = spans
        .iter()
        .find(|s| s.name() == "crash")
        .unwrap_or_else(|| panic!("{spans:#?}\n{}", output.dump()));
    let records = receiver.wait_for_logs(2, Duration::from_secs(30));
    assert_eq!(records.len(), 2, "the event and the panic\n{records:#?}");
    let panic = records
        .iter()
        .find(|r| r.event_name() == "exception")
        .unwrap_or_else(|| panic!("no exception record: {records:#?}"));
    assert_eq!(panic.body(), "panicked: kaboom 3");
    assert_eq!(panic.scope_name, "traced::panic");
    assert!(panic.severity_number() >= 17, "at least ERROR: {panic:#?}");
    assert_eq!(
        (panic.trace_id(), panic.span_id()),
        (crash.trace_id(), crash.span_id()),
        "in the span it unwound"
    );
    let text = |key: &str| panic.attr(key).and_then(|v| v.as_str().map(str::to_owned));
    assert_eq!(text("exception.type").as_deref(), Some("panic"));
    assert_eq!(text("exception.message").as_deref(), Some("kaboom 3"));
    assert!(
        text("code.file.path").is_some_and(|f| f.ends_with("logs_app.rs")),
        "{panic:#?}"
    );
    // The JSON line, among the default panic message's plain lines.
    let line: serde_json::Value = output
        .stderr
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l.text).ok())
        .find(|l| l["target"] == "traced::panic")
        .unwrap_or_else(|| panic!("no panic line\n{}", output.dump()));
    assert_eq!(
        line["span_id"].as_str(),
        Some(crash.span_id().as_str()),
        "{line}"
    );
}

#[test]
fn a_record_logged_after_the_shutdown_is_counted_as_dropped_and_still_printed() {
    let receiver = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["late", "10"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
    );
    let counts = (
        field(&output, "logs", "exported"),
        field(&output, "logs", "failed"),
        field(&output, "logs", "dropped"),
    );
    assert_eq!(counts, (10, 0, 1), "{}", output.dump());
    assert_eq!(receiver.logs().len(), 10);
    assert_eq!(
        output
            .logs_where("message", "logged after the shutdown")
            .len(),
        1,
        "the line does not need the pipeline\n{}",
        output.dump()
    );
}
