//! The export thread: drains the queue in batches (`OTEL_BSP_*`), hands each batch to every
//! exporter, answers `traced::flush`, reports losses at a bounded rate, and flushes within a
//! deadline at shutdown.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SpanData;

use super::BoxedExporter;
use super::console::ConsoleExporter;
use super::convert::{Strings, span_data};
use super::lane::Lane;
use super::otlp::OtlpExporter;
use super::reports::{Reports, ShutdownReport};
use super::stats::ExporterCounters;
use crate::config::{BatchSettings, OtlpSettings};
use crate::engine::clock::Anchor;
use crate::engine::pipeline::Pipeline;
use crate::engine::pool::{Recycled, Recycler};
use crate::resource::Resource as OwnResource;

/// An exporter the thread builds (on itself, off any async runtime).
#[derive(Debug)]
pub(crate) enum ExporterSpec {
    /// Given in code (`Config::with_exporter`).
    Custom(BoxedExporter),
    Otlp(Box<OtlpSettings>),
    Console,
}

impl ExporterSpec {
    fn name(&self) -> &'static str {
        match self {
            ExporterSpec::Custom(_) => "custom",
            ExporterSpec::Otlp(_) => "otlp",
            ExporterSpec::Console => "console",
        }
    }
}

/// The running export thread, as seen by the guard.
#[derive(Debug)]
pub(crate) struct WorkerHandle {
    /// Whether the final flush finished every export.
    done: mpsc::Receiver<bool>,
    exporters: Vec<Arc<ExporterCounters>>,
}

#[derive(Debug)]
pub(crate) struct Worker {
    pipeline: &'static Pipeline,
    /// On this thread: written from the records and sent; each answer read when the next
    /// request goes, or when it is due (see `otlp.rs`).
    otlp: Option<OtlpExporter>,
    /// The exporters of `SpanData`, each on a thread of its own.
    lanes: Vec<Lane>,
    scope: InstrumentationScope,
    batch: BatchSettings,
    reports: Reports,
    recycler: Recycler,
    strings: Strings,
    /// The records of the batch being exported, reused.
    records: Vec<Recycled>,
}

impl Worker {
    /// Starts the export thread; returns once its exporters are built. An exporter that cannot
    /// be built is left out and reported in the returned warnings (with those of exporters whose
    /// settings cannot work); with none left, `Err`.
    pub(crate) fn spawn(
        pipeline: &'static Pipeline,
        specs: Vec<ExporterSpec>,
        resource: &OwnResource,
        batch: BatchSettings,
    ) -> Result<(WorkerHandle, Vec<String>), String> {
        let mut warnings = Vec::new();
        let mut otlp = None;
        let mut lanes = Vec::new();
        let mut exporters = Vec::new();
        let sdk_resource = resource.to_sdk();
        for spec in specs {
            let name = spec.name();
            match spec {
                ExporterSpec::Otlp(settings) => {
                    let (exporter, problems) = OtlpExporter::new(&settings, resource, pipeline);
                    warnings.extend(problems);
                    exporters.push(Arc::clone(exporter.counters()));
                    otlp = Some(exporter);
                }
                spec => {
                    match Lane::spawn(name, move || build(spec), sdk_resource.clone(), pipeline) {
                        Ok(lane) => {
                            exporters.push(Arc::clone(lane.counters()));
                            lanes.push(lane);
                        }
                        Err(e) => {
                            warnings.push(format!("{e}; spans will not be exported to {name}"))
                        }
                    }
                }
            }
        }
        if otlp.is_none() && lanes.is_empty() {
            return Err(warnings.join("; "));
        }
        let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
        let (done_tx, done_rx) = mpsc::sync_channel::<bool>(1);
        thread::Builder::new()
            .name("traced-export".into())
            .spawn(move || {
                crate::engine::mark_thread_internal();
                pipeline.set_worker(thread::current());
                let _ = ready_tx.send(());
                let scope = InstrumentationScope::builder("traced")
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .build();
                let mut worker = Worker {
                    pipeline,
                    otlp,
                    lanes,
                    scope,
                    batch,
                    reports: Reports::default(),
                    recycler: Recycler::default(),
                    strings: Strings::default(),
                    records: Vec::new(),
                };
                let completed = worker.run();
                let _ = done_tx.send(completed);
            })
            .map_err(|e| format!("cannot start the export thread: {e}"))?;
        match ready_rx.recv() {
            Ok(()) => Ok((
                WorkerHandle {
                    done: done_rx,
                    exporters,
                },
                warnings,
            )),
            Err(_) => Err("the export thread stopped while starting".into()),
        }
    }

    /// Runs until the pipeline closes; whether the final flush finished every export.
    fn run(&mut self) -> bool {
        let delay = self.batch.schedule_delay;
        let mut deadline = Instant::now() + delay;
        loop {
            self.pipeline.clear_wake();
            if self.pipeline.is_closed() {
                return self.final_flush();
            }
            if let Some(ticket) = self.pipeline.link().flush_requested() {
                // Everything queued before the request is handed over, and every exporter has
                // finished with it (or the export timeout passed), before the answer.
                let until = Instant::now() + self.batch.export_timeout;
                self.export_queued(Some(until));
                self.settle();
                self.wait_idle(until);
                self.pipeline.link().answer_flush(ticket);
                deadline = Instant::now() + delay;
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                self.export_queued(None);
                deadline = Instant::now() + delay;
                continue;
            }
            if self.pipeline.queued() >= self.pipeline.batch_size() {
                // Full batches only: what is left waits for more spans or for the timer, so
                // each request carries a whole batch (OpenTelemetry SDK, Batching processor:
                // export when `maxExportBatchSize` spans are queued, or when the delay passes).
                self.export_full();
                continue;
            }
            // The answer to the request sent last is read when the next one goes, or when
            // it is due (`OtlpExporter::settle`), whichever comes first.
            let due = self.otlp.as_ref().and_then(OtlpExporter::answer_due);
            if due.is_some_and(|due| due <= now) {
                self.settle();
                continue;
            }
            thread::park_timeout(due.map_or(deadline, |due| due.min(deadline)) - now);
        }
    }

