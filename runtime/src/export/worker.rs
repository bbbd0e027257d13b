//! The export thread: drains the queue in batches (OTEL_BSP_*), exports them with panics
//! contained, reports losses at a bounded rate, and flushes within a deadline at shutdown.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;

use super::BoxedExporter;
use super::console::ConsoleExporter;
use super::convert::{Strings, span_data};
use crate::config::{BatchSettings, OtlpSettings};
use crate::engine::clock::Anchor;
use crate::engine::pipeline::Pipeline;
use crate::engine::pool::Recycler;

/// Which exporter the thread builds (on itself, off any async runtime).
#[derive(Debug)]
pub(crate) enum ExporterSpec {
    Custom(BoxedExporter),
    Otlp(OtlpSettings),
    Console,
}

/// The running export thread, as seen by the guard.
#[derive(Debug)]
pub(crate) struct WorkerHandle {
    done: mpsc::Receiver<()>,
}

/// What the guard logs after shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShutdownReport {
    pub(crate) exported: u64,
    pub(crate) failed: u64,
    pub(crate) dropped: u64,
    /// False when the flush did not finish within the export timeout.
    pub(crate) completed: bool,
}

/// How often loss warnings may be repeated (B8: throttle, never one line per span).
const REPORT_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct Worker {
    pipeline: &'static Pipeline,
    exporter: BoxedExporter,
    scope: InstrumentationScope,
    batch: BatchSettings,
    reported_drops: u64,
    last_drop_report: Option<Instant>,
    last_failure_report: Option<Instant>,
    panic_reported: bool,
    recycler: Recycler,
    strings: Strings,
}

