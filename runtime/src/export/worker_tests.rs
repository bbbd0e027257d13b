//! The export thread's lanes: turns, one export under way per exporter, every span counted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::SpanExporter;

use super::*;
use crate::config::{Limits, Sampler};
use crate::engine::pool;

/// An exporter whose exports stay under way until polled a second time, as the OTLP
/// exporter's wait for the collector does; it notes a call made while one is under way.
#[derive(Debug, Default)]
struct Slow {
    busy: AtomicBool,
    overlapped: AtomicBool,
    spans: AtomicU64,
    calls: AtomicU64,
}

struct SlowExport {
    exporter: Arc<Slow>,
    spans: u64,
    polled: bool,
}

impl Future for SlowExport {
    type Output = OTelSdkResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OTelSdkResult> {
        if !self.polled {
            self.polled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.exporter.busy.store(false, Ordering::SeqCst);
        self.exporter.spans.fetch_add(self.spans, Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug)]
struct Shared(Arc<Slow>);

impl SpanExporter for Shared {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        if self.0.busy.swap(true, Ordering::SeqCst) {
            self.0.overlapped.store(true, Ordering::SeqCst);
        }
        self.0.calls.fetch_add(1, Ordering::SeqCst);
        SlowExport {
            exporter: Arc::clone(&self.0),
            spans: batch.len() as u64,
            polled: false,
        }
    }
}

#[test]
fn two_exporters_take_turns_and_neither_is_called_while_busy() {
    let pipeline: &'static Pipeline = Box::leak(Box::new(Pipeline::new(
        Sampler::AlwaysOn,
        Limits::default(),
        true,
        4096,
        16,
    )));
    for id in 1..=(16 * 10 + 5) {
        let mut record = pool::take();
        record.span_id = id;
        pipeline.submit(record);
    }
    let (a, b) = (Arc::new(Slow::default()), Arc::new(Slow::default()));
    let mut worker = Worker {
        pipeline,
        exporters: vec![
            BoxedExporter::new(Shared(Arc::clone(&a))),
            BoxedExporter::new(Shared(Arc::clone(&b))),
        ],
        scope: InstrumentationScope::builder("test").build(),
        batch: BatchSettings::default(),
        reports: Reports::default(),
        recycler: Recycler::default(),
        strings: Strings::default(),
    };
    assert!(worker.export_queued(None));
    // 11 batches (10 of 16 spans, one of 5), in turns: 6 and 5.
    for (exporter, calls) in [(&a, 6), (&b, 5)] {
        assert!(!exporter.overlapped.load(Ordering::SeqCst));
        assert!(!exporter.busy.load(Ordering::SeqCst), "every export ended");
        assert_eq!(
            exporter.calls.load(Ordering::SeqCst),
            calls,
            "turns alternate"
        );
    }
    let exported = a.spans.load(Ordering::SeqCst) + b.spans.load(Ordering::SeqCst);
    assert_eq!(exported, 165);
    let counters = &pipeline.counters;
    assert_eq!(counters.exported.load(Ordering::SeqCst), 165);
    assert_eq!(counters.exporting.load(Ordering::SeqCst), 0);
}
