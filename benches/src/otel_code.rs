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

/// The logs benchmark's root span (`logs_cpu`), with `code.*` attributes: logs an event (the
/// appender takes the ids from the current OpenTelemetry context), calls the child, and writes
/// down the ids both events were logged in, for the receiver to check.
#[inline(never)]
pub fn root_logs(
    tracer: &BoxedTracer,
    id: u64,
    label: &str,
    flag: bool,
    expected: &mut crate::logs_receiver::Expected,
) {
    let span = tracer
        .span_builder("root_logs")
        .with_attributes(attributes_with_code(
            id,
            label,
            flag,
            concat!(module_path!(), "::root_logs"),
            line!(),
        ))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    crate::log_events::received(id, label, flag);
    let root = current_ids();
    let child = child_logs(tracer, id, label, flag);
    expected.push(root, child);
}

/// The logs benchmark's child span, with `code.*` attributes: logs an event; the ids it was
/// logged in.
#[inline(never)]
pub fn child_logs(tracer: &BoxedTracer, id: u64, label: &str, flag: bool) -> (u128, u64) {
    let span = tracer
        .span_builder("child_logs")
        .with_attributes(attributes_with_code(
            id,
            label,
            flag,
            concat!(module_path!(), "::child_logs"),
            line!(),
        ))
        .start(tracer);
    let _attached = Context::current_with_span(span).attach();
    crate::log_events::dispatched(id, label, flag);
    current_ids()
}

/// Trace id and span id of the current OpenTelemetry context's span.
fn current_ids() -> (u128, u64) {
    Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        (
            u128::from_be_bytes(context.trace_id().to_bytes()),
            u64::from_be_bytes(context.span_id().to_bytes()),
        )
    })
}
