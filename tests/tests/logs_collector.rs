//! Log records end to end (README, Logs): `logs_app nested` logs outside any span and at every
//! level of a root span, its child and a library's `info_span!`, and each record arrives with
//! the ids and trace flags of the span it was emitted in (none outside), its severity, its
//! typed fields, `code.*` for a `log` crate record, the event's target as its scope and the
//! spans' resource; each JSON line on stderr carries the ids of its record. Through a real
//! collector (Rotel; skipped, and said so, when it is not installed, unless
//! `TRACED_REQUIRE_COLLECTOR=1`), and straight to the receiver with gzip. Then the same ids in
//! a trace that is not sampled. (Across awaits and threads: `logs_concurrency.rs`.)

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use traced_tests::{App, AttrValue, Collector, Output, ReceivedLog, ReceivedSpan, Receiver};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(30);
/// How far apart the Unix times of two export requests' clock anchors may be, in ns.
const CLOCK_MARGIN_NS: u64 = 100_000;
/// The message of the `log` crate record (`LOG_CRATE_MESSAGE` in `src/bin/logs_app.rs`).
const LOG_CRATE_MESSAGE: &str = "from the log crate";

/// What each record of `logs_app nested` must be: its `scope` field (or, for the `log` crate
/// record, its body), the span it was emitted in, its severity and its scope name.
struct Expected {
    key: &'static str,
    span: &'static str,
    severity: (i32, &'static str),
    scope_name: &'static str,
    /// The typed fields (`text`, `count`, `flag`, `ratio`), when the event has them.
    typed: Option<(&'static str, i64, bool, f64)>,
}

const INFO: (i32, &str) = (9, "INFO");
const WARN: (i32, &str) = (13, "WARN");
const ERROR: (i32, &str) = (17, "ERROR");

const EXPECTED: [Expected; 7] = [
    Expected {
        key: "root",
        span: "handle_order",
        severity: INFO,
        scope_name: "logs_app",
        typed: Some(("order", 7, true, 0.25)),
    },
    Expected {
        key: "root.warn",
        span: "handle_order",
        severity: WARN,
        scope_name: "logs_app",
        typed: None,
    },
    Expected {
        key: "child",
        span: "load_order",
        severity: INFO,
        scope_name: "logs_app",
        typed: Some(("load", -3, false, 1.5)),
    },
    Expected {
        key: LOG_CRATE_MESSAGE,
        span: "load_order",
        severity: INFO,
        scope_name: "legacy::db",
        typed: None,
    },
    Expected {
        key: "library",
        span: "library.query",
        severity: INFO,
        scope_name: "logs_app",
        typed: Some(("query", 1, true, 2.0)),
    },
    Expected {
        key: "targeted",
        span: "load_order",
        severity: INFO,
        scope_name: "billing::orders",
        typed: None,
    },
    Expected {
        key: "child.error",
        span: "load_order",
        severity: ERROR,
        scope_name: "logs_app",
        typed: None,
    },
];

/// A record's key: its `scope` field, else its body (the `log` crate record has no fields).
fn record_key(record: &ReceivedLog) -> String {
    match record.attr("scope") {
        Some(AttrValue::Str(scope)) => scope,
        _ => record.body(),
    }
}

/// A JSON line's key, as [`record_key`].
fn line_key(line: &serde_json::Value) -> Option<String> {
    line["scope"]
        .as_str()
        .or_else(|| line["message"].as_str())
        .map(str::to_owned)
}

fn run_nested(endpoint: &str, compression: &str) -> Output {
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
        .run(DEADLINE);
    output.assert_success();
    output
}

fn assert_every_record_matches_its_span(receiver: &Receiver, output: &Output, context: &str) {
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    let records = receiver.wait_for_logs(EXPECTED.len(), ARRIVAL);
    let span_named = |name: &str| -> &ReceivedSpan {
        spans
            .iter()
            .find(|s| s.name() == name)
            .unwrap_or_else(|| panic!("{context}: no span {name}: {spans:#?}\n{}", output.dump()))
    };
    assert_eq!(
        records.len(),
        EXPECTED.len() + 1,
        "{context}: every event is one record, and nothing else is\n{records:#?}\n{}",
        output.dump()
    );
    let by_key: BTreeMap<String, &ReceivedLog> =
        records.iter().map(|r| (record_key(r), r)).collect();
    for expected in &EXPECTED {
        let record = by_key.get(expected.key).unwrap_or_else(|| {
            panic!(
                "{context}: no record {:?}: {records:#?}\n{}",
                expected.key,
                output.dump()
            )
        });
        let span = span_named(expected.span);
        let what = format!("{context}: record {:?}: {record:#?}", expected.key);
        assert_eq!(record.trace_id(), span.trace_id(), "{what}");
        assert_eq!(
            record.span_id(),
            span.span_id(),
            "{what}\nis not in {}",
            expected.span
        );
        assert_eq!(
            (record.severity_number(), record.severity_text()),
            expected.severity,
            "{what}"
        );
        assert_eq!(record.scope_name, expected.scope_name, "{what}");
        // The span's W3C trace flags (the low byte): sampled, and the random bit of Trace
        // Context Level 2.
        assert_eq!(record.record.flags & 0xff, span.span.flags & 0xff, "{what}");
        assert_eq!(record.record.flags & 0x01, 0x01, "{what}: sampled");
        // Logged while the span was open, on the same clock. Each request converts its clock
        // ticks to Unix time with an anchor of its own, read when it is written; two anchors
        // may disagree by a little, hence the margin (the spans last hundreds of µs).
        let time = record.record.time_unix_nano;
        let (start, end) = (span.span.start_time_unix_nano, span.span.end_time_unix_nano);
        assert!(
            (start - CLOCK_MARGIN_NS..=end + CLOCK_MARGIN_NS).contains(&time),
            "{what}\nlogged at {time}, outside {}'s {start}..={end}",
            expected.span,
        );
        assert!(record.record.observed_time_unix_nano >= time, "{what}");
        assert_eq!(
            record.resource, span.resource,
            "{what}: the spans' resource"
        );
        if let Some((text, count, flag, ratio)) = expected.typed {
            assert_eq!(
                record.attr("text"),
                Some(AttrValue::Str(text.into())),
                "{what}"
            );
            assert_eq!(record.attr("count"), Some(AttrValue::Int(count)), "{what}");
            assert_eq!(record.attr("flag"), Some(AttrValue::Bool(flag)), "{what}");
            assert_eq!(
                record.attr("ratio"),
                Some(AttrValue::Double(ratio)),
                "{what}"
            );
        }
    }
    // Values other than integers, floats, booleans and strings: their `Debug` (`?`) or
    // `Display` (`%`) text.
    let targeted = by_key["targeted"];
    assert_eq!(
        targeted.attr("order"),
        Some(AttrValue::Int(42)),
        "{context}"
    );
    assert_eq!(
        targeted.attr("pair"),
        Some(AttrValue::Str("(1, \"a\")".into())),
        "{context}"
    );
    assert_eq!(
        targeted.attr("shown"),
        Some(AttrValue::Str("127.0.0.1".into())),
        "{context}"
    );
    // Outside any span: no ids, no flags (an id of zeros is invalid, logs.proto).
    let outside = by_key
        .get("outside")
        .unwrap_or_else(|| panic!("{context}: {records:#?}"));
    assert_eq!(
        (outside.trace_id(), outside.span_id(), outside.record.flags),
        (String::new(), String::new(), 0),
        "{context}: {outside:#?}"
    );
    assert_eq!(outside.resource, span_named("handle_order").resource);
    let root = span_named("handle_order");
    assert_eq!(
        root.resource_attr("service.name"),
        Some(&AttrValue::Str("logs-app".into()))
    );
    // The `log` crate record says where it was logged, under the semantic conventions' names.
    let bridged = by_key[LOG_CRATE_MESSAGE];
    let file = bridged.attr("code.file.path");
    assert!(
        file.as_ref()
            .and_then(AttrValue::as_str)
            .is_some_and(|f| f.ends_with("logs_app.rs")),
        "{context}: code.file.path {file:?}"
    );
    let line = bridged.attr("code.line.number");
    assert!(
        line.as_ref()
            .and_then(AttrValue::as_i64)
            .is_some_and(|l| l > 0),
        "{context}: code.line.number {line:?}"
    );
    // Its other metadata (`log.target`, `log.module_path`, `log.file`) is not an attribute.
    let keys: Vec<String> = bridged.attrs().into_keys().collect();
    assert_eq!(
        keys,
        ["code.file.path", "code.line.number"],
        "{context}: {bridged:#?}"
    );

    // Each JSON line carries the ids of its record.
    let lines: Vec<_> = output
        .json_logs()
        .into_iter()
        .filter(|l| l["target"].as_str() != Some("traced"))
        .collect();
    assert_eq!(
        lines.len(),
        EXPECTED.len() + 1,
        "{context}\n{}",
        output.dump()
    );
    for line in &lines {
        let key = line_key(line).unwrap_or_default();
        let record = by_key
            .get(key.as_str())
            .unwrap_or_else(|| panic!("{context}: no record for the line {line}"));
        // No id on the line where the record has none (outside any span).
        let id = |id: String| (!id.is_empty()).then_some(id);
        let on_line = |key: &str| line[key].as_str().map(str::to_owned);
        assert_eq!(on_line("trace_id"), id(record.trace_id()), "{line}");
        assert_eq!(on_line("span_id"), id(record.span_id()), "{line}");
        assert_eq!(
            line["level"].as_str(),
            Some(record.severity_text()),
            "{line}"
        );
    }
}

#[test]
fn every_log_record_carries_its_spans_ids_through_a_real_collector() {
    let receiver = Receiver::start();
    let Some(collector) = Collector::start(&receiver) else {
        return;
    };
    let output = run_nested(&collector.endpoint(), "none");
    // Spans and records both went through the collector (none came here directly).
    let context = format!("through rotel\nrotel:\n{}", collector.log());
    assert_every_record_matches_its_span(&receiver, &output, &context);
}

#[test]
fn every_log_record_carries_its_spans_ids_with_gzip() {
    let receiver = Receiver::start();
    let output = run_nested(&receiver.endpoint(), "gzip");
    assert_every_record_matches_its_span(&receiver, &output, "gzip, no collector");
    let requests = receiver.log_requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.header("content-encoding"),
            Some("gzip"),
            "{request:#?}"
        );
        assert_eq!(request.path, "/v1/logs");
    }
}

