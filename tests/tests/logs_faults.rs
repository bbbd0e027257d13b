//! Collector faults for log records (README, Guarantees, "Collector faults"): what the spans'
//! fault tests prove, for the logs signal. A logs endpoint that refuses, hangs, throttles or
//! rejects never blocks the service, delays its exit by at most the logs' export timeout plus
//! one second, and every record is accounted for; 503 is retried after its `Retry-After`, 400
//! and a partial success are not retried; a hanging logs endpoint of its own (another origin
//! than the spans') does not delay span export, and one at the spans' origin that throttles
//! delays it by at most one logs batch timeout. Each runs `logs_fault_app` as a child process.
//! (More logs than a collector can take: `logs_overload.rs`.)

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::{self, field, serial};
use traced_tests::{App, Output, Receiver, Reply, refused_endpoint};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");
const RECORDS: u64 = 200;
const EXPORT_TIMEOUT_MS: u64 = 2_000;
const EXIT_BOUND: Duration = Duration::from_millis(EXPORT_TIMEOUT_MS + 1_000);
/// Longer than the exporter's first backoff: a retry, if any, would have come by then.
const RETRY_WINDOW: Duration = Duration::from_millis(1_500);
/// `Retry-After: 1`, less what a coarse clock and the receiver's timestamps may cost.
const TOLD_TO_WAIT: Duration = Duration::from_millis(950);

/// `logs_fault_app records RECORDS` with both signals' export timeouts at 2 s.
fn records_app(endpoint: &str) -> App {
    App::new(LOGS_FAULT_APP)
        .args(["records", &RECORDS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_BLRP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
}

/// The log records' counts: (exported, failed, dropped).
fn log_stats(output: &Output) -> (u64, u64, u64) {
    (
        field(output, "logs", "exported"),
        field(output, "logs", "failed"),
        field(output, "logs", "dropped"),
    )
}

/// The JSON lines at WARN or above whose message contains `text`.
fn warnings(output: &Output, text: &str) -> Vec<serde_json::Value> {
    output
        .json_logs()
        .into_iter()
        .filter(|l| matches!(l["level"].as_str(), Some("WARN" | "ERROR")))
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains(text)))
        .collect()
}

fn assert_exit_bounded(fault: &str, output: &Output) {
    eprintln!(
        "{fault}: shutdown took {:?} (bound {EXIT_BOUND:?}), logs {:?}",
        output.shutdown(),
        log_stats(output)
    );
    assert!(
        output.shutdown() <= EXIT_BOUND,
        "{fault}: shutdown took {:?}\n{}",
        output.shutdown(),
        output.dump()
    );
}

#[test]
fn a_refused_connection_bounds_exit_and_counts_every_record_as_lost_reported_once() {
    let _serial = serial();
    let output = fault::run(records_app(&refused_endpoint()));
    assert_exit_bounded("connection refused", &output);
    let (exported, failed, dropped) = log_stats(&output);
    assert_eq!(exported, 0, "{}", output.dump());
    assert_eq!(failed + dropped, RECORDS, "every record accounted for");
    assert_eq!(
        warnings(&output, "log export failed").len(),
        1,
        "reported once\n{}",
        output.dump()
    );
}

#[test]
fn a_hanging_collector_delays_exit_by_at_most_the_logs_export_timeout_plus_one_second() {
    let _serial = serial();
    let receiver = Receiver::hanging();
    let output = fault::run(records_app(&receiver.endpoint()));
    assert_exit_bounded("hanging collector", &output);
    assert!(
        !receiver.log_requests().is_empty(),
        "the records were sent, and never answered"
    );
    let (exported, failed, dropped) = log_stats(&output);
    assert_eq!(exported, 0, "{}", output.dump());
    assert_eq!(failed + dropped, RECORDS, "every record accounted for");
}

#[test]
fn a_hanging_logs_endpoint_does_not_delay_span_export() {
    let _serial = serial();
    let hanging = Receiver::hanging();
    let healthy = Receiver::start();
    let logs_timeout_ms: u64 = 5_000;
    let schedule_delay_ms: u64 = 200;
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["records", &RECORDS.to_string(), "3000"])
            .env(
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                format!("{}/v1/logs", hanging.endpoint()),
            )
            .env(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                healthy.traces_endpoint(),
            )
            .env("OTEL_BLRP_SCHEDULE_DELAY", "50")
            .env("OTEL_BLRP_EXPORT_TIMEOUT", logs_timeout_ms.to_string())
            .env("OTEL_BSP_SCHEDULE_DELAY", schedule_delay_ms.to_string()),
    );
    let loop_done = output
        .stdout
        .iter()
        .find(|l| l.text == "fault: loop done")
        .unwrap_or_else(|| panic!("no loop line\n{}", output.dump()))
        .at;
    let requests = healthy.wait_for_requests(1, Duration::from_secs(10));
    let first = requests
        .first()
        .unwrap_or_else(|| panic!("no span arrived\n{}", output.dump()));
    let waited = first.received_at.saturating_duration_since(loop_done);
    eprintln!("hanging logs endpoint: the spans arrived {waited:?} after they ended");
    // The spans went out on their own schedule, while the logs' export hung (it hangs for 5 s).
    assert!(
        waited < Duration::from_millis(schedule_delay_ms + 1_000),
        "spans arrived {waited:?} after they ended\n{}",
        output.dump()
    );
    assert!(!hanging.log_requests().is_empty(), "the logs' request hung");
    let names: BTreeSet<String> = healthy
        .wait_for_spans(4, Duration::from_secs(10))
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["records.root".into(), "records.span".into()])
    );
    assert_eq!(fault::stats(&output), (4, 0, 0), "{}", output.dump());
    assert!(
        output.shutdown() <= Duration::from_millis(logs_timeout_ms + 1_000),
        "shutdown took {:?}",
        output.shutdown()
    );
}

