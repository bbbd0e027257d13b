//! Panics and spans, in one place: the text of a panic's payload, the message the panic hook
//! leaves for the spans an unwinding ends, and formatting that must not let a user's panic
//! escape.
//!
//! The hook marks the span current where the panic starts, with its message. Every span that
//! the unwinding then ends is marked too: with that message while it belongs to this
//! unwinding, else with a generic "panic". A panic caught with `catch_unwind` and a later
//! `resume_unwind` (which runs no hook) must not lend the first panic's message, which may hold
//! another request's data, to the second: the message is used only until a span is entered,
//! or a sampled span ends, outside an unwinding (see `stack`), which is what code does once a
//! panic was caught.
//!
//! One case stays out of reach: a panic caught inside a span, then a different payload resumed
//! with `resume_unwind` with no span entered or ended in between. The spans that second
//! unwinding ends outside the first one's span take the first message: no hook runs and the
//! standard library does not tell one unwinding from the next.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::record::SpanRecord;
use super::{clock, exception, stack};

/// The exception type and message of a panic whose payload is not text, or whose message is
/// not known to belong to the unwinding under way.
pub(crate) const GENERIC: &str = "panic";

thread_local! {
    /// The message of the last panic the hook saw on this thread.
    static MESSAGE: RefCell<Option<Box<str>>> = const { RefCell::new(None) };
    /// Set while [`catch_formatting`] runs: a panic there costs one value and is not an
    /// exception of the current span.
    static FORMATTING: Cell<bool> = const { Cell::new(false) };
}

/// The text of a panic payload: `panic!("…")` gives a `&str` or a `String`; anything else
/// (`panic_any(17)`) has no text.
pub(crate) fn payload_text(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// The span half of the panic hook: marks the current span with the panic and keeps the
/// message for the spans the unwinding ends.
pub(crate) fn on_panic_hook(payload: &(dyn Any + Send)) {
    if FORMATTING.try_with(Cell::get).unwrap_or(false) {
        return;
    }
    let message = payload_text(payload).unwrap_or(GENERIC);
    let _ = MESSAGE.try_with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = Some(message.into());
        }
    });
    stack::set_panic_fresh();
    let now = clock::ticks();
    stack::with_current(|frame| {
        frame.with_record(|record, _| {
            record.record_exception(GENERIC, message, now, exception::span_events())
        })
    });
}

/// Marks a span that an unwinding ends (see the module documentation for the message). The
/// panic is one exception, with one `exception` event: on the span where the hook saw it
/// start, and the spans it then unwinds set status Error only. An unwinding the hook did not
/// see (the hook is not installed, or `resume_unwind`, which runs no hook) gets its event on
/// the first span it ends, the innermost, and is then treated as the hook's.
pub(super) fn mark_unwound(record: &mut SpanRecord, now: u64) {
    if record.is_error() {
        return;
    }
    if !stack::panic_is_fresh() {
        // Its message is unknown, and the last panic's must not be lent to it.
        let _ = MESSAGE.try_with(|m| {
            if let Ok(mut m) = m.try_borrow_mut() {
                *m = None;
            }
        });
        stack::set_panic_fresh();
        record.record_exception(GENERIC, GENERIC, now, exception::span_events());
        return;
    }
    let message = MESSAGE
        .try_with(|m| m.try_borrow().ok().and_then(|m| m.clone()))
        .ok()
        .flatten();
    record.set_error(message.as_deref().unwrap_or(GENERIC));
}

/// Runs a user's formatting (`Debug`, `Display`) and returns its output, or `None` if it
/// panicked: the panic costs that one value, and is neither propagated into traced's caller
/// nor recorded as the current span's exception (the hook still logs it).
pub(crate) fn catch_formatting<R>(format: impl FnOnce() -> R) -> Option<R> {
    let outer = FORMATTING.try_with(|f| f.replace(true)).unwrap_or(true);
    let result = catch_unwind(AssertUnwindSafe(format));
    let _ = FORMATTING.try_with(|f| f.set(outer));
    result.ok()
}
