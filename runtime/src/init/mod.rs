//! Initialisation and shutdown: what `#[traced_service]` and [`init`] do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::reload;

use crate::bridge::BridgeLayer;
use crate::config::{Config, ExporterKind, ServiceDefaults, Settings};
use crate::engine::pipeline::Pipeline;
use crate::export::{ExporterCounters, ExporterSpec, ExporterStats};
use crate::logging;
use crate::resource::Machine;
use workers::Workers;

mod filters;
mod flush;
mod fork;
mod workers;

pub use filters::{FilterError, set_log_filter, set_span_filter};
pub use flush::{Flushed, SignalCounts, flush};
pub use fork::{ReinitError, reinit_after_fork};

/// True while a pipeline started by `init` has not been shut down.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Set once our subscriber is (being made) the global one: it cannot be replaced afterwards.
static LOGGING_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Initialises tracing by hand: what `#[traced_service]` does, with a [`Config`] of your own.
///
/// Reads the environment (see the README for every variable), applies `config` on top, installs
/// the JSON log subscriber and the panic hook, starts the export thread, and logs one line with
/// the effective configuration. Never panics: invalid settings are logged once and replaced by
/// their defaults. Keep the returned [`Guard`] alive until the end of `main`; dropping it
/// flushes and shuts down.
///
/// A second call while a guard is alive logs a warning and returns an inert guard.
///
/// ```no_run
/// use std::time::Duration;
///
/// fn main() {
///     let _guard = traced::init(
///         traced::Config::new()
///             .service_name("billing")
///             .export_timeout(Duration::from_secs(5)),
///     );
///     // ...
/// }
/// ```
pub fn init(config: Config) -> Guard {
    start(config, ServiceDefaults::default())
}

pub(crate) fn service_start(defaults: ServiceDefaults) -> ServiceGuard {
    logging::mark_service_main();
    ServiceGuard {
        _guard: start(Config::new(), defaults),
    }
}

fn start(config: Config, defaults: ServiceDefaults) -> Guard {
    let resolved = config.resolve(&crate::config::process_env, &Machine::this(), defaults);
    let settings = resolved.settings;
    if ACTIVE.swap(true, Ordering::AcqRel) {
        tracing::warn!(
            target: "traced",
            "traced is already initialised; this second initialisation is ignored"
        );
        return Guard::inert();
    }
    let mut warnings = resolved.warnings;
    if settings.install_logging
        && !LOGGING_INSTALLED.swap(true, Ordering::AcqRel)
        && !install_subscriber(&settings)
    {
        LOGGING_INSTALLED.store(false, Ordering::Release);
        warnings.push(
            "a global tracing subscriber is already installed; keeping it, so log lines may \
             lack trace_id and span_id"
                .to_owned(),
        );
    }
    for warning in &warnings {
        tracing::warn!(target: "traced", "{warning}");
    }
    if settings.install_panic_hook {
        logging::install_panic_hook();
    }
    crate::engine::set_span_events(
        settings.logs.exception_signal == crate::config::ExceptionSignal::LogsAndSpanEvent,
    );
    // Before the disabled check: `OTEL_SDK_DISABLED` has no effect on propagators
    // (OpenTelemetry SDK environment variables, General SDK Configuration).
    crate::w3c::set_propagators(settings.propagators);
    if settings.disabled {
        tracing::info!(
            target: "traced",
            "tracing disabled (OTEL_SDK_DISABLED=true): no spans are recorded or exported, \
             and no log records"
        );
        ACTIVE.store(false, Ordering::Release);
        return Guard::inert();
    }
    let custom = resolved.custom_exporters.len();
    let mut specs = exporter_specs(&settings);
    specs.extend(
        resolved
            .custom_exporters
            .into_iter()
            .map(ExporterSpec::Custom),
    );
    let (pipeline, workers) = workers::start_pipeline(&settings, specs);
    fork::remember(&settings, custom > 0);
    if custom > 0 {
        tracing::info!(target: "traced", "tracing started: {} (and {custom} exporters given in code)", settings.summary());
    } else {
        tracing::info!(target: "traced", "tracing started: {}", settings.summary());
    }
    Guard {
        pipeline: Some(pipeline),
        exporters: workers
            .spans
            .as_ref()
            .map(|worker| worker.exporters().to_vec())
            .unwrap_or_default(),
        inner: Some(Inner { pipeline, workers }),
        pid: std::process::id(),
    }
}

/// The exporters `settings` name (an exporter given in code aside).
fn exporter_specs(settings: &Settings) -> Vec<ExporterSpec> {
    settings
        .exporters
        .iter()
        .filter_map(|kind| match kind {
            ExporterKind::Otlp => settings
                .otlp
                .clone()
                .map(|otlp| ExporterSpec::Otlp(Box::new(otlp))),
            ExporterKind::Console => Some(ExporterSpec::Console),
            ExporterKind::None => None,
        })
        .collect()
}

