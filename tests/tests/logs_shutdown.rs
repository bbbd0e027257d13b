//! Nothing lost on a clean exit, for log records (README, Guarantees, "Collector faults"):
//! 10 000 records logged just before `main` returns, with a queue that holds them all
//! (`OTEL_BLRP_MAX_QUEUE_SIZE`; the default 2048 drops part of a burst this fast, by design,
//! as the spans' queue does), all arrive once each: the flush at exit drains the queue. A
//! batch larger than the OTLP request size cap (8 MiB) goes in several requests, every record
//! in exactly one.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::{self, field};
use traced_tests::{App, Receiver};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");
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
fn a_batch_larger_than_the_request_size_cap_goes_in_several_requests_and_every_record_arrives() {
    // 3000 records of about 8 KB in one batch: 24 MB, three times the 8 MiB request cap.
    const WIDE: u64 = 3_000;
    let receiver = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["wide", &WIDE.to_string()])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env("OTEL_BLRP_MAX_QUEUE_SIZE", "4096")
            .env("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "4096")
            .env("TRACED_LOG_FORMAT", "none"),
    );
    assert_eq!(
        field(&output, "logs", "exported"),
        WIDE,
        "{}",
        output.dump()
    );
    let records = receiver.wait_for_logs(WIDE as usize, Duration::from_secs(30));
    let indexes: BTreeSet<i64> = records
        .iter()
        .filter_map(|r| r.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(records.len() as u64, WIDE, "each once");
    assert_eq!(indexes, (0..WIDE as i64).collect());
    let requests = receiver.log_requests();
    let sizes: Vec<usize> = requests.iter().map(|r| r.body_len).collect();
    eprintln!(
        "{WIDE} wide records went in {} requests of {sizes:?} bytes",
        requests.len()
    );
    assert!(requests.len() >= 3, "{sizes:?}");
    assert!(sizes.iter().all(|&size| size <= 8 << 20), "{sizes:?}");
}
