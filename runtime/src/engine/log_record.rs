//! The log record: what a `tracing` event (or a bridged `log` record) is on its way to an OTLP
//! collector. Built on the thread that logged, from the event, with the ids of the engine's
//! current span (the same ones the event's JSON line carries), then handed to the export
//! thread as spans are.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::record::Attr;

/// A log record's severity: OpenTelemetry's `SeverityNumber` and its text (OpenTelemetry Logs
/// Data Model, "Field: SeverityNumber": TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR
/// 17–20, FATAL 21–24; the first of each range for `tracing`'s levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Severity {
    pub(crate) number: u8,
    pub(crate) text: &'static str,
}

impl Severity {
    pub(crate) const TRACE: Severity = Severity {
        number: 1,
        text: "TRACE",
    };
    pub(crate) const DEBUG: Severity = Severity {
        number: 5,
        text: "DEBUG",
    };
    pub(crate) const INFO: Severity = Severity {
        number: 9,
        text: "INFO",
    };
    pub(crate) const WARN: Severity = Severity {
        number: 13,
        text: "WARN",
    };
    pub(crate) const ERROR: Severity = Severity {
        number: 17,
        text: "ERROR",
    };
    pub(crate) const FATAL: Severity = Severity {
        number: 21,
        text: "FATAL",
    };
}

/// The attributes of a log record: most events have a handful of fields.
pub(crate) type LogAttrs = SmallVec<[Attr; 6]>;

/// One log record, from the logging thread to the export thread.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogRecord {
    /// When the event happened, in clock ticks (see `clock`), as spans' times.
    pub(crate) time: u64,
    /// When traced saw it: the same moment for an event logged in this process.
    pub(crate) observed: u64,
    pub(crate) severity: Severity,
    /// The message, cut to the attribute value length limit. Its buffer is kept when the
    /// record is recycled.
    pub(crate) body: String,
    /// The event's fields, typed; for a bridged `log` record, its file and line as
    /// `code.file.path` and `code.line.number`.
    pub(crate) attrs: LogAttrs,
    pub(crate) dropped_attrs: u32,
    /// The current span's ids when the event was logged; zero outside any span.
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    /// The current span's W3C trace flags (the sampled bit), zero outside any span.
    pub(crate) flags: u8,
    /// The event's target (`module::path` by default), the instrumentation scope's name.
    pub(crate) target: Cow<'static, str>,
    /// `exception` for the record of an exception (OpenTelemetry semantic conventions,
    /// "Exceptions in logs"), else none.
    pub(crate) event_name: Option<&'static str>,
}

impl LogRecord {
    /// Empties the record for reuse, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.body.clear();
        self.attrs.clear();
        self.dropped_attrs = 0;
        self.trace_id = 0;
        self.span_id = 0;
        self.flags = 0;
        self.target = Cow::Borrowed("");
        self.event_name = None;
    }

    /// An empty record, to be filled.
    pub(crate) fn empty() -> LogRecord {
        LogRecord {
            time: 0,
            observed: 0,
            severity: Severity::INFO,
            body: String::new(),
            attrs: SmallVec::new(),
            dropped_attrs: 0,
            trace_id: 0,
            span_id: 0,
            flags: 0,
            target: Cow::Borrowed(""),
            event_name: None,
        }
    }
}
