//! Keeping a sync span current: the guard `Span::enter` and the macros return.

use std::borrow::Cow;
use std::marker::PhantomData;

use super::current::{self, Target};
use super::frame::Frame;
use super::ids::{SpanId, TraceId};
use super::stack;
use super::value::SpanValue;

/// Keeps a span current on this thread; the span ends when the guard is dropped.
///
/// Not `Send`: a span entered on a thread is current on that thread only. Use
/// [`Span::in_span`](crate::Span::in_span) for futures.
///
/// ```
/// use traced::testing::{Value, capture};
///
/// let ((), spans) = capture(|| {
///     let guard = traced::Span::root("job").enter();
///     guard.record("rows", 3_u32);
///     assert!(guard.span_id().is_some());
///     assert_eq!(traced::current_span_id(), guard.span_id());
///     drop(guard); // the span ends here
///     assert_eq!(traced::current_span_id(), None);
/// });
/// assert_eq!(spans.named("job").attr("rows"), Some(&Value::I64(3)));
/// ```
///
/// # Hazards
///
/// Like `tracing`'s `Entered`, the guard must be dropped on the thread and in the scope that
/// entered it:
///
/// - **Leaked with `mem::forget`**, its span stays current on the thread for good: unrelated
///   work there later becomes part of its trace, until the thread exits (when the span is
///   exported). Memory stays bounded: when a thread has 4096 spans current, the oldest half
///   is ended there and then (exported, no longer current), and the first time this happens
///   it is logged. A span started with [`Span::root`](crate::Span::root) is still a root.
/// - **Held across `.await`** (possible on a single-threaded executor with `spawn_local`,
///   since the guard is not `Send`), its span is current for whatever that thread polls while
///   the task waits, so other tasks' spans and logs join its trace. Wrap the future with
///   [`Span::in_span`](crate::Span::in_span) instead, and let clippy catch the mistake: in
///   `clippy.toml`,
///
///   ```toml
///   await-holding-invalid-types = [
///       { path = "traced::SpanGuard", reason = "use `Span::in_span` for async code" },
///   ]
///   ```
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped; bind it with `let _guard = …`"]
pub struct SpanGuard {
    // 0 when the span is inert (tracing off, or the span could not be entered) or inherited.
    span_id: u64,
    // The span is an unsampled child of an unsampled span: its parent's frame stands for it.
    inherited: bool,
    _not_send: PhantomData<*const ()>,
}

impl SpanGuard {
    #[inline(always)]
    pub(super) fn new(span_id: u64) -> SpanGuard {
        SpanGuard {
            span_id,
            inherited: false,
            _not_send: PhantomData,
        }
    }

    /// The guard of a span that is nothing (tracing off).
    #[inline(always)]
    pub(crate) fn off() -> SpanGuard {
        SpanGuard::new(0)
    }

    pub(super) fn inherited() -> SpanGuard {
        SpanGuard {
            span_id: 0,
            inherited: true,
            _not_send: PhantomData,
        }
    }

    /// This span's trace id, if tracing is on.
    ///
    /// ```
    /// use traced::testing::capture;
    ///
    /// // Tracing is not initialised here: the guard stands for nothing.
    /// assert_eq!(traced::Span::root("job").enter().trace_id(), None);
    ///
    /// let (trace_id, spans) = capture(|| traced::Span::root("job").enter().trace_id());
    /// assert_eq!(trace_id, Some(spans.named("job").trace_id));
    /// ```
    pub fn trace_id(&self) -> Option<TraceId> {
        if self.inherited {
            return current::current_trace_id();
        }
        stack::with_span(self.span_id, |frame| TraceId(frame.trace_id))
    }

    /// This span's id, if tracing is on. A span that is not sampled, inside a span that is not
    /// sampled either, shares its parent's id (it is never exported).
    ///
    /// ```
    /// use traced::testing::capture;
    ///
    /// let (span_id, spans) = capture(|| {
    ///     let guard = traced::Span::root("job").enter();
    ///     assert_eq!(guard.span_id(), traced::current_span_id());
    ///     guard.span_id()
    /// });
    /// assert_eq!(span_id, Some(spans.named("job").span_id));
    /// ```
    pub fn span_id(&self) -> Option<SpanId> {
        if self.inherited {
            return current::current_span_id();
        }
        (self.span_id != 0).then_some(SpanId(self.span_id))
    }

    /// Adds an attribute to this span (see [`Span::attr`](crate::Span::attr)), from any code
    /// on the thread that entered it, futures wrapped with
    /// [`in_current_span`](crate::FutureExt::in_current_span) included. The value is computed
    /// first, with whatever span is current at the call: a span made inside `span_value` is a
    /// child of that span.
    ///
    /// ```
    /// use traced::testing::{Value, capture};
    ///
    /// let ((), spans) = capture(|| {
    ///     let import = traced::Span::root("import").enter();
    ///     let _row = traced::Span::child("parse row").enter();
    ///     import.record("rows", 3_u32); // on "import", though "parse row" is current
    /// });
    /// assert_eq!(spans.named("import").attr("rows"), Some(&Value::I64(3)));
    /// assert_eq!(spans.named("parse row").attr("rows"), None);
    /// ```
    pub fn record(&self, key: impl Into<Cow<'static, str>>, value: impl SpanValue) {
        if self.span_id != 0 {
            current::record_to(Target::Span(self.span_id), key, &value);
        }
    }
}

impl Drop for SpanGuard {
    // Inlined down to the check, so an inert guard (tracing off) costs a compare.
    #[inline]
    fn drop(&mut self) {
        if self.span_id != 0 {
            end(self.span_id);
        }
    }
}

#[inline(never)]
fn end(span_id: u64) {
    // After the stack's borrow.
    stack::pop_then(span_id, Frame::end);
}
