//! `traced::flush`: export everything ended so far, from any thread or task, and wait for it,
//! bounded (a FaaS handler calls it at the end of each invocation, before the platform freezes
//! the process).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::engine::pipeline;

/// What [`flush`] did.
///
/// ```
/// match traced::flush(std::time::Duration::from_secs(2)) {
///     traced::Flushed::Delivered { spans, logs } => println!("{spans} spans, {logs} log records"),
///     traced::Flushed::NotRunning => {} // tracing is not initialised here
///     other => eprintln!("flush: {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a flush can time out or fail; check what happened"]
pub enum Flushed {
    /// Every span and log record ended or logged before the call was exported, with `spans`
    /// and `logs` exports in all (a span sent to two exporters counts twice; what other threads
    /// ended or logged meanwhile may count too).
    Delivered {
        /// Spans exported during the flush.
        spans: u64,
        /// Log records exported during the flush (0 unless log records are exported over OTLP).
        logs: u64,
    },
    /// The export ended, but not everything reached its exporter.
    Failed {
        /// What became of the spans during the flush.
        spans: SignalCounts,
        /// What became of the log records during the flush.
        logs: SignalCounts,
    },
    /// `timeout` passed first. The export goes on in the background.
    TimedOut,
    /// Tracing is not running here: not initialised, disabled, shut down, or this process is a
    /// child forked after initialisation without [`reinit_after_fork`](crate::reinit_after_fork).
    NotRunning,
}

/// What became of one signal's spans or log records: during a [`flush`] that did not deliver
/// everything ([`Flushed::Failed`]), or since start-up for the log records of
/// [`Guard::stats`](crate::Guard::stats).
///
/// ```
/// if let traced::Flushed::Failed { spans, logs } = traced::flush(std::time::Duration::from_secs(2)) {
///     eprintln!("{} spans and {} log records lost", spans.failed + spans.dropped, logs.failed + logs.dropped);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SignalCounts {
    /// Exported.
    pub exported: u64,
    /// An exporter failed on them (an error, a rejection, a panic).
    pub failed: u64,
    /// Dropped before export (the queue was full).
    pub dropped: u64,
}

impl SignalCounts {
    pub(crate) fn of_logs(pipeline: &crate::engine::pipeline::Pipeline) -> SignalCounts {
        pipeline.logs().map_or_else(SignalCounts::default, |logs| {
            let counters = &logs.counters;
            SignalCounts {
                exported: counters.exported.load(Ordering::Relaxed),
                failed: counters.export_failed.load(Ordering::Relaxed),
                dropped: counters.dropped(),
            }
        })
    }

    fn since(self, before: SignalCounts) -> SignalCounts {
        SignalCounts {
            exported: self.exported - before.exported,
            failed: self.failed - before.failed,
            dropped: self.dropped - before.dropped,
        }
    }

    fn lost(self) -> bool {
        self.failed > 0 || self.dropped > 0
    }
}

/// Exports every span ended and every log record logged so far (on any thread) and waits until
/// that is done, at most `timeout`. It blocks the calling thread, never the export: safe from
/// any thread, inside a task of any tokio runtime flavour (a `current_thread` one included),
/// or outside any.
///
/// ```
/// use std::time::Duration;
///
/// let mut guard = traced::init(traced::Config::new().exporter(traced::ExporterKind::Console));
/// drop(traced::Span::root("invocation").enter());
/// assert!(matches!(traced::flush(Duration::from_secs(5)), traced::Flushed::Delivered { spans: 1, .. }));
/// guard.shutdown();
/// assert_eq!(traced::flush(Duration::from_secs(5)), traced::Flushed::NotRunning);
/// ```
pub fn flush(timeout: Duration) -> Flushed {
    let deadline = Instant::now() + timeout;
    let Some(pipeline) = pipeline::current() else {
        return Flushed::NotRunning;
    };
    if pipeline.is_closed() || !pipeline.has_worker_here() {
        return Flushed::NotRunning;
    }
    let spans = || {
        let counters = &pipeline.counters;
        SignalCounts {
            exported: counters.exported.load(Ordering::Relaxed),
            failed: counters.export_failed.load(Ordering::Relaxed),
            dropped: counters.dropped(),
        }
    };
    let logs = || SignalCounts::of_logs(pipeline);
    let before = (spans(), logs());
    // Both threads flush at once; each answers its own ticket.
    let span_ticket = pipeline
        .link()
        .has_worker_here()
        .then(|| pipeline.link().request_flush());
    let log_ticket = pipeline
        .logs()
        .filter(|logs| logs.has_worker_here())
        .map(|logs| (logs, logs.link().request_flush()));
    if let Some(ticket) = span_ticket
        && !pipeline.link().wait_flushed(ticket, deadline)
    {
        return Flushed::TimedOut;
    }
    if let Some((logs, ticket)) = log_ticket
        && !logs.link().wait_flushed(ticket, deadline)
    {
        return Flushed::TimedOut;
    }
    let spans = spans().since(before.0);
    let logs = logs().since(before.1);
    if spans.lost() || logs.lost() {
        Flushed::Failed { spans, logs }
    } else {
        Flushed::Delivered {
            spans: spans.exported,
            logs: logs.exported,
        }
    }
}
