//! `traced::flush` covers log records (README, Logs): everything logged before the call is
//! exported when it returns, and it says how many records went.

use std::time::Duration;

use traced_tests::fault;
use traced_tests::{App, MAIN_RETURNING, Receiver};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");
const RECORDS: usize = 300;

#[test]
fn flush_exports_every_record_logged_before_it_and_counts_them() {
    let receiver = Receiver::start();
    let output = fault::run(
        App::new(LOGS_FAULT_APP)
            .args(["flush", &RECORDS.to_string()])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            // Far longer than the run: only the flush can have sent anything before the exit.
            .env("OTEL_BLRP_SCHEDULE_DELAY", "60000")
            .env("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    );
    let flushed = format!("fault: flushed Delivered {{ spans: 4, logs: {RECORDS} }}");
    assert!(
        output.stdout.iter().any(|l| l.text == flushed),
        "{flushed:?}\n{}",
        output.dump()
    );
    let returning = output
        .stdout
        .iter()
        .find(|l| l.text == MAIN_RETURNING)
        .unwrap_or_else(|| panic!("{}", output.dump()))
        .at;
    let records = receiver.wait_for_logs(RECORDS, Duration::from_secs(10));
    assert_eq!(records.len(), RECORDS);
    // Every log request came in before the shutdown began: the flush sent them.
    let requests = receiver.log_requests();
    assert!(
        requests.iter().all(|r| r.received_at < returning),
        "{requests:#?}"
    );
}
