//! The export thread: drains the queue in batches (OTEL_BSP_*), exports them with panics
//! contained, reports losses at a bounded rate, and flushes within a deadline at shutdown.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

use super::BoxedExporter;
use super::console::ConsoleExporter;
use super::convert::{Strings, span_data};
use super::flight::{self, Flight, Landing};
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

/// How often loss warnings may be repeated: one line per interval with the counts, never one
/// per span, so a service that drops spans under load does not flood its own logs too.
const REPORT_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct Worker {
    pipeline: &'static Pipeline,
    /// One exporter, or two for OTLP: each has at most one export under way, and the export
    /// thread alternates between them (see `flight`).
    exporters: Vec<BoxedExporter>,
    scope: InstrumentationScope,
    batch: BatchSettings,
    reports: Reports,
    recycler: Recycler,
    strings: Strings,
}

/// What the export thread has reported, for rate limiting.
#[derive(Debug, Default)]
struct Reports {
    reported_drops: u64,
    last_drop_report: Option<Instant>,
    last_failure_report: Option<Instant>,
    panic_reported: bool,
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
                crate::engine::mark_thread_internal();
                let built = catch_unwind(AssertUnwindSafe(|| build(spec)))
                    .unwrap_or_else(|_| Err("the exporter panicked while being built".into()));
                let mut exporters = match built {
                    Ok(exporters) => exporters,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                for exporter in &mut exporters {
                    exporter.set_resource(&resource);
                }
                pipeline.set_worker(thread::current());
                let _ = ready_tx.send(Ok(()));
                let scope = InstrumentationScope::builder("traced")
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .build();
                let mut worker = Worker {
                    pipeline,
                    exporters,
                    scope,
                    batch,
                    reports: Reports::default(),
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
            if let Some(ticket) = self.pipeline.flush_requested() {
                // Everything queued before the request is exported, and every export under
                // way has ended, when `export_queued` returns.
                self.export_queued(None);
                self.pipeline.answer_flush(ticket);
                self.reports.drops(self.pipeline, false);
                deadline = Instant::now() + delay;
                continue;
            }
            let now = Instant::now();
            if self.pipeline.queued() >= self.pipeline.batch_size() || now >= deadline {
                self.export_queued(None);
                self.reports.drops(self.pipeline, false);
                deadline = Instant::now() + delay;
                continue;
            }
            thread::park_timeout(deadline - now);
        }
    }

    /// Exports everything queued, in batches; stops taking batches at `until` if given, and
    /// returns once every export under way has ended.
    fn export_queued(&mut self, until: Option<Instant>) -> bool {
        let Worker {
            pipeline,
            exporters,
            scope,
            reports,
            recycler,
            strings,
            ..
        } = self;
        let pipeline: &'static Pipeline = pipeline;
        let mut flights: Vec<Option<Flight<'_>>> = exporters.iter().map(|_| None).collect();
        let mut lane = 0;
        let emptied = loop {
            if until.is_some_and(|until| Instant::now() >= until) {
                break false;
            }
            let batch = take_batch(pipeline, scope, strings, recycler);
            if batch.is_empty() {
                break true;
            }
            // This lane's exporter ends its previous export before it starts another (see
            // `flight`: never two exports at once on one exporter).
            if let Some(flight) = flights[lane].take() {
                reports.landed(pipeline, flight::land(flight));
            }
            match flight::take_off(&exporters[lane], batch) {
                Ok(flight) => flights[lane] = Some(flight),
                Err(landing) => reports.landed(pipeline, landing),
            }
            lane = (lane + 1) % flights.len();
            // Under steady load against a failing collector the queue never empties; drops
            // must still be reported while they happen, not only at shutdown.
            reports.drops(pipeline, false);
        };
        // The oldest first: it is the one most likely to have ended.
        let rest = flights.len();
        for i in 0..rest {
            if let Some(flight) = flights[(lane + i) % rest].take() {
                reports.landed(pipeline, flight::land(flight));
            }
        }
        emptied
    }

