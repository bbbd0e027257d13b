//! The current span of each thread: a stack of frames. A sampled span's frame points to its
//! record (a recycled heap record, see `pool`), so recording an attribute or an error is a
//! write to memory only this thread touches, with no lock, and making a span current or not
//! moves a few words, never the record.
//!
//! The stack is a `RefCell`, borrowed only inside the functions of this module and the
//! closures the engine passes them. Those never run user code (a `SpanValue`, a `Display`, a
//! subscriber, a `Drop` of the user's): values are computed before the stack is borrowed,
//! frames taken off the stack are dropped after the borrow ends. So no borrow is outstanding
//! when any other code of this thread runs, whatever that code does (re-enters traced,
//! suspends a stackful coroutine, panics): taking the borrow cannot fail, which is what
//! dropping an [`InPlace`] entry relies on. (The global allocator may run under the borrow,
//! when a record grows; an allocator is `unsafe` code that must not unwind, and one that logs
//! through traced finds the stack borrowed and is simply not traced.)

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use super::frame::Frame;

/// Frames a thread's stack holds at most. Past that, the oldest half is taken off and ended
/// (see [`evict`]): a guard leaked with `mem::forget` stays on the stack, and without a bound
/// 200 000 of them held 81 MB.
pub(super) const MAX_DEPTH: usize = 4096;

/// An entry of a thread's stack: a frame moved in (sync spans, between guard and drop), or one
/// that stays where it is, in a future being polled (see [`enter_in_place`]).
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
            // SAFETY: an `InPlace` entry is on the stack only while the frame it points to
            // cannot move or be dropped (the contract of `enter_in_place`), and the `&mut` lives
            // only during this module's borrow of the stack, which runs no other code.
            Entry::InPlace(frame) => unsafe { frame.as_mut() },
        }
    }
}

struct Stack {
    entries: RefCell<Vec<Entry>>,
    /// Set by the panic hook; cleared when a span is entered, or a sampled span ends, outside
    /// an unwinding, which only happens once the panic was caught. While it is set, spans that
    /// an unwinding ends may take the message the hook stashed (see `panic`).
    panic_fresh: Cell<bool>,
    /// Ids that stand for the current span's (`Some(None)`: no span) while a record is emitted
    /// as if in another span (see [`override_ids`]).
    ids: Cell<Option<Ids>>,
    /// Whether `ids` is set: every log line tests this one byte, not the 48 of `ids`.
    ids_set: Cell<bool>,
}

thread_local! {
    static STACK: Stack = const {
        Stack {
            entries: RefCell::new(Vec::new()),
            panic_fresh: Cell::new(false),
            ids: Cell::new(None),
            ids_set: Cell::new(false),
        }
    };
}

/// Makes `frame` the current span of this thread. False when the thread's stack is gone (the
/// thread is exiting): the frame is dropped then, which ends its span.
#[inline]
pub(super) fn push(frame: Frame) -> bool {
    // Moved once, from where the caller has it into the stack: moved into the closure and then
    // into an entry before the room for it was made, the 80-byte frame was copied three times
    // (about 30 instructions per span).
    let mut frame = ManuallyDrop::new(frame);
    let pushed = STACK
        .try_with(|stack| {
            let Ok(mut entries) = stack.entries.try_borrow_mut() else {
                // Unreachable (see the module's documentation); the span simply ends.
                return false;
            };
            let evicted = make_room(&mut entries);
            if entries.len() == entries.capacity() {
                grow(&mut entries);
            }
            let len = entries.len();
            // SAFETY: `frame` is taken here once, and not dropped below since this returns
            // true; there is room at index `len` (made just above), written before the length
            // covers it.
            unsafe {
                entries
                    .as_mut_ptr()
                    .add(len)
                    .write(Entry::Owned(ManuallyDrop::take(&mut frame)));
                entries.set_len(len + 1);
            }
            drop(entries);
            calm(stack);
            if let Some(evicted) = evicted {
                report_evicted(evicted);
            }
            true
        })
        .unwrap_or(false);
    if !pushed {
        // SAFETY: not taken: the closure takes it only when it returns true.
        drop(unsafe { ManuallyDrop::take(&mut frame) });
    }
    pushed
}

#[cold]
#[inline(never)]
fn grow(entries: &mut Vec<Entry>) {
    entries.reserve(1);
}

/// Before a push: a full stack gives up its oldest half, returned to be dropped after the
/// borrow.
#[inline(always)]
fn make_room(entries: &mut Vec<Entry>) -> Option<Vec<Entry>> {
    if entries.len() >= MAX_DEPTH {
        return Some(evict(entries));
    }
    None
}

