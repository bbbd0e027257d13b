//! The user code written against the raw OpenTelemetry 0.33 API, and the SDK provider with a
//! `BatchSpanProcessor` and a discarding exporter that it and tracing-opentelemetry share.
//!
//! `root_fn_with_code` and `child_fn_with_code` are the same code setting the `code.*`
//! attributes too (function, file, line), as traced records them for every span: for
//! comparisons of what is exported, where both sides must send the same six attributes.

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

/// The three arguments and the `code.*` attributes of semantic conventions "Code", these from
/// `'static` strings as traced has them (not copied).
fn attributes_with_code(
    id: u64,
    label: &str,
    flag: bool,
    function: &'static str,
    line: u32,
) -> Vec<KeyValue> {
    vec![
        KeyValue::new("id", id as i64),
        KeyValue::new("label", label.to_owned()),
        KeyValue::new("flag", flag),
        KeyValue::new("code.function.name", function),
        KeyValue::new("code.file.path", file!()),
        KeyValue::new("code.line.number", i64::from(line)),
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

/// The root span, with `code.*` attributes.
#[inline(never)]
pub fn root_fn_with_code(tracer: &BoxedTracer, id: u64, label: &str, flag: bool) {
    let span = tracer
        .span_builder("root_fn")
        .with_attributes(attributes_with_code(
            id,
            label,
            flag,
            concat!(module_path!(), "::root_fn_with_code"),
            line!(),
        ))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    child_fn_with_code(tracer, id, label, flag);
}

/// The child span, with `code.*` attributes.
#[inline(never)]
pub fn child_fn_with_code(tracer: &BoxedTracer, id: u64, label: &str, flag: bool) {
    let span = tracer
        .span_builder("child_fn")
        .with_attributes(attributes_with_code(
            id,
            label,
            flag,
            concat!(module_path!(), "::child_fn_with_code"),
            line!(),
        ))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    std::hint::black_box((id, label, flag));
}
