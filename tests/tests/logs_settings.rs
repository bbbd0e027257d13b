//! The logs signal's export settings (README, Logs; OpenTelemetry, "OTLP Exporter
//! Configuration"): a signal-specific variable (`OTEL_EXPORTER_OTLP_LOGS_*`) wins over the
//! general one for log requests and leaves trace requests alone; a traces-only endpoint, or
//! `OTEL_LOGS_EXPORTER=none`, exports no log record (the JSON lines stay); so does
//! `OTEL_SDK_DISABLED=true`.

use std::time::Duration;

use traced_tests::{App, Receiver};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(30);

#[test]
fn logs_headers_and_compression_win_for_log_requests_only() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-signal=all")
        .env("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-signal=logs")
        .env("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip")
        .run(DEADLINE);
    output.assert_success();
    assert_eq!(
        receiver.wait_for_logs(8, ARRIVAL).len(),
        8,
        "{}",
        output.dump()
    );
    assert_eq!(receiver.wait_for_spans(3, ARRIVAL).len(), 3);
    let logs = receiver.log_requests();
    let traces = receiver.requests();
    assert!(!logs.is_empty() && !traces.is_empty());
    for request in &logs {
        assert_eq!(request.path, "/v1/logs");
        assert_eq!(request.header("x-signal"), Some("logs"), "{request:#?}");
        assert_eq!(
            request.header("content-encoding"),
            Some("gzip"),
            "{request:#?}"
        );
    }
    for request in &traces {
        assert_eq!(request.path, "/v1/traces");
        assert_eq!(request.header("x-signal"), Some("all"), "{request:#?}");
        assert_eq!(request.header("content-encoding"), None, "{request:#?}");
    }
}

/// The `tracing started: …` line, which states the effective configuration.
fn startup_line(output: &traced_tests::Output) -> String {
    output
        .logs_where("target", "traced")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .find(|m| m.starts_with("tracing started"))
        .unwrap_or_else(|| panic!("no startup line\n{}", output.dump()))
        .to_owned()
}

/// Runs `logs_app nested` with `env`; returns its output once its spans are in.
fn run_nested(receiver: &Receiver, env: &[(&str, String)]) -> traced_tests::Output {
    let mut app = App::new(LOGS_APP).args(["nested"]);
    for (key, value) in env {
        app = app.env(key, value);
    }
    let output = app.run(DEADLINE);
    output.assert_success();
    assert_eq!(
        receiver.wait_for_spans(3, ARRIVAL).len(),
        3,
        "{}",
        output.dump()
    );
    output
}

#[test]
fn a_traces_only_endpoint_or_otel_logs_exporter_none_exports_no_log_record() {
    let receiver = Receiver::start();
    // A traces-only endpoint does not turn the logs' exporter on (had it, the records would
    // go to the default endpoint, not here: the startup line tells).
    let output = run_nested(
        &receiver,
        &[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            receiver.traces_endpoint(),
        )],
    );
    let startup = startup_line(&output);
    assert!(startup.contains("logs.exporter=none"), "{startup}");
    assert!(
        receiver.log_requests().is_empty(),
        "{:#?}\n{}",
        receiver.log_requests(),
        output.dump()
    );
    // Nor does a general endpoint when the logs' exporter is `none`.
    let receiver = Receiver::start();
    let output = run_nested(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_LOGS_EXPORTER", "none".to_owned()),
        ],
    );
    assert!(
        receiver.log_requests().is_empty(),
        "{:#?}\n{}",
        receiver.log_requests(),
        output.dump()
    );
    // The lines are still printed: they are not the logs' exporter.
    assert!(
        !output.logs_where("scope", "root").is_empty(),
        "{}",
        output.dump()
    );
}

#[test]
fn otel_sdk_disabled_stops_log_records_and_keeps_the_json_lines() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_SDK_DISABLED", "true")
        .run(DEADLINE);
    output.assert_success();
    assert!(
        receiver.all_requests().is_empty(),
        "{:#?}",
        receiver.all_requests()
    );
    // The lines are the logs' console exporter: still there, without ids (no span is made).
    let line = output.logs_where("scope", "child").pop();
    let line = line.unwrap_or_else(|| panic!("no line\n{}", output.dump()));
    assert_eq!(line["message"], "loading", "{line}");
    assert!(line.get("trace_id").is_none(), "{line}");
}