/// Makes the frame `frame` points to current without moving it, until the returned entry is
/// dropped: a future's span during one poll, so each poll moves a pointer and not the frame.
/// When the thread's stack is gone (the thread is exiting), the span is not made current and
/// the entry does nothing.
///
/// # Safety
///
/// The frame must stay where it is, and be accessed by nothing else, until the returned entry
/// is dropped, and that must happen before the frame can move or be dropped. The callers hold
/// the frame's owner pinned or mutably borrowed for the whole poll (or scope) and keep the
/// entry in a local, dropped when the poll returns or unwinds. A stackful coroutine suspended
/// inside and never resumed keeps the frame's memory alive (its stack is leaked), or unwinds
/// through the local when it is dropped.
#[inline]
pub(super) unsafe fn enter_in_place(frame: NonNull<Frame>) -> InPlace {
    let entered = STACK
        .try_with(|stack| {
            let Ok(mut entries) = stack.entries.try_borrow_mut() else {
                return false;
            };
            let evicted = make_room(&mut entries);
            entries.push(Entry::InPlace(frame));
            drop(entries);
            calm(stack);
            if let Some(evicted) = evicted {
                report_evicted(evicted);
            }
            true
        })
        .unwrap_or(false);
    InPlace(entered.then_some(frame))
}

/// An entry made by [`enter_in_place`]; dropping it removes the entry, wherever it is (entries
/// are normally removed in reverse order; a coroutine resumed out of order, or a guard kept
/// past an inner span, leaves them otherwise).
#[derive(Debug)]
#[must_use = "the frame stops being current when this is dropped"]
pub(super) struct InPlace(Option<NonNull<Frame>>);

impl Drop for InPlace {
    #[inline(always)]
    fn drop(&mut self) {
        let Some(frame) = self.0 else {
            return;
        };
        // Once the thread-local is destroyed, so is every entry: nothing is left pointing.
        let _ = STACK.try_with(|stack| {
            let Ok(mut entries) = stack.entries.try_borrow_mut() else {
                // Unreachable: no code but this module's runs while the stack is borrowed (see
                // the module's documentation), so no borrow is outstanding here. Leaving the
                // entry would leave a pointer to a frame about to be freed: this is an
                // assertion, and aborting is the only sound way out of it.
                std::process::abort();
            };
            let here = |entry: &Entry| matches!(entry, Entry::InPlace(p) if *p == frame);
            if entries.last().is_some_and(here) {
                entries.pop();
            } else if let Some(index) = entries.iter().rposition(here) {
                entries.remove(index);
            }
        });
    }
}

/// Removes the frame of span `span_id` that [`push`] moved in. Spans normally end in reverse
/// order of entering; one that does not (a guard kept past an inner one) is found and removed
/// from the middle. The caller drops the frame, after the stack's borrow has ended.
pub(super) fn pop(span_id: u64) -> Option<Frame> {
    let mut popped = None;
    pop_then(span_id, |frame| popped = Some(frame));
    popped
}

/// [`pop`], the frame handed to `then` once the stack's borrow has ended (`then` may run user
/// code). Where a span ends: returned through an `Option`, the frame was copied twice more, and
/// `pop` was no longer inlined (about 40 instructions per span).
#[inline(always)]
pub(super) fn pop_then(span_id: u64, then: impl FnOnce(Frame)) {
    let _ = STACK.try_with(|stack| {
        let Ok(mut entries) = stack.entries.try_borrow_mut() else {
            return;
        };
        let owned = |entry: &Entry| matches!(entry, Entry::Owned(f) if f.span_id == span_id);
        // The last entry by `pop`: `remove` of the last index still called `memmove`.
        let entry = if entries.last().is_some_and(owned) {
            entries.pop()
        } else {
            entries
                .iter()
                .rposition(owned)
                .map(|index| entries.remove(index))
        };
        drop(entries);
        if let Some(Entry::Owned(frame)) = entry {
            then(frame);
        }
    });
}

/// Runs `f` on the current span of this thread, if there is one. `f` must not run user code.
#[inline]
pub(super) fn with_current<R>(f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    STACK
        .try_with(|stack| {
            let mut entries = stack.entries.try_borrow_mut().ok()?;
            entries.last_mut().map(|entry| f(entry.frame()))
        })
        .ok()
        .flatten()
}

/// Runs `f` on the frames of this thread's stack, the current one first, until it returns
/// false. `f` must not run user code.
pub(super) fn visit_nearest_first(mut f: impl FnMut(&mut Frame) -> bool) {
    let _ = STACK.try_with(|stack| {
        let Ok(mut entries) = stack.entries.try_borrow_mut() else {
            return;
        };
        for entry in entries.iter_mut().rev() {
            if !f(entry.frame()) {
                break;
            }
        }
    });
}

