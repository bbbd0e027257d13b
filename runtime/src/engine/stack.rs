//! The current span of each thread: a stack of small frames. A sampled span's frame points to
//! its record (a recycled heap record, see `pool`), so recording an attribute or an error is a
//! write to memory only this thread touches, with no lock, and making a span current or not
//! moves a few words, never the record.

use std::cell::RefCell;
use std::sync::Arc;

use crate::propagation::{Baggage, TraceState};

use super::pipeline::Pipeline;
use super::pool::Recycled;

/// A current span: its context (what children, logs and outgoing calls need) and, when it is
/// sampled, its record.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    /// Zero when the span is a root.
    pub(crate) parent_span_id: u64,
    /// W3C trace flags; the sampled bit says whether the trace is sampled.
    pub(crate) flags: u8,
    pub(crate) pipeline: &'static Pipeline,
    /// The W3C `tracestate` of the trace, inherited by children and sent on outgoing calls.
    pub(crate) trace_state: TraceState,
    /// W3C baggage in scope: inherited by children, sent on outgoing calls. Shared, because
    /// it rarely changes and is read on every outgoing request.
    pub(crate) baggage: Option<Arc<Baggage>>,
    /// The record of a sampled span. `None` for spans that are not sampled (they carry ids for
    /// logs and propagation but record nothing and are never exported) and for context frames.
    pub(crate) record: Option<Recycled>,
}

impl Frame {
    /// Whether this span records and is exported.
    #[inline]
    pub(crate) fn recording(&self) -> bool {
        self.record.is_some()
    }
}

thread_local! {
    static STACK: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Makes `frame` the current span of this thread.
#[inline]
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
#[inline]
pub(crate) fn pop(span_id: u64) -> Option<Frame> {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            if stack.last().is_some_and(|f| f.span_id == span_id) {
                return stack.pop();
            }
            let index = stack.iter().rposition(|f| f.span_id == span_id)?;
            Some(stack.remove(index))
        })
        .ok()
        .flatten()
}

/// Runs `f` on the current span of this thread, if there is one.
#[inline]
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
                .find(|frame| frame.span_id == span_id)
                .map(f)
        })
        .ok()
        .flatten()
}
