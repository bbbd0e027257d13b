//! Collector faults (README, Guarantees): throttling and transient collector errors are retried.
//!
//! - 429 and 503 with `Retry-After: 1`, then 200: every span is delivered, and the retry
//!   waits as told (the second request comes at least a second after the first).
//! - 502 and 504, then 200: retried (with the exporter's exponential backoff and jitter) and
//!   every span delivered.
//! - `Retry-After` pauses the collector's origin, not one request: with two batches to send, no
//!   request at all (the retry, the next batch) arrives until the pause is over; and a pause
//!   ends with the export timeout of the batch that was told to wait.
//! - With gzip, the retried body is gzip again and holds the same spans.
//!
//! Each runs `fault_app` as a child process against a scripted receiver; the spans are sent by
//! the flush at exit, so the process exit is when the retries are over.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::ReceivedSpan;

use traced_tests::fault::{self, serial, stats};
use traced_tests::{Output, Receiver, Reply, Request};

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
const SPANS: usize = 50;
/// `Retry-After: 1`, less what a coarse clock and the receiver's timestamps may cost.
const TOLD_TO_WAIT: Duration = Duration::from_millis(950);

/// Runs `fault_app spans SPANS` against `receiver` and returns its output.
fn run(receiver: &Receiver) -> Output {
    fault::run_spans(FAULT_APP, receiver, SPANS)
}

/// Asserts every span arrived exactly once, in accepted requests.
fn assert_all_delivered(receiver: &Receiver, output: &Output) {
    let spans = receiver.spans();
    let indexes: BTreeSet<i64> = spans
        .iter()
        .filter_map(|s| s.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(spans.len(), SPANS, "spans accepted\n{}", output.dump());
    assert_eq!(indexes, (0..SPANS as i64).collect(), "missing span indexes");
    assert_eq!(stats(output), (SPANS as u64, 0, 0), "{}", output.dump());
}

fn gaps(requests: &[Request]) -> Vec<Duration> {
    requests
        .windows(2)
        .map(|w| w[1].received_at.duration_since(w[0].received_at))
        .collect()
}

fn throttled_then_ok(status: u16) {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([Reply::status(status).retry_after("1"), Reply::ok()]);
    let output = run(&receiver);
    let requests = receiver.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(status), Some(200)],
        "one throttled request, one retry\n{}",
        output.dump()
    );
    let gap = gaps(&requests)[0];
    eprintln!(
        "{status} + Retry-After: 1 -> retried after {gap:?}; run took {:?}, shutdown {:?}",
        output.total(),
        output.shutdown()
    );
    assert!(
        gap >= TOLD_TO_WAIT,
        "retried {gap:?} after a {status} with Retry-After: 1"
    );
    // The same batch was sent again, not a new one.
    assert_eq!(requests[0].spans.len(), requests[1].spans.len());
    assert_all_delivered(&receiver, &output);
}

#[test]
fn a_429_with_retry_after_is_retried_after_the_wait_and_everything_arrives() {
    throttled_then_ok(429);
}

#[test]
fn a_503_with_retry_after_is_retried_after_the_wait_and_everything_arrives() {
    throttled_then_ok(503);
}

#[test]
fn a_502_and_a_504_are_retried_with_backoff_and_everything_arrives() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([
        Reply::status(502),
        Reply::status(504),
        Reply::status(502),
        Reply::ok(),
    ]);
    let output = run(&receiver);
    let requests = receiver.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(502), Some(504), Some(502), Some(200)],
        "each transient error retried\n{}",
        output.dump()
    );
    let gaps = gaps(&requests);
    eprintln!(
        "502, 504, 502, 200 -> retry gaps {gaps:?}; run took {:?}, shutdown {:?}",
        output.total(),
        output.shutdown()
    );
    // Backoff, not a tight loop: every retry waited (the policy starts at 100 ms plus up to
    // 100 ms of jitter), and the waits grow (the third is at least 400 ms).
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(90)),
        "{gaps:?}"
    );
    assert!(gaps[2] > gaps[0], "the backoff does not grow: {gaps:?}");
    assert_all_delivered(&receiver, &output);
}

