//! The current span of each thread: a stack of small frames. A sampled span's frame points to
//! its record (a recycled heap record, see `pool`), so recording an attribute or an error is a
//! write to memory only this thread touches, with no lock, and making a span current or not
//! moves a few words, never the record.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::propagation::{Baggage, TraceState};

use super::pipeline::Pipeline;
use super::pool::Recycled;

/// A current span: its context (what children, logs and outgoing calls need) and, when it is
/// sampled, its record. 64 bytes: it is copied onto the stack and off it for every sync span.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
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

/// An entry of a thread's stack: a frame moved in (sync spans, between guard and drop), or one
/// that stays where it is, in a future being polled (see [`push_in_place`]).
#[derive(Debug)]
enum Entry {
    Owned(Frame),
    InPlace(NonNull<Frame>),
}

impl Entry {
    #[inline]
    fn frame(&mut self) -> &mut Frame {
        match self {
            Entry::Owned(frame) => frame,
            // SAFETY: an `InPlace` entry is on the stack only during the poll that pushed it,
            // while the frame it points to cannot move or be dropped (see `push_in_place`).
            Entry::InPlace(frame) => unsafe { frame.as_mut() },
        }
    }
}

thread_local! {
    static STACK: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Makes `frame` the current span of this thread.
#[inline]
pub(crate) fn push(frame: Frame) {
    // `try_with`: during thread-local destruction the span is simply not made current.
    let _ = STACK.try_with(|stack| {
        if let Ok(mut stack) = stack.try_borrow_mut() {
            stack.push(Entry::Owned(frame));
        }
    });
}

/// Makes the frame `frame` points to current without moving it: a future's span during one
/// poll, so each poll moves a pointer and not the frame.
///
/// # Safety
///
/// The frame must stay where it is, unaliased, until [`pop_in_place`] removes it, and that must
/// happen before it can move or be dropped: the caller pushes it at the start of a poll of the
/// pinned future that holds it and pops it before the poll returns or unwinds.
#[inline]
pub(crate) unsafe fn push_in_place(frame: NonNull<Frame>) -> bool {
    STACK
        .try_with(|stack| match stack.try_borrow_mut() {
            Ok(mut stack) => {
                stack.push(Entry::InPlace(frame));
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// Removes the entry [`push_in_place`] made for `frame`.
#[inline]
pub(crate) fn pop_in_place(frame: NonNull<Frame>) {
    let _ = STACK.try_with(|stack| {
        let Ok(mut stack) = stack.try_borrow_mut() else {
            return;
        };
        let here = |entry: &Entry| matches!(entry, Entry::InPlace(p) if *p == frame);
        if stack.last().is_some_and(here) {
            stack.pop();
        } else if let Some(index) = stack.iter().rposition(here) {
            stack.remove(index);
        }
    });
}

/// Removes the frame of span `span_id` (moved in with [`push`]). Spans normally end in reverse
/// order of entering; one that does not (a guard kept past an inner one) is found and removed
/// from the middle.
#[inline]
pub(crate) fn pop(span_id: u64) -> Option<Frame> {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            let owned = |entry: &Entry| matches!(entry, Entry::Owned(f) if f.span_id == span_id);
            let index = if stack.last().is_some_and(owned) {
                stack.len() - 1
            } else {
                stack.iter().rposition(owned)?
            };
            match stack.remove(index) {
                Entry::Owned(frame) => Some(frame),
                Entry::InPlace(_) => None,
            }
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
            stack.last_mut().map(|entry| f(entry.frame()))
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
                .map(Entry::frame)
                .find(|frame| frame.span_id == span_id)
                .map(f)
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pipeline::inert;
    use crate::propagation::TraceState;

    fn frame(span_id: u64) -> Frame {
        Frame {
            trace_id: 1,
            span_id,
            flags: 0,
            pipeline: inert(),
            trace_state: TraceState::EMPTY,
            baggage: None,
            record: None,
        }
    }

    fn current() -> Option<u64> {
        with_current(|f| f.span_id)
    }

    #[test]
    fn frames_in_place_and_moved_in_nest_and_unwind_in_any_order() {
        let mut outer = frame(1);
        let outer_ptr = NonNull::from(&mut outer);
        // SAFETY: `outer` stays put and is popped below, before it is dropped.
        assert!(unsafe { push_in_place(outer_ptr) });
        assert_eq!(current(), Some(1));
        push(frame(2));
        assert_eq!(current(), Some(2));
        with_current(|f| f.flags = 7);
        assert_eq!(with_span(1, |f| f.span_id), Some(1));
        // The frame in place is not popped as a moved-in frame.
        assert!(pop(1).is_none());
        // Removed from under the moved-in frame, which stays current.
        pop_in_place(outer_ptr);
        assert_eq!(current(), Some(2));
        let moved = pop(2).expect("moved-in frame");
        assert_eq!(moved.flags, 7);
        assert_eq!(current(), None);
    }

    #[test]
    fn writes_through_the_stack_reach_the_frame_in_place() {
        let mut f = frame(3);
        let ptr = NonNull::from(&mut f);
        // SAFETY: `f` stays put and is popped before it is used again.
        assert!(unsafe { push_in_place(ptr) });
        with_current(|frame| frame.flags = 1);
        pop_in_place(ptr);
        assert_eq!(f.flags, 1);
        assert_eq!(current(), None);
    }
}
