//! The pipeline of one initialisation and the threads that drain it: the spans' export thread
//! and, when log records are exported over OTLP, the logs' own. Started together, waited for
//! together at shutdown (each within its own export timeout, at the same time), so that
//! `traced::flush` and the guard cover both signals.

use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::engine::log_queue::LogQueue;
use crate::engine::pipeline::{self, Pipeline};
use crate::export::{ExporterSpec, LogsHandle, ShutdownReport, Worker, WorkerHandle};

/// The threads of a pipeline.
#[derive(Debug)]
pub(super) struct Workers {
    pub(super) spans: Option<WorkerHandle>,
    /// With the logs' export timeout (`OTEL_BLRP_EXPORT_TIMEOUT`).
    pub(super) logs: Option<(LogsHandle, Duration)>,
    /// The spans' export timeout (`OTEL_BSP_EXPORT_TIMEOUT`).
    pub(super) timeout: Duration,
}

/// What the guard logs after shutdown.
pub(super) struct Reports {
    spans: Option<ShutdownReport>,
    logs: Option<ShutdownReport>,
    timeout: Duration,
    logs_timeout: Duration,
}

/// Installs the pipeline `settings` describe, with exporters `specs`, and starts its threads.
/// An exporter that cannot start is reported and left out; the pipeline is always installed.
pub(super) fn start_pipeline(
    settings: &Settings,
    specs: Vec<ExporterSpec>,
) -> (&'static Pipeline, Workers) {
    let logs = settings.logs.otlp.as_ref();
    let new_pipeline = |exporting: bool, logging: bool| {
        let pipeline = Pipeline::new(
            settings.sampler,
            settings.limits,
            exporting,
            settings.batch.max_queue_size,
            settings.batch.max_export_batch_size,
        );
        if logging {
            let batch = &settings.logs.batch;
            pipeline.with_logs(LogQueue::new(
                batch.max_queue_size,
                batch.max_export_batch_size,
                settings.logs.limits,
            ))
        } else {
            pipeline
        }
    };
    let mut workers = Workers {
        spans: None,
        logs: None,
        timeout: settings.batch.export_timeout,
    };
    if specs.is_empty() && logs.is_none() {
        return (pipeline::install(new_pipeline(false, false)), workers);
    }
    let mut pipeline = pipeline::install(new_pipeline(!specs.is_empty(), logs.is_some()));
    if !specs.is_empty() {
        match Worker::spawn(pipeline, specs, &settings.resource, settings.batch) {
            Ok((worker, warnings)) => {
                for warning in warnings {
                    tracing::warn!(target: "traced", "{warning}");
                }
                workers.spans = Some(worker);
            }
            Err(e) => {
                tracing::warn!(target: "traced", "{e}; spans will not be exported");
                pipeline = pipeline::install(new_pipeline(false, logs.is_some()));
            }
        }
    }
    if let Some(otlp) = logs {
        let batch = settings.logs.batch;
        match LogsHandle::spawn(pipeline, otlp, &settings.resource, batch) {
            Ok((handle, warnings)) => {
                for warning in warnings {
                    tracing::warn!(target: "traced", "logs: {warning}");
                }
                workers.logs = Some((handle, batch.export_timeout));
            }
            Err(e) => {
                tracing::warn!(target: "traced", "{e}; log records will not be exported");
            }
        }
    }
    (pipeline, workers)
}

impl Workers {
    /// Waits for both threads' final flush, each at most its export timeout. They flush at the
    /// same time, so the longer of the two timeouts bounds the whole.
    pub(super) fn wait(self, pipeline: &Pipeline) -> Reports {
        let start = Instant::now();
        let logs_timeout = self.logs.as_ref().map_or(Duration::ZERO, |logs| logs.1);
        let spans = self.spans.map(|worker| worker.wait(pipeline, self.timeout));
        let logs = self.logs.and_then(|(handle, timeout)| {
            let queue = pipeline.logs()?;
            Some(handle.wait(queue, timeout.saturating_sub(start.elapsed())))
        });
        Reports {
            spans,
            logs,
            timeout: self.timeout,
            logs_timeout,
        }
    }
}

impl Reports {
    /// One line per signal: a warning when something was lost, else a debug line.
    pub(super) fn log(&self) {
        if let Some(report) = self.spans {
            log_report(&report, self.timeout, &SPANS);
        }
        if let Some(report) = self.logs {
            log_report(&report, self.logs_timeout, &LOG_RECORDS);
        }
    }
}

/// How a signal's shutdown lines name it.
struct Wording {
    /// "span export did not finish …"
    export: &'static str,
    /// "tracing shut down: …"
    shut_down: &'static str,
    /// "… 3 spans exported"
    items: &'static str,
}

const SPANS: Wording = Wording {
    export: "span export",
    shut_down: "tracing shut down",
    items: "spans",
};

const LOG_RECORDS: Wording = Wording {
    export: "log export",
    shut_down: "log export shut down",
    items: "log records",
};

fn log_report(report: &ShutdownReport, timeout: Duration, wording: &Wording) {
    if !report.completed {
        tracing::warn!(
            target: "traced",
            exported = report.exported,
            lost = report.failed,
            dropped = report.dropped,
            "{} did not finish within the export timeout ({} ms); exiting anyway",
            wording.export,
            timeout.as_millis()
        );
    } else if report.failed > 0 || report.dropped > 0 {
        tracing::warn!(
            target: "traced",
            exported = report.exported,
            failed = report.failed,
            dropped = report.dropped,
            "{}: {} {} exported, {} failed to export, {} dropped",
            wording.shut_down,
            report.exported,
            wording.items,
            report.failed,
            report.dropped
        );
    } else {
        tracing::debug!(
            target: "traced",
            exported = report.exported,
            "{}: {} {} exported",
            wording.shut_down,
            report.exported,
            wording.items
        );
    }
}
