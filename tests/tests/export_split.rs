//! OTLP request size (`Config::otlp_max_request_size`): a batch larger than the cap goes in
//! several requests, each within it, and every span arrives once; a span larger than the cap
//! on its own is dropped, counted as failed and reported once, never sent, and the spans
//! around it still go.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::export::{exporter, stats};
use traced_tests::{App, Output, Receiver};

const EXPORT_APP: &str = env!("CARGO_BIN_EXE_export_app");
const DEADLINE: Duration = Duration::from_secs(60);
/// The request cap set in code.
const CAP: usize = 64 << 10;
/// 40 spans of 10 KiB: six fit in a request, so seven requests at least.
const SPANS: usize = 40;
const SIZE: usize = 10 << 10;
const MIN_REQUESTS: usize = (SPANS * SIZE).div_ceil(CAP);
/// One span alone over the cap.
const BIG: usize = 100 << 10;

/// `export_app split` with the cap, uncompressed (the cap bounds the body before compression).
fn run(receiver: &Receiver, big: usize) -> Output {
    let output = App::new(EXPORT_APP)
        .args(["split", &CAP.to_string(), &SPANS.to_string()])
        .args([SIZE.to_string(), big.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "none")
        .run(DEADLINE);
    output.assert_success();
    output
}

/// Asserts every request is within the cap and accepted, and every `export.span` arrived once.
fn assert_split_and_delivered(receiver: &Receiver, output: &Output) {
    let requests = receiver.requests();
    let sizes: Vec<usize> = requests.iter().map(|r| r.body_len).collect();
    eprintln!("{} requests of {sizes:?} bytes", requests.len());
    assert!(
        requests.len() >= MIN_REQUESTS,
        "{SPANS} spans of {SIZE} bytes in {} requests: {sizes:?}\n{}",
        requests.len(),
        output.dump()
    );
    assert!(
        sizes.iter().all(|size| *size <= CAP),
        "a request over the {CAP}-byte cap: {sizes:?}"
    );
    assert!(requests.iter().all(|r| r.accepted()), "{requests:#?}");
    let spans = receiver.spans();
    let regular: Vec<_> = spans.iter().filter(|s| s.name() == "export.span").collect();
    let indexes: BTreeSet<i64> = regular
        .iter()
        .filter_map(|s| s.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(regular.len(), SPANS, "each span once\n{}", output.dump());
    assert_eq!(indexes, (0..SPANS as i64).collect(), "missing span indexes");
}

#[test]
fn a_batch_over_the_request_cap_goes_in_several_requests_each_within_it() {
    let receiver = Receiver::start();
    let output = run(&receiver, 0);
    assert_split_and_delivered(&receiver, &output);
    assert_eq!(stats(&output), (SPANS as u64, 0, 0), "{}", output.dump());
}

#[test]
fn a_span_larger_than_the_cap_is_dropped_counted_as_failed_and_never_sent() {
    let receiver = Receiver::start();
    let output = run(&receiver, BIG);
    assert_split_and_delivered(&receiver, &output);
    let big: Vec<_> = receiver
        .spans()
        .into_iter()
        .filter(|s| s.name() == "export.big")
        .collect();
    assert!(big.is_empty(), "the oversized span was sent: {big:#?}");
    assert_eq!(stats(&output), (SPANS as u64, 1, 0), "{}", output.dump());
    assert_eq!(exporter(&output, "otlp"), (SPANS as u64, 1));
    let reports: Vec<_> = output
        .json_logs()
        .into_iter()
        .filter(|l| l["level"] == "WARN")
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("larger than the OTLP request size limit"))
        })
        .collect();
    assert_eq!(reports.len(), 1, "one report\n{}", output.dump());
}