/// Makes the global tracing subscriber: the `RUST_LOG` filter, the bridge that turns `tracing`
/// spans into engine spans, and our log lines on stderr; then bridges `log` records into it.
/// False, and nothing installed, when the application installed a global subscriber first.
///
/// Never panics. An invalid filter falls back to `info` and is reported once the subscriber is
/// in place, where the warning reaches our lines.
fn install_subscriber(settings: &Settings) -> bool {
    let (log_filter, log_error) = logging::filter(&settings.log_filter);
    let max_level = filters::max_level(&log_filter);
    let span_directives = settings.span_filter.as_str();
    let (span_filter, span_error) = filters::span_filter(span_directives);
    let filters = filters::Filters {
        log: log_filter,
        span: span_filter,
    };
    let (filters, reload) = reload::Layer::new(filters);
    let subscriber = tracing_subscriber::registry()
        .with(filters)
        .with(BridgeLayer::new())
        .with(logging::stderr_layer(settings));
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        return false;
    }
    let span_reload = reload.clone();
    filters::installed(
        Box::new(move |filter| {
            reload
                .modify(|filters| filters.log = filter)
                .map_err(|e| e.to_string())
        }),
        Box::new(move |filter| {
            span_reload
                .modify(|filters| filters.span = filter)
                .map_err(|e| e.to_string())
        }),
    );
    if let Some(error) = log_error {
        tracing::warn!(
            target: "traced",
            filter = settings.log_filter.as_str(),
            error = %error,
            "invalid RUST_LOG filter, using `info`"
        );
    }
    if let Some(error) = span_error {
        tracing::warn!(
            target: "traced",
            filter = span_directives,
            error = %error,
            "invalid TRACED_SPAN_FILTER, using `info`"
        );
    }
    logging::bridge_log_records(max_level);
    true
}

/// Flushes and shuts tracing down when dropped (or on [`Guard::shutdown`]).
///
/// The flush is bounded by `OTEL_BSP_EXPORT_TIMEOUT` (default 30 s): a collector that hangs
/// delays exit by at most that much. It runs on the export thread, so it is safe on any tokio
/// runtime flavour and inside any task. Spans still queued when the time is up are counted as
/// lost in the final log line.
///
/// ```no_run
/// let mut guard = traced::init(traced::Config::new());
/// // ...
/// guard.shutdown(); // or let it drop at the end of main
/// ```
#[derive(Debug)]
#[must_use = "tracing shuts down when the guard is dropped; keep it until the end of main"]
pub struct Guard {
    // Kept after shutdown so `stats` still answers.
    pipeline: Option<&'static Pipeline>,
    /// Each exporter's counts.
    exporters: Vec<Arc<ExporterCounters>>,
    inner: Option<Inner>,
    /// The process that started the pipeline: a forked child has the guard, not the export
    /// thread (see `fork`).
    pid: u32,
}

/// Counts of what happened to finished spans, from [`Guard::stats`].
///
/// ```
/// # use opentelemetry_sdk::{error::OTelSdkResult, trace::{SpanData, SpanExporter}};
/// # #[derive(Debug)]
/// # struct Discard;
/// # impl SpanExporter for Discard {
/// #     async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult { Ok(()) }
/// # }
/// // `Discard` is a `SpanExporter` that accepts every batch (see `Config::with_exporter`).
/// let mut guard = traced::init(traced::Config::new().with_exporter(Discard));
/// for _ in 0..3 {
///     drop(traced::Span::root("job").enter());
/// }
/// guard.shutdown();
/// let stats = guard.stats();
/// assert_eq!((stats.exported, stats.failed, stats.dropped), (3, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExportStats {
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans the exporter failed on (an error or a panic), or still queued when the flush at
    /// shutdown ran out of time.
    pub failed: u64,
    /// Spans dropped because the queue was full, or ended after shutdown began.
    pub dropped: u64,
    /// The log records exported over OTLP, counted apart from the spans: they have a queue of
    /// their own, so a flood of logs drops log records, never spans. Zeros when log records are
    /// not exported.
    pub logs: SignalCounts,
}

#[derive(Debug)]
struct Inner {
    pipeline: &'static Pipeline,
    workers: Workers,
}

impl Guard {
    fn inert() -> Guard {
        Guard {
            pipeline: None,
            exporters: Vec::new(),
            inner: None,
            pid: 0,
        }
    }

    /// What each exporter did with the spans it was given, in the order they were configured
    /// (`OTEL_TRACES_EXPORTER=otlp,console` gives two): with several exporters, [`stats`]
    /// sums their counts, and one that fails is told apart here.
    ///
    /// [`stats`]: Guard::stats
    ///
    /// ```
    /// let mut guard = traced::init(traced::Config::new().exporter(traced::ExporterKind::Console));
    /// drop(traced::Span::root("job").enter());
    /// guard.shutdown();
    /// let console = guard.exporter_stats()[0];
    /// assert_eq!((console.exporter, console.exported), ("console", 1));
    /// ```
    pub fn exporter_stats(&self) -> Vec<ExporterStats> {
        self.exporters.iter().map(|c| c.snapshot()).collect()
    }