    /// Reads the answer to the OTLP request sent last, if it has not been.
    fn settle(&mut self) {
        if let Some(otlp) = &mut self.otlp {
            otlp.settle(&mut self.reports);
        }
    }

    /// Exports everything queued, in batches; stops taking batches at `until` if given.
    fn export_queued(&mut self, until: Option<Instant>) {
        while until.is_none_or(|until| Instant::now() < until) && self.export_batch() {
            // Under steady load against a failing collector the queue never empties: drops
            // must still be reported while they happen, not only at shutdown.
            self.reports.drops(self.pipeline, false);
        }
        self.reports.drops(self.pipeline, false);
    }

    /// Exports full batches while the queue holds one.
    fn export_full(&mut self) {
        let batch_size = self.pipeline.batch_size();
        while self.pipeline.queued() >= batch_size && self.export_batch() {
            self.reports.drops(self.pipeline, false);
        }
        self.reports.drops(self.pipeline, false);
    }

    /// Takes up to a batch of records off the queue and hands it to every exporter; false when
    /// the queue was empty.
    fn export_batch(&mut self) -> bool {
        let batch_size = self.pipeline.batch_size();
        while self.records.len() < batch_size {
            match self.pipeline.pop() {
                Some(record) => self.records.push(record),
                None => break,
            }
        }
        self.pipeline.clear_full();
        if self.records.is_empty() {
            return false;
        }
        let anchor = Anchor::now();
        if let Some(otlp) = &mut self.otlp {
            otlp.write(&self.records, &anchor, &mut self.reports);
        }
        if !self.lanes.is_empty() {
            // The conversion empties the records: it comes after the OTLP writer read them.
            let batch: Vec<SpanData> = self
                .records
                .iter_mut()
                .map(|record| span_data(record, &self.scope, &anchor, &mut self.strings))
                .collect();
            // An exporter that has not finished its earlier batches delays the others by at
            // most one export timeout (see `Lane::export`).
            let until = Instant::now() + self.batch.export_timeout;
            if let Some((last, others)) = self.lanes.split_last() {
                for lane in others {
                    lane.export(batch.clone(), until, &mut self.reports);
                }
                last.export(batch, until, &mut self.reports);
            }
        }
        // Given back before the request is sent, while the records are still in this core's
        // cache (sending the body evicts them), and so that producers have them sooner.
        for record in self.records.drain(..) {
            self.recycler.recycle(record);
        }
        // Sent once the lanes have their batch: a slow collector does not hold them up.
        if let Some(otlp) = &mut self.otlp {
            otlp.send(&mut self.reports);
        }
        true
    }

    /// Waits until every exporter has finished what it was handed, at most until `until`.
    fn wait_idle(&self, until: Instant) {
        for lane in &self.lanes {
            lane.wait_idle(until);
        }
    }

    fn final_flush(&mut self) -> bool {
        let until = Instant::now() + self.batch.export_timeout;
        if let Some(otlp) = &mut self.otlp {
            otlp.limit(until);
        }
        self.export_queued(Some(until));
        self.settle();
        self.reports.drops(self.pipeline, true);
        let mut completed = self.pipeline.queued() == 0;
        for lane in self.lanes.drain(..) {
            completed &= lane.shutdown(until);
        }
        self.pipeline.link().answer_all_flushes();
        completed
    }
}

impl WorkerHandle {
    /// Waits for the final flush, at most `timeout`.
    pub(crate) fn wait(&self, pipeline: &Pipeline, timeout: Duration) -> ShutdownReport {
        let completed = matches!(self.done.recv_timeout(timeout), Ok(true));
        let counters = &pipeline.counters;
        // Still queued, or handed to an exporter that has not finished: lost.
        let left = pipeline.queued() as u64
            + counters
                .exporting
                .load(std::sync::atomic::Ordering::Relaxed);
        ShutdownReport {
            exported: counters.exported.load(std::sync::atomic::Ordering::Relaxed),
            failed: counters
                .export_failed
                .load(std::sync::atomic::Ordering::Relaxed)
                + left,
            dropped: counters.dropped(),
            completed,
        }
    }

    /// Each exporter's counts.
    pub(crate) fn exporters(&self) -> &[Arc<ExporterCounters>] {
        &self.exporters
    }
}

/// A `SpanData` exporter, built on its lane's thread.
fn build(spec: ExporterSpec) -> Result<BoxedExporter, String> {
    match spec {
        ExporterSpec::Custom(exporter) => Ok(exporter),
        ExporterSpec::Console => Ok(BoxedExporter::new(ConsoleExporter::stdout())),
        ExporterSpec::Otlp(_) => Err("the OTLP exporter runs on the export thread".into()),
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
