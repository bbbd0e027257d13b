//! The span engine and export thread end to end, with an exporter that captures in memory.
//! One process per test file: the pipeline is global, so these tests share one and run in
//! sequence behind a lock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::{SpanKind as OtelKind, Status};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use traced::{Config, Span, SpanKind};

#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Capture {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` under a fresh pipeline and returns every span it exported.
fn capture(config: Config, f: impl FnOnce()) -> Vec<SpanData> {
    let _serial = serial();
    let sink = Capture::default();
    let mut guard = traced::init(
        config
            .with_exporter(sink.clone())
            .install_logging(false)
            .install_panic_hook(false),
    );
    f();
    guard.shutdown();
    sink.0.lock().unwrap().clone()
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span named {name}"))
}

#[test]
fn children_link_to_parents_and_keep_typed_attributes() {
    let spans = capture(Config::new(), || {
        let _root = Span::root("root")
            .kind(SpanKind::Server)
            .attr("s", "text")
            .attr("i", -3_i32)
            .attr("b", true)
            .attr("f", 1.5_f64)
            .attr("big", u64::MAX)
            .attr("none", None::<u8>)
            .enter();
        let _child = Span::child("child").attr("n", 1_u8).enter();
        traced::record("late", "yes");
    });
    assert_eq!(spans.len(), 2);
    let root = named(&spans, "root");
    let child = named(&spans, "child");
    assert_eq!(root.span_kind, OtelKind::Server);
    assert_eq!(child.span_kind, OtelKind::Internal);
    assert_eq!(child.parent_span_id, root.span_context.span_id());
    assert_eq!(child.span_context.trace_id(), root.span_context.trace_id());
    assert_eq!(root.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert_eq!(attr(root, "s"), Some(&Value::from("text")));
    assert_eq!(attr(root, "i"), Some(&Value::I64(-3)));
    assert_eq!(attr(root, "b"), Some(&Value::Bool(true)));
    assert_eq!(attr(root, "f"), Some(&Value::F64(1.5)));
    assert_eq!(attr(root, "big"), Some(&Value::from(u64::MAX.to_string())));
    assert_eq!(attr(root, "none"), None);
    assert_eq!(attr(child, "late"), Some(&Value::from("yes")));
    assert!(root.span_context.is_sampled());
    assert!(root.end_time >= child.end_time && child.start_time >= root.start_time);
    assert_eq!(root.instrumentation_scope.name(), "traced");
}

#[test]
fn a_root_inside_a_span_starts_a_new_trace() {
    let spans = capture(Config::new(), || {
        let _outer = Span::root("outer").enter();
        let _inner = Span::root("inner").enter();
    });
    let outer = named(&spans, "outer");
    let inner = named(&spans, "inner");
    assert_ne!(inner.span_context.trace_id(), outer.span_context.trace_id());
    assert_eq!(inner.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}

#[test]
fn futures_carry_their_span_across_threads_and_end_when_dropped() {
    let spans = capture(Config::new(), || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let task = tokio::spawn(Span::root("task").in_span(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Span::child("inner")
                    .in_span(async {
                        tokio::task::yield_now().await;
                        traced::record("polled", true);
                    })
                    .await;
            }));
            task.await.unwrap();
            let never = Span::root("dropped").in_span(std::future::pending::<()>());
            let _ = tokio::time::timeout(Duration::from_millis(5), never).await;
        });
    });
    let task = named(&spans, "task");
    let inner = named(&spans, "inner");
    assert_eq!(inner.parent_span_id, task.span_context.span_id());
    assert_eq!(attr(inner, "polled"), Some(&Value::Bool(true)));
    named(&spans, "dropped");
    // Nothing stays current once the futures are done.
    assert!(traced::current_span_id().is_none());
}

#[test]
fn a_panic_through_a_span_marks_it_and_the_span_still_ends() {
    let spans = capture(Config::new(), || {
        let result = std::panic::catch_unwind(|| {
            let _span = Span::root("panics").enter();
            panic!("boom");
        });
        assert!(result.is_err());
        let _after = Span::root("after").enter();
    });
    let span = named(&spans, "panics");
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(span.events.len(), 1);
    assert_eq!(span.events[0].name, "exception");
    named(&spans, "after");
}

#[test]
fn unsampled_roots_carry_ids_but_export_nothing() {
    let spans = capture(Config::new().sampler(traced::Sampler::AlwaysOff), || {
        let _root = Span::root("root").enter();
        assert!(traced::current_trace_id().is_some());
        let _child = Span::child("child").enter();
    });
    assert!(spans.is_empty());
}

