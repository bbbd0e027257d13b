//! No telemetry loop through the logs signal: what the export path logs (the HTTP client's
//! lines, the export threads' own) is never exported, neither as a log record nor as a span, so
//! an idle service sends no request of either signal once its last event and span are out,
//! even with every log event and every library span selected (`RUST_LOG=trace`,
//! `TRACED_SPAN_FILTER=trace`).

use std::time::Duration;

use traced_tests::{App, MAIN_RETURNING, Receiver, Signal};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const SCHEDULE_DELAY_MS: u64 = 200;
/// Three schedule delays: an export each event of the export path would have caused.
const WATCH: Duration = Duration::from_millis(3 * SCHEDULE_DELAY_MS);
/// How long the app idles after its event: the watch and ample room for the first exports.
const IDLE_MS: &str = "3000";

#[test]
fn an_idle_service_sends_no_request_of_either_signal_after_its_last_event_at_trace_level() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["idle", IDLE_MS])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", SCHEDULE_DELAY_MS.to_string())
        .env("OTEL_BLRP_SCHEDULE_DELAY", SCHEDULE_DELAY_MS.to_string())
        .env("RUST_LOG", "trace")
        .env("TRACED_SPAN_FILTER", "trace")
        .run(DEADLINE);
    output.assert_success();
    // The export path did log, on both export threads' behalf: the HTTP client's lines are
    // there (printed, never exported).
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

    let requests = receiver.all_requests();
    let first = |signal: Signal| {
        requests
            .iter()
            .position(|r| r.signal == signal)
            .unwrap_or_else(|| panic!("no {signal:?} request\n{}", output.dump()))
    };
    // The application's own event and span went out: from then on, nothing.
    let last_of_the_firsts = first(Signal::Traces).max(first(Signal::Logs));
    let idle_end = output
        .stdout
        .iter()
        .find(|l| l.text == MAIN_RETURNING)
        .unwrap_or_else(|| panic!("no {MAIN_RETURNING:?}\n{}", output.dump()))
        .at;
    let watched = idle_end.saturating_duration_since(requests[last_of_the_firsts].received_at);
    assert!(
        watched >= WATCH,
        "the service idled only {watched:?} after its first requests; the test needs {WATCH:?}"
    );
    let during: Vec<_> = requests[last_of_the_firsts + 1..]
        .iter()
        .filter(|r| r.received_at < idle_end)
        .collect();
    assert!(
        during.is_empty(),
        "{} requests while the service idled ({watched:?}): {during:#?}",
        during.len()
    );
    // Nor was anything left for the shutdown to send.
    let names: Vec<String> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(names, ["idle_work"], "{requests:#?}");
    let bodies: Vec<String> = receiver.logs().iter().map(|r| r.body()).collect();
    assert_eq!(bodies, ["working before idling"], "{requests:#?}");
    assert_eq!(requests.len(), 2, "one request per signal: {requests:#?}");
}

/// The HTTP client's log targets: ours (an `http://` endpoint reached directly, as here) and
/// ureq's (`https://` endpoints and proxies).
fn is_the_http_client(target: &str) -> bool {
    target == "traced::sender" || target.starts_with("ureq")
}
