//! What the export path tells the log: losses, at a bounded rate. A failing collector or a full
//! queue is reported by one line per interval with the counts since the last one, never one
//! line per span or per batch (OpenTelemetry SDK, Batch Span Processor: drops should be
//! reported without flooding the log).

use std::time::{Duration, Instant};

use crate::engine::pipeline::Pipeline;

/// What an export thread's final flush did, for the guard to log after shutdown (spans' and
/// log records' alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShutdownReport {
    pub(crate) exported: u64,
    pub(crate) failed: u64,
    pub(crate) dropped: u64,
    /// False when the flush did not finish within the export timeout.
    pub(crate) completed: bool,
}

/// How often a kind of loss may be reported again.
pub(crate) const REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// The counts and times of what one exporter (or the queue) has reported.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    reported_drops: u64,
    last_drop_report: Option<Instant>,
    last_failure_report: Option<Instant>,
    failed_since_report: u64,
    panic_reported: bool,
}

impl Reports {
    /// `spans` failed to export in `exporter`: reported at most once per interval, with the
    /// count since the last report.
    pub(crate) fn failed(&mut self, exporter: &str, spans: u64, error: &dyn std::fmt::Display) {
        self.failed_since_report += spans;
        if due(&mut self.last_failure_report) {
            let spans = std::mem::take(&mut self.failed_since_report);
            tracing::warn!(
                target: "traced",
                exporter,
                spans,
                "span export failed: {error}; failures are reported at most every {}s",
                REPORT_INTERVAL.as_secs()
            );
        }
    }

    /// `exporter` panicked, losing `spans`: reported once per exporter.
    pub(crate) fn panicked(&mut self, exporter: &str, spans: u64) {
        if !std::mem::replace(&mut self.panic_reported, true) {
            tracing::error!(
                target: "traced",
                exporter,
                spans,
                "the span exporter panicked; its batch is lost, export continues"
            );
        }
    }

    /// One warning per interval with the number of spans the full queue dropped since the last
    /// one; `force` reports now (at shutdown).
    pub(crate) fn drops(&mut self, pipeline: &Pipeline, force: bool) {
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

pub(super) fn due(last: &mut Option<Instant>) -> bool {
    let now = Instant::now();
    match last {
        Some(t) if now.duration_since(*t) < REPORT_INTERVAL => false,
        _ => {
            *last = Some(now);
            true
        }
    }
}
