//! Hostile input, attribute limits (README, Guarantees, "Hostile input"): values from user input
//! are cut to the length limit (4096 characters by default, a deliberate deviation from the
//! specification's "no limit") before they are kept, so memory stays flat, and attribute counts are
//! capped at 128 (OpenTelemetry common specification, Attribute Limits). Checked end to end (the
//! `hostile_app` binary exporting to a real receiver, measuring its own RSS) and in memory through
//! `traced::testing`.

use std::time::Duration;

use traced::testing::{Value, capture};
use traced::{Span, child_span};
use traced_tests::{App, AttrValue, ReceivedSpan, Receiver};

const DEADLINE: Duration = Duration::from_secs(120);
const ARRIVAL: Duration = Duration::from_secs(20);
/// The default attribute value length limit, in characters.
const VALUE_LIMIT: usize = 4096;
/// Spans per kind in the memory test (each one given the same 10 MB string).
const SPANS: usize = 200;
/// Allowed growth of the child's RSS over the `3 × SPANS` spans given the 10 MB value; keeping
/// the values whole would take `600 × 10 MB`.
const MAX_GROWTH_KIB: u64 = 64 * 1024;

fn string_len(span: &ReceivedSpan, key: &str) -> usize {
    match span.attr(key) {
        Some(AttrValue::Str(s)) => s.chars().count(),
        other => panic!("{key} on {}: {other:?}", span.name()),
    }
}

fn number(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

#[test]
fn a_10_mb_argument_exports_at_most_the_limit_and_memory_stays_flat() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["big", &SPANS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();

    let spans = receiver.wait_for_spans(4 * SPANS, ARRIVAL);
    let by_attr: Vec<_> = spans
        .iter()
        .filter(|s| s.name() == "hostile.big.attr")
        .collect();
    let by_arg: Vec<_> = spans.iter().filter(|s| s.name() == "ingest").collect();
    let by_fields: Vec<_> = spans
        .iter()
        .filter(|s| s.name() == "ingest_formatted")
        .collect();
    assert_eq!(by_attr.len(), SPANS, "{}", output.dump());
    assert_eq!(by_arg.len(), SPANS, "{}", output.dump());
    for span in &by_attr {
        assert_eq!(string_len(span, "body"), VALUE_LIMIT);
    }
    for span in &by_arg {
        assert_eq!(string_len(span, "body"), VALUE_LIMIT);
    }
    assert_eq!(by_fields.len(), SPANS, "{}", output.dump());
    for span in &by_fields {
        assert_eq!(string_len(span, "shown"), VALUE_LIMIT);
        assert_eq!(string_len(span, "debugged"), VALUE_LIMIT);
    }
    // Whole requests stay small too: 800 spans, two 4 KiB values each at most.
    let largest = receiver
        .requests()
        .iter()
        .map(|r| r.body_len)
        .max()
        .unwrap_or(0);
    assert!(largest < 8 << 20, "a request of {largest} bytes");

    let line = output
        .stdout
        .iter()
        .find(|l| l.text.starts_with("rss_before_kib="))
        .unwrap_or_else(|| panic!("no memory line\n{}", output.dump()));
    let rss_growth =
        number(&line.text, "rss_after_kib").saturating_sub(number(&line.text, "rss_before_kib"));
    let peak_growth =
        number(&line.text, "hwm_after_kib").saturating_sub(number(&line.text, "hwm_before_kib"));
    eprintln!(
        "hostile_limits: {} spans with a 10 MB value: RSS grew {rss_growth} KiB, peak grew {peak_growth} KiB ({})",
        3 * SPANS,
        line.text
    );
    assert!(
        rss_growth < MAX_GROWTH_KIB,
        "RSS grew {rss_growth} KiB: {}",
        line.text
    );
    assert!(
        peak_growth < MAX_GROWTH_KIB,
        "peak RSS grew {peak_growth} KiB: {}",
        line.text
    );
}

#[test]
fn a_span_given_1000_attributes_exports_128_and_counts_872_dropped() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["attrs"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    let span = receiver.wait_for_span_named("hostile.attrs", ARRIVAL, &output);
    assert_eq!(span.span.attributes.len(), 128, "{:?}", span.attrs().keys());
    assert_eq!(span.span.dropped_attributes_count, 872);
    // Extras are discarded, never replacing the first ones (common specification, Attribute
    // Limits: "the SDK MUST discard that attribute").
    for i in 0..128_i64 {
        let key = format!("attr.{i:04}");
        assert_eq!(span.attr(&key), Some(AttrValue::Int(i)), "{key}");
    }
}

#[child_span]
fn takes_body(body: &str, count: u32) -> usize {
    body.len() + count as usize
}

#[test]
fn in_memory_values_are_cut_and_counts_capped_by_default() {
    // Multi-byte characters: the limit counts characters and cuts on a char boundary.
    let body = "é".repeat(5 * 1024 * 1024);
    let ((), spans) = capture(|| {
        let mut span = Span::root("hostile.mem").attr("body", body.as_str());
        for i in 0..1_000_i64 {
            span = span.attr(format!("n.{i}"), i);
        }
        let _guard = span.enter();
        takes_body(&body, 3);
    });
    let root = spans.named("hostile.mem");
    assert_eq!(
        root.attr("body"),
        Some(&Value::String("é".repeat(VALUE_LIMIT)))
    );
    assert_eq!(root.attributes.len(), 128);
    assert_eq!(root.dropped_attributes, 1_001 - 128);
    let child = spans.named("takes_body");
    assert_eq!(
        child.attr("body"),
        Some(&Value::String("é".repeat(VALUE_LIMIT)))
    );
    assert_eq!(child.attr("count"), Some(&Value::I64(3)));
}
