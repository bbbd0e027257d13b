//! Exceptions as log records (semantic conventions, "Exceptions in logs"; "Recording errors"):
//! an `Err` that traced functions return is logged once, by the innermost span that returned
//! it, with a severity that says where the error went.
//!
//! - The innermost span that returns the error sets status Error (and adds the `exception`
//!   span event, unless span events are turned off: `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs`)
//!   and the error's record is made, but not emitted yet: whether the error was handled is
//!   known only when the caller's span ends. The record is kept pending on the caller's span.
//! - A caller that returns `Err` too takes the error as the same one, propagated: it sets
//!   status Error only (no second record, no second span event) and hands the record up in
//!   turn. This is a heuristic: an `Err` returned by a span whose child returned `Err` is
//!   taken as that error, whatever its type.
//! - A span that holds the record and ends without returning `Err` handled the error: the
//!   record is emitted at WARN (at ERROR if the span ended with status Error otherwise, an HTTP
//!   5xx or a panic).
//! - A bridged `tracing` span cannot tell what the code inside it returned: one that ends
//!   holding the record hands it on to its parent (`pass_on`), as if it were not there; a
//!   bridged local root, or one whose parent is out of reach, settles it as above.
//! - An error that leaves a local root (a span that started a trace or continued a remote one,
//!   a server or consumer span, or a span whose parent is not current on this thread, as in
//!   spawned work) is emitted at ERROR.
//! - In an unsampled trace spans keep no record, so the error cannot be followed: it is
//!   emitted at ERROR where it is first returned, and the same error returned again in a row
//!   in the same trace on this thread is not emitted twice.
//!
//! The record is a `tracing` event at target [`EXCEPTION_TARGET`], emitted with the ids of the
//! innermost span overriding the current span's (see `stack::override_ids`), so its JSON line
//! and its OTLP log record carry that span's ids even after it ended. It is emitted with
//! nothing of the engine borrowed: the subscriber is user code.

use std::cell::Cell;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicBool, Ordering};

use super::clock;
use super::pending::PendingException;
use super::record::{SpanKind, SpanRecord};
use super::stack;

/// Target of the log record of an exception a traced function returned.
pub(crate) const EXCEPTION_TARGET: &str = "traced::exception";

/// Whether an exception also adds the `exception` span event (`logs/dup`, our default).
static SPAN_EVENTS: AtomicBool = AtomicBool::new(true);

/// Sets whether exceptions also add the `exception` span event, for the whole process.
pub(crate) fn set_span_events(on: bool) {
    SPAN_EVENTS.store(on, Ordering::Relaxed);
}

/// Whether exceptions add the `exception` span event.
#[inline]
pub(crate) fn span_events() -> bool {
    SPAN_EVENTS.load(Ordering::Relaxed)
}

/// Where an error went, as its record's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Returned to a traced caller that handled it: WARN.
    Handled,
    /// Left a local root, or ended a span with status Error: ERROR.
    Escaped,
}

/// What recording an `Err` on the current span decided, acted on after the stack's borrow.
enum Step {
    /// Hand the record to the parent span, `parent_span_id`.
    Up(Box<PendingException>, u64),
    /// Emit now.
    Emit(Box<PendingException>, Fate),
}

/// A traced function returned `Err` (see the module documentation). Called while the
/// function's span is current; the message is formatted by the caller, before.
pub(crate) fn record_exception(exception_type: &'static str, message: &str) {
    let now = clock::ticks();
    let span_event = span_events();
    let step = stack::with_current(|frame| {
        let ids = (frame.trace_id, frame.span_id, frame.flags);
        frame.with_record(|record, _| {
            let pending = match record.extra.as_mut().and_then(|extra| extra.pending.take()) {
                Some(pending) => {
                    record.set_error(message);
                    pending
                }
                None => {
                    record.record_exception(exception_type, message, now, span_event);
                    Box::new(PendingException {
                        trace_id: ids.0,
                        span_id: ids.1,
                        flags: ids.2,
                        exception_type,
                        message: message.to_owned(),
                    })
                }
            };
            if is_local_root(record) {
                Step::Emit(pending, Fate::Escaped)
            } else {
                Step::Up(pending, record.parent_span_id)
            }
        })
    });
    match step {
        Some(Some(Step::Emit(pending, fate))) => emit(&pending, fate),
        Some(Some(Step::Up(pending, parent))) => hand_up(pending, parent),
        Some(None) => unsampled(exception_type, message),
        // No span current: tracing is off, or the span could not be made current.
        None => {}
    }
}

/// A span an error leaves to go out of this thread's traced code: it started a trace or
/// continued a remote one, or it serves a request or consumes a message.
fn is_local_root(record: &SpanRecord) -> bool {
    record.parent_span_id == 0
        || record.parent_is_remote
        || matches!(record.kind, SpanKind::Server | SpanKind::Consumer)
}

/// Keeps `pending` on the parent span until it ends; a record the parent already held (an
/// earlier child's error, handled) is emitted now. A parent that is not current on this
/// thread (spawned work) is out of reach: the error leaves a local root.
fn hand_up(pending: Box<PendingException>, parent_span_id: u64) {
    if let Err(pending) = keep_on(parent_span_id, pending) {
        emit(&pending, Fate::Escaped);
    }
}