#[test]
fn log_records_in_a_trace_that_is_not_sampled_carry_the_ids_of_their_lines() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_TRACES_SAMPLER", "always_off")
        .run(DEADLINE);
    output.assert_success();
    let records = receiver.wait_for_logs(EXPECTED.len() + 1, ARRIVAL);
    assert_eq!(records.len(), EXPECTED.len() + 1, "{}", output.dump());
    assert!(receiver.spans().is_empty(), "no span is sampled");
    let by_key: BTreeMap<String, &ReceivedLog> =
        records.iter().map(|r| (record_key(r), r)).collect();
    // Every record logged inside the trace has the ids of the unsampled span that began it
    // here (none inside it is recorded), and flags that say it is not sampled.
    let in_trace: Vec<&ReceivedLog> = EXPECTED.iter().map(|e| by_key[e.key]).collect();
    let ids: BTreeSet<(String, String)> = in_trace
        .iter()
        .map(|r| (r.trace_id(), r.span_id()))
        .collect();
    assert_eq!(ids.len(), 1, "{in_trace:#?}");
    let (trace_id, span_id) = ids.into_iter().next().unwrap_or_default();
    assert_eq!((trace_id.len(), span_id.len()), (32, 16), "{in_trace:#?}");
    for record in &in_trace {
        assert_eq!(record.record.flags & 0x01, 0, "not sampled: {record:#?}");
    }
    let lines: Vec<_> = output
        .json_logs()
        .into_iter()
        .filter(|l| l["target"].as_str() != Some("traced"))
        .collect();
    assert_eq!(lines.len(), EXPECTED.len() + 1, "{}", output.dump());
    for line in lines.iter().filter(|l| l["scope"] != "outside") {
        assert_eq!(line["trace_id"].as_str(), Some(trace_id.as_str()), "{line}");
        assert_eq!(line["span_id"].as_str(), Some(span_id.as_str()), "{line}");
    }
}
