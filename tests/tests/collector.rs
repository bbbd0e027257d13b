//! Through a real OpenTelemetry collector (Rotel): what traced exports survives a collector's
//! decoding and re-encoding, and every span arrives once with its resource, with and without
//! gzip. Skipped, and said so, when Rotel is not installed; `.ci/run` installs it and sets
//! `TRACED_REQUIRE_COLLECTOR=1`, which makes its absence a failure.

use std::collections::HashSet;
use std::time::Duration;

use traced_tests::{App, AttrValue, Collector, Receiver};

const E2E_APP: &str = env!("CARGO_BIN_EXE_e2e_app");
const DEADLINE: Duration = Duration::from_secs(60);
const SPANS: usize = 3_000;

fn every_span_arrives_once_with_its_resource(compression: &str) {
    let receiver = Receiver::start();
    let Some(collector) = Collector::start(&receiver) else {
        return;
    };
    let output = App::new(E2E_APP)
        .args(["many", &SPANS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint())
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
        // The spans are made in one burst, faster than a debug build compresses them: a queue
        // that holds them all keeps this a test of delivery (overload has tests of its own).
        .env("OTEL_BSP_MAX_QUEUE_SIZE", (2 * SPANS).to_string())
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(SPANS, Duration::from_secs(30));
    assert_eq!(
        spans.len(),
        SPANS,
        "through the collector ({compression}): {} spans arrived\n{}\nrotel:\n{}",
        spans.len(),
        output.dump(),
        collector.log()
    );
    let ids: HashSet<_> = spans.iter().map(|s| s.span_id()).collect();
    assert_eq!(ids.len(), SPANS, "each span arrives once");
    for span in &spans {
        assert_eq!(span.service_name(), Some("e2e-app"), "{span:#?}");
        assert_eq!(
            span.resource_attr("service.version"),
            Some(&AttrValue::Str("1.2.3".to_owned()))
        );
        assert_eq!(
            span.resource_attr("telemetry.sdk.name"),
            Some(&AttrValue::Str("traced".to_owned()))
        );
        assert!(span.resource_attr("process.pid").is_some(), "{span:#?}");
    }
}

#[test]
fn every_span_arrives_once_through_a_real_collector() {
    every_span_arrives_once_with_its_resource("none");
}

#[test]
fn every_span_arrives_once_through_a_real_collector_with_gzip() {
    every_span_arrives_once_with_its_resource("gzip");
}
