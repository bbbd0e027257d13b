//! Sharing a started span between threads (see `shared`): making it current on a thread,
//! leaving it, ending it.

use std::sync::{Arc, Mutex};

use super::exception;
use super::frame::{Frame, OwnRecord, Recording, SharedEntry};
use super::shared::SharedSpan;
use super::stack;

impl SharedSpan {
    /// Shares the span `frame` started.
    pub(super) fn new(mut frame: Frame) -> SharedSpan {
        let (record, pipeline) = match std::mem::replace(&mut frame.recording, Recording::Nothing) {
            Recording::Own(own) => {
                let pipeline = own.pipeline;
                (own.take(), Some(pipeline))
            }
            Recording::Nothing | Recording::Shared(_) => (None, None),
        };
        SharedSpan {
            trace_id: frame.trace_id,
            span_id: frame.span_id,
            flags: frame.flags,
            pipeline,
            trace_state: std::mem::take(&mut frame.trace_state),
            baggage: frame.baggage.take(),
            record: Mutex::new(record),
        }
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

    /// Ends the span: exports its record. Later calls, and entries still open on other
    /// threads, find nothing to record into.
    pub(crate) fn end(&self) {
        let record = self.lock().take();
        if let (Some(mut record), Some(pipeline)) = (record, self.pipeline) {
            // The record of an error a traced function nested in this span returned goes on to
            // the parent span: a `tracing` span does not see what its function returned.
            let passed = exception::take_passed_on(&mut record);
            // Dropping the record's owner ends the span (see `end`).
            drop(OwnRecord::new(record, pipeline));
            if let Some(passed) = passed {
                exception::pass_on(passed);
            }
        }
    }
}
