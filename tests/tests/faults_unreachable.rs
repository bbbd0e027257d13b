//! Collector faults (README, Guarantees): a collector that refuses connections, accepts them and
//! never answers, or answers 2 s late, while the service keeps creating spans (10 per millisecond,
//! 20 000 in all). The service keeps working: its loop completes, drops are counted, they are
//! reported by a few warning lines (at most one per interval, never one per span), and the process
//! exits within the export timeout plus one second of the shutdown starting.
//!
//! The per-span cost of the loop is printed next to a healthy collector's (`--nocapture`), for
//! the README's figures; it is not asserted, as wall-clock figures on a shared machine are not.

use std::time::Duration;

use traced_tests::fault::{field, serial};
use traced_tests::{App, Output, Receiver, refused_endpoint};

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
const DEADLINE: Duration = Duration::from_secs(90);
const SPANS: u64 = 20_000;
const PER_MS: &str = "10";
const QUEUE: u64 = 512;
const BATCH: u64 = 128;
const EXPORT_TIMEOUT_MS: u64 = 2_000;
const EXIT_BOUND: Duration = Duration::from_millis(EXPORT_TIMEOUT_MS + 1_000);
/// The export thread's reporting interval (runtime/src/export/worker.rs).
const REPORT_INTERVAL: Duration = Duration::from_secs(10);

fn run(endpoint: &str) -> Output {
    let output = App::new(FAULT_APP)
        .args(["spans", &SPANS.to_string(), PER_MS])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_BSP_MAX_QUEUE_SIZE", QUEUE.to_string())
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", BATCH.to_string())
        .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .run(DEADLINE);
    output.assert_success();
    output
}

fn warnings(output: &Output) -> Vec<serde_json::Value> {
    output
        .json_logs()
        .into_iter()
        .filter(|l| matches!(l["level"].as_str(), Some("WARN" | "ERROR")))
        .collect()
}

/// The healthy baseline's loop cost per span, in ns.
fn healthy_cost() -> u64 {
    let receiver = Receiver::start();
    let output = run(&receiver.endpoint());
    assert_eq!(
        field(&output, "stats", "exported"),
        SPANS,
        "{}",
        output.dump()
    );
    field(&output, "loop", "per_span_ns")
}

fn assert_service_unharmed(fault: &str, output: &Output, healthy_ns: u64, exports: bool) {
    let took = Duration::from_micros(field(output, "loop", "took_us"));
    let per_span = field(output, "loop", "per_span_ns");
    let (exported, failed, dropped) = (
        field(output, "stats", "exported"),
        field(output, "stats", "failed"),
        field(output, "stats", "dropped"),
    );
    let warnings = warnings(output);
    eprintln!(
        "{fault}: loop of {SPANS} spans took {took:?} ({per_span} ns in each span-creating call, \
         healthy collector {healthy_ns} ns); exported={exported} failed={failed} \
         dropped={dropped}; peak RSS +{} KiB; {} warning lines; shutdown took {:?}",
        field(output, "loop", "peak_growth_kib"),
        warnings.len(),
        output.shutdown()
    );
    assert_eq!(exported > 0, exports, "{}", output.dump());
    // Memory is bounded by the queue: 512 spans of 4 KiB and a batch in flight are a few MiB;
    // the 20 000 spans of the loop held anywhere would be 80 MiB.
    let peak_growth_kib = field(output, "loop", "peak_growth_kib");
    assert!(
        peak_growth_kib < 32 * 1024,
        "peak RSS grew by {peak_growth_kib} KiB\n{}",
        output.dump()
    );
    assert!(dropped > 0, "a full queue drops spans\n{}", output.dump());
    // Every span is accounted for: those still queued or in an export that had not ended when
    // the guard stopped waiting count as failed. The counters are read while the export thread
    // may still be ending an export, hence the slack of one batch.
    assert!(
        exported + failed + dropped + BATCH >= SPANS && exported + failed + dropped <= SPANS,
        "spans unaccounted for\n{}",
        output.dump()
    );
    // The drops are reported with their number…
    let drop_count = |l: &serde_json::Value| l["dropped"].as_u64().unwrap_or(0);
    assert!(
        warnings.iter().any(|l| drop_count(l) > 0),
        "no warning reports the drops\n{}",
        output.dump()
    );
    // …in a few lines: at most one queue-full line per interval plus the one at shutdown, one
    // export-failure line per interval, and the shutdown summary.
    let intervals = (output.total().as_secs_f64() / REPORT_INTERVAL.as_secs_f64()).ceil() as usize;
    let queue_full = warnings
        .iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("queue was full"))
        })
        .count();
    assert!(
        queue_full <= intervals + 1,
        "{queue_full} queue-full lines in {intervals} intervals\n{}",
        output.dump()
    );
    assert!(
        warnings.len() <= 3 * intervals + 2,
        "{} warning lines for {dropped} drops\n{}",
        warnings.len(),
        output.dump()
    );
    assert!(
        output.shutdown() <= EXIT_BOUND,
        "shutdown took {:?}, bound {EXIT_BOUND:?}\n{}",
        output.shutdown(),
        output.dump()
    );
}

