//! Starting, entering and ending spans: the manual API, and what the macros call.

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};

use smallvec::SmallVec;

use super::clock;
use super::ids::{SpanId, TraceId, new_span_id, new_trace_id};
use super::pipeline::{self, Pipeline};
use super::pool;
use super::record::{Attrs, FLAG_RANDOM, FLAG_SAMPLED, LinkRecord, SpanKind, Status, push_attr};
use super::sampler::ParentSampling;
use super::stack::{self, Frame};
use super::value::{AttrValue, SpanValue};
use crate::propagation::{Baggage, Carrier, SpanContext, TraceState};

/// A span about to start: built with [`Span::root`] or [`Span::child`], then made current
/// with [`Span::enter`] (sync code) or [`Span::in_span`] (a future).
///
/// The attributes cover what the macros do; this builder is for what they cannot express:
/// dynamic names, closures, spans around part of a function.
///
/// ```
/// use traced::{Span, SpanKind};
///
/// fn handle(queue: &str, payload: &[u8]) {
///     let _guard = Span::root(format!("process {queue}"))
///         .kind(SpanKind::Consumer)
///         .attr("messaging.destination.name", queue)
///         .attr("messaging.message.body.size", payload.len())
///         .enter();
///     // work here is inside the span; logs carry its trace_id and span_id
/// }
/// # handle("orders", b"{}");
/// ```
#[derive(Debug)]
#[must_use = "a span does nothing until it is entered with `.enter()` or `.in_span(fut)`"]
pub struct Span {
    // None when tracing is not initialised (or disabled): every method is then a no-op.
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    pipeline: &'static Pipeline,
    parent: Parent,
    name: Cow<'static, str>,
    kind: SpanKind,
    attrs: Attrs,
    dropped_attrs: u32,
}

impl Span {
    /// A span that starts a new trace, whatever span is current.
    pub fn root(name: impl Into<Cow<'static, str>>) -> Span {
        Span::new(name.into(), Parent::Root)
    }

    /// A span that is a child of the current span, or a root when there is none.
    pub fn child(name: impl Into<Cow<'static, str>>) -> Span {
        Span::new(name.into(), Parent::Current)
    }

    fn new(name: Cow<'static, str>, parent: Parent) -> Span {
        let Some(pipeline) = pipeline::current() else {
            return Span { pending: None };
        };
        Span {
            pending: Some(Pending {
                pipeline,
                parent,
                name,
                kind: SpanKind::Internal,
                attrs: SmallVec::new(),
                dropped_attrs: 0,
            }),
        }
    }

