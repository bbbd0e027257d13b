//! The JSON line: keys, types, ids, escaping, the exception object.

use std::io;

use super::*;

#[test]
fn a_line_has_every_key_with_its_json_type() {
    let captured = capture(LogFormat::Json, pinned_ids, || {
        tracing::info!(
            order.id = 42_i64,
            count = 7_u64,
            ratio = 0.25,
            big = u128::MAX,
            small128 = 5_i128,
            ok = true,
            name = "ada",
            shown = %"display",
            debugged = ?vec![1, 2],
            "order {} placed",
            "A-1"
        );
    });
    let line = captured.only_line();
    let expected = [
        "timestamp",
        "level",
        "service",
        "target",
        "message",
        "order.id",
        "count",
        "ratio",
        "big",
        "small128",
        "ok",
        "name",
        "shown",
        "debugged",
        "trace_id",
        "span_id",
    ];
    let mut keys: Vec<&str> = line.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut sorted = expected;
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    let positions = key_order(&captured.text(), &expected);
    assert!(
        positions.is_sorted(),
        "keys out of order: {}",
        captured.text()
    );
    assert_timestamp(&line["timestamp"]);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["service"], "checkout");
    assert_eq!(line["target"], module_path!());
    assert_eq!(line["message"], "order A-1 placed");
    assert_eq!(line["order.id"], 42);
    assert_eq!(line["count"], 7);
    assert_eq!(line["ratio"], 0.25);
    assert_eq!(
        line["big"],
        u128::MAX.to_string(),
        "beyond 64 bits: a string, exact"
    );
    assert_eq!(line["small128"], 5);
    assert_eq!(line["ok"], true);
    assert_eq!(line["name"], "ada");
    assert_eq!(line["shown"], "display");
    assert_eq!(line["debugged"], "[1, 2]");
    assert_eq!(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(line["span_id"], "00f067aa0ba902b7");
}

#[test]
fn without_a_span_there_are_no_id_keys_at_all() {
    let line = capture(LogFormat::Json, no_ids, || tracing::warn!("outside")).only_line();
    assert_eq!(line["level"], "WARN");
    assert!(
        !line.contains_key("trace_id") && !line.contains_key("span_id"),
        "{line:?}"
    );
}

#[test]
fn the_engine_gives_no_ids_outside_its_spans() {
    let captured = Capture::default();
    // `EventLayer::new` reads the real engine's current span.
    let layer = EventLayer::new(LogFormat::Json, "svc", captured.clone(), false);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || tracing::info!("no span here"));
    let line = captured.only_line();
    assert!(
        !line.contains_key("trace_id") && !line.contains_key("span_id"),
        "{line:?}"
    );
}

#[test]
fn an_injected_line_stays_inside_its_message() {
    // Log injection (CWE-117): a forged line, a CR and ANSI sequences (7-bit and the C1 CSI)
    // all stay escaped inside the one line, which keeps the span's trace_id.
    let evil = "ok\n{\"level\":\"ERROR\",\"message\":\"forged\"}\r\n\x1b[31mred\x1b[0m\u{9b}";
    let captured = capture(LogFormat::Json, pinned_ids, || {
        tracing::info!(user = evil, "{evil}");
    });
    let text = captured.text();
    assert_eq!(text.matches('\n').count(), 1, "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text}");
    let line = captured.only_line();
    assert_eq!(line["message"], evil);
    assert_eq!(line["user"], evil);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
}

#[derive(Debug)]
struct Outer(io::Error);

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("charging the card failed")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn a_recorded_error_becomes_the_exception_object() {
    let error = Outer(io::Error::other("connection reset"));
    let line = json(|| {
        tracing::error!(error = &error as &dyn std::error::Error, "payment failed");
    });
    assert_eq!(line["message"], "payment failed");
    assert_eq!(
        line["exception"],
        serde_json::json!({"type": "error", "message": "charging the card failed: connection reset"})
    );
    assert!(
        !line.contains_key("error"),
        "moved into `exception`: {line:?}"
    );
}

#[test]
fn explicit_exception_fields_and_error_display_fields() {
    let line = json(|| {
        tracing::error!(error = %"disk full", exception.r#type = "std::io::Error", "write failed");
    });
    assert_eq!(
        line["exception"],
        serde_json::json!({"type": "std::io::Error", "message": "disk full"})
    );
    // Below ERROR an `error` field is ordinary data.
    let line = json(|| tracing::warn!(error = %"retrying", "flaky"));
    assert_eq!(line["error"], "retrying");
    assert!(!line.contains_key("exception"));
}

#[test]
fn a_second_error_stays_a_plain_field() {
    let first = io::Error::other("first");
    let second = io::Error::other("second");
    let line = json(|| {
        tracing::info!(
            a = &first as &dyn std::error::Error,
            b = &second as &dyn std::error::Error,
            "two"
        );
    });
    assert_eq!(line["exception"]["message"], "first");
    assert_eq!(line["b"], "second");
}

#[test]
fn fields_cannot_overwrite_the_line_keys() {
    let line = json(|| tracing::info!(level = "ERROR", trace_id = "forged", service = 1, "x"));
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(line["field.level"], "ERROR");
    assert_eq!(line["field.trace_id"], "forged");
    assert_eq!(line["field.service"], 1);
}

#[test]
fn odd_values_keep_the_line_valid() {
    struct Broken;
    impl std::fmt::Display for Broken {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            Err(std::fmt::Error)
        }
    }
    let line = json(|| {
        tracing::info!(nan = f64::NAN, inf = f64::NEG_INFINITY, broken = %Broken, bytes = &b"\x01\xff"[..]);
    });
    assert_eq!(line["message"], "");
    assert_eq!(line["nan"], "NaN");
    assert_eq!(line["inf"], "-inf");
    assert_eq!(line["broken"], "<formatting failed>");
    assert!(line["bytes"].is_string());
}

#[test]
fn an_event_that_finds_the_buffers_busy_gets_its_own() {
    let lines = capture(LogFormat::Json, pinned_ids, || {
        layer::with_buffers_held(|| tracing::info!(n = 1, "re-entered"));
        tracing::info!("after");
    })
    .lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["message"], "re-entered");
    assert_eq!(lines[0]["n"], 1);
    assert_eq!(lines[1]["message"], "after");
}

#[test]
fn a_huge_message_is_one_line_and_later_lines_are_clean() {
    let huge = "x".repeat(MAX_TEST_LEN);
    let lines = capture(LogFormat::Json, no_ids, || {
        tracing::info!("{huge}");
        tracing::info!("small");
    })
    .lines();
    assert_eq!(
        lines[0]["message"].as_str().map(str::len),
        Some(MAX_TEST_LEN)
    );
    assert_eq!(lines[1]["message"], "small");
}
const MAX_TEST_LEN: usize = 200_000;
