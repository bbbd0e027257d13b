//! Collector faults (README, Guarantees): answers that must not be retried.
//!
//! - 400 (with a body holding a fake credential): exactly one request, the spans counted as
//!   failed, one warning line, and the body never appears in the output.
//! - 200 with `partial_success`: one request, the rejection logged, nothing retried.
//! - A 307 redirect: not followed (nothing reaches the `Location`), one request, the spans
//!   counted as failed, one warning with the status and the `Location`'s origin only; neither
//!   the configured header's value nor the `Location`'s path and query appear anywhere.

use std::time::Duration;

use traced_tests::fault::{self, serial, stats};
use traced_tests::{Output, Receiver, Reply};

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
const SPANS: u64 = 50;
/// Longer than the exporter's first backoff: a retry, if any, would have come by then.
const RETRY_WINDOW: Duration = Duration::from_millis(1_500);

/// Runs `fault_app spans SPANS` against `receiver` and returns its output.
fn run(receiver: &Receiver) -> Output {
    fault::run_spans(FAULT_APP, receiver, SPANS as usize)
}

/// The JSON log lines at WARN or above whose message contains `text`.
fn warnings(output: &Output, text: &str) -> Vec<serde_json::Value> {
    output
        .json_logs()
        .into_iter()
        .filter(|l| matches!(l["level"].as_str(), Some("WARN" | "ERROR")))
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains(text)))
        .collect()
}

#[test]
fn a_400_is_not_retried_counted_as_failed_reported_once_without_its_body() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([Reply::status(400).body("token=secret; the request was malformed")]);
    let output = run(&receiver);
    eprintln!(
        "400 -> run took {:?}, shutdown {:?}",
        output.total(),
        output.shutdown()
    );
    // The process has exited, so no retry can still be on its way; wait anyway, in case the
    // exporter outlived it.
    std::thread::sleep(RETRY_WINDOW);
    let requests = receiver.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(400)],
        "exactly one request\n{}",
        output.dump()
    );
    assert_eq!(stats(&output), (0, SPANS, 0), "{}", output.dump());
    let failed = warnings(&output, "span export failed");
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
fn a_partial_success_is_logged_and_not_retried() {
    let _serial = serial();
    let receiver = Receiver::start();
    receiver.script([Reply::ok().partial_success(3, "3 spans had an invalid kind")]);
    let output = run(&receiver);
    eprintln!(
        "200 + partial_success -> run took {:?}, shutdown {:?}",
        output.total(),
        output.shutdown()
    );
    std::thread::sleep(RETRY_WINDOW);
    let requests = receiver.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200)],
        "exactly one request\n{}",
        output.dump()
    );
    assert_eq!(requests[0].spans.len() as u64, SPANS);
    // The collector accepted the request and said it rejected 3 of its spans: those are lost,
    // and counted so.
    let (exported, failed, dropped) = stats(&output);
    assert_eq!((exported, dropped), (SPANS - 3, 0), "{}", output.dump());
    assert_eq!(failed, 3, "{}", output.dump());
    let logged = warnings(&output, "3 spans had an invalid kind");
    assert_eq!(
        logged.len(),
        1,
        "the partial success is logged once\n{}",
        output.dump()
    );
    let line = logged[0].to_string();
    assert!(line.contains('3'), "the rejected count is logged: {line}");
}

#[test]
fn a_redirect_is_not_followed_counted_as_failed_and_reported_with_its_origin_only() {
    let _serial = serial();
    let receiver = Receiver::start();
    // Where the redirect points: a receiver too, so a followed redirect would show.
    let elsewhere = Receiver::start();
    let location = format!("{}/v1/traces?token=moved-secret", elsewhere.endpoint());
    receiver.script([Reply::status(307).header("location", location)]);
    let output = fault::run(
        fault::spans_app(FAULT_APP, &receiver, SPANS as usize)
            .env("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=header-secret-123"),
    );
    std::thread::sleep(RETRY_WINDOW);
    let requests = receiver.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(307)],
        "exactly one request\n{}",
        output.dump()
    );
    // The secret was really sent, so its absence from the output below means something.
    assert_eq!(requests[0].header("x-api-key"), Some("header-secret-123"));
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect was followed: {:#?}",
        elsewhere.requests()
    );
    assert_eq!(stats(&output), (0, SPANS, 0), "{}", output.dump());
    let failed = warnings(&output, "span export failed");
    assert_eq!(failed.len(), 1, "one report\n{}", output.dump());
    let message = failed[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("307") && message.contains(&elsewhere.endpoint()),
        "the report names the status and the Location's origin: {message}"
    );
    let everything = format!("{}\n{}", output.stdout_text(), output.stderr_text());
    for secret in ["header-secret-123", "moved-secret", "/v1/traces?"] {
        assert!(
            !everything.contains(secret),
            "{secret:?} leaked into the output\n{}",
            output.dump()
        );
    }
}
