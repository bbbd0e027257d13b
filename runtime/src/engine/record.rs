//! The compact span record: what a span is from start to export.
//!
//! Records are plain data with typed values. They are moved, never shared: into the thread's
//! stack while the span is current, into its future between polls, into the export queue when
//! it ends. Nothing in a record is formatted before the export thread needs it.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::pending::PendingException;
use super::value::AttrValue;
use crate::w3c::TraceState;

/// What a span represents, as OpenTelemetry's `SpanKind`.
///
/// ```
/// let _guard = traced::Span::root("GET /orders").kind(traced::SpanKind::Server).enter();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpanKind {
    /// Internal work (the default).
    #[default]
    Internal,
    /// The server side of a synchronous remote call.
    Server,
    /// The client side of a synchronous remote call.
    Client,
    /// The creation of a message or job handled later.
    Producer,
    /// The processing of a message or job.
    Consumer,
}

/// Where a span's function is, fixed at compile time by the macros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub struct CodeLocation {
    /// `module::path::fn_name`.
    pub function: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the function.
    pub line: u32,
}

/// A span attribute: a key and a typed value.
pub(crate) type Attr = (Cow<'static, str>, AttrValue);

/// The status of a finished span.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Status {
    #[default]
    Unset,
    Error(Cow<'static, str>),
}

/// A timestamped event on a span (for example an `exception`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventRecord {
    pub(crate) name: Cow<'static, str>,
    /// Clock ticks, as the span's start and end.
    pub(crate) time: u64,
    pub(crate) attrs: Vec<Attr>,
}

/// A link to a span of another trace.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinkRecord {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) flags: u8,
    pub(crate) remote: bool,
}

/// The attributes of a span: a few inline, more on the heap.
pub(crate) type Attrs = SmallVec<[Attr; 4]>;

/// Adds an attribute within the count limit (OpenTelemetry: extras are discarded and counted in
/// `dropped`, never replacing earlier ones). A key set twice keeps the last value.
pub(crate) fn push_attr(
    attrs: &mut Attrs,
    dropped: &mut u32,
    key: Cow<'static, str>,
    value: AttrValue,
    max_count: usize,
) {
    if let Some(slot) = attrs.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else if attrs.len() < max_count {
        attrs.push((key, value));
    } else {
        *dropped = dropped.saturating_add(1);
    }
}

/// W3C trace flags (Trace Context Level 2, section "trace-flags").
pub(crate) const FLAG_SAMPLED: u8 = 0x01;
pub(crate) const FLAG_RANDOM: u8 = 0x02;

/// What most spans never have: events, links, an error status. Boxed, so a record stays small
/// and a span without them pays nothing for them.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Extra {
    pub(crate) events: Vec<EventRecord>,
    pub(crate) links: Vec<LinkRecord>,
    pub(crate) status: Status,
    /// The log record of an error a child span returned to this one, until this span's
    /// outcome says where the error went (see `exception`).
    pub(crate) pending: Option<Box<PendingException>>,
}

/// What a sampled span records, from start to export.
///
/// Records are recycled (see `pool`): the export thread empties one after converting it and
/// hands it back, so a steady flow of spans allocates nothing, and a span moves between the
/// thread's stack, its future and the export queue as one pointer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpanRecord {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    /// Zero when the span is a root.
    pub(crate) parent_span_id: u64,
    pub(crate) parent_is_remote: bool,
    pub(crate) flags: u8,
    pub(crate) kind: SpanKind,
    pub(crate) name: Cow<'static, str>,
    /// Clock ticks (see `clock`): converted to Unix nanoseconds on the export thread.
    pub(crate) start: u64,
    pub(crate) end: u64,
    // Four inline: the typical span has up to three argument attributes (the benchmark's shape);
    // `code.*` attributes live in `code`, not here.
    pub(crate) attrs: Attrs,
    pub(crate) dropped_attrs: u32,
    pub(crate) code: Option<&'static CodeLocation>,
    /// The W3C `tracestate` of the trace, inherited from the remote parent.
    pub(crate) trace_state: TraceState,
    pub(crate) extra: Option<Box<Extra>>,
}

