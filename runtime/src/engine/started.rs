//! The one handle the rest of the crate holds a span by: started (ids, parent and sampling
//! decided, the start time taken), not current anywhere yet. The macros' expansion, the
//! builder, the bridge and the HTTP layers use it; none of them touches a thread's stack or a
//! frame.
//!
//! Where there is no span of our own, callers hold `None`: tracing is off, or the span is an
//! unsampled child of an unsampled span, which its parent stands for (it would record
//! nothing, and its parent's ids are the ones its logs and calls carry).

use std::borrow::Cow;
use std::ptr::NonNull;
use std::sync::Arc;

use super::limits::Limits;
use crate::w3c::{Baggage, SpanContext};

use super::begin::{self, Parent};
use super::frame::{Frame, Recording};
use super::guard::SpanGuard;
use super::in_span::InSpan;
use super::pipeline::Pipeline;
use super::record::{Attrs, CodeLocation, SpanKind};
use super::shared::SharedSpan;
use super::stack;
use super::value::{AttrValue, Value};

/// A started span. Dropped without being entered, it ends there (and is exported): every span
/// that started ends once.
#[derive(Debug)]
pub(crate) struct Started(Frame);

impl Started {
    /// A span attached to `parent`; `None` for an unsampled child of an unsampled span.
    pub(crate) fn begin(pipeline: &'static Pipeline, parent: Parent) -> Option<Started> {
        begin::begin(pipeline, parent).map(Started)
    }

    /// A span that starts a new trace, whatever span is current.
    // Always inlined into the macros' start, so the frame is built where it is returned.
    #[inline(always)]
    pub(crate) fn root(pipeline: &'static Pipeline) -> Option<Started> {
        Some(Started(begin::begin_root(pipeline, None, None)))
    }

    /// A child of this thread's current span, or a root when there is none; `None` when the
    /// current span is not sampled.
    #[inline(always)]
    pub(crate) fn child(pipeline: &'static Pipeline) -> Option<Started> {
        begin::begin_child(pipeline).map(Started)
    }

    /// No span of ours, but this thread's current span standing in (same ids, nothing recorded
    /// unless its record is shared): for work carried elsewhere. `None` when no span is
    /// current.
    pub(crate) fn stand_in_for_current() -> Option<Started> {
        begin::stand_in_for_current().map(Started)
    }