    /// What happened to the spans so far: exported, failed, dropped.
    ///
    /// ```no_run
    /// let mut guard = traced::init(traced::Config::new());
    /// guard.shutdown();
    /// assert_eq!(guard.stats().dropped, 0);
    /// ```
    pub fn stats(&self) -> ExportStats {
        let Some(mut pipeline) = self.pipeline else {
            return ExportStats::default();
        };
        if self.forked() {
            match fork::child_pipeline() {
                Some(child) => pipeline = child,
                None => return forked_stats(pipeline),
            }
        }
        let c = &pipeline.counters;
        let in_flight = if pipeline.is_closed() && self.inner.is_none() {
            pipeline.queued() as u64 + c.exporting.load(Ordering::Relaxed)
        } else {
            0
        };
        let mut logs = SignalCounts::of_logs(pipeline);
        if let Some(queue) = pipeline.logs()
            && pipeline.is_closed()
            && self.inner.is_none()
        {
            logs.failed += queue.queued() as u64 + queue.counters.exporting.load(Ordering::Relaxed);
        }
        ExportStats {
            exported: c.exported.load(Ordering::Relaxed),
            failed: c.export_failed.load(Ordering::Relaxed) + in_flight,
            dropped: c.dropped(),
            logs,
        }
    }

    /// Flushes every finished span and stops the export thread, within the export timeout.
    /// Idempotent: later calls, and the drop, do nothing.
    ///
    /// ```
    /// # use opentelemetry_sdk::{error::OTelSdkResult, trace::{SpanData, SpanExporter}};
    /// # #[derive(Debug)]
    /// # struct Discard;
    /// # impl SpanExporter for Discard {
    /// #     async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult { Ok(()) }
    /// # }
    /// // `Discard` is a `SpanExporter` that accepts every batch (see `Config::with_exporter`).
    /// let mut guard = traced::init(traced::Config::new().with_exporter(Discard));
    /// drop(traced::Span::root("job").enter());
    /// guard.shutdown(); // "job" is exported before this returns
    /// drop(traced::Span::root("too late").enter()); // ends after shutdown: dropped, counted
    /// guard.shutdown(); // does nothing
    /// assert_eq!(guard.stats().exported, 1);
    /// assert_eq!(guard.stats().dropped, 1);
    /// ```
    pub fn shutdown(&mut self) {
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        if self.forked() {
            // A forked child: the export thread is its parent's. Its own pipeline, if it made
            // one, is shut down instead; else its spans are dropped, at once.
            inner.pipeline.close();
            let Some(child) = fork::take_child() else {
                let dropped = forked_stats(inner.pipeline).dropped;
                tracing::debug!(
                    target: "traced",
                    dropped,
                    "tracing shut down in a forked child without `reinit_after_fork`: {dropped} spans dropped"
                );
                ACTIVE.store(false, Ordering::Release);
                return;
            };
            inner.pipeline = child.pipeline;
            inner.workers = child.workers;
            // The guard now stands for the child's own pipeline.
            self.pipeline = Some(child.pipeline);
            self.pid = std::process::id();
        } else {
            fork::forget();
        }
        inner.pipeline.close();
        inner.workers.wait(inner.pipeline).log();
        ACTIVE.store(false, Ordering::Release);
    }
}

impl Guard {
    /// Whether this process is a child forked after the guard was made.
    fn forked(&self) -> bool {
        self.pipeline.is_some() && self.pid != std::process::id()
    }
}

/// In a forked child without a pipeline of its own: every span of the pipeline it inherited
/// is dropped (those queued at the fork are the parent's to export, and the parent does).
fn forked_stats(pipeline: &Pipeline) -> ExportStats {
    let logs = pipeline
        .logs()
        .map_or_else(SignalCounts::default, |logs| SignalCounts {
            dropped: logs.queued() as u64 + logs.counters.dropped(),
            ..SignalCounts::default()
        });
    ExportStats {
        exported: 0,
        failed: 0,
        dropped: pipeline.queued() as u64 + pipeline.counters.dropped(),
        logs,
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The guard `#[traced_service]` keeps in `main`.
#[derive(Debug)]
#[must_use]
pub struct ServiceGuard {
    _guard: Guard,
}

impl Drop for ServiceGuard {
    /// Before shutdown, so that it is exported: the line of a panic on `main`'s thread, held
    /// back until now (see `logging::panic`), at FATAL when the panic is ending `main`.
    fn drop(&mut self) {
        logging::release_panic_line(std::thread::panicking());
    }
}
