//! A span as it is current on a thread: its context (what children, logs and outgoing calls
//! need) and what it records. Private to the engine: everything outside holds a started span
//! through [`Started`](super::Started).

use std::mem::ManuallyDrop;
use std::sync::Arc;

use super::limits::Limits;
use crate::w3c::{Baggage, SpanContext, TraceState};

use super::pipeline::Pipeline;
use super::pool::Recycled;
use super::record::SpanRecord;
use super::shared::SharedSpan;

/// What a frame records into.
#[derive(Debug)]
pub(super) enum Recording {
    /// Nothing: the span is not sampled, or the frame only carries a context (spawned work, a
    /// remote caller's context).
    Nothing,
    /// The span's own record, exported when the frame is dropped.
    Own(OwnRecord),
    /// The record of a span that may be current on several threads at once (a bridged
    /// `tracing` span); it ends when that span closes, not when a frame of it is dropped.
    Shared(SharedEntry),
}

/// A span's own record and where it goes. Dropping it ends the span (see `end`): the end time
/// is stamped and the record is handed to the export queue. So a span that was started is
/// exported (or counted as dropped by the queue) however its frame goes: popped by its guard,
/// dropped with its future, unwound by a panic, or destroyed with the thread's stack when the
/// thread exits.
#[derive(Debug)]
pub(super) struct OwnRecord {
    /// `None` only once taken.
    pub(super) record: Option<Recycled>,
    pub(super) pipeline: &'static Pipeline,
}

impl OwnRecord {
    /// `record` has its ids set (see `begin`).
    #[inline(always)]
    pub(super) fn new(record: Recycled, pipeline: &'static Pipeline) -> OwnRecord {
        OwnRecord {
            record: Some(record),
            pipeline,
        }
    }

    /// The record; `None` only once it was taken.
    #[inline(always)]
    pub(super) fn get_mut(&mut self) -> Option<&mut SpanRecord> {
        self.record.as_deref_mut()
    }

    /// The record, taken without ending the span.
    pub(super) fn take(mut self) -> Option<Recycled> {
        self.record.take()
    }

    /// The record and its pipeline, without ending the span. Where a span ends, taking the
    /// record and letting the rest drop called the drop glue, to find the record gone (15
    /// instructions per span).
    #[inline(always)]
    pub(super) fn into_parts(self) -> (Option<Recycled>, &'static Pipeline) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is neither used nor dropped after the record is read out of it, so
        // the record has one owner.
        (unsafe { std::ptr::read(&this.record) }, this.pipeline)
    }
}

/// A frame's hold on a shared span. A panic that drops it (leaving an entry of the span while
/// unwinding) passed through the span, and marks it (see `end`).
#[derive(Debug)]
pub(super) struct SharedEntry(pub(super) Arc<SharedSpan>);

/// A span's context and recording. 80 bytes: moved onto a thread's stack when a sync span is
/// entered, and held in place by a future's [`InSpan`](super::InSpan). Dropping it ends the
/// span when it owns its record (see `OwnRecord`).
#[derive(Debug)]
pub(super) struct Frame {
    pub(super) trace_id: u128,
    pub(super) span_id: u64,
    /// W3C trace flags; the sampled bit says whether the trace is sampled.
    pub(super) flags: u8,
    /// The W3C `tracestate` of the trace, inherited by children and sent on outgoing calls.
    pub(super) trace_state: TraceState,
    /// W3C baggage in scope: inherited by children, sent on outgoing calls. Shared, because
    /// it rarely changes and is read on every outgoing request.
    pub(super) baggage: Option<Arc<Baggage>>,
    pub(super) recording: Recording,
}

impl Frame {
    /// Whether this span records (and is exported).
    #[inline]
    pub(super) fn is_recording(&self) -> bool {
        match &self.recording {
            Recording::Nothing => false,
            Recording::Own(_) => true,
            Recording::Shared(span) => span.0.is_recording(),
        }
    }

    /// Runs `f` on the record this frame writes to, if any. `f` is engine code: it must not run
    /// user code (see `stack`), and for a shared record it runs under that record's lock.
    #[inline]
    pub(super) fn with_record<R>(
        &mut self,
        f: impl FnOnce(&mut SpanRecord, Limits) -> R,
    ) -> Option<R> {
        match &mut self.recording {
            Recording::Nothing => None,
            Recording::Own(own) => {
                let limits = own.pipeline.limits;
                own.get_mut().map(|record| f(record, limits))
            }
            Recording::Shared(span) => span.0.with_record(|record, limits| f(record, limits)),
        }
    }

    /// The attribute limits of the span's pipeline, when it records.
    #[inline]
    pub(super) fn limits(&self) -> Option<Limits> {
        match &self.recording {
            Recording::Nothing => None,
            Recording::Own(own) => Some(own.pipeline.limits),
            Recording::Shared(span) => span.0.limits(),
        }
    }

    /// The W3C context of this span, for propagation.
    pub(super) fn context(&self) -> Option<SpanContext> {
        SpanContext::new(self.trace_id, self.span_id, self.flags)
            .map(|ctx| ctx.with_trace_state(self.trace_state.clone()))
    }

    /// A frame that stands for this span elsewhere (spawned work): the same ids, so spans and
    /// logs there join the trace. It records into the span only when the record is shared; a
    /// span's own record stays with its guard or future.
    pub(super) fn stand_in(&self) -> Frame {
        Frame {
            trace_id: self.trace_id,
            span_id: self.span_id,
            flags: self.flags,
            trace_state: self.trace_state.clone(),
            baggage: self.baggage.clone(),
            recording: match &self.recording {
                Recording::Shared(span) => Recording::Shared(SharedEntry(Arc::clone(&span.0))),
                _ => Recording::Nothing,
            },
        }
    }
}