    /// No span of ours, but a remote caller's context (and baggage) standing in: for requests
    /// traced elsewhere and not here, and for propagation while tracing is off. `None` when
    /// the caller sent neither.
    #[cfg_attr(
        not(feature = "axum"),
        expect(dead_code, reason = "used by the HTTP server integration only")
    )]
    pub(crate) fn remote_context(ctx: Option<SpanContext>, baggage: Baggage) -> Option<Started> {
        begin::remote_context(ctx, baggage).map(Started)
    }

    /// Whether the span records: it is sampled. Attributes are worth computing only then.
    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.0.is_recording()
    }

    /// The attribute limits of the span's pipeline, when it records.
    #[inline]
    pub(crate) fn limits(&self) -> Option<Limits> {
        self.0.limits()
    }

    /// Name, kind and code location, known at compile time (the macros').
    #[inline(always)]
    pub(crate) fn describe(
        &mut self,
        name: &'static str,
        kind: SpanKind,
        code: &'static CodeLocation,
    ) {
        if let Recording::Own(record) = &mut self.0.recording
            && let Some(record) = record.get_mut()
        {
            // Written without dropping the old name (as `begin` writes the `tracestate`): the
            // macros describe a span right after `begin` took its record.
            // SAFETY: a valid, exclusive place; the name overwritten is not dropped, and a
            // record just taken from the pool has the empty borrowed name (were it an owned
            // one, it would leak).
            unsafe { std::ptr::write(&raw mut record.name, Cow::Borrowed(name)) };
            record.kind = kind;
            record.code = Some(code);
        }
    }

    /// Name, kind and attributes of a span built at run time (the [`Span`](super::Span)
    /// builder's), computed before it started.
    pub(crate) fn fill(
        &mut self,
        name: Cow<'static, str>,
        kind: SpanKind,
        attrs: Attrs,
        dropped_attrs: u32,
    ) {
        if let Recording::Own(record) = &mut self.0.recording
            && let Some(record) = record.get_mut()
        {
            record.name = name;
            record.kind = kind;
            record.attrs.extend(attrs);
            record.dropped_attrs = dropped_attrs;
        }
    }

    /// Applies changes computed beforehand (see [`Update`](super::Update)).
    pub(crate) fn apply(&mut self, updates: impl IntoIterator<Item = super::Update>) {
        self.0.with_record(|record, limits| {
            for update in updates {
                update.apply(record, limits);
            }
        });
    }

    /// Records an attribute whose key is not set yet (the macros' keys are distinct by
    /// construction), without looking for an earlier value. `value` gets the value length limit
    /// and is called only within the count limit.
    ///
    /// `value` may run user code (a `SpanValue`, a `Display`) while the record is written to:
    /// that is sound because the record is this span's own and not current anywhere yet, so
    /// nothing the code does can reach it; a span it makes is a child of the enclosing span.
    #[inline(always)]
    pub(crate) fn push_new_attr(
        &mut self,
        key: &'static str,
        value: impl FnOnce(usize) -> AttrValue,
    ) {
        if let Recording::Own(own) = &mut self.0.recording {
            let limits = own.pipeline.limits;
            let Some(record) = own.get_mut() else {
                return;
            };
            record.push_new_attr(key, limits.attribute_count, || {
                value(limits.attribute_value_length)
            });
        }
    }

    /// [`push_new_attr`](Self::push_new_attr) for a typed value, written into its slot
    /// directly (see `SpanRecord::push_new_value`).
    #[inline(always)]
    pub(crate) fn push_new_value(&mut self, key: &'static str, value: Value<'_>) {
        if let Recording::Own(own) = &mut self.0.recording {
            let limits = own.pipeline.limits;
            let Some(record) = own.get_mut() else {
                return;
            };
            record.push_new_value(
                key,
                limits.attribute_count,
                value,
                limits.attribute_value_length,
            );
        }
    }

    /// Runs `f` with the span current on this thread, and gives it back. If `f` unwinds, so
    /// does the span's owner, which drops it: the span ends, marked by the unwinding.
    #[cfg_attr(
        not(feature = "axum"),
        expect(dead_code, reason = "used by the HTTP server integration only")
    )]
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `self` stays mutably borrowed by this call until `_entry` is dropped, on
        // return or unwinding: the frame neither moves nor is dropped nor touched meanwhile.
        let _entry = unsafe { stack::enter_in_place(NonNull::from(&mut self.0)) };
        f()
    }

    /// Makes the span current on this thread until the guard is dropped (sync code).
    #[inline]
    pub(crate) fn enter(self) -> SpanGuard {
        let span_id = self.0.span_id;
        // Not pushed: the thread is exiting, and the span has ended already.
        SpanGuard::new(if stack::push(self.0) { span_id } else { 0 })
    }

    /// Makes the span current on every poll of `fut`, on whatever thread polls it; the span
    /// ends when the future completes or is dropped. With `None`, `fut` runs as it is.
    #[inline]
    pub(crate) fn wrap<F>(started: Option<Started>, fut: F) -> InSpan<F> {
        InSpan::new(fut, started.map(|started| started.0))
    }

    /// Shares the span between threads (a bridged `tracing` span).
    pub(crate) fn share(self) -> Arc<SharedSpan> {
        Arc::new(SharedSpan::new(self.0))
    }

    /// Ends the span now.
    pub(crate) fn end(self) {
        self.0.end();
    }
}
