//! The tracing `Layer` that turns each event into one line and writes it with a single call,
//! and into one OTLP log record when logs are exported.

use std::cell::RefCell;
use std::fmt;
use std::io::Write as _;

use tracing::{Event, Metadata, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};

use super::json::{self, Scratch};
use super::line::Header;
use super::span_fields::Seen;
use super::{pretty, record, time};
use crate::config::LogFormat;

/// A line buffer that grew past this (one huge message) is given back rather than kept for
/// the life of the thread.
const MAX_RETAINED: usize = 64 * 1024;

/// Per-thread buffers, reused by every event on the thread: no allocation per line once they
/// have grown to the size of the longest line.
struct Buffers {
    line: Vec<u8>,
    scratch: Scratch,
    /// The pretty line's span field keys (the JSON line keeps its own in `scratch`).
    seen: Seen,
}

impl Buffers {
    const fn new() -> Self {
        Self {
            line: Vec::new(),
            scratch: Scratch::new(),
            seen: Seen::new(),
        }
    }
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = const { RefCell::new(Buffers::new()) };
}

/// What [`EventLayer`] writes: JSON lines, or the human format with colours or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Json,
    Pretty { ansi: bool },
}

impl Style {
    /// `None`: no lines (`TRACED_LOG_FORMAT=none`).
    fn new(format: Option<LogFormat>, ansi: bool) -> Option<Self> {
        match format? {
            LogFormat::Json => Some(Self::Json),
            LogFormat::Pretty => Some(Self::Pretty { ansi }),
        }
    }
}

/// Formats every event it sees as a JSON line (or a pretty one) stamped with the engine's
/// current trace and span ids, and writes it to `M`'s writer (stderr outside tests); and, when
/// log records are exported, hands each event to the logs' queue as a log record.
pub(crate) struct EventLayer<M> {
    /// `None`: no lines, only log records (if they are exported).
    style: Option<Style>,
    /// `"service":"…",`, escaped once here rather than on every line.
    service: Box<[u8]>,
    make_writer: M,
    /// The engine's current ids; a plain fn so tests can pin them without a span engine.
    current_ids: fn() -> Option<(u128, u64)>,
    /// `TRACED_LOG_SPAN_FIELDS`: lines and records carry the current spans' attributes.
    span_fields: bool,
    /// `TRACED_LOG_XRAY`: JSON lines inside a span carry `AWS-XRAY-TRACE-ID`.
    xray: bool,
}

impl<M> EventLayer<M> {
    pub(crate) fn new(
        format: impl Into<Option<LogFormat>>,
        service: &str,
        make_writer: M,
        ansi: bool,
    ) -> Self {
        Self {
            style: Style::new(format.into(), ansi),
            service: json::service_prefix(service),
            make_writer,
            current_ids: crate::engine::current_ids,
            span_fields: false,
            xray: false,
        }
    }

    /// Adds the attributes of the spans current on the thread to each line and record.
    pub(crate) fn with_span_fields(mut self, on: bool) -> Self {
        self.span_fields = on;
        self
    }

    /// Adds the `AWS-XRAY-TRACE-ID` field to each JSON line inside a span.
    pub(crate) fn with_xray(mut self, on: bool) -> Self {
        self.xray = on;
        self
    }

    #[cfg(test)]
    pub(crate) fn with_ids(mut self, current_ids: fn() -> Option<(u128, u64)>) -> Self {
        self.current_ids = current_ids;
        self
    }
}

impl<M> fmt::Debug for EventLayer<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLayer")
            .field("style", &self.style)
            .field("span_fields", &self.span_fields)
            .field("xray", &self.xray)
            .finish_non_exhaustive()
    }
}

impl<S, M> Layer<S> for EventLayer<M>
where
    S: Subscriber,
    M: for<'a> MakeWriter<'a> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        // Records bridged from `log` carry their real target in a field.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let is_log = normalized.is_some();
        if let Some(style) = self.style {
            let written = BUFFERS.try_with(|buffers| match buffers.try_borrow_mut() {
                Ok(mut buffers) => {
                    self.emit(&mut buffers, style, event, metadata, is_log);
                    true
                }
                Err(_) => false,
            });
            if written != Ok(true) {
                // Re-entered (a field's Debug impl logged while its event was being formatted),
                // or an event during thread exit after the thread-local was destroyed: this one
                // line gets buffers of its own.
                self.emit(&mut Buffers::new(), style, event, metadata, is_log);
            }
        }
        if let Some(pipeline) = crate::engine::pipeline::current()
            && pipeline.logs().is_some()
            && record::exported_target(metadata.target())
            && !crate::engine::is_internal_thread()
        {
            record::capture(pipeline, event, metadata, is_log, self.span_fields);
        }
    }
}

impl<M> EventLayer<M>
where
    M: for<'a> MakeWriter<'a> + 'static,
{
    fn emit(
        &self,
        buffers: &mut Buffers,
        style: Style,
        event: &Event<'_>,
        metadata: &Metadata<'_>,
        is_log: bool,
    ) {
        buffers.line.clear();
        buffers.scratch.clear(MAX_RETAINED);
        let timestamp = time::now();
        let header = Header {
            timestamp: &timestamp,
            level: metadata.level().as_str(),
            service: &self.service,
            target: metadata.target(),
            is_log,
            ids: (self.current_ids)(),
            span_fields: self.span_fields,
            xray: self.xray,
        };
        match style {
            Style::Json => json::render(&mut buffers.line, &mut buffers.scratch, &header, event),
            Style::Pretty { ansi } => {
                pretty::render(&mut buffers.line, &mut buffers.seen, &header, ansi, event);
            }
        }
        // One write on a locked writer, so lines of concurrent threads never interleave. A
        // failed write (stderr closed) is dropped: logging must never take the service down.
        let mut writer = self.make_writer.make_writer_for(event.metadata());
        let _ = writer.write_all(&buffers.line);
        if buffers.line.capacity() > MAX_RETAINED {
            buffers.line = Vec::new();
        }
    }
}

/// stderr, locked for the whole line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StderrWriter;

impl<'a> MakeWriter<'a> for StderrWriter {
    type Writer = std::io::StderrLock<'static>;

    fn make_writer(&'a self) -> Self::Writer {
        std::io::stderr().lock()
    }
}

/// Runs `f` while this thread's buffers are borrowed, as an event logged from inside another
/// event's formatting finds them (with a global subscriber; a scoped one drops such events).
#[cfg(test)]
pub(super) fn with_buffers_held<R>(f: impl FnOnce() -> R) -> R {
    BUFFERS.with(|buffers| {
        let _held = buffers.borrow_mut();
        f()
    })
}