/// Keeps `pending` on span `parent_span_id` if it records on this thread's stack, emitting
/// the record it held before (an earlier child's error, handled); gives `pending` back when
/// the span is out of reach.
fn keep_on(
    parent_span_id: u64,
    pending: Box<PendingException>,
) -> Result<(), Box<PendingException>> {
    let mut pending = Some(pending);
    let kept = stack::with_recording(parent_span_id, |frame| {
        frame.with_record(|record, _| record.extra().pending.replace(pending.take()?))
    });
    if let Some(pending) = pending {
        return Err(pending);
    }
    if let Some(Some(Some(earlier))) = kept {
        emit(&earlier, Fate::Handled);
    }
    Ok(())
}

/// The error's record a bridged span held when it ended, and where it goes; see [`pass_on`].
pub(super) struct PassOn {
    pending: Box<PendingException>,
    ended_in_error: bool,
    /// The parent that decides, unless the bridged span is a local root.
    parent: Option<u64>,
}

/// [`take_pending`] for a bridged `tracing` span, which cannot tell whether its function
/// returned the error: a traced function nested in it returned `Err`, and whether that error
/// was handled or propagated is for the caller's span to say.
#[inline]
pub(super) fn take_passed_on(record: &mut SpanRecord) -> Option<PassOn> {
    let (pending, ended_in_error) = take_pending(record)?;
    Some(PassOn {
        pending,
        ended_in_error,
        parent: (!is_local_root(record)).then_some(record.parent_span_id),
    })
}

/// Hands the record a bridged span held on to its parent, as if the bridged span were not
/// there: a traced caller that returns `Err` takes it as propagated (one record, not a WARN
/// for the bridged span and an ERROR for the caller), one that returns `Ok` handled it. A
/// bridged local root, or a parent out of reach, settles it as any span does.
pub(super) fn pass_on(passed: PassOn) {
    let pending = match passed.parent {
        Some(parent) => match keep_on(parent, passed.pending) {
            Ok(()) => return,
            Err(pending) => pending,
        },
        None => passed.pending,
    };
    settle(pending, passed.ended_in_error);
}

/// The pending record of a span that ends, and whether the span ended with status Error;
/// emitted by [`settle`] once the span's record is on its way.
#[inline]
pub(super) fn take_pending(record: &mut SpanRecord) -> Option<(Box<PendingException>, bool)> {
    let pending = record.extra.as_mut()?.pending.take()?;
    Some((pending, record.is_error()))
}

/// Emits the record a span held when it ended: it handled the error unless it ended with
/// status Error.
pub(super) fn settle(pending: Box<PendingException>, ended_in_error: bool) {
    let fate = if ended_in_error {
        Fate::Escaped
    } else {
        Fate::Handled
    };
    emit(&pending, fate);
}

thread_local! {
    /// The last error emitted from an unsampled trace on this thread, as a fingerprint.
    static LAST_UNSAMPLED: Cell<u64> = const { Cell::new(0) };
}

/// An error returned in an unsampled trace: emitted at once with the current ids, once for a
/// run of the same error (same current span, type and message) returned level after level.
fn unsampled(exception_type: &'static str, message: &str) {
    let Some((trace_id, span_id, flags)) = stack::current_ids() else {
        return;
    };
    let fingerprint =
        BuildHasherDefault::<DefaultHasher>::default().hash_one((span_id, exception_type, message))
            | 1;
    if LAST_UNSAMPLED.try_with(|last| last.replace(fingerprint)) == Ok(fingerprint) {
        return;
    }
    let pending = PendingException {
        trace_id,
        span_id,
        flags,
        exception_type,
        message: message.to_owned(),
    };
    emit(&pending, Fate::Escaped);
}

/// Emits the record as a `tracing` event, as if in the span that returned the error.
fn emit(pending: &PendingException, fate: Fate) {
    let _ids = stack::override_ids(Some((pending.trace_id, pending.span_id, pending.flags)));
    let (exception_type, message) = (pending.exception_type, pending.message.as_str());
    match fate {
        Fate::Handled => tracing::event!(
            target: EXCEPTION_TARGET,
            tracing::Level::WARN,
            exception.r#type = exception_type,
            exception.message = message,
            "{message}"
        ),
        Fate::Escaped => tracing::event!(
            target: EXCEPTION_TARGET,
            tracing::Level::ERROR,
            exception.r#type = exception_type,
            exception.message = message,
            "{message}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

    use super::*;
    use crate::engine::pipeline;
    use crate::engine::started::Started;

    /// The exception records a subscriber sees, with the ids current for it.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<(Level, stack::Ids)>>>);

    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            if event.metadata().target() == EXCEPTION_TARGET {
                let seen = (*event.metadata().level(), stack::current_ids());
                self.0.lock().unwrap().push(seen);
            }
        }
    }

    fn seen(f: impl FnOnce()) -> Vec<(Level, stack::Ids)> {
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry().with(seen.clone());
        tracing::subscriber::with_default(subscriber, f);
        seen.0.lock().unwrap().clone()
    }

    #[test]
    fn an_error_in_an_unsampled_trace_is_logged_once_where_it_is_first_returned() {
        let mut ids = None;
        let records = seen(|| {
            // `inert` samples nothing: the root has a frame that records nothing, and the
            // functions nested in it have no frames of their own.
            let root = Started::root(pipeline::inert()).map(Started::enter);
            ids = stack::current_ids();
            for _ in 0..3 {
                record_exception("E", "disk full");
            }
            record_exception("E", "disk still full");
            drop(root);
        });
        assert!(ids.is_some());
        assert_eq!(
            records,
            [(Level::ERROR, ids), (Level::ERROR, ids)],
            "one record per error, not per level it was returned through"
        );
    }

    #[test]
    fn an_error_with_no_span_current_is_not_logged() {
        assert!(seen(|| record_exception("E", "no span")).is_empty());
    }
}
