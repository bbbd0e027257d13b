//! The current span of each thread: a stack of frames, each holding its span's record while
//! the span is current, so recording an attribute or an error is a write to thread-local
//! memory with no lock and no allocation.

use std::cell::RefCell;
use std::sync::Arc;

use crate::propagation::Baggage;

use super::pipeline::Pipeline;
use super::record::SpanRecord;

/// A current span.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) record: SpanRecord,
    /// False for spans that are not sampled: they carry ids (for logs and propagation) but
    /// record nothing and are never exported.
    pub(crate) recording: bool,
    pub(crate) pipeline: &'static Pipeline,
    /// W3C baggage in scope: inherited by children, sent on outgoing calls. Shared, because
    /// it rarely changes and is read on every outgoing request.
    pub(crate) baggage: Option<Arc<Baggage>>,
}

thread_local! {
    static STACK: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Makes `frame` the current span of this thread.
pub(crate) fn push(frame: Frame) {
    // `try_with`: during thread-local destruction the span is simply not made current.
    let _ = STACK.try_with(|stack| {
        if let Ok(mut stack) = stack.try_borrow_mut() {
            stack.push(frame);
        }
    });
}

/// Removes the frame of span `span_id`. Spans normally end in reverse order of entering; one
/// that does not (a guard kept past an inner one) is found and removed from the middle.
pub(crate) fn pop(span_id: u64) -> Option<Frame> {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            if stack.last().is_some_and(|f| f.record.span_id == span_id) {
                return stack.pop();
            }
            let index = stack.iter().rposition(|f| f.record.span_id == span_id)?;
            Some(stack.remove(index))
        })
        .ok()
        .flatten()
}

/// Runs `f` on the current span of this thread, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            stack.last_mut().map(f)
        })
        .ok()
        .flatten()
}

/// Runs `f` on the frame of span `span_id`, wherever it is on this thread's stack.
pub(crate) fn with_span<R>(span_id: u64, f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            stack
                .iter_mut()
                .rev()
                .find(|frame| frame.record.span_id == span_id)
                .map(f)
        })
        .ok()
        .flatten()
}