/// The `i` attributes of `spans`, the span's index in `fault_app`'s loop.
fn indexes(spans: &[ReceivedSpan]) -> BTreeSet<i64> {
    spans
        .iter()
        .filter_map(|s| s.attr("i").and_then(|v| v.as_i64()))
        .collect()
}

/// Batches of half the spans: the second is queued while the first is told to wait.
const TWO_BATCHES: &str = "25";

#[test]
fn retry_after_holds_back_every_request_to_the_collector_not_only_the_retry() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([Reply::status(503).retry_after("1")]);
    let output = fault::run(
        fault::spans_app(FAULT_APP, &receiver, SPANS)
            .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", TWO_BATCHES),
    );
    let requests = receiver.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(503), Some(200), Some(200)],
        "the throttled batch, its retry, the second batch\n{}",
        output.dump()
    );
    let throttled = indexes(&requests[0].spans);
    assert_eq!(
        indexes(&requests[1].spans),
        throttled,
        "the retry is the throttled batch"
    );
    assert!(
        indexes(&requests[2].spans).is_disjoint(&throttled),
        "the third request is another batch: {requests:#?}"
    );
    let after: Vec<Duration> = requests[1..]
        .iter()
        .map(|r| r.received_at.duration_since(requests[0].received_at))
        .collect();
    eprintln!("503 + Retry-After: 1 -> the next requests came {after:?} after it");
    assert!(
        after.iter().all(|gap| *gap >= TOLD_TO_WAIT),
        "a request reached the collector within the second it asked for: {after:?}"
    );
    assert_all_delivered(&receiver, &output);
}

#[test]
fn a_retry_after_longer_than_the_batch_timeout_ends_with_that_batch() {
    let _serial = serial();
    let receiver = Receiver::start();
    // Far longer than the batch's 1 s: the throttled batch is lost at its deadline, and the
    // pause with it, so the second batch goes then, not 30 s later.
    receiver.script([Reply::status(503).retry_after("30")]);
    let output = fault::run(
        fault::spans_app(FAULT_APP, &receiver, SPANS)
            .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", TWO_BATCHES)
            .env("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
    );
    let requests = receiver.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(503), Some(200)],
        "the throttled batch is not retried past its deadline; the second batch is sent\n{}",
        output.dump()
    );
    let gap = gaps(&requests)[0];
    eprintln!("503 + Retry-After: 30, 1 s batch timeout -> the next batch came after {gap:?}");
    // The pause ran until the first batch's deadline, a second after that batch started (a few
    // milliseconds before its request arrived): half of it is a safe lower bound, and anything
    // near the 30 s asked for means the pause outlived the batch.
    assert!(
        gap >= Duration::from_millis(500) && gap < Duration::from_secs(15),
        "the second batch came {gap:?} after the 503"
    );
    let lost = requests[0].spans.len() as u64;
    assert_eq!(lost + requests[1].spans.len() as u64, SPANS as u64);
    assert_eq!(
        stats(&output),
        (SPANS as u64 - lost, lost, 0),
        "the throttled batch counts as failed\n{}",
        output.dump()
    );
}

#[test]
fn with_gzip_the_retried_body_is_gzip_again_and_holds_the_same_spans() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([Reply::status(503), Reply::ok()]);
    let output = fault::run(
        fault::spans_app(FAULT_APP, &receiver, SPANS).env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    );
    let requests = receiver.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(503), Some(200)],
        "one retry\n{}",
        output.dump()
    );
    for request in &requests {
        assert_eq!(
            request.header("content-encoding"),
            Some("gzip"),
            "{request:#?}"
        );
        // The receiver gunzips what says gzip: a body that is not would not decode.
        assert_eq!(request.decode_error, None, "{request:#?}");
    }
    assert_eq!(
        requests[0].body_len, requests[1].body_len,
        "the same compressed body"
    );
    let ids = |r: &Request| r.spans.iter().map(|s| s.span_id()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&requests[0]), ids(&requests[1]), "the same spans");
    assert_eq!(requests[0].spans.len(), SPANS);
    assert_all_delivered(&receiver, &output);
}