    /// Sets the span kind (default [`SpanKind::Internal`]).
    pub fn kind(mut self, kind: SpanKind) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.kind = kind;
        }
        self
    }

    /// Adds an attribute. `None` values record nothing; strings are cut to the value length
    /// limit; attributes past the count limit are dropped and counted.
    pub fn attr(mut self, key: impl Into<Cow<'static, str>>, value: impl SpanValue) -> Span {
        if let Some(pending) = &mut self.pending
            && let Some(value) = value.span_value()
        {
            let limits = pending.pipeline.limits;
            let value = AttrValue::from_value(value, limits.attribute_value_length);
            push_attr(
                &mut pending.attrs,
                &mut pending.dropped_attrs,
                key.into(),
                value,
                limits.attribute_count,
            );
        }
        self
    }

    /// Continues the trace carried by `carrier` (a `traceparent` string, an `http::HeaderMap`,
    /// a map of headers…): the span's parent is the carrier's span. A missing or malformed
    /// carrier starts a fresh trace.
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let _guard = traced::Span::root("handle message").parent(traceparent).enter();
    /// ```
    pub fn parent(mut self, carrier: &(impl Carrier + ?Sized)) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.parent = Parent::extract(carrier, false);
        }
        self
    }

    /// Starts a new trace with a link to the one carried by `carrier` (the messaging
    /// convention for batch consumers). A missing or malformed carrier means no link.
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let _guard = traced::Span::root("process batch").link(traceparent).enter();
    /// ```
    pub fn link(mut self, carrier: &(impl Carrier + ?Sized)) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.parent = Parent::extract(carrier, true);
        }
        self
    }

    /// Decides ids, parent and sampling, and returns the frame ready to be made current:
    /// `Err(())` when tracing is off, `Ok(None)` when the span inherits its unsampled parent's
    /// frame (see [`begin`]).
    fn start(self) -> Result<Option<Frame>, ()> {
        let Pending {
            pipeline,
            parent,
            name,
            kind,
            attrs,
            dropped_attrs,
        } = self.pending.ok_or(())?;
        let mut frame = begin(pipeline, parent);
        if let Some(record) = frame.as_mut().and_then(|frame| frame.record.as_mut()) {
            record.name = name;
            record.kind = kind;
            record.attrs.extend(attrs);
            record.dropped_attrs = dropped_attrs;
        }
        Ok(frame)
    }

    /// Starts the span and makes it current on this thread until the guard is dropped.
    pub fn enter(self) -> SpanGuard {
        match self.start() {
            Ok(Some(frame)) => {
                let id = frame.span_id;
                stack::push(frame);
                SpanGuard::new(id)
            }
            Ok(None) => SpanGuard::inherited(),
            Err(()) => SpanGuard::new(0),
        }
    }

    /// Starts the span and makes it current on every poll of `fut`, on whatever thread polls
    /// it. The span ends when the future completes or is dropped.
    ///
    /// ```
    /// # async fn fetch() {}
    /// # async fn run() {
    /// traced::Span::child("fetch").in_span(fetch()).await;
    /// # }
    /// ```
    pub fn in_span<F: Future>(self, fut: F) -> InSpan<F> {
        InSpan {
            inner: fut,
            frame: self.start().ok().flatten(),
        }
    }
}

/// Keeps a span current on this thread; the span ends when the guard is dropped.
///
/// Not `Send`: a span entered on a thread is current on that thread only. Use
/// [`Span::in_span`] for futures.
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped; bind it with `let _guard = …`"]
pub struct SpanGuard {
    // 0 when the span is inert (tracing not initialised) or inherited.
    span_id: u64,
    // The span is an unsampled child of an unsampled span: its parent's frame stands for it.
    inherited: bool,
    _not_send: PhantomData<*const ()>,
}

impl SpanGuard {
    pub(crate) fn new(span_id: u64) -> SpanGuard {
        SpanGuard {
            span_id,
            inherited: false,
            _not_send: PhantomData,
        }
    }

    fn inherited() -> SpanGuard {
        SpanGuard {
            span_id: 0,
            inherited: true,
            _not_send: PhantomData,
        }
    }

    /// This span's trace id, if tracing is on.
    pub fn trace_id(&self) -> Option<TraceId> {
        if self.inherited {
            return current_trace_id();
        }
        stack::with_span(self.span_id, |frame| TraceId(frame.trace_id))
    }

    /// This span's id, if tracing is on. A span that is not sampled, inside a span that is not
    /// sampled either, shares its parent's id (it is never exported).
    pub fn span_id(&self) -> Option<SpanId> {
        if self.inherited {
            return current_span_id();
        }
        (self.span_id != 0).then_some(SpanId(self.span_id))
    }

    /// Adds an attribute to this span (see [`Span::attr`]).
    pub fn record(&self, key: impl Into<Cow<'static, str>>, value: impl SpanValue) {
        stack::with_span(self.span_id, |frame| record_on(frame, key.into(), &value));
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
    if let Some(frame) = stack::pop(span_id) {
        finish(frame);
    }
}

pin_project_lite::pin_project! {
    /// A future with a span current on each of its polls; see [`Span::in_span`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct InSpan<F> {
        #[pin]
        inner: F,
        frame: Option<Frame>,
    }

    impl<F> PinnedDrop for InSpan<F> {
        fn drop(this: Pin<&mut Self>) {
            // A future dropped before completion still ends its span.
            if let Some(frame) = this.project().frame.take() {
                finish(frame);
            }
        }
    }
}

