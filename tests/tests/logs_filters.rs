//! The two filters (README, Logs, Filters): `RUST_LOG` selects log events (JSON lines and log
//! records) and nothing else, `TRACED_SPAN_FILTER` selects library spans; both can change
//! while the service runs, and a bad directive is an error that changes nothing. An event in a
//! library span the span filter leaves out belongs to the enclosing span.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::{App, Output, ReceivedLog, Receiver};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(30);

fn run(scenario: &str, rust_log: &str, receiver: &Receiver) -> Output {
    let output = App::new(LOGS_APP)
        .args([scenario])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("RUST_LOG", rust_log)
        .run(DEADLINE);
    output.assert_success();
    output
}

/// The application's JSON lines (traced's own, and those of the HTTP client it exports with,
/// left out).
fn app_lines(output: &Output) -> Vec<serde_json::Value> {
    output
        .json_logs()
        .into_iter()
        .filter(|l| l["target"].as_str() == Some("logs_app"))
        .collect()
}

#[test]
fn rust_log_error_keeps_a_library_span_and_drops_its_info_events_from_lines_and_records() {
    let receiver = Receiver::start();
    let output = run("nested", "error", &receiver);
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    let names: BTreeSet<&str> = spans.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["handle_order", "load_order", "library.query"]),
        "RUST_LOG never deletes a span\n{}",
        output.dump()
    );
    // The error event is the control: it is both printed and exported, in its span.
    let records = receiver.wait_for_logs(1, ARRIVAL);
    let scopes: Vec<_> = records
        .iter()
        .map(|r| r.attr("scope").and_then(|v| v.as_str().map(str::to_owned)))
        .collect();
    assert_eq!(
        scopes,
        [Some("child.error".to_owned())],
        "{records:#?}\n{}",
        output.dump()
    );
    let load = spans.iter().find(|s| s.name() == "load_order").unwrap();
    assert_eq!(records[0].span_id(), load.span_id());
    let lines: Vec<_> = app_lines(&output)
        .iter()
        .map(|l| l["scope"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(lines, ["child.error"], "{}", output.dump());
    // Nothing else was sent after the exit, either.
    assert_eq!(receiver.logs().len(), 1);
}

/// What a record of `reload` is: (its `phase` field, its message), or for the `log` crate
/// record, which has no field, (the phase its message names, `log record`).
fn record_id(record: &ReceivedLog) -> (i64, String) {
    phase_and_message(record.attr("phase").and_then(|v| v.as_i64()), record.body())
}

/// See [`record_id`]; the same for a JSON line.
fn line_id(line: &serde_json::Value) -> (i64, String) {
    let message = line["message"].as_str().unwrap_or_default().to_owned();
    phase_and_message(line["phase"].as_i64(), message)
}

fn phase_and_message(phase: Option<i64>, message: String) -> (i64, String) {
    match phase {
        Some(phase) => (phase, message),
        // The `log` crate record: "log record in phase N".
        None => {
            let phase = message.rsplit(' ').next().and_then(|n| n.parse().ok());
            (phase.unwrap_or(-1), "log record".to_owned())
        }
    }
}

fn expected(items: &[(i64, &str)]) -> BTreeSet<(i64, String)> {
    items.iter().map(|(p, s)| (*p, (*s).to_owned())).collect()
}

#[test]
fn both_filters_change_mid_run_and_a_bad_directive_changes_nothing() {
    let receiver = Receiver::start();
    let output = run("reload", "info", &receiver);
    let stdout = output.stdout_text();
    for line in [
        "reload: log warn ok",
        "reload: span warn ok",
        "reload: log debug ok",
        "reload: span debug ok",
    ] {
        assert!(stdout.contains(line), "{line:?}\n{}", output.dump());
    }
    for what in ["log bad", "span bad"] {
        let line = format!("reload: {what} err invalid filter directives");
        assert!(stdout.contains(&line), "{line:?}\n{}", output.dump());
    }

    let events = [
        // Phase 1, `RUST_LOG=info`, span filter `info` (the default).
        (1, "info event"),
        (1, "warn event"),
        (1, "log record"),
        // Phase 2, both `warn`.
        (2, "warn event"),
        // Phase 3: the bad directives changed nothing.
        (3, "warn event"),
        // Phase 4, both `debug`.
        (4, "info event"),
        (4, "warn event"),
        (4, "debug event"),
        (4, "log record"),
    ];
    let records = receiver.wait_for_logs(events.len(), ARRIVAL);
    let exported: BTreeSet<_> = records.iter().map(record_id).collect();
    assert_eq!(exported, expected(&events), "records\n{}", output.dump());
    assert_eq!(records.len(), events.len(), "each once: {records:#?}");
    let debug = records
        .iter()
        .find(|r| r.body() == "debug event")
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert_eq!(
        (debug.severity_number(), debug.severity_text()),
        (5, "DEBUG")
    );
    let printed: BTreeSet<(i64, String)> = app_lines(&output).iter().map(line_id).collect();
    assert_eq!(
        printed,
        exported,
        "lines and records agree\n{}",
        output.dump()
    );

    let library_spans = [
        (1, "library.info"),
        (4, "library.info"),
        (4, "library.debug"),
    ];
    let spans = receiver.wait_for_spans(4 + library_spans.len(), ARRIVAL);
    let exported_spans: BTreeSet<(i64, String)> = spans
        .iter()
        .filter(|s| s.name() != "phase")
        .map(|s| {
            let phase = s.attr("phase").and_then(|v| v.as_i64()).unwrap_or(-1);
            (phase, s.name().to_owned())
        })
        .collect();
    assert_eq!(exported_spans, expected(&library_spans), "{spans:#?}");
    // traced's own spans are never filtered.
    let phases: BTreeSet<i64> = spans
        .iter()
        .filter(|s| s.name() == "phase")
        .filter_map(|s| s.attr("phase").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(phases, BTreeSet::from([1, 2, 3, 4]));
    assert_eq!(spans.len(), 4 + library_spans.len(), "{spans:#?}");
}

#[test]
fn an_event_in_a_library_span_the_span_filter_leaves_out_carries_the_enclosing_spans_ids() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("TRACED_SPAN_FILTER", "warn")
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(2, ARRIVAL);
    let names: BTreeSet<&str> = spans.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["handle_order", "load_order"]),
        "the library's info_span! is left out\n{}",
        output.dump()
    );
    let load = spans.iter().find(|s| s.name() == "load_order").unwrap();
    let records = receiver.wait_for_logs(8, ARRIVAL);
    let library = records
        .iter()
        .find(|r| {
            r.attr("scope").and_then(|v| v.as_str().map(str::to_owned)) == Some("library".into())
        })
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert_eq!(
        (library.trace_id(), library.span_id()),
        (load.trace_id(), load.span_id()),
        "{library:#?}"
    );
    let line = &output.logs_where("scope", "library")[0];
    assert_eq!(
        line["span_id"].as_str(),
        Some(load.span_id().as_str()),
        "{line}"
    );
}