#[test]
fn unsampled_children_share_their_unsampled_parents_ids() {
    let spans = capture(Config::new().sampler(traced::Sampler::AlwaysOff), || {
        let root = Span::root("root").enter();
        let (trace, span) = (traced::current_trace_id(), traced::current_span_id());
        assert!(trace.is_some() && span.is_some());
        {
            let child = Span::child("child").enter();
            // Logs and outgoing calls inside the child carry the trace, under its parent's id.
            assert_eq!(traced::current_trace_id(), trace);
            assert_eq!(traced::current_span_id(), span);
            assert_eq!(child.trace_id(), trace);
            assert_eq!(child.span_id(), span);
            let grandchild = Span::child("grandchild").enter();
            assert_eq!(grandchild.trace_id(), trace);
            drop(grandchild);
            assert_eq!(traced::current_span_id(), span);
        }
        // The child ending did not end its parent.
        assert_eq!(traced::current_span_id(), span);
        assert_eq!(root.span_id(), span);
        drop(root);
        assert_eq!(traced::current_span_id(), None);
        // A root inside an unsampled span is a new trace, with a frame of its own.
        let outer = Span::root("outer").enter();
        let inner = Span::root("inner").enter();
        assert_ne!(inner.trace_id(), outer.trace_id());
    });
    assert!(spans.is_empty());
}

#[test]
fn children_of_a_sampled_remote_parent_record_under_a_sampler_that_samples_no_root() {
    // Parent-based with roots off: only the caller's decision samples, and then every local
    // child records its own span.
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let sampler = traced::Sampler::ParentBased(traced::RootSampler::AlwaysOff);
    let spans = capture(Config::new().sampler(sampler), || {
        let root = Span::root("root").parent(traceparent).enter();
        let child = Span::child("child").enter();
        assert_ne!(child.span_id(), root.span_id());
        drop(child);
        drop(root);
        // Not sampled at the root: its child inherits it and nothing is exported.
        let _alone = Span::root("alone").enter();
        let _nested = Span::child("nested").enter();
    });
    let mut names: Vec<_> = spans.iter().map(|s| s.name.to_string()).collect();
    names.sort();
    assert_eq!(names, ["child", "root"]);
    let (root, child) = (named(&spans, "root"), named(&spans, "child"));
    assert_eq!(child.parent_span_id, root.span_context.span_id());
}

#[test]
fn limits_cut_values_and_cap_counts() {
    let big = "é".repeat(10_000);
    let spans = capture(
        Config::new()
            .attribute_value_length_limit(16)
            .attribute_count_limit(2),
        || {
            let _root = Span::root("root")
                .attr("a", big.as_str())
                .attr("b", 1_i64)
                .attr("c", 2_i64)
                .enter();
        },
    );
    let root = named(&spans, "root");
    assert_eq!(attr(root, "a"), Some(&Value::from("é".repeat(16))));
    assert_eq!(root.attributes.len(), 2);
    assert_eq!(root.dropped_attributes_count, 1);
}

#[test]
fn a_full_queue_drops_instead_of_blocking() {
    #[derive(Debug)]
    struct Slow;
    impl SpanExporter for Slow {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            std::thread::sleep(Duration::from_millis(200));
            Ok(())
        }
    }
    let _serial = serial();
    let mut guard = traced::init(
        Config::new()
            .with_exporter(Slow)
            .max_queue_size(64)
            .max_export_batch_size(8)
            .export_timeout(Duration::from_millis(500))
            .install_logging(false)
            .install_panic_hook(false),
    );
    for _ in 0..10_000 {
        let _span = Span::root("s").enter();
    }
    guard.shutdown();
    // Had ending a span waited for the exporter (200 ms per batch of 8), nothing would have
    // been dropped.
    let stats = guard.stats();
    assert!(stats.dropped > 9_000, "{stats:?}");
    assert!(
        stats.exported + stats.failed + stats.dropped <= 10_000,
        "{stats:?}"
    );
}

#[test]
fn an_exporter_that_panics_once_does_not_stop_tracing() {
    #[derive(Debug, Default)]
    struct PanicsOnce(Mutex<bool>, Capture);
    impl SpanExporter for PanicsOnce {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let first = !std::mem::replace(&mut *self.0.lock().unwrap(), true);
            if first {
                panic!("exporter bug");
            }
            self.1.export(batch).await
        }
    }
    let _serial = serial();
    let exporter = PanicsOnce::default();
    let sink = exporter.1.clone();
    let mut guard = traced::init(
        Config::new()
            .with_exporter(exporter)
            .max_export_batch_size(1)
            .schedule_delay(Duration::from_millis(10))
            .install_logging(false)
            .install_panic_hook(false),
    );
    drop(Span::root("lost").enter());
    std::thread::sleep(Duration::from_millis(100));
    drop(Span::root("kept").enter());
    guard.shutdown();
    let spans = sink.0.lock().unwrap();
    assert!(spans.iter().any(|s| s.name == "kept"));
}

#[test]
fn a_panic_inside_a_polled_future_leaves_no_span_current() {
    let spans = capture(Config::new(), || {
        let outer = Span::root("outer").in_span(async {
            let outer_id = traced::current_span_id();
            Span::child("inner")
                .in_span(async {
                    assert_ne!(traced::current_span_id(), None);
                    std::future::ready(()).await;
                })
                .await;
            assert_eq!(traced::current_span_id(), outer_id);
            panic!("inside the poll");
        });
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            futures_executor::block_on(outer)
        }));
        assert!(result.is_err());
        assert_eq!(traced::current_span_id(), None);
        // The thread's stack works as before.
        let _after = Span::root("after").enter();
        assert!(traced::current_span_id().is_some());
    });
    let inner = named(&spans, "inner");
    let outer = named(&spans, "outer");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    named(&spans, "after");
}