impl Worker {
    /// Starts the export thread; returns once its exporter is built (or failed to build).
    pub(crate) fn spawn(
        pipeline: &'static Pipeline,
        spec: ExporterSpec,
        resource: Resource,
        batch: BatchSettings,
    ) -> Result<WorkerHandle, String> {
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), String>>(1);
        let (done_tx, done_rx) = mpsc::sync_channel::<()>(1);
        thread::Builder::new()
            .name("traced-export".into())
            .spawn(move || {
                let built = catch_unwind(AssertUnwindSafe(|| build(spec)))
                    .unwrap_or_else(|_| Err("the exporter panicked while being built".into()));
                let mut exporter = match built {
                    Ok(exporter) => exporter,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                exporter.set_resource(&resource);
                pipeline.set_worker(thread::current());
                let _ = ready_tx.send(Ok(()));
                let scope = InstrumentationScope::builder("traced")
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .build();
                let mut worker = Worker {
                    pipeline,
                    exporter,
                    scope,
                    batch,
                    reported_drops: 0,
                    last_drop_report: None,
                    last_failure_report: None,
                    panic_reported: false,
                    recycler: Recycler::default(),
                    strings: Strings::default(),
                };
                worker.run();
                let _ = done_tx.send(());
            })
            .map_err(|e| format!("cannot start the export thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(WorkerHandle { done: done_rx }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err("the export thread stopped while starting".into()),
        }
    }

    fn run(&mut self) {
        let delay = self.batch.schedule_delay;
        let mut deadline = Instant::now() + delay;
        loop {
            self.pipeline.clear_wake();
            if self.pipeline.is_closed() {
                self.final_flush();
                return;
            }
            let now = Instant::now();
            if self.pipeline.queued() >= self.pipeline.batch_size() || now >= deadline {
                self.export_queued(None);
                self.report_drops(false);
                deadline = Instant::now() + delay;
                continue;
            }
            thread::park_timeout(deadline - now);
        }
    }

    /// Exports everything queued, in batches; stops at `until` if given.
    fn export_queued(&mut self, until: Option<Instant>) -> bool {
        let batch_size = self.pipeline.batch_size();
        loop {
            if until.is_some_and(|until| Instant::now() >= until) {
                return false;
            }
            let mut batch = Vec::with_capacity(batch_size.min(self.pipeline.queued()));
            let anchor = Anchor::now();
            while batch.len() < batch_size {
                match self.pipeline.pop() {
                    Some(mut record) => {
                        batch.push(span_data(
                            &mut record,
                            &self.scope,
                            &anchor,
                            &mut self.strings,
                        ));
                        self.recycler.recycle(record);
                    }
                    None => break,
                }
            }
            self.pipeline.clear_full();
            if batch.is_empty() {
                return true;
            }
            self.export(batch);
            // Under steady load against a failing collector the queue never empties; drops
            // must still be reported while they happen, not only at shutdown.
            self.report_drops(false);
        }
    }

    fn export(&mut self, batch: Vec<opentelemetry_sdk::trace::SpanData>) {
        let count = batch.len() as u64;
        let counters = &self.pipeline.counters;
        // B9: a panicking exporter must not take tracing down with it; the stock
        // BatchSpanProcessor has no such guard.
        let result = catch_unwind(AssertUnwindSafe(|| {
            futures_executor::block_on(self.exporter.export(batch))
        }));
        match result {
            Ok(Ok(())) => {
                counters.exported.fetch_add(count, Ordering::Relaxed);
            }
            Ok(Err(error)) => {
                counters.export_failed.fetch_add(count, Ordering::Relaxed);
                if due(&mut self.last_failure_report) {
                    tracing::warn!(
                        target: "traced",
                        spans = count,
                        "span export failed: {error}; failures are reported at most every {}s",
                        REPORT_INTERVAL.as_secs()
                    );
                }
            }
            Err(_) => {
                counters.export_failed.fetch_add(count, Ordering::Relaxed);
                if !self.panic_reported {
                    self.panic_reported = true;
                    tracing::error!(
                        target: "traced",
                        spans = count,
                        "the span exporter panicked; its batch is lost, export continues"
                    );
                }
            }
        }
    }

    /// One warning per interval with the number of spans dropped since the last one.
    fn report_drops(&mut self, force: bool) {
        let dropped = self.pipeline.counters.dropped_queue_full.sum();
        let new = dropped - self.reported_drops;
        if new > 0 && (force || due(&mut self.last_drop_report)) {
            self.reported_drops = dropped;
            tracing::warn!(
                target: "traced",
                dropped = new,
                "dropped {new} spans: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE)"
            );
        }
    }

    fn final_flush(&mut self) {
        let until = Instant::now() + self.batch.export_timeout;
        self.export_queued(Some(until));
        self.report_drops(true);
        let left = until.saturating_duration_since(Instant::now());
        let _ = catch_unwind(AssertUnwindSafe(|| {
            self.exporter.shutdown_with_timeout(left)
        }));
    }
}

impl WorkerHandle {
    /// Waits for the final flush, at most `timeout`.
    pub(crate) fn wait(&self, pipeline: &Pipeline, timeout: Duration) -> ShutdownReport {
        let completed = matches!(
            self.done.recv_timeout(timeout),
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected)
        );
        let counters = &pipeline.counters;
        let queued_left = pipeline.queued() as u64;
        ShutdownReport {
            exported: counters.exported.load(Ordering::Relaxed),
            failed: counters.export_failed.load(Ordering::Relaxed) + queued_left,
            dropped: counters.dropped_queue_full.sum()
                + counters.dropped_after_shutdown.load(Ordering::Relaxed),
            completed,
        }
    }
}

fn due(last: &mut Option<Instant>) -> bool {
    let now = Instant::now();
    match last {
        Some(t) if now.duration_since(*t) < REPORT_INTERVAL => false,
        _ => {
            *last = Some(now);
            true
        }
    }
}

fn build(spec: ExporterSpec) -> Result<BoxedExporter, String> {
    match spec {
        ExporterSpec::Custom(exporter) => Ok(exporter),
        ExporterSpec::Console => Ok(BoxedExporter::new(ConsoleExporter::stdout())),
        ExporterSpec::Otlp(settings) => super::otlp::build(&settings).map(BoxedExporter::new),
    }
}
