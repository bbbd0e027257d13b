//! Ending a span: the end time stamped, the mark of a panic that unwinds through it, the
//! record handed to the export queue.

use super::clock;
use super::exception;
use super::frame::{Frame, OwnRecord, Recording, SharedEntry};
use super::panic;
use super::pipeline::Pipeline;
use super::pool::Recycled;
use super::stack;

impl Drop for OwnRecord {
    // Inlined, so a frame's fields drop in place as its span ends.
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(record) = self.record.take() {
            finish(record, self.pipeline);
        }
    }
}

impl Drop for SharedEntry {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0
                .with_record(|record, _| panic::mark_unwound(record, clock::ticks()));
        }
    }
}

impl Frame {
    /// Ends the span (what dropping the frame does), spelled out field by field so that it
    /// inlines where a guard or a future ends its span: an unsampled span costs a compare.
    #[inline(always)]
    pub(super) fn end(self) {
        let Frame {
            recording,
            trace_state,
            baggage,
            ..
        } = self;
        match recording {
            Recording::Nothing => {}
            Recording::Own(own) => {
                let (record, pipeline) = own.into_parts();
                if let Some(record) = record {
                    finish(record, pipeline);
                }
            }
            Recording::Shared(entry) => drop(entry),
        }
        drop(trace_state);
        drop(baggage);
    }
}

/// Ends a span: stamps the end time and hands the record to the export queue, which drops
/// and counts it when full.
#[inline(always)]
pub(super) fn finish(mut record: Recycled, pipeline: &'static Pipeline) {
    let now = clock::ticks();
    if std::thread::panicking() {
        panic::mark_unwound(&mut record, now);
    } else {
        stack::span_ended_calmly();
    }
    record.end = now;
    // A span that may hold an error's record (see `exception`) takes the path that emits it;
    // any other span pays this one test of a field it already has in cache.
    if record.extra.is_some() {
        finish_extra(record, pipeline);
        return;
    }
    pipeline.submit(record);
}

/// [`finish`] for a span with events, links or an error: hands the record over, then emits
/// the error's log record it held, if any (with nothing borrowed: the subscriber is user code).
#[cold]
#[inline(never)]
fn finish_extra(mut record: Recycled, pipeline: &'static Pipeline) {
    let pending = exception::take_pending(&mut record);
    pipeline.submit(record);
    if let Some((pending, ended_in_error)) = pending {
        exception::settle(pending, ended_in_error);
    }
}
