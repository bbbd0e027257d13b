//! Span semantics through the manual API and the context helpers, captured in memory with
//! `traced::testing`.

use std::collections::HashMap;
use std::time::Duration;

use traced::testing::{Capture, Status, Value, capture};
use traced::{FutureExt as _, Span, SpanKind};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn a_root_inside_a_child_starts_a_new_trace() {
    let ((), spans) = capture(|| {
        let _outer = Span::root("outer").enter();
        let _child = Span::child("child").enter();
        let _root = Span::root("inner root").enter();
    });
    let outer = spans.named("outer");
    let child = spans.named("child");
    let root = spans.named("inner root");
    assert_eq!(child.trace_id, outer.trace_id);
    assert_eq!(child.parent_span_id, Some(outer.span_id));
    assert_ne!(root.trace_id, outer.trace_id);
    assert_eq!(root.parent_span_id, None);
}

#[test]
fn parent_continues_the_carriers_trace() {
    let headers = HashMap::from([
        ("traceparent".to_owned(), TRACEPARENT.to_owned()),
        ("tracestate".to_owned(), "congo=t61rcWkgMzE".to_owned()),
    ]);
    let ((), spans) = capture(|| {
        let _span = Span::root("consume")
            .kind(SpanKind::Consumer)
            .parent(&headers)
            .enter();
        let _child = Span::child("step").enter();
        assert_eq!(
            traced::propagation::current_traceparent().unwrap()[..36],
            TRACEPARENT[..36]
        );
    });
    let span = spans.named("consume");
    assert_eq!(
        span.trace_id.to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id.unwrap().to_string(), "00f067aa0ba902b7");
    assert!(span.parent_is_remote);
    assert_eq!(span.kind, SpanKind::Consumer);
    assert_eq!(spans.named("step").parent_span_id, Some(span.span_id));
}

#[test]
fn link_starts_a_new_trace_linked_to_the_carrier() {
    let ((), spans) = capture(|| {
        let _span = Span::root("batch").link(TRACEPARENT).enter();
    });
    let span = spans.named("batch");
    assert_ne!(
        span.trace_id.to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id, None);
    assert_eq!(span.links.len(), 1);
    assert_eq!(
        span.links[0].trace_id.to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.links[0].span_id.to_string(), "00f067aa0ba902b7");
}

#[test]
fn a_missing_or_malformed_carrier_means_a_fresh_trace() {
    let malformed = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    let ((), spans) = capture(|| {
        drop(Span::root("malformed").parent(malformed).enter());
        drop(Span::root("missing").parent(&None::<String>).enter());
        drop(Span::root("no link").link("garbage").enter());
    });
    for name in ["malformed", "missing", "no link"] {
        let span = spans.named(name);
        assert_eq!(span.parent_span_id, None);
        assert!(span.links.is_empty());
        assert_ne!(
            span.trace_id.to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }
}

#[test]
fn spawned_tasks_carry_the_current_span() {
    let capture = Capture::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let handle = {
            let _guard = Span::root("request").enter();
            let spawned = traced::spawn(async {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Span::child("in spawned task").in_span(async {}).await;
            });
            let later =
                async { Span::child("in later future").in_span(async {}).await }.in_current_span();
            (spawned, later)
        };
        handle.0.await.unwrap();
        handle.1.await;
        tokio::spawn(async { drop(Span::child("plain spawn").enter()) })
            .await
            .unwrap();
    });
    let spans = capture.finish();
    let request = spans.named("request");
    for name in ["in spawned task", "in later future"] {
        let span = spans.named(name);
        assert_eq!(span.trace_id, request.trace_id, "{name}");
        assert_eq!(span.parent_span_id, Some(request.span_id), "{name}");
    }
    // Without carrying, a spawned task starts its own trace.
    assert_eq!(spans.named("plain spawn").parent_span_id, None);
    assert_eq!(
        spans.all_named("").count(),
        0,
        "context frames are never exported"
    );
}

#[test]
fn thousand_concurrent_tasks_keep_their_parents() {
    let capture = Capture::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..1000_i64)
            .map(|i| {
                tokio::spawn(Span::root("task root").attr("i", i).in_span(async move {
                    tokio::task::yield_now().await;
                    Span::child("task child")
                        .attr("i", i)
                        .in_span(async move {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                            Span::child("task grandchild")
                                .attr("i", i)
                                .in_span(async { tokio::task::yield_now().await })
                                .await;
                        })
                        .await;
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    let spans = capture.finish();
    assert_eq!(spans.len(), 3000);
    let by_id: HashMap<_, _> = spans.all().iter().map(|s| (s.span_id, s)).collect();
    for span in spans.all() {
        let i = span.attr("i").cloned();
        match span.name.as_str() {
            "task root" => assert_eq!(span.parent_span_id, None),
            _ => {
                let parent = by_id[&span.parent_span_id.expect("a parent")];
                assert_eq!(parent.trace_id, span.trace_id);
                assert_eq!(parent.attr("i").cloned(), i);
                let expected = if span.name == "task child" {
                    "task root"
                } else {
                    "task child"
                };
                assert_eq!(parent.name, expected);
            }
        }
    }
}

#[test]
fn a_future_dropped_before_completion_still_ends_its_span() {
    let capture = Capture::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let slow = Span::root("abandoned").in_span(tokio::time::sleep(Duration::from_secs(60)));
        let _ = tokio::time::timeout(Duration::from_millis(5), slow).await;
    });
    let spans = capture.finish();
    assert_eq!(spans.named("abandoned").status, Status::Unset);
}

#[test]
fn tracing_spans_nest_both_ways() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry().with(traced::BridgeLayer::new());
    let ((), spans) = capture(|| {
        tracing::subscriber::with_default(subscriber, || {
            let _root = Span::root("engine root").enter();
            let library = tracing::info_span!("library call", rows = 3_u64, table = "orders");
            library.in_scope(|| {
                let _inner = Span::child("engine inside tracing").enter();
            });
            library.record("rows", 4_u64);
            drop(library);
            let _named =
                tracing::info_span!("ignored", otel.name = "renamed", otel.kind = "client")
                    .entered();
        });
    });
    let root = spans.named("engine root");
    let library = spans.named("library call");
    let inner = spans.named("engine inside tracing");
    assert_eq!(library.parent_span_id, Some(root.span_id));
    assert_eq!(inner.parent_span_id, Some(library.span_id));
    assert_eq!(library.attr("rows"), Some(&Value::I64(4)));
    assert_eq!(library.attr("table"), Some(&Value::from("orders")));
    let renamed = spans.named("renamed");
    assert_eq!(renamed.kind, SpanKind::Client);
    assert_eq!(renamed.parent_span_id, Some(root.span_id));
}
