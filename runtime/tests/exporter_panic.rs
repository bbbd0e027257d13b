//! An exporter that panics on every batch: each batch is lost and counted, the panic is
//! reported once (not once per batch), and the service goes on creating spans.

mod common;

use common::Lines;

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

#[derive(Debug)]
struct AlwaysPanics;

impl SpanExporter for AlwaysPanics {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        panic!("exporter bug");
    }
}

#[test]
fn a_panicking_exporter_is_reported_once_and_tracing_goes_on() {
    let lines = Lines::install_global();
    let mut guard = traced::init(
        traced::Config::new()
            .with_exporter(AlwaysPanics)
            .max_export_batch_size(1)
            .schedule_delay(Duration::from_millis(5))
            .install_logging(false)
            .install_panic_hook(false),
    );
    for _ in 0..5 {
        drop(traced::Span::root("lost").enter());
        std::thread::sleep(Duration::from_millis(20));
    }
    guard.shutdown();
    assert_eq!(guard.stats().failed, 5, "{:?}", guard.stats());
    let text = lines.text();
    let reports = text
        .lines()
        .filter(|l| l.contains("the span exporter panicked"))
        .count();
    assert_eq!(reports, 1, "{text}");
}
