//! Log records split by the OTLP request size cap (README, Guarantees, "Collector faults"): a
//! batch larger than the cap (8 MiB by default) goes in several requests, none over the cap,
//! every record in exactly one.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::{self, field};
use traced_tests::{App, Receiver};

const LOGS_FAULT_APP: &str = env!("CARGO_BIN_EXE_logs_fault_app");

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
