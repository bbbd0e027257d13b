//! Exceptions as log records, end to end (semantic conventions, "Exceptions in logs"): each
//! error or panic of `exceptions_app` is exactly one log record with `event_name` `exception`,
//! the ids of the innermost span it came from, and a severity that says where it went: WARN
//! handled by a traced caller, ERROR out of a root (or a caught panic), FATAL for a panic that
//! ends `main`. Each record's JSON line on stderr carries the same ids and fields. The main
//! case goes through a real collector (Rotel; skipped, and said so, when it is not installed,
//! unless `TRACED_REQUIRE_COLLECTOR=1`).

use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use traced_tests::{App, AttrValue, Collector, Output, ReceivedLog, ReceivedSpan, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

/// `backtrace`: the value of `RUST_BACKTRACE`.
fn app(endpoint: &str, scenario: &str, backtrace: &str) -> App {
    App::new(env!("CARGO_BIN_EXE_exceptions_app"))
        .args([scenario])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("RUST_BACKTRACE", backtrace)
}

fn run(receiver: &Receiver, scenario: &str, backtrace: bool) -> Output {
    app(
        &receiver.endpoint(),
        scenario,
        if backtrace { "1" } else { "0" },
    )
    .run(DEADLINE)
}

#[track_caller]
fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.name() == name).collect()
}

