//! A span that may be current on several threads at once: a `tracing` span handed to spawned
//! tasks (`fut.instrument(span)`) or entered by a thread pool inside `span.in_scope`. Its
//! record sits behind a lock; each thread that enters it gets a frame of its own that points
//! to it, so work on every thread nests under it and records into it. It ends once, when its
//! owner ends it.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::Limits;
use crate::propagation::{Baggage, TraceState};

use super::frame::{Frame, OwnRecord, Recording, SharedEntry};
use super::pipeline::Pipeline;
use super::pool::Recycled;
use super::record::{FLAG_SAMPLED, LinkRecord, SpanRecord};
use super::stack;
use super::update::Update;

/// A started span shared between threads; see the module documentation.
#[derive(Debug)]
pub(crate) struct SharedSpan {
    trace_id: u128,
    span_id: u64,
    flags: u8,
    pipeline: &'static Pipeline,
    trace_state: TraceState,
    baggage: Option<Arc<Baggage>>,
    /// `None` once the span ended (or when it is not sampled).
    record: Mutex<Option<Recycled>>,
}

impl SharedSpan {
    /// Shares the span `frame` started.
    pub(super) fn new(mut frame: Frame) -> SharedSpan {
        let record = match std::mem::replace(&mut frame.recording, Recording::Nothing) {
            Recording::Own(record) => record.take(),
            Recording::Nothing | Recording::Shared(_) => None,
        };
        SharedSpan {
            trace_id: frame.trace_id,
            span_id: frame.span_id,
            flags: frame.flags,
            pipeline: frame.pipeline,
            trace_state: std::mem::take(&mut frame.trace_state),
            baggage: frame.baggage.take(),
            record: Mutex::new(record),
        }
    }

    /// Whether the span records: it is sampled and has not ended.
    pub(crate) fn is_recording(&self) -> bool {
        self.flags & FLAG_SAMPLED != 0 && self.lock().is_some()
    }

    /// The attribute limits, when the span records: values are computed only then.
    pub(crate) fn limits(&self) -> Option<Limits> {
        self.is_recording().then_some(self.pipeline.limits)
    }

    /// Applies changes computed beforehand (see [`Update`]).
    pub(crate) fn apply(&self, updates: impl IntoIterator<Item = Update>) {
        let limits = self.pipeline.limits;
        self.with_record(|record| {
            for update in updates {
                update.apply(record, limits);
            }
        });
    }

    /// Runs `f` on the record under its lock, if the span still records. `f` must not run user
    /// code: values are computed before.
    pub(super) fn with_record<R>(&self, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
        self.lock().as_mut().map(|record| f(record))
    }

    // Poisoning cannot leave a record half-written (the closures given to `with_record` do not
    // panic on their own), so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, Option<Recycled>> {
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the span current on this thread, nested in whatever is current, until [`exit`]
    /// (entries of one span nest: entering it again inside itself is one more level). False
    /// when the thread's stack is gone (the thread is exiting).
    ///
    /// [`exit`]: SharedSpan::exit
    pub(crate) fn enter(self: &Arc<Self>) -> bool {
        let frame = Frame {
            trace_id: self.trace_id,
            span_id: self.span_id,
            flags: self.flags,
            pipeline: self.pipeline,
            trace_state: self.trace_state.clone(),
            baggage: self.baggage.clone(),
            recording: Recording::Shared(SharedEntry(Arc::clone(self))),
        };
        stack::push(frame)
    }

    /// Leaves the innermost entry of this span on this thread.
    pub(crate) fn exit(&self) {
        // Dropped here, after the stack's borrow: a frame of a shared span ends nothing.
        drop(stack::pop(self.span_id));
    }

    /// Adds a link to `other`, if both record (OpenTelemetry: links to spans that are not
    /// sampled, or have ended, carry nothing a backend can follow).
    pub(crate) fn link_to(&self, other: &SharedSpan) {
        if other.flags & FLAG_SAMPLED == 0 || !other.is_recording() {
            return;
        }
        let link = LinkRecord {
            trace_id: other.trace_id,
            span_id: other.span_id,
            flags: other.flags,
            remote: false,
        };
        self.with_record(|record| record.extra().links.push(link));
    }

    /// Ends the span: exports its record. Later calls, and entries still open on other
    /// threads, find nothing to record into.
    pub(crate) fn end(&self) {
        let record = self.lock().take();
        // Dropping the record's owner ends the span (see `OwnRecord`).
        drop(record.map(OwnRecord::new));
    }
}
