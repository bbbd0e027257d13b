//! The one handle the rest of the crate holds a span by: started (ids, parent and sampling
//! decided, the start time taken), not current anywhere yet. The macros' expansion, the
//! builder, the bridge and the HTTP layers use it; none of them touches a thread's stack or a
//! frame.

use std::borrow::Cow;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::config::Limits;
use crate::propagation::{Baggage, SpanContext};

use super::begin::{self, Parent};
use super::frame::{Frame, Recording};
use super::guard::SpanGuard;
use super::in_span::InSpan;
use super::pipeline::{self, Pipeline};
use super::record::{Attrs, CodeLocation, SpanKind};
use super::shared::SharedSpan;
use super::stack;
use super::update::Update;
use super::value::AttrValue;

/// A started span. Dropped without being entered, it ends there (and is exported): every span
/// that started ends once.
#[derive(Debug)]
pub(crate) struct Started(Inner);

#[derive(Debug)]
enum Inner {
    /// Tracing is off (not initialised, or disabled): nothing to do.
    Off,
    /// An unsampled child of this thread's unsampled current span, which stands for it.
    Inherited,
    Frame(Frame),
}

impl Started {
    /// A span that is nothing: tracing is off.
    #[inline(always)]
    pub(crate) const fn off() -> Started {
        Started(Inner::Off)
    }

    /// A span attached to `parent`.
    pub(crate) fn begin(pipeline: &'static Pipeline, parent: Parent) -> Started {
        Started::from_begun(begin::begin(pipeline, parent))
    }

    /// A span that starts a new trace, whatever span is current.
    // Always inlined into the macros' start, so the frame is built where it is returned.
    #[inline(always)]
    pub(crate) fn root(pipeline: &'static Pipeline) -> Started {
        Started(Inner::Frame(begin::begin_root(pipeline, None, None)))
    }

    /// A child of this thread's current span, or a root when there is none.
    #[inline(always)]
    pub(crate) fn child(pipeline: &'static Pipeline) -> Started {
        Started::from_begun(begin::begin_child(pipeline))
    }

    #[inline(always)]
    fn from_begun(frame: Option<Frame>) -> Started {
        match frame {
            Some(frame) => Started(Inner::Frame(frame)),
            None => Started(Inner::Inherited),
        }
    }

    /// No span of ours, but this thread's current span standing in (same ids, nothing recorded
    /// unless its record is shared): for work carried elsewhere. Nothing when no span is
    /// current.
    pub(crate) fn stand_in_for_current() -> Started {
        match begin::stand_in_for_current() {
            Some(frame) => Started(Inner::Frame(frame)),
            None => Started::off(),
        }
    }

