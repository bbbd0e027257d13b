//! A span as it is current on a thread: its context (what children, logs and outgoing calls
//! need) and what it records. Private to the engine: everything outside holds a started span
//! through [`Started`](super::Started).

use std::sync::Arc;

use crate::config::Limits;
use crate::propagation::{Baggage, SpanContext, TraceState};

use super::clock;
use super::panic;
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
    Own(Recycled),
    /// The record of a span that may be current on several threads at once (a bridged
    /// `tracing` span); it ends when that span closes, not when a frame of it is dropped.
    Shared(Arc<SharedSpan>),
}

/// A span's context and recording. 80 bytes: moved onto a thread's stack when a sync span is
/// entered, and held in place by a future's [`InSpan`](super::InSpan).
///
/// Dropping a frame that owns its record ends the span: the record is stamped and handed to
/// the export queue. So a span that was started is exported (or counted as dropped by the
/// queue) however its frame goes: popped by its guard, dropped with its future, unwound by a
/// panic, or destroyed with the thread's stack when the thread exits.
#[derive(Debug)]
pub(super) struct Frame {
    pub(super) trace_id: u128,
    pub(super) span_id: u64,
    /// W3C trace flags; the sampled bit says whether the trace is sampled.
    pub(super) flags: u8,
    pub(super) pipeline: &'static Pipeline,
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
            Recording::Shared(span) => span.is_recording(),
        }
    }

    /// Runs `f` on the record this frame writes to, if any. `f` is engine code: it must not run
    /// user code (see `stack`), and for a shared record it runs under that record's lock.
    #[inline]
    pub(super) fn with_record<R>(
        &mut self,
        f: impl FnOnce(&mut SpanRecord, Limits) -> R,
    ) -> Option<R> {
        let limits = self.pipeline.limits;
        match &mut self.recording {
            Recording::Nothing => None,
            Recording::Own(record) => Some(f(record, limits)),
            Recording::Shared(span) => span.with_record(|record| f(record, limits)),
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
            pipeline: self.pipeline,
            trace_state: self.trace_state.clone(),
            baggage: self.baggage.clone(),
            recording: match &self.recording {
                Recording::Shared(span) => Recording::Shared(Arc::clone(span)),
                _ => Recording::Nothing,
            },
        }
    }
}

impl Drop for Frame {
    // Inlined down to the check of the recording, so an unsampled span pays a compare.
    #[inline(always)]
    fn drop(&mut self) {
        match std::mem::replace(&mut self.recording, Recording::Nothing) {
            Recording::Nothing => {}
            Recording::Own(record) => self.finish(record),
            // A panic leaving an entry of a shared span passed through it.
            Recording::Shared(span) => {
                if std::thread::panicking() {
                    span.with_record(|record| panic::mark_unwound(record, clock::ticks()));
                }
            }
        }
    }
}

impl Frame {
    /// Ends the span: stamps the end time and hands the record to the export queue.
    #[inline(always)]
    fn finish(&mut self, mut record: Recycled) {
        let now = clock::ticks();
        if std::thread::panicking() {
            panic::mark_unwound(&mut record, now);
        }
        record.end = now;
        record.trace_id = self.trace_id;
        record.span_id = self.span_id;
        record.flags = self.flags;
        record.trace_state = std::mem::take(&mut self.trace_state);
        self.pipeline.submit(record);
    }
}