    fn final_flush(&mut self) {
        let until = Instant::now() + self.batch.export_timeout;
        self.export_queued(Some(until));
        self.pipeline.answer_all_flushes();
        self.reports.drops(self.pipeline, true);
        for exporter in &self.exporters {
            let left = until.saturating_duration_since(Instant::now());
            let _ = catch_unwind(AssertUnwindSafe(|| exporter.shutdown_with_timeout(left)));
        }
    }
}

impl Reports {
    /// Counts how an export ended; failures are reported at most once per interval, a
    /// panicking exporter once.
    fn landed(&mut self, pipeline: &Pipeline, landing: Landing) {
        let counters = &pipeline.counters;
        counters
            .exporting
            .fetch_sub(landing.spans(), Ordering::Relaxed);
        match landing {
            Landing::Exported(spans) => {
                counters.exported.fetch_add(spans, Ordering::Relaxed);
            }
            Landing::Failed(spans, error) => {
                counters.export_failed.fetch_add(spans, Ordering::Relaxed);
                if due(&mut self.last_failure_report) {
                    tracing::warn!(
                        target: "traced",
                        spans,
                        "span export failed: {error}; failures are reported at most every {}s",
                        REPORT_INTERVAL.as_secs()
                    );
                }
            }
            Landing::Panicked(spans) => {
                counters.export_failed.fetch_add(spans, Ordering::Relaxed);
                if !self.panic_reported {
                    self.panic_reported = true;
                    tracing::error!(
                        target: "traced",
                        spans,
                        "the span exporter panicked; its batch is lost, export continues"
                    );
                }
            }
        }
    }

    /// One warning per interval with the number of spans dropped since the last one.
    fn drops(&mut self, pipeline: &Pipeline, force: bool) {
        let dropped = pipeline.counters.dropped_queue_full.sum();
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
}

impl WorkerHandle {
    /// Waits for the final flush, at most `timeout`.
    pub(crate) fn wait(&self, pipeline: &Pipeline, timeout: Duration) -> ShutdownReport {
        let completed = matches!(
            self.done.recv_timeout(timeout),
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected)
        );
        let counters = &pipeline.counters;
        // Still queued, or taken by an export that has not ended: lost.
        let left = pipeline.queued() as u64 + counters.exporting.load(Ordering::Relaxed);
        ShutdownReport {
            exported: counters.exported.load(Ordering::Relaxed),
            failed: counters.export_failed.load(Ordering::Relaxed) + left,
            dropped: counters.dropped(),
            completed,
        }
    }
}

/// Takes up to a batch of records off the queue and converts them, recycling each record.
fn take_batch(
    pipeline: &'static Pipeline,
    scope: &InstrumentationScope,
    strings: &mut Strings,
    recycler: &mut Recycler,
) -> Vec<SpanData> {
    let batch_size = pipeline.batch_size();
    let mut batch = Vec::with_capacity(batch_size.min(pipeline.queued()));
    let anchor = Anchor::now();
    while batch.len() < batch_size {
        match pipeline.pop() {
            Some(mut record) => {
                batch.push(span_data(&mut record, scope, &anchor, strings));
                recycler.recycle(record);
            }
            None => break,
        }
    }
    pipeline.clear_full();
    pipeline
        .counters
        .exporting
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    batch
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

fn build(spec: ExporterSpec) -> Result<Vec<BoxedExporter>, String> {
    match spec {
        ExporterSpec::Custom(exporter) => Ok(vec![exporter]),
        ExporterSpec::Console => Ok(vec![BoxedExporter::new(ConsoleExporter::stdout())]),
        ExporterSpec::Otlp(settings) => Ok(super::otlp::build_pair(&settings)?
            .into_iter()
            .map(BoxedExporter::new)
            .collect()),
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
