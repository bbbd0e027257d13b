//! `tracing` spans meet traced fns (README, Span attributes): with the bridge layer
//! installed, `tracing::info_span!` and `#[tracing::instrument]` fns called inside a traced fn
//! become engine spans nested where they run, and traced fns called inside a tracing span nest
//! under it, sync and async.

use std::time::Duration;

use traced::testing::{CapturedSpan, CapturedSpans, Value, capture};
use traced::{child_span, root_span};
use traced_tests::captured::capture_local;
use tracing_subscriber::layer::SubscriberExt as _;

fn bridged() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(traced::BridgeLayer::new())
}

#[track_caller]
fn child_of<'a>(spans: &'a CapturedSpans, name: &str, parent: &CapturedSpan) -> &'a CapturedSpan {
    let span = spans.named(name);
    assert_eq!(
        span.parent_span_id,
        Some(parent.span_id),
        "{name} should be a child of {}: {spans:?}",
        parent.name
    );
    assert_eq!(span.trace_id, parent.trace_id, "{name}");
    span
}

#[root_span]
fn traced_handler(order: u64) {
    let library = tracing::info_span!("library.query", table = "orders", rows = 3_i64);
    library.in_scope(|| traced_inside_library(order));
    instrumented_step(order);
    traced_after();
}

#[child_span]
fn traced_inside_library(order: u64) {
    let _ = order;
}

#[tracing::instrument]
fn instrumented_step(order: u64) {
    traced_inside_instrument();
}

#[child_span]
fn traced_inside_instrument() {}

#[child_span]
fn traced_after() {}

#[test]
fn tracing_spans_inside_a_traced_fn_nest_where_they_run_and_back() {
    let ((), spans) = capture(|| {
        tracing::subscriber::with_default(bridged(), || traced_handler(7));
    });
    let handler = spans.named("traced_handler");
    let library = child_of(&spans, "library.query", handler);
    assert_eq!(library.attr("table"), Some(&Value::from("orders")));
    child_of(&spans, "traced_inside_library", library);
    let instrumented = child_of(&spans, "instrumented_step", handler);
    assert!(
        instrumented.attr("order").is_some(),
        "#[instrument] records its argument: {:?}",
        instrumented.attributes
    );
    child_of(&spans, "traced_inside_instrument", instrumented);
    // After the tracing spans closed, the traced fn's span is current again.
    child_of(&spans, "traced_after", handler);
    assert_eq!(spans.len(), 6, "{spans:?}");
}

#[root_span]
async fn async_handler(order: u64) {
    tokio::task::yield_now().await;
    instrumented_async(order).await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    async_traced_after().await;
}

#[tracing::instrument]
async fn instrumented_async(order: u64) {
    tokio::task::yield_now().await;
    async_traced_inside().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    {
        let _entered = tracing::info_span!("library.sync_part").entered();
        sync_traced_inside();
    }
}

#[child_span]
async fn async_traced_inside() {
    tokio::task::yield_now().await;
}

#[child_span]
fn sync_traced_inside() {}

#[child_span]
async fn async_traced_after() {
    tokio::task::yield_now().await;
}

#[test]
fn instrumented_async_fns_nest_inside_traced_async_fns_across_awaits() {
    let ((), spans) = {
        let _default = tracing::subscriber::set_default(bridged());
        capture_local(async_handler(3))
    };
    let handler = spans.named("async_handler");
    let instrumented = child_of(&spans, "instrumented_async", handler);
    child_of(&spans, "async_traced_inside", instrumented);
    let sync_part = child_of(&spans, "library.sync_part", instrumented);
    child_of(&spans, "sync_traced_inside", sync_part);
    child_of(&spans, "async_traced_after", handler);
    assert_eq!(spans.len(), 6, "{spans:?}");
}

#[test]
fn a_traced_fn_inside_a_tracing_span_is_its_child() {
    let ((), spans) = capture(|| {
        tracing::subscriber::with_default(bridged(), || {
            let outer = tracing::info_span!("outer tracing span");
            outer.in_scope(|| {
                traced_inside_library(1);
                // A root span ignores the current tracing span too: it starts a new trace.
                traced_handler(2);
            });
        });
    });
    let outer = spans.named("outer tracing span");
    assert_eq!(outer.parent_span_id, None);
    let inside = spans
        .all_named("traced_inside_library")
        .find(|s| s.attr("order") == Some(&Value::I64(1)))
        .expect("traced_inside_library(1)");
    assert_eq!(inside.parent_span_id, Some(outer.span_id));
    assert_eq!(inside.trace_id, outer.trace_id);
    let handler = spans.named("traced_handler");
    assert_eq!(handler.parent_span_id, None);
    assert_ne!(handler.trace_id, outer.trace_id);
}