#[test]
fn a_refused_connection_never_hurts_the_service() {
    let _serial = serial();
    let healthy = healthy_cost();
    let output = run(&refused_endpoint());
    assert_service_unharmed("connection refused", &output, healthy, false);
}

#[test]
fn a_collector_that_never_answers_never_hurts_the_service() {
    let _serial = serial();
    let healthy = healthy_cost();
    let receiver = Receiver::hanging();
    let output = run(&receiver.endpoint());
    assert_service_unharmed("never answers", &output, healthy, false);
    let requests = receiver.requests();
    assert!(!requests.is_empty(), "no export attempted");
    assert!(requests.iter().all(|r| r.status.is_none()), "{requests:#?}");
}

#[test]
fn a_collector_answering_two_seconds_late_never_hurts_the_service() {
    let _serial = serial();
    let healthy = healthy_cost();
    let receiver = Receiver::start();
    receiver.set_delay(Some(Duration::from_secs(2)));
    let output = run(&receiver.endpoint());
    assert_service_unharmed("answers after 2 s", &output, healthy, true);
}

/// The drops are reported while the fault lasts, not only at exit: a service that runs for
/// days against a dead collector must say so within one interval.
fn assert_drops_reported_during_the_run(fault: &str, endpoint: &str) {
    let output = App::new(FAULT_APP)
        .args(["spans", "60000", PER_MS])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_BSP_MAX_QUEUE_SIZE", QUEUE.to_string())
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", BATCH.to_string())
        .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
        .run(DEADLINE);
    output.assert_success();
    let marker = output
        .stdout
        .iter()
        .find(|l| l.text == traced_tests::MAIN_RETURNING)
        .map(|l| l.at)
        .unwrap_or_else(|| panic!("no marker\n{}", output.dump()));
    let during: Vec<_> = output
        .stderr
        .iter()
        .filter(|l| l.at < marker && l.text.contains("queue was full"))
        .collect();
    eprintln!(
        "{fault}: {} queue-full lines during a {:?} run",
        during.len(),
        output.total()
    );
    assert!(
        !during.is_empty(),
        "no drop reported during {:?} of drops\n{}",
        output.total(),
        output.dump()
    );
}

#[test]
fn drops_are_reported_while_the_collector_refuses_connections() {
    let _serial = serial();
    assert_drops_reported_during_the_run("connection refused", &refused_endpoint());
}

#[test]
fn drops_are_reported_while_the_collector_never_answers() {
    let _serial = serial();
    let receiver = Receiver::hanging();
    assert_drops_reported_during_the_run("never answers", &receiver.endpoint());
}
