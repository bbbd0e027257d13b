//! More logs than the collector can take (README, Guarantees, "Collector faults" and "Hostile
//! input"): a flood of logs drops log records, never spans, with memory bounded, and its drops
//! are reported by a few lines; a 10 MB message is exported cut to the limit with memory flat.
//! Each runs `logs_fault_app` as a child process.

use std::time::Duration;

use traced_tests::fault::{self, field, serial};
use traced_tests::{App, Output, Receiver};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");
const EXPORT_TIMEOUT_MS: u64 = 2_000;

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

/// The `name=value` field of the app's `fault: loop …` line.
fn loop_field(output: &Output, name: &str) -> u64 {
    field(output, "loop", name)
}

#[test]
fn a_log_flood_the_collector_cannot_take_drops_log_records_never_spans_with_memory_bounded() {
    let _serial = serial();
    let events: u64 = 200_000;
    let slow_logs = Receiver::start();
    slow_logs.set_delay(Some(Duration::from_millis(500)));
    let traces = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["flood", &events.to_string()])
            .env(
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                format!("{}/v1/logs", slow_logs.endpoint()),
            )
            .env(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                traces.traces_endpoint(),
            )
            .env("OTEL_BLRP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string())
            // The records are the subject; 200 000 lines on stderr would only slow the test.
            .env("TRACED_LOG_FORMAT", "none"),
    );
    let (exported, failed, dropped) = log_stats(&output);
    let growth_kib = loop_field(&output, "peak_after_kib")
        .saturating_sub(loop_field(&output, "peak_before_kib"));
    eprintln!(
        "log flood of {events} events: loop took {} ms, peak RSS +{growth_kib} KiB; log records \
         exported={exported} failed={failed} dropped={dropped}; spans {:?}",
        loop_field(&output, "took_us") / 1_000,
        fault::stats(&output)
    );
    assert!(
        dropped > 0,
        "the flood dropped log records\n{}",
        output.dump()
    );
    assert_eq!(
        exported + failed + dropped,
        events,
        "every record accounted for"
    );
    assert_eq!(
        fault::stats(&output),
        (10, 0, 0),
        "no span lost\n{}",
        output.dump()
    );
    assert_eq!(traces.spans().len(), 10);
    // The queue (2048 records of a few hundred bytes) and a batch in flight are a few MiB; the
    // 200 000 records held anywhere would be over 50 MiB.
    assert!(
        growth_kib < 32 * 1024,
        "peak RSS grew by {growth_kib} KiB during the flood"
    );
}

#[test]
fn log_drops_are_reported_by_a_few_lines_and_the_total_at_shutdown_never_one_per_record() {
    let _serial = serial();
    // With the JSON lines on, so the reports can be read: fewer events than the flood above.
    let events: u64 = 30_000;
    let slow_logs = Receiver::start();
    slow_logs.set_delay(Some(Duration::from_millis(500)));
    let traces = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["flood", &events.to_string()])
            .env(
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                format!("{}/v1/logs", slow_logs.endpoint()),
            )
            .env(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                traces.traces_endpoint(),
            )
            .env("OTEL_BLRP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string()),
    );
    let (_, _, dropped) = log_stats(&output);
    assert!(
        dropped > 0,
        "the flood dropped log records\n{}",
        output.dump()
    );
    let reports = warnings(&output, "OTEL_BLRP_MAX_QUEUE_SIZE");
    let summaries: Vec<_> = warnings(&output, "log export")
        .into_iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| !m.contains("failed:"))
        })
        .collect();
    eprintln!(
        "{dropped} log records dropped, reported by {} queue-full lines and {} shutdown lines",
        reports.len(),
        summaries.len()
    );
    // One queue-full line per reporting interval (10 s, far longer than this run), and one at
    // shutdown if the logs' export thread gets to it before the exit...
    assert!(
        (1..=2).contains(&reports.len()),
        "{} reports\n{reports:#?}",
        reports.len()
    );
    let reported: u64 = reports.iter().filter_map(|r| r["dropped"].as_u64()).sum();
    assert!(reported > 0 && reported <= dropped, "{reports:#?}");
    // ...and the shutdown line, with the total.
    assert_eq!(summaries.len(), 1, "{summaries:#?}\n{}", output.dump());
    assert_eq!(
        summaries[0]["dropped"].as_u64(),
        Some(dropped),
        "{}",
        summaries[0]
    );
}

#[test]
fn a_10_mb_log_message_and_field_are_exported_cut_to_the_limit_and_memory_stays_flat() {
    let _serial = serial();
    let events: u64 = 20;
    let receiver = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["big", &events.to_string()])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            // The records are the subject; 200 MB of lines on stderr would only slow the test.
            .env("TRACED_LOG_FORMAT", "none"),
    );
    let growth_kib = loop_field(&output, "peak_after_kib")
        .saturating_sub(loop_field(&output, "peak_before_kib"));
    eprintln!("{events} events of 10 MB each: peak RSS +{growth_kib} KiB");
    let records = receiver.wait_for_logs(events as usize, Duration::from_secs(30));
    assert_eq!(records.len() as u64, events, "{}", output.dump());
    for record in &records {
        let body = record.body();
        assert_eq!(body.chars().count(), 4096, "cut to the default limit");
        assert!(body.chars().all(|c| c == 'é'), "cut on a char boundary");
        let field = record.attr("field");
        let field = field.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
        assert_eq!(field.chars().count(), 4096, "the field is cut too");
        assert!(field.chars().all(|c| c == 'é'), "cut on a char boundary");
    }
    assert_eq!(log_stats(&output), (events, 0, 0), "{}", output.dump());
    // 20 messages of 10 MB held anywhere would be 200 MB.
    assert!(
        growth_kib < 64 * 1024,
        "peak RSS grew by {growth_kib} KiB for {events} messages of 10 MB"
    );
}
