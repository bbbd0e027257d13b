//! Nothing lost on a clean exit, for log records (README, Guarantees, "Collector faults"):
//! 10 000 records logged just before `main` returns, with a queue that holds them all
//! (`OTEL_BLRP_MAX_QUEUE_SIZE`; the default 2048 drops part of a burst this fast, by design,
//! as the spans' queue does), all arrive once each: the flush at exit drains the queue.

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