fn exception_records(receiver: &Receiver, n: usize) -> Vec<ReceivedLog> {
    let deadline = std::time::Instant::now() + ARRIVAL;
    loop {
        let records: Vec<_> = receiver
            .logs()
            .into_iter()
            .filter(|l| l.event_name() == "exception")
            .collect();
        if records.len() >= n || std::time::Instant::now() > deadline {
            return records;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(record: &ReceivedLog, key: &str) -> String {
    match record.attr(key) {
        Some(AttrValue::Str(text)) => text,
        other => panic!("{key}: {other:?} in {record:#?}"),
    }
}

/// The JSON line of `record`: the one with its `exception.message` and ids.
#[track_caller]
fn line_of(output: &Output, record: &ReceivedLog) -> serde_json::Value {
    let message = text(record, "exception.message");
    // The standard hook's plain-text message is on stderr too.
    let lines: Vec<serde_json::Value> = output
        .stderr
        .iter()
        .filter(|l| l.text.starts_with('{'))
        .map(|l| serde_json::from_str(&l.text).unwrap())
        .filter(|l: &serde_json::Value| l["exception"]["message"] == message.as_str())
        .collect();
    assert_eq!(lines.len(), 1, "{message}\n{}", output.dump());
    let line = lines[0].clone();
    assert_eq!(line["trace_id"], record.trace_id().as_str(), "{line}");
    assert_eq!(line["span_id"], record.span_id().as_str(), "{line}");
    line
}

#[test]
fn each_error_and_panic_is_one_record_with_the_innermost_ids_and_where_it_went() {
    let receiver = Receiver::start();
    let Some(collector) = Collector::start(&receiver) else {
        return;
    };
    // Full backtraces: longer than the attribute value limit (4096), which a stack trace is
    // not cut to.
    let output = app(&collector.endpoint(), "errors", "full").run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(12, ARRIVAL);
    let records = exception_records(&receiver, 4);
    assert_eq!(records.len(), 4, "{records:#?}\n{}", output.dump());

    // Handled by its traced caller: WARN, in the leaf; the caller is not in error.
    let leaves = named(&spans, "declining_leaf");
    assert_eq!(leaves.len(), 2, "{spans:#?}");
    let handled = records
        .iter()
        .find(|r| text(r, "exception.message") == "card 1 declined")
        .expect("the handled error's record");
    assert_eq!(handled.severity_text(), "WARN");
    assert_eq!(handled.severity_number(), 13);
    assert!(text(handled, "exception.type").ends_with("Declined"));
    let leaf = leaves
        .iter()
        .find(|s| s.span_id() == handled.span_id())
        .expect("the record carries a leaf's span id");
    assert_eq!(handled.trace_id(), leaf.trace_id());
    let handling = named(&spans, "handling_child")[0];
    assert_eq!(leaf.parent_span_id(), handling.span_id());
    assert_ne!(handling.status().map(|s| s.code()), Some(StatusCode::Error));
    line_of(&output, handled);

    // Through three spans out of a root: ERROR, in the leaf; one span event in all.
    let escaped = records
        .iter()
        .find(|r| text(r, "exception.message") == "card 2 declined")
        .expect("the escaped error's record");
    assert_eq!(escaped.severity_text(), "ERROR");
    let leaf = leaves
        .iter()
        .find(|s| s.span_id() == escaped.span_id())
        .expect("the record carries a leaf's span id");
    let trace: Vec<_> = spans
        .iter()
        .filter(|s| s.trace_id() == leaf.trace_id())
        .collect();
    assert_eq!(trace.len(), 3, "{trace:#?}");
    for span in &trace {
        assert_eq!(span.status().map(|s| s.code()), Some(StatusCode::Error));
    }
    let events: usize = trace
        .iter()
        .map(|s| {
            s.span
                .events
                .iter()
                .filter(|e| e.name == "exception")
                .count()
        })
        .sum();
    assert_eq!(events, 1);
    line_of(&output, escaped);

    // Panics: one record each, ERROR (caught), in the span they started in, with a stack trace.
    for why in ["caught on main", "on another thread"] {
        let message = format!("kaboom {why}");
        let panic = records
            .iter()
            .find(|r| text(r, "exception.message") == message)
            .unwrap_or_else(|| panic!("{message}: {records:#?}"));
        assert_eq!(panic.severity_text(), "ERROR", "{panic:#?}");
        assert_eq!(text(panic, "exception.type"), "panic");
        let stacktrace = text(panic, "exception.stacktrace");
        assert!(stacktrace.contains("panicking_child"), "{stacktrace}");
        assert!(
            (4097..=64 * 1024).contains(&stacktrace.len()),
            "{} bytes",
            stacktrace.len()
        );
        let child = named(&spans, "panicking_child")
            .into_iter()
            .find(|s| s.span_id() == panic.span_id())
            .unwrap_or_else(|| panic!("{message}: no span {}", panic.span_id()));
        assert_eq!(child.trace_id(), panic.trace_id());
        let line = line_of(&output, panic);
        assert_eq!(line.get("severity"), None, "{line}");
    }
}

#[test]
fn without_backtraces_a_panic_has_no_stacktrace() {
    let receiver = Receiver::start();
    let output = run(&receiver, "errors", false);
    output.assert_success();
    let records = exception_records(&receiver, 4);
    let panics: Vec<_> = records
        .iter()
        .filter(|r| r.attr("exception.type") == Some(AttrValue::Str("panic".to_owned())))
        .collect();
    assert_eq!(panics.len(), 2, "{records:#?}");
    for panic in panics {
        assert_eq!(panic.attr("exception.stacktrace"), None, "{panic:#?}");
    }
}

#[test]
fn a_panic_that_ends_main_is_one_fatal_record() {
    let receiver = Receiver::start();
    let output = run(&receiver, "fatal", false);
    assert!(!output.status.success(), "{}", output.dump());
    let records = exception_records(&receiver, 1);
    assert_eq!(records.len(), 1, "{records:#?}\n{}", output.dump());
    let fatal = &records[0];
    assert_eq!(fatal.severity_text(), "FATAL", "{fatal:#?}");
    assert_eq!(fatal.severity_number(), 21);
    assert_eq!(text(fatal, "exception.message"), "kaboom ending main");
    let spans = receiver.wait_for_spans(2, ARRIVAL);
    let child = named(&spans, "panicking_child");
    assert_eq!(child.len(), 1, "{spans:#?}");
    assert_eq!(fatal.span_id(), child[0].span_id());
    let line = line_of(&output, fatal);
    assert_eq!(line["severity"], "FATAL", "{line}");
}

#[test]
fn with_the_logs_opt_in_exceptions_are_records_and_statuses_without_span_events() {
    let receiver = Receiver::start();
    let output = app(&receiver.endpoint(), "errors", "0")
        .env("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs")
        .run(DEADLINE);
    output.assert_success();
    let records = exception_records(&receiver, 4);
    assert_eq!(records.len(), 4, "{records:#?}\n{}", output.dump());
    let spans = receiver.wait_for_spans(12, ARRIVAL);
    let failed: Vec<_> = spans
        .iter()
        .filter(|s| s.status().map(|s| s.code()) == Some(StatusCode::Error))
        .collect();
    // The leaf handled by its caller; the leaf, child and root of the escaped error; the two
    // roots and two children each panic went through.
    assert_eq!(failed.len(), 8, "{spans:#?}");
    for span in &spans {
        assert!(span.span.events.is_empty(), "{span:#?}");
    }
    assert!(
        output.stderr_text().contains("logs.exceptions=logs "),
        "{}",
        output.dump()
    );
}