    /// No span of ours, but a remote caller's context (and baggage) standing in: for requests
    /// traced elsewhere and not here, and for propagation while tracing is off. Nothing when
    /// the caller sent neither.
    #[cfg_attr(
        not(feature = "axum"),
        expect(dead_code, reason = "used by the HTTP server integration only")
    )]
    pub(crate) fn remote_context(ctx: Option<SpanContext>, baggage: Baggage) -> Started {
        let pipeline = pipeline::current().unwrap_or_else(pipeline::inert);
        match begin::remote_context(pipeline, ctx, baggage) {
            Some(frame) => Started(Inner::Frame(frame)),
            None => Started::off(),
        }
    }

    /// Whether the span records: tracing is on and the span is sampled. Attributes are worth
    /// computing only then.
    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        match &self.0 {
            Inner::Frame(frame) => frame.is_recording(),
            Inner::Off | Inner::Inherited => false,
        }
    }

    /// The attribute limits of the span's pipeline, when it records.
    #[inline]
    pub(crate) fn limits(&self) -> Option<Limits> {
        match &self.0 {
            Inner::Frame(frame) if frame.is_recording() => Some(frame.pipeline.limits),
            _ => None,
        }
    }

    /// Name, kind and code location, known at compile time (the macros').
    #[inline(always)]
    pub(crate) fn describe(
        &mut self,
        name: &'static str,
        kind: SpanKind,
        code: &'static CodeLocation,
    ) {
        if let Inner::Frame(frame) = &mut self.0
            && let Recording::Own(record) = &mut frame.recording
        {
            record.name = Cow::Borrowed(name);
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
        if let Inner::Frame(frame) = &mut self.0
            && let Recording::Own(record) = &mut frame.recording
        {
            record.name = name;
            record.kind = kind;
            record.attrs.extend(attrs);
            record.dropped_attrs = dropped_attrs;
        }
    }

    /// Applies changes computed beforehand (see [`Update`]).
    pub(crate) fn apply(&mut self, updates: impl IntoIterator<Item = Update>) {
        if let Inner::Frame(frame) = &mut self.0 {
            frame.with_record(|record, limits| {
                for update in updates {
                    update.apply(record, limits);
                }
            });
        }
    }

    /// Records an attribute whose key is not set yet (the macros' keys are distinct by
    /// construction), without looking for an earlier value. `value` gets the value length limit
    /// and is called only within the count limit.
    ///
    /// `value` may run user code (a `SpanValue`, a `Display`) while the record is written to:
    /// that is sound because the record is this span's own and not current anywhere yet, so
    /// nothing the code does can reach it; a span it makes is a child of the enclosing span.
    #[inline]
    pub(crate) fn push_new_attr(
        &mut self,
        key: &'static str,
        value: impl FnOnce(usize) -> AttrValue,
    ) {
        if let Inner::Frame(frame) = &mut self.0
            && let Recording::Own(record) = &mut frame.recording
        {
            let limits = frame.pipeline.limits;
            record.push_new_attr(key, limits.attribute_count, || {
                value(limits.attribute_value_length)
            });
        }
    }

    /// Runs `f` with the span current on this thread, and gives it back. If `f` unwinds, so
    /// does the span's owner, which drops it: the span ends, marked by the unwinding.
    #[cfg_attr(
        not(feature = "axum"),
        expect(dead_code, reason = "used by the HTTP server integration only")
    )]
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let Inner::Frame(frame) = &mut self.0 else {
            return f();
        };
        // SAFETY: `self` stays mutably borrowed by this call until `_entry` is dropped, on
        // return or unwinding: the frame neither moves nor is dropped nor touched meanwhile.
        let _entry = unsafe { stack::enter_in_place(NonNull::from(frame)) };
        f()
    }

    /// Makes the span current on this thread until the guard is dropped (sync code).
    #[inline]
    pub(crate) fn enter(self) -> SpanGuard {
        match self.0 {
            Inner::Frame(frame) => {
                let span_id = frame.span_id;
                // Not pushed: the thread is exiting, and the span has ended already.
                SpanGuard::new(if stack::push(frame) { span_id } else { 0 })
            }
            Inner::Inherited => SpanGuard::inherited(),
            Inner::Off => SpanGuard::new(0),
        }
    }

    /// Makes the span current on every poll of `fut`, on whatever thread polls it; the span
    /// ends when the future completes or is dropped.
    #[inline]
    pub(crate) fn wrap<F>(self, fut: F) -> InSpan<F> {
        match self.0 {
            Inner::Frame(frame) => InSpan::new(fut, Some(frame)),
            Inner::Off | Inner::Inherited => InSpan::new(fut, None),
        }
    }

    /// Shares the span between threads (a bridged `tracing` span); `None` when there is
    /// nothing to share (tracing off, or an unsampled child its parent stands for).
    pub(crate) fn share(self) -> Option<Arc<SharedSpan>> {
        match self.0 {
            Inner::Frame(frame) => Some(Arc::new(SharedSpan::new(frame))),
            Inner::Off | Inner::Inherited => None,
        }
    }

    /// Ends the span now.
    pub(crate) fn end(self) {
        drop(self);
    }

    /// Whether tracing is off for this span (the expansion's off path knows it is).
    #[inline(always)]
    pub(crate) fn is_off(&self) -> bool {
        matches!(self.0, Inner::Off)
    }
}
