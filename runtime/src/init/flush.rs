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
///     traced::Flushed::Delivered { spans } => println!("{spans} spans exported"),
///     traced::Flushed::NotRunning => {} // tracing is not initialised here
///     other => eprintln!("flush: {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a flush can time out or fail; check what happened"]
pub enum Flushed {
    /// Every span ended before the call was exported, with `spans` exports in all (a span
    /// sent to two exporters counts twice; spans other threads ended meanwhile may count too).
    Delivered {
        /// Spans exported during the flush.
        spans: u64,
    },
    /// The export ended, but not every span reached its exporter.
    Failed {
        /// Spans exported during the flush.
        exported: u64,
        /// Spans an exporter failed on (an error, a rejection, a panic).
        failed: u64,
        /// Spans dropped before export (the queue was full).
        dropped: u64,
    },
    /// `timeout` passed first. The export goes on in the background.
    TimedOut,
    /// Tracing is not running here: not initialised, disabled, shut down, or this process is a
    /// child forked after initialisation without [`reinit_after_fork`](crate::reinit_after_fork).
    NotRunning,
}

/// Exports every span ended so far (on any thread) and waits until that is done, at most
/// `timeout`. It blocks the calling thread, never the export: safe from any thread, inside a
/// task of any tokio runtime flavour (a `current_thread` one included), or outside any.
///
/// ```
/// use std::time::Duration;
///
/// let mut guard = traced::init(traced::Config::new().exporter(traced::ExporterKind::Console));
/// drop(traced::Span::root("invocation").enter());
/// assert!(matches!(traced::flush(Duration::from_secs(5)), traced::Flushed::Delivered { spans: 1 }));
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
    let counters = &pipeline.counters;
    let counts = || {
        (
            counters.exported.load(Ordering::Relaxed),
            counters.export_failed.load(Ordering::Relaxed),
            counters.dropped(),
        )
    };
    let before = counts();
    let ticket = pipeline.request_flush();
    if !pipeline.wait_flushed(ticket, deadline) {
        return Flushed::TimedOut;
    }
    let after = counts();
    let (exported, failed, dropped) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    if failed == 0 && dropped == 0 {
        Flushed::Delivered { spans: exported }
    } else {
        Flushed::Failed {
            exported,
            failed,
            dropped,
        }
    }
}