impl<F> InSpan<F> {
    pub(crate) fn new(inner: F, frame: Option<Frame>) -> InSpan<F> {
        InSpan { inner, frame }
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(frame) = this.frame.as_mut() else {
            return this.inner.poll(cx);
        };
        let frame = NonNull::from(frame);
        // Takes the frame off the thread's stack again when the poll ends, even by a panic.
        struct Pop(NonNull<Frame>);
        impl Drop for Pop {
            fn drop(&mut self) {
                stack::pop_in_place(self.0);
            }
        }
        // SAFETY: the frame is in this future, which is pinned and borrowed by this poll, so
        // it neither moves nor is dropped until `Pop` removes it from the stack below; nothing
        // else touches `this.frame` in between.
        let pop = unsafe { stack::push_in_place(frame) }.then_some(Pop(frame));
        let poll = this.inner.poll(cx);
        drop(pop);
        if poll.is_ready()
            && let Some(frame) = this.frame.take()
        {
            finish(frame);
        }
        poll
    }
}

/// Where a new span attaches.
#[derive(Debug, Clone)]
pub(crate) enum Parent {
    /// A child of this thread's current span; a root when there is none.
    Current,
    /// A new trace, whatever span is current.
    Root,
    /// Continues a remote trace (`parent = carrier`), with the carrier's baggage.
    Remote(SpanContext, Option<Arc<Baggage>>),
    /// A new trace with a link to another one (`link = carrier`), with the carrier's baggage.
    Link(SpanContext, Option<Arc<Baggage>>),
    /// A new trace with the carrier's baggage (its `traceparent` was missing or invalid).
    Fresh(Option<Arc<Baggage>>),
}

impl Parent {
    /// `parent = carrier` / `link = carrier`: a missing or malformed carrier means a fresh
    /// trace, never an error (issue 3).
    pub(crate) fn extract(carrier: &(impl Carrier + ?Sized), link: bool) -> Parent {
        let extracted = crate::propagation::extract(carrier);
        let baggage = (!extracted.baggage.is_empty()).then(|| Arc::new(extracted.baggage));
        match extracted.context {
            Some(ctx) if link => Parent::Link(ctx, baggage),
            Some(ctx) => Parent::Remote(ctx, baggage),
            None => Parent::Fresh(baggage),
        }
    }
}

/// Decides a new span's ids, parent and sampling, once, before anything else about the span
/// is built: an unsampled span reads no clock and takes no record.
///
/// `None` for a child of an unsampled span of this thread (see [`begin_child`]).
pub(crate) fn begin(pipeline: &'static Pipeline, parent: Parent) -> Option<Frame> {
    match parent {
        Parent::Current => begin_child(pipeline),
        Parent::Root => Some(begin_root(pipeline, None, None)),
        Parent::Fresh(baggage) => Some(begin_root(pipeline, baggage, None)),
        Parent::Link(ctx, baggage) => {
            let link = LinkRecord {
                trace_id: ctx.trace_id(),
                span_id: ctx.span_id(),
                flags: ctx.flags(),
                remote: true,
            };
            Some(begin_root(pipeline, baggage, Some(link)))
        }
        Parent::Remote(ctx, baggage) => {
            // A plain sampler ignores the caller's decision; the parent-based ones follow it.
            let sampling = ParentSampling {
                sampled: ctx.is_sampled(),
                remote: true,
            };
            let recording = pipeline
                .sampler
                .should_sample(ctx.trace_id(), Some(sampling));
            // W3C Level 2: the flags the caller sent are kept (the random bit included); the
            // sampled bit is ours to decide.
            let context = Inherited {
                trace_id: ctx.trace_id(),
                parent_span_id: ctx.span_id(),
                flags: ctx.flags() & !FLAG_SAMPLED,
                trace_state: ctx.trace_state().clone(),
                baggage,
            };
            Some(new_frame(pipeline, context, recording, true, None))
        }
    }
}

