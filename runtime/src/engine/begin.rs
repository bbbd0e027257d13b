//! Deciding a new span's ids, parent and sampling, once, before anything else about the span
//! is built: an unsampled span reads no clock and takes no record.

use std::sync::Arc;

use crate::w3c::{Baggage, SpanContext, TraceState};

use super::clock;
use super::frame::{Frame, OwnRecord, Recording};
use super::ids::{new_span_id, new_trace_id};
use super::pipeline::Pipeline;
use super::pool;
use super::record::{FLAG_RANDOM, FLAG_SAMPLED, LinkRecord};
use super::sampler::ParentSampling;
use super::stack;

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
    /// trace, never an error.
    pub(crate) fn extract(carrier: &(impl crate::w3c::Carrier + ?Sized), link: bool) -> Parent {
        let extracted = crate::w3c::extract(carrier);
        let baggage = (!extracted.baggage.is_empty()).then(|| Arc::new(extracted.baggage));
        match extracted.context {
            Some(ctx) if link => Parent::Link(ctx, baggage),
            Some(ctx) => Parent::Remote(ctx, baggage),
            None => Parent::Fresh(baggage),
        }
    }
}

/// `None` for a child of an unsampled span of this thread (see [`begin_child`]).
pub(super) fn begin(pipeline: &'static Pipeline, parent: Parent) -> Option<Frame> {
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
            // W3C Trace Context Level 2, "trace-flags": the flags the caller sent are kept (the
            // random bit included); the sampled bit is ours to decide.
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
// Always inlined into the macros' start, so the frame is written where it is returned:
// returned through a local and copied, it stalled on store forwarding.
#[inline(always)]
pub(super) fn begin_root(
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
pub(super) fn begin_child(pipeline: &'static Pipeline) -> Option<Frame> {
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
    let span_id = new_span_id();
    let flags = if recording {
        context.flags | FLAG_SAMPLED
    } else {
        context.flags & !FLAG_SAMPLED
    };
    let recording = if recording {
        let mut record = pool::take();
        record.trace_id = context.trace_id;
        record.span_id = span_id;
        record.flags = flags;
        // Written without dropping the old value (an assignment's drop code cost the span
        // start and the description below some 15 instructions together).
        // SAFETY: `record` is a valid, exclusive place; the value overwritten is not dropped,
        // and `pool::take` hands out emptied records (`SpanRecord::empty`, `reset`), whose
        // `tracestate` is `TraceState::EMPTY`, which owns nothing (were it not, it would leak).
        unsafe { std::ptr::write(&raw mut record.trace_state, context.trace_state.clone()) };
        record.parent_span_id = context.parent_span_id;
        record.parent_is_remote = parent_is_remote;
        if let Some(link) = link {
            record.extra().links.push(link);
        }
        record.start = clock::ticks();
        Recording::Own(OwnRecord::new(record, pipeline))
    } else {
        Recording::Nothing
    };
    Frame {
        trace_id: context.trace_id,
        span_id,
        flags,
        trace_state: context.trace_state,
        baggage: context.baggage,
        recording,
    }
}

/// A frame that stands for this thread's current span elsewhere (spawned work); see
/// [`Frame::stand_in`].
pub(super) fn stand_in_for_current() -> Option<Frame> {
    stack::with_current(|frame| frame.stand_in())
}

/// A frame that makes a remote context (and its baggage) current without a span of ours:
/// for requests that are traced elsewhere but not here (excluded paths), and for propagation
/// when tracing is disabled (`OTEL_SDK_DISABLED` turns off the SDK, not the propagators).
pub(super) fn remote_context(ctx: Option<SpanContext>, baggage: Baggage) -> Option<Frame> {
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
        trace_state,
        baggage,
        recording: Recording::Nothing,
    })
}
