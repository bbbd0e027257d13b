//! No telemetry loop: what the export path does (the HTTP client's log lines, the export
//! thread's own) makes no span, so an idle service sends nothing once its last span is out,
//! even with every log line on (`RUST_LOG=trace`).

use std::time::Duration;

use traced_tests::{App, MAIN_RETURNING, Receiver};

const EXPORT_APP: &str = env!("CARGO_BIN_EXE_export_app");
const DEADLINE: Duration = Duration::from_secs(60);
const SCHEDULE_DELAY_MS: u64 = 200;
/// Three schedule delays: an export each span of the export path would have caused.
const WATCH: Duration = Duration::from_millis(3 * SCHEDULE_DELAY_MS);
/// How long the app idles after its span: the watch and ample room for the span's own export.
const IDLE_MS: &str = "3000";

#[test]
fn an_idle_service_sends_nothing_after_its_last_span_even_at_trace_level() {
    let receiver = Receiver::start();
    let output = App::new(EXPORT_APP)
        .args(["idle", IDLE_MS])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", SCHEDULE_DELAY_MS.to_string())
        .env("RUST_LOG", "trace")
        .run(DEADLINE);
    output.assert_success();
    // The export path did log: the HTTP client's lines are there, made on the export thread
    // while it sent the span.
    let client_lines = output
        .json_logs()
        .into_iter()
        .filter(|l| l["target"].as_str().is_some_and(is_the_http_client))
        .count();
    assert!(
        client_lines > 0,
        "no HTTP client log line\n{}",
        output.dump()
    );

    let requests = receiver.requests();
    let first = requests
        .first()
        .unwrap_or_else(|| panic!("nothing arrived\n{}", output.dump()));
    let idle_end = output
        .stdout
        .iter()
        .find(|l| l.text == MAIN_RETURNING)
        .unwrap_or_else(|| panic!("no {MAIN_RETURNING:?}\n{}", output.dump()))
        .at;
    let watched = idle_end.saturating_duration_since(first.received_at);
    assert!(
        watched >= WATCH,
        "the service idled only {watched:?} after its span's request; the test needs {WATCH:?}"
    );
    let during: Vec<_> = requests[1..]
        .iter()
        .filter(|r| r.received_at < idle_end)
        .collect();
    assert!(
        during.is_empty(),
        "{} requests while the service idled ({watched:?}): {during:#?}",
        during.len()
    );
    // Nor was anything left for the shutdown to send: the service's one span is all there is.
    let names: Vec<String> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(names, ["idle.work"], "{requests:#?}");
    assert_eq!(requests.len(), 1, "{requests:#?}");
}

/// The HTTP client's log targets: ours (an `http://` endpoint reached directly, as here) and
/// ureq's (`https://` endpoints and proxies).
fn is_the_http_client(target: &str) -> bool {
    target == "traced::sender" || target.starts_with("ureq")
}
