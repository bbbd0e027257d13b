//! Collector faults (README, Guarantees): throttling and transient collector errors are retried.
//!
//! - 429 and 503 with `Retry-After: 1`, then 200: every span is delivered, and the retry
//!   waits as told (the second request comes at least a second after the first).
//! - 502 and 504, then 200: retried (with the exporter's exponential backoff and jitter) and
//!   every span delivered.
//!
//! Each runs `fault_app` as a child process against a scripted receiver; the spans are sent by
//! the flush at exit, so the process exit is when the retries are over.

use std::collections::BTreeSet;
use std::time::Duration;

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