/// Trace id, span id and trace flags of the current span of this thread, as logs see it: the
/// ids set by [`override_ids`] while they are, else the current frame's.
#[inline]
pub(super) fn current_ids() -> Option<(u128, u64, u8)> {
    STACK
        .try_with(|stack| {
            if stack.ids_set.get()
                && let Some(ids) = stack.ids.get()
            {
                return ids;
            }
            let mut entries = stack.entries.try_borrow_mut().ok()?;
            let frame = entries.last_mut()?.frame();
            Some((frame.trace_id, frame.span_id, frame.flags))
        })
        .ok()
        .flatten()
}

/// Makes logs on this thread see `ids` as the current span's until the returned value is
/// dropped: for a record emitted on behalf of a span that is no longer current (an error's,
/// see `exception`). Nothing else (children, propagation) sees them.
pub(super) fn override_ids(ids: Ids) -> IdsOverride {
    IdsOverride(
        STACK
            .try_with(|stack| {
                stack.ids_set.set(true);
                stack.ids.replace(Some(ids))
            })
            .ok(),
    )
}

/// Trace id, span id and trace flags of a span, `None` for no span.
pub(super) type Ids = Option<(u128, u64, u8)>;

/// Restores the ids that were in force before [`override_ids`].
#[must_use = "the ids stand for the current span's only until this is dropped"]
pub(super) struct IdsOverride(Option<Option<Ids>>);

impl Drop for IdsOverride {
    fn drop(&mut self) {
        if let Some(previous) = self.0 {
            let _ = STACK.try_with(|stack| {
                stack.ids_set.set(previous.is_some());
                stack.ids.set(previous);
            });
        }
    }
}

/// Runs `f` on the innermost frame of span `span_id`, wherever it is on this thread's stack.
/// `f` must not run user code.
pub(super) fn with_span<R>(span_id: u64, f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    STACK
        .try_with(|stack| {
            let mut entries = stack.entries.try_borrow_mut().ok()?;
            entries
                .iter_mut()
                .rev()
                .map(Entry::frame)
                .find(|frame| frame.span_id == span_id)
                .map(f)
        })
        .ok()
        .flatten()
}

/// Runs `f` on the innermost frame of span `span_id` that records: the span's own frame, past
/// the frames that only stand for it (same id, nothing recorded). `f` must not run user code.
pub(super) fn with_recording<R>(span_id: u64, f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    STACK
        .try_with(|stack| {
            let mut entries = stack.entries.try_borrow_mut().ok()?;
            entries
                .iter_mut()
                .rev()
                .map(Entry::frame)
                .find(|frame| frame.span_id == span_id && frame.is_recording())
                .map(f)
        })
        .ok()
        .flatten()
}

/// Takes the oldest half of a full stack off: amortised, a push past [`MAX_DEPTH`] costs a
/// move of one entry. Frames in place stop being current (their polls find nothing to remove
/// when they end); frames moved in are returned, to be dropped after the borrow, which ends
/// their spans (their guards find nothing to end later).
#[cold]
#[inline(never)]
fn evict(entries: &mut Vec<Entry>) -> Vec<Entry> {
    entries.drain(..MAX_DEPTH / 2).collect()
}

/// Ends the evicted spans and reports the first eviction of the process, once the stack is
/// no longer borrowed (the report goes through the log subscriber, user code).
#[cold]
#[inline(never)]
fn report_evicted(evicted: Vec<Entry>) {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    let count = evicted.len();
    drop(evicted);
    if !REPORTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            target: "traced",
            "a thread had {MAX_DEPTH} spans current: the oldest {count} were ended early \
             (span guards leaked with `mem::forget`, or recursion deeper than that)"
        );
    }
}

/// A span is entered: outside an unwinding, that means any panic seen before was caught, so
/// its message no longer belongs to spans that end now, and a panic line held back for it is
/// released.
#[inline(always)]
fn calm(stack: &Stack) {
    if stack.panic_fresh.get() && !std::thread::panicking() {
        stack.panic_fresh.set(false);
        super::held::release();
    }
}

/// The panic hook stashed a message for the unwinding that follows.
pub(super) fn set_panic_fresh() {
    let _ = STACK.try_with(|stack| stack.panic_fresh.set(true));
}

/// A sampled span ended outside an unwinding: as [`calm`], for the spans on the stack below it.
#[inline]
pub(super) fn span_ended_calmly() {
    let fresh = STACK
        .try_with(|stack| {
            let fresh = stack.panic_fresh.get();
            if fresh {
                stack.panic_fresh.set(false);
            }
            fresh
        })
        .unwrap_or(false);
    if fresh {
        super::held::release();
    }
}

/// Whether the stashed panic message belongs to the unwinding under way (see `Stack`).
pub(super) fn panic_is_fresh() -> bool {
    STACK
        .try_with(|stack| stack.panic_fresh.get())
        .unwrap_or(false)
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