#[test]
fn a_logs_retry_after_at_the_spans_origin_delays_span_export_by_at_most_one_logs_batch_timeout() {
    let _serial = serial();
    // One collector for both signals, throttling the logs only, for far longer than a batch
    // may wait: `Retry-After` pauses every request to the origin, spans' included, but never
    // past what the throttled logs batch had left of its export timeout.
    let receiver = Receiver::start();
    receiver.script_logs([Reply::status(503).retry_after("30")]);
    let logs_timeout_ms: u64 = 2_000;
    let schedule_delay_ms: u64 = 200;
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["records", &RECORDS.to_string(), "5000"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env(
                "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
                logs_timeout_ms.to_string(),
            )
            .env("OTEL_BLRP_SCHEDULE_DELAY", "50")
            .env("OTEL_BSP_SCHEDULE_DELAY", schedule_delay_ms.to_string()),
    );
    let loop_done = output
        .stdout
        .iter()
        .find(|l| l.text == "fault: loop done")
        .unwrap_or_else(|| panic!("no loop line\n{}", output.dump()))
        .at;
    let traces = receiver.requests();
    let first = traces
        .first()
        .unwrap_or_else(|| panic!("no span arrived\n{}", output.dump()));
    let waited = first.received_at.saturating_duration_since(loop_done);
    eprintln!(
        "logs throttled at the spans' origin (Retry-After: 30, logs timeout {logs_timeout_ms} ms): \
         the spans arrived {waited:?} after they ended"
    );
    assert!(
        waited < Duration::from_millis(logs_timeout_ms + schedule_delay_ms + 1_000),
        "spans arrived {waited:?} after they ended\n{}",
        output.dump()
    );
    assert_eq!(fault::stats(&output), (4, 0, 0), "{}", output.dump());
}

#[test]
fn a_503_with_retry_after_is_retried_after_the_wait_and_every_record_arrives() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script_logs([Reply::status(503).retry_after("1"), Reply::ok()]);
    let output = fault::run(records_app(&receiver.endpoint()));
    let requests = receiver.log_requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(503), Some(200)],
        "one throttled request, one retry\n{}",
        output.dump()
    );
    let gap = requests[1]
        .received_at
        .duration_since(requests[0].received_at);
    eprintln!("503 + Retry-After: 1 -> log records retried after {gap:?}");
    assert!(
        gap >= TOLD_TO_WAIT,
        "retried {gap:?} after a 503 with Retry-After: 1"
    );
    let indexes: BTreeSet<i64> = receiver
        .logs()
        .iter()
        .filter_map(|r| r.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(indexes, (0..RECORDS as i64).collect(), "every record once");
    assert_eq!(receiver.logs().len() as u64, RECORDS);
    assert_eq!(log_stats(&output), (RECORDS, 0, 0), "{}", output.dump());
}

#[test]
fn a_400_is_not_retried_counted_as_failed_reported_once_without_its_body() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script_logs([Reply::status(400).body("token=secret; the request was malformed")]);
    let output = fault::run(records_app(&receiver.endpoint()));
    std::thread::sleep(RETRY_WINDOW);
    assert_eq!(
        receiver
            .log_requests()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [Some(400)],
        "exactly one request\n{}",
        output.dump()
    );
    assert_eq!(log_stats(&output), (0, RECORDS, 0), "{}", output.dump());
    // The spans are not the logs' business: they went through.
    assert_eq!(fault::stats(&output), (4, 0, 0), "{}", output.dump());
    let failed = warnings(&output, "log export failed");
    assert_eq!(failed.len(), 1, "one report\n{}", output.dump());
    assert!(
        failed[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("400")),
        "the report names the status: {}",
        failed[0]
    );
    let everything = format!("{}\n{}", output.stdout_text(), output.stderr_text());
    assert!(
        !everything.contains("token=secret") && !everything.contains("malformed"),
        "the response body leaked into the output\n{}",
        output.dump()
    );
}

#[test]
fn a_partial_success_is_logged_once_not_retried_and_its_rejected_records_count_as_failed() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script_logs([Reply::ok().partial_success(3, "3 log records had no body")]);
    let output = fault::run(records_app(&receiver.endpoint()));
    std::thread::sleep(RETRY_WINDOW);
    let requests = receiver.log_requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200)],
        "exactly one request\n{}",
        output.dump()
    );
    assert_eq!(requests[0].logs.len() as u64, RECORDS);
    assert_eq!(log_stats(&output), (RECORDS - 3, 3, 0), "{}", output.dump());
    assert_eq!(
        warnings(&output, "3 log records had no body").len(),
        1,
        "logged once\n{}",
        output.dump()
    );
}
