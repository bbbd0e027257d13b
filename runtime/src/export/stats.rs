//! What happened to the spans each exporter was given: with several exporters at once, one
//! that fails has its losses counted apart from the others'. The pipeline's counters hold the
//! totals over every exporter.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::pipeline::Pipeline;

/// One exporter's counts, shared with the guard.
#[derive(Debug)]
pub(crate) struct ExporterCounters {
    pub(crate) name: &'static str,
    pub(crate) exported: AtomicU64,
    pub(crate) failed: AtomicU64,
    /// Spans handed to the exporter whose export has not ended: lost if the guard stops
    /// waiting for them.
    pub(crate) exporting: AtomicU64,
}

impl ExporterCounters {
    pub(crate) fn new(name: &'static str) -> ExporterCounters {
        ExporterCounters {
            name,
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            exporting: AtomicU64::new(0),
        }
    }

    /// `spans` are handed to the exporter.
    pub(crate) fn started(&self, pipeline: &Pipeline, spans: u64) {
        self.exporting.fetch_add(spans, Ordering::Relaxed);
        pipeline
            .counters
            .exporting
            .fetch_add(spans, Ordering::Relaxed);
    }

    /// The export of `spans` handed over ended: `exported` of them accepted, the rest failed.
    pub(crate) fn ended(&self, pipeline: &Pipeline, spans: u64, exported: u64) {
        self.exporting.fetch_sub(spans, Ordering::Relaxed);
        pipeline
            .counters
            .exporting
            .fetch_sub(spans, Ordering::Relaxed);
        self.count(pipeline, exported, spans - exported);
    }

    /// `exported` spans were accepted and `failed` lost, without having been handed over (a
    /// batch refused, a span too large to send).
    pub(crate) fn count(&self, pipeline: &Pipeline, exported: u64, failed: u64) {
        let counters = &pipeline.counters;
        if exported > 0 {
            self.exported.fetch_add(exported, Ordering::Relaxed);
            counters.exported.fetch_add(exported, Ordering::Relaxed);
        }
        if failed > 0 {
            self.failed.fetch_add(failed, Ordering::Relaxed);
            counters.export_failed.fetch_add(failed, Ordering::Relaxed);
        }
    }

    /// A snapshot for [`Guard::exporter_stats`](crate::Guard::exporter_stats).
    pub(crate) fn snapshot(&self) -> ExporterStats {
        ExporterStats {
            exporter: self.name,
            exported: self.exported.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed) + self.exporting.load(Ordering::Relaxed),
        }
    }
}

/// What one exporter did with the spans it was given, from
/// [`Guard::exporter_stats`](crate::Guard::exporter_stats).
///
/// ```
/// let mut guard = traced::init(traced::Config::new().exporter(traced::ExporterKind::Console));
/// drop(traced::Span::root("job").enter());
/// guard.shutdown();
/// let stats = guard.exporter_stats();
/// assert_eq!(stats[0].exporter, "console");
/// assert_eq!((stats[0].exported, stats[0].failed), (1, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExporterStats {
    /// `otlp`, `console`, or `custom` for an exporter given in code.
    pub exporter: &'static str,
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans the exporter failed on (an error, a rejection, a panic, a batch it was too busy to
    /// take), or still in its hands when shutdown stopped waiting.
    pub failed: u64,
}