impl SpanRecord {
    /// An empty record, as the pool hands out before `begin` fills it.
    pub(crate) const fn empty() -> SpanRecord {
        SpanRecord {
            trace_id: 0,
            span_id: 0,
            parent_span_id: 0,
            parent_is_remote: false,
            flags: 0,
            kind: SpanKind::Internal,
            name: Cow::Borrowed(""),
            start: 0,
            end: 0,
            attrs: SmallVec::new_const(),
            dropped_attrs: 0,
            code: None,
            trace_state: TraceState::EMPTY,
            extra: None,
        }
    }

    /// Empties the record for reuse, keeping the attribute buffer's allocation if it spilled.
    pub(crate) fn clear(&mut self) {
        self.attrs.clear();
        self.dropped_attrs = 0;
        self.name = Cow::Borrowed("");
        self.code = None;
        self.trace_state = TraceState::EMPTY;
        self.extra = None;
        self.parent_span_id = 0;
        self.parent_is_remote = false;
        self.kind = SpanKind::Internal;
    }

    /// Whether emptying the record would free memory: an owned name, key or string value, a
    /// `tracestate`, events, links or an error status (not the attribute buffer, which is kept
    /// for reuse).
    pub(crate) fn owns_heap(&self) -> bool {
        matches!(self.name, Cow::Owned(_))
            || !self.trace_state.is_empty()
            || self.extra.is_some()
            || self
                .attrs
                .iter()
                .any(|(key, value)| matches!(key, Cow::Owned(_)) || value.is_heap())
    }

    /// Empties a record whose values own nothing (`!owns_heap()`, as every pooled record's)
    /// without reading them: each field is overwritten, not dropped, so what an old value
    /// owned would leak (never unsound). Done this way by the thread that is about to fill the
    /// record, the export thread that read it last need not write to it at all.
    #[inline(always)]
    pub(crate) fn reset(&mut self) {
        // SAFETY: a length of 0 exposes no element; the old ones are forgotten, not dropped.
        unsafe { self.attrs.set_len(0) };
        // SAFETY: a valid, aligned, exclusive place; its old value is forgotten, not dropped.
        unsafe { std::ptr::write(&raw mut self.name, Cow::Borrowed("")) };
        // SAFETY: as above.
        unsafe { std::ptr::write(&raw mut self.trace_state, TraceState::EMPTY) };
        // SAFETY: as above.
        unsafe { std::ptr::write(&raw mut self.extra, None) };
        self.dropped_attrs = 0;
        self.code = None;
        self.parent_span_id = 0;
        self.parent_is_remote = false;
        self.kind = SpanKind::Internal;
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    pub(crate) fn status(&self) -> &Status {
        const UNSET: &Status = &Status::Unset;
        self.extra.as_ref().map_or(UNSET, |extra| &extra.status)
    }

    pub(crate) fn is_error(&self) -> bool {
        matches!(self.status(), Status::Error(_))
    }

    /// Adds an attribute within the count limit (OpenTelemetry: extras are discarded and
    /// counted, never replacing earlier ones). A key set twice keeps the last value.
    pub(crate) fn push_attr(&mut self, key: Cow<'static, str>, value: AttrValue, max_count: usize) {
        push_attr(
            &mut self.attrs,
            &mut self.dropped_attrs,
            key,
            value,
            max_count,
        );
    }

    /// Sets status Error with `description`, unless the span has it already (the first error
    /// is the one that failed it).
    pub(crate) fn set_error(&mut self, description: &str) {
        if !self.is_error() {
            self.extra().status = Status::Error(Cow::Owned(description.to_owned()));
        }
    }

    /// Sets status Error and, with `span_event`, adds an `exception` event, once per span: a
    /// panic reported by the hook and then seen again while unwinding is one exception, not
    /// two. `now` is in ticks.
    pub(crate) fn record_exception(
        &mut self,
        exception_type: &str,
        message: &str,
        now: u64,
        span_event: bool,
    ) {
        if self.is_error() {
            return;
        }
        let extra = self.extra();
        extra.status = Status::Error(Cow::Owned(message.to_owned()));
        if !span_event {
            return;
        }
        extra.events.push(EventRecord {
            name: Cow::Borrowed("exception"),
            time: now,
            attrs: vec![
                (
                    Cow::Borrowed("exception.type"),
                    AttrValue::text(exception_type),
                ),
                (Cow::Borrowed("exception.message"), AttrValue::text(message)),
            ],
        });
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