/// A span that starts a new trace (with the carrier's baggage, or a link, when it has them).
// Always inlined into `SpanStart::started`, so the frame is written where it is returned:
// returned through a local and copied, it stalled on store forwarding.
#[inline(always)]
pub(crate) fn begin_root(
    pipeline: &'static Pipeline,
    baggage: Option<Arc<Baggage>>,
    link: Option<LinkRecord>,
) -> Frame {
    let trace_id = new_trace_id();
    let recording = pipeline.sampler.should_sample(trace_id, None);
    let context = Inherited {
        trace_id,
        parent_span_id: 0,
        flags: FLAG_RANDOM,
        trace_state: TraceState::EMPTY,
        baggage,
    };
    new_frame(pipeline, context, recording, false, link)
}

/// A child of this thread's current span, or a root when there is none.
///
/// `None` when the current span is not sampled: the child would record nothing and belong to
/// its parent's unsampled trace, so it gets no frame of its own and its parent's frame stands
/// for it (logs inside it carry its parent's ids, outgoing calls its parent's context). Nested
/// spans of an unsampled trace cost a look at the current frame and nothing else.
#[inline(always)]
pub(crate) fn begin_child(pipeline: &'static Pipeline) -> Option<Frame> {
    let current = stack::with_current(|frame| {
        if frame.trace_id == 0 {
            // Baggage without a trace (an excluded request that carried only baggage): a new
            // trace that keeps the baggage.
            return Some(Err(frame.baggage.clone()));
        }
        // The sampled flag, not whether the parent records: a context carried into spawned
        // work does not record, yet its children belong to a sampled trace. A local parent's
        // decision is always inherited.
        (frame.flags & FLAG_SAMPLED != 0).then(|| {
            Ok(Inherited {
                trace_id: frame.trace_id,
                parent_span_id: frame.span_id,
                flags: frame.flags,
                trace_state: frame.trace_state.clone(),
                baggage: frame.baggage.clone(),
            })
        })
    });
    match current {
        None => Some(begin_root(pipeline, None, None)),
        Some(None) => None,
        Some(Some(Err(baggage))) => Some(begin_root(pipeline, baggage, None)),
        Some(Some(Ok(context))) => Some(new_frame(pipeline, context, true, false, None)),
    }
}

/// What a new span takes from its parent (or from a new trace).
struct Inherited {
    trace_id: u128,
    parent_span_id: u64,
    flags: u8,
    trace_state: TraceState,
    baggage: Option<Arc<Baggage>>,
}

#[inline(always)]
fn new_frame(
    pipeline: &'static Pipeline,
    context: Inherited,
    recording: bool,
    parent_is_remote: bool,
    link: Option<LinkRecord>,
) -> Frame {
    let record = recording.then(|| {
        let mut record = pool::take();
        record.parent_span_id = context.parent_span_id;
        record.parent_is_remote = parent_is_remote;
        if let Some(link) = link {
            record.extra().links.push(link);
        }
        record.start = clock::ticks();
        record
    });
    Frame {
        trace_id: context.trace_id,
        span_id: new_span_id(),
        flags: if recording {
            context.flags | FLAG_SAMPLED
        } else {
            context.flags & !FLAG_SAMPLED
        },
        pipeline,
        trace_state: context.trace_state,
        baggage: context.baggage,
        record,
    }
}

/// A frame that stands for this thread's current span elsewhere (spawned work): same ids,
/// so spans and logs there join the trace, but it records and exports nothing itself.
pub(crate) fn current_context_frame() -> Option<Frame> {
    stack::with_current(|frame| Frame {
        trace_id: frame.trace_id,
        span_id: frame.span_id,
        flags: frame.flags,
        pipeline: frame.pipeline,
        trace_state: frame.trace_state.clone(),
        baggage: frame.baggage.clone(),
        record: None,
    })
}

