//! In-memory capture of finished spans, for tests (feature `testing`).
//!
//! A capture routes every span that ends while it is active through the real export path
//! (queue, export thread, conversion to OpenTelemetry `SpanData`) into memory, and returns them
//! with helpers to assert names, kinds, parents, typed attributes, status, events and links.
//! Captures in one process run one at a time (they share the global pipeline); spans ended by
//! other threads while a capture is active are captured too, so give test spans distinct names.
//!
//! ```
//! use traced::testing::{Value, capture};
//!
//! let ((), spans) = capture(|| {
//!     let _root = traced::Span::root("root").attr("id", 7_i64).enter();
//!     let _child = traced::Span::child("child").enter();
//! });
//! let root = spans.named("root");
//! let child = spans.named("child");
//! assert_eq!(child.parent_span_id, Some(root.span_id));
//! assert_eq!(root.attr("id"), Some(&Value::I64(7)));
//! ```

mod span;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::config::{BatchSettings, ExceptionSignal, Limits, Sampler};
use crate::engine::pipeline::{self, Pipeline};
use crate::export::{BoxedExporter, ExporterSpec, Worker, WorkerHandle};

pub use span::{CapturedEvent, CapturedLink, CapturedSpan, CapturedSpans, Status, Value};

/// Runs `f` inside a capture and returns its result and the spans that ended meanwhile.
///
/// ```
/// use traced::testing::capture;
///
/// let (answer, spans) = capture(|| {
///     let _guard = traced::Span::root("compute").enter();
///     42
/// });
/// assert_eq!(answer, 42);
/// assert_eq!(spans.len(), 1);
/// assert_eq!(spans.named("compute").parent_span_id, None);
/// ```
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, CapturedSpans) {
    let capture = Capture::start();
    let result = f();
    (result, capture.finish())
}

/// A capture in progress; [`Capture::finish`] returns what it caught. Useful around async
/// code: start it, run the runtime, finish it.
///
/// ```
/// let capture = traced::testing::Capture::start();
/// tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(
///     traced::Span::root("task").in_span(async {}),
/// );
/// assert_eq!(capture.finish().len(), 1);
/// ```
#[derive(Debug)]
#[must_use = "a capture returns its spans from `finish`"]
pub struct Capture {
    pipeline: &'static Pipeline,
    previous: Option<&'static Pipeline>,
    worker: WorkerHandle,
    sink: Sink,
    finished: bool,
    /// The process's exception setting before the capture, restored by `finish`.
    span_events: bool,
    _serial: MutexGuard<'static, ()>,
}

#[derive(Debug, Clone, Default)]
struct Sink(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Sink {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(batch);
        Ok(())
    }
}

impl Capture {
    /// Starts capturing every span, sampled with `always_on`, with default limits.
    ///
    /// ```
    /// use traced::testing::{Capture, Value};
    ///
    /// let capture = Capture::start();
    /// drop(traced::Span::root("import").attr("rows", 128_u32).enter());
    /// let spans = capture.finish();
    /// assert_eq!(spans.named("import").attr("rows"), Some(&Value::I64(128)));
    /// ```
    pub fn start() -> Capture {
        Capture::with_limits(Limits::default())
    }

    /// Starts capturing with these attribute limits.
    ///
    /// ```
    /// use traced::Limits;
    /// use traced::testing::{Capture, Value};
    ///
    /// let limits = Limits { attribute_value_length: 3, ..Limits::default() };
    /// let capture = Capture::with_limits(limits);
    /// drop(traced::Span::root("login").attr("user", "margaret").enter());
    /// let spans = capture.finish();
    /// assert_eq!(spans.named("login").attr("user"), Some(&Value::from("mar")));
    /// ```
    pub fn with_limits(limits: Limits) -> Capture {
        Capture::with(limits, ExceptionSignal::default())
    }

    /// Starts capturing with exceptions recorded as `signal` says (as
    /// [`Config::exception_signal`](crate::Config::exception_signal) would), until the capture
    /// finishes.
    ///
    /// ```
    /// use traced::ExceptionSignal;
    /// use traced::testing::Capture;
    ///
    /// #[traced::child_span]
    /// fn charge() -> Result<(), String> {
    ///     Err("card declined".to_owned())
    /// }
    ///
    /// let capture = Capture::with_exception_signal(ExceptionSignal::LogsOnly);
    /// let _ = charge();
    /// let spans = capture.finish();
    /// // Status Error, and no `exception` span event: the log record is the exception.
    /// assert!(spans.named("charge").is_error());
    /// assert!(spans.named("charge").events.is_empty());
    /// ```
    pub fn with_exception_signal(signal: ExceptionSignal) -> Capture {
        Capture::with(Limits::default(), signal)
    }

    fn with(limits: Limits, signal: ExceptionSignal) -> Capture {
        let serial = pipeline::exclusive();
        let span_events = crate::engine::span_events();
        crate::engine::set_span_events(signal == ExceptionSignal::LogsAndSpanEvent);
        // The hook is what tells spans the message of a panic unwinding through them, as
        // `#[traced_service]` would; it chains to the hook in place and installs only once.
        crate::logging::install_panic_hook();
        let batch = BatchSettings {
            schedule_delay: Duration::from_millis(20),
            // Large enough for any test burst between two 20 ms drains, small enough to allocate
            // quickly (the queue allocates its slots up front).
            max_queue_size: 1 << 14,
            max_export_batch_size: 4096,
            export_timeout: Duration::from_secs(30),
        };
        let (pipeline, previous) = pipeline::replace(Pipeline::new(
            Sampler::AlwaysOn,
            limits,
            true,
            batch.max_queue_size,
            batch.max_export_batch_size,
        ));
        let sink = Sink::default();
        let spec = ExporterSpec::Custom(BoxedExporter::new(sink.clone()));
        let resource = crate::resource::Resource::default();
        let worker = match Worker::spawn(pipeline, vec![spec], &resource, batch) {
            Ok((worker, _)) => worker,
            // Only thread creation can fail here; a test cannot go on without it.
            Err(e) => panic!("traced::testing: {e}"),
        };
        Capture {
            pipeline,
            previous,
            worker,
            sink,
            finished: false,
            span_events,
            _serial: serial,
        }
    }

    /// Flushes and returns every span that ended since the capture started.
    ///
    /// ```
    /// let capture = traced::testing::Capture::start();
    /// let open = traced::Span::root("still open").enter();
    /// drop(traced::Span::root("done").enter());
    /// let spans = capture.finish();
    /// drop(open); // ends after the capture: not in it
    /// assert_eq!(spans.len(), 1);
    /// assert_eq!(spans.all()[0].name, "done");
    /// ```
    pub fn finish(mut self) -> CapturedSpans {
        self.stop();
        let spans = std::mem::take(&mut *self.sink.0.lock().unwrap_or_else(|e| e.into_inner()));
        CapturedSpans::new(spans.into_iter().map(CapturedSpan::from).collect())
    }

    fn stop(&mut self) {
        if !std::mem::replace(&mut self.finished, true) {
            self.pipeline.close();
            let _ = self.worker.wait(self.pipeline, Duration::from_secs(30));
            pipeline::restore(self.pipeline, self.previous);
            crate::engine::set_span_events(self.span_events);
        }
    }
}

impl Drop for Capture {
    // A test that panics before `finish` must not leave its pipeline installed.
    fn drop(&mut self) {
        self.stop();
    }
}
