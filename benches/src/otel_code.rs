//! The user code written against the raw OpenTelemetry 0.33 API, and the SDK provider with a
//! `BatchSpanProcessor` and a discarding exporter that it and tracing-opentelemetry share.

use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};

use crate::Discard;

/// An SDK provider exporting through a `BatchSpanProcessor` (its own thread) to [`Discard`].
pub fn provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build()
}

fn attributes(id: u64, label: &str, flag: bool) -> Vec<KeyValue> {
    vec![
        KeyValue::new("id", id as i64),
        KeyValue::new("label", label.to_owned()),
        KeyValue::new("flag", flag),
    ]
}

/// The root span.
#[inline(never)]
pub fn root_fn(tracer: &BoxedTracer, id: u64, label: &str, flag: bool) {
    let span = tracer
        .span_builder("root_fn")
        .with_attributes(attributes(id, label, flag))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    child_fn(tracer, id, label, flag);
}

/// The child span.
#[inline(never)]
pub fn child_fn(tracer: &BoxedTracer, id: u64, label: &str, flag: bool) {
    let span = tracer
        .span_builder("child_fn")
        .with_attributes(attributes(id, label, flag))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    std::hint::black_box((id, label, flag));
}