/// A frame that makes a remote context (and its baggage) current without a span of ours:
/// for requests that are traced elsewhere but not here (excluded paths), and for propagation
/// when tracing is disabled (OTEL_SDK_DISABLED does not affect propagators, P5).
#[cfg_attr(
    not(any(feature = "axum", feature = "reqwest")),
    expect(dead_code, reason = "used by the HTTP integrations only")
)]
pub(crate) fn remote_context_frame(ctx: Option<SpanContext>, baggage: Baggage) -> Option<Frame> {
    let baggage = (!baggage.is_empty()).then(|| Arc::new(baggage));
    if ctx.is_none() && baggage.is_none() {
        return None;
    }
    let (trace_id, span_id, flags, trace_state) = match &ctx {
        Some(ctx) => (
            ctx.trace_id(),
            ctx.span_id(),
            ctx.flags(),
            ctx.trace_state().clone(),
        ),
        None => (0, 0, 0, TraceState::EMPTY),
    };
    Some(Frame {
        trace_id,
        span_id,
        flags,
        pipeline: pipeline::current().unwrap_or_else(pipeline::inert),
        trace_state,
        baggage,
        record: None,
    })
}

/// Sets status Error on the current span without an exception event: for outcomes that are
/// errors by convention (an HTTP 5xx response) rather than by a raised error.
#[cfg_attr(
    not(any(feature = "axum", feature = "reqwest")),
    expect(dead_code, reason = "used by the HTTP integrations only")
)]
pub(crate) fn set_current_error(description: &str) {
    stack::with_current(|frame| {
        if let Some(record) = &mut frame.record
            && !record.is_error()
        {
            record.extra().status = Status::Error(Cow::Owned(description.to_owned()));
        }
    });
}

thread_local! {
    // The message of the panic unwinding through this thread, for every span it ends.
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Ends a span: stamps the end time and hands a sampled record to the export queue.
// Always inlined: called out of line, the frame is copied into the call, which an unsampled
// span (W3b) paid for nothing.
#[inline(always)]
pub(crate) fn finish(frame: Frame) {
    let Frame {
        trace_id,
        span_id,
        flags,
        pipeline,
        trace_state,
        record: Some(mut record),
        ..
    } = frame
    else {
        return;
    };
    let now = clock::ticks();
    if std::thread::panicking() {
        let message = PANIC_MESSAGE
            .try_with(|m| m.borrow().clone())
            .ok()
            .flatten()
            .unwrap_or_else(|| "panicked".to_owned());
        record.record_exception("panic", &message, now);
    }
    record.end = now;
    record.trace_id = trace_id;
    record.span_id = span_id;
    record.flags = flags;
    record.trace_state = trace_state;
    pipeline.submit(record);
}

fn record_on(frame: &mut Frame, key: Cow<'static, str>, value: &dyn SpanValue) {
    let Some(record) = &mut frame.record else {
        return;
    };
    if let Some(value) = value.span_value() {
        let limits = frame.pipeline.limits;
        let value = AttrValue::from_value(value, limits.attribute_value_length);
        record.push_attr(key, value, limits.attribute_count);
    }
}

/// Adds an attribute to the current span of this thread, if there is one.
///
/// ```
/// let _guard = traced::Span::root("job").enter();
/// traced::record("rows", 128_u32);
/// ```
pub fn record(key: impl Into<Cow<'static, str>>, value: impl SpanValue) {
    stack::with_current(|frame| record_on(frame, key.into(), &value));
}

/// The trace id of this thread's current span, if there is one.
pub fn current_trace_id() -> Option<TraceId> {
    stack::with_current(|frame| TraceId(frame.trace_id))
}

/// The id of this thread's current span, if there is one.
pub fn current_span_id() -> Option<SpanId> {
    stack::with_current(|frame| SpanId(frame.span_id))
}

/// Trace id and span id of this thread's current span, for log correlation.
pub(crate) fn current_ids() -> Option<(u128, u64)> {
    stack::with_current(|frame| (frame.trace_id, frame.span_id))
}

/// Sets status Error and adds an `exception` event on the current span. Called by the panic
/// hook; during a panic the message is also kept for every span the unwinding ends.
pub(crate) fn record_exception(exception_type: &str, message: &str) {
    if std::thread::panicking() {
        let _ = PANIC_MESSAGE.try_with(|m| {
            if let Ok(mut m) = m.try_borrow_mut() {
                *m = Some(message.to_owned());
            }
        });
    }
    let now = clock::ticks();
    stack::with_current(|frame| {
        if let Some(record) = &mut frame.record {
            record.record_exception(exception_type, message, now);
        }
    });
}
