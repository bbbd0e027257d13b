//! The current span of this thread, as the rest of the crate and users see it: its ids, its
//! context for propagation, and recording on it.

use std::borrow::Cow;
use std::sync::Arc;

use crate::w3c::{Baggage, SpanContext};

use super::ids::{SpanId, TraceId};
use super::record::FLAG_SAMPLED;
use super::stack;
use super::value::{AttrValue, SpanValue};

/// Adds an attribute to the current span of this thread, if there is one and it records.
///
/// The value is computed first, with the current span as it is at the call (a span made inside
/// `span_value` is its child), and then recorded on that span. Inside a future wrapped with
/// [`in_current_span`](crate::FutureExt::in_current_span), the current span stands for the
/// span it was carried from and does not record: use that span's guard
/// ([`SpanGuard::record`](crate::SpanGuard::record)).
///
/// ```
/// let _guard = traced::Span::root("job").enter();
/// traced::record("rows", 128_u32);
/// ```
pub fn record(key: impl Into<Cow<'static, str>>, value: impl SpanValue) {
    record_to(Target::Current, key, &value);
}

/// The span [`record_to`] records on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// This thread's current span.
    Current,
    /// The span with this id (a guard's), wherever it is on this thread's stack.
    Span(u64),
}

/// Finds the span first, computes the value (user code, with nothing borrowed), then records.
pub(super) fn record_to(target: Target, key: impl Into<Cow<'static, str>>, value: &dyn SpanValue) {
    let limits_of = |frame: &mut super::frame::Frame| Some((frame.span_id, frame.limits()?));
    let found = match target {
        Target::Current => stack::with_current(limits_of),
        Target::Span(span_id) => stack::with_recording(span_id, limits_of),
    }
    .flatten();
    let Some((span_id, limits)) = found else {
        return;
    };
    let key = key.into();
    let Some(value) = value.span_value() else {
        return;
    };
    let value = AttrValue::from_value(value, limits.attribute_value_length);
    stack::with_recording(span_id, |frame| {
        frame.with_record(|record, limits| record.push_attr(key, value, limits.attribute_count))
    });
}

/// The trace id of this thread's current span, if there is one.
///
/// ```
/// let _guard = traced::Span::root("job").enter();
/// println!("trace {:?}", traced::current_trace_id());
/// ```
pub fn current_trace_id() -> Option<TraceId> {
    stack::current_ids().map(|(trace_id, _, _)| TraceId(trace_id))
}

/// The id of this thread's current span, if there is one.
///
/// ```
/// assert_eq!(traced::current_span_id(), None); // no span here
/// ```
pub fn current_span_id() -> Option<SpanId> {
    stack::current_ids().map(|(_, span_id, _)| SpanId(span_id))
}

/// Trace id and span id of this thread's current span, for log correlation.
pub(crate) fn current_ids() -> Option<(u128, u64)> {
    stack::current_ids().map(|(trace_id, span_id, _)| (trace_id, span_id))
}

/// Trace id, span id and W3C trace flags of this thread's current span, for a log record.
pub(crate) fn current_log_context() -> Option<(u128, u64, u8)> {
    stack::current_ids()
}

/// Runs `f` with logs on this thread seeing `ids` (trace id, span id, trace flags) as the
/// current span's (`None`: no span is): a log line emitted later on behalf of the span it
/// belongs to.
pub(crate) fn as_if_current<R>(ids: Option<(u128, u64, u8)>, f: impl FnOnce() -> R) -> R {
    let _ids = stack::override_ids(ids);
    f()
}

/// Visits the attributes of the spans current on this thread, nearest first (the current
/// span's, then its enclosing span's, …), for log lines and records that carry them. Only the
/// spans of the current span's trace are visited (a root span entered inside another trace
/// starts afresh), and nothing when that trace is not sampled: an unsampled span records no
/// attributes. A key may be visited more than once (an enclosing span may set it too); the
/// caller keeps the first.
///
/// `f` runs while the stack is borrowed (and, for a span shared between threads, while its
/// record is locked): it must be the caller's own formatting, never user code. The values are
/// already engine values, so nothing of the user's is needed to read them.
pub(crate) fn visit_span_attrs(mut f: impl FnMut(&Cow<'static, str>, &AttrValue)) {
    let mut trace = None;
    stack::visit_nearest_first(|frame| {
        match trace {
            None if frame.flags & FLAG_SAMPLED == 0 => return false,
            None => trace = Some(frame.trace_id),
            Some(trace_id) if trace_id != frame.trace_id => return false,
            Some(_) => {}
        }
        frame.with_record(|record, _| {
            for (key, value) in &record.attrs {
                f(key, value);
            }
        });
        true
    });
}

/// The current span as a W3C context, and the baggage in scope, for propagation.
pub(crate) fn current_context() -> (Option<SpanContext>, Option<Arc<Baggage>>) {
    stack::with_current(|frame| (frame.context(), frame.baggage.clone())).unwrap_or_default()
}

/// Sets status Error on the current span without an exception event: for outcomes that are
/// errors by convention (an HTTP 5xx response) rather than by a raised error.
#[cfg_attr(
    not(any(feature = "axum", feature = "reqwest")),
    expect(dead_code, reason = "used by the HTTP integrations only")
)]
pub(crate) fn set_current_error(description: &str) {
    stack::with_current(|frame| frame.with_record(|record, _| record.set_error(description)));
}
