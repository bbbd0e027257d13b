//! W3C propagation, strict: Trace Context Level 2 (`traceparent`, `tracestate`) and Baggage.
//!
//! [`extract`] reads a remote context and baggage from any [`Carrier`] (a `traceparent` string,
//! `http::HeaderMap`, a map, a JSON object, …); [`inject_context`] writes them to any
//! [`Injector`]. Malformed input never fails and never panics: it is simply not a context (the
//! caller then starts a fresh trace) or not baggage.
//!
//! ```
//! use traced::propagation::{extract, inject_context};
//!
//! let mut inbound = http::HeaderMap::new();
//! inbound.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
//! inbound.insert("tracestate", "congo=t61rcWkgMzE".parse().unwrap());
//! inbound.insert("baggage", "user.id=42".parse().unwrap());
//!
//! let extracted = extract(&inbound);
//! let ctx = extracted.context.expect("a valid traceparent");
//! assert_eq!(ctx.trace_id(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
//! assert_eq!(extracted.baggage.get("user.id"), Some("42"));
//!
//! let mut outbound = http::HeaderMap::new();
//! inject_context(&ctx, &extracted.baggage, &mut outbound);
//! assert_eq!(outbound["tracestate"], "congo=t61rcWkgMzE");
//! ```
//!
//! # Rules
//! - **`traceparent`** (§3.2): version `00` is exactly 55 characters of lowercase hex and `-`,
//!   with non-zero trace and parent ids; version `ff` is invalid; a higher version must be at
//!   least 55 characters, its first three fields are read as for `00` and the 56th character, if
//!   any, must be `-` (§3.2.4); surrounding spaces and tabs are allowed; uppercase hex is invalid;
//!   two values (two lines, or one line joined with a comma) are invalid. All flag bits are
//!   kept, including `random` (`0x02`); outgoing headers are always version `00`.
//! - **`tracestate`** (§3.3) is read only with a valid `traceparent`: lines are combined in
//!   order, empty members ignored, at most 32 members and 8192 bytes; any invalid member drops
//!   the whole header (see [`TraceState`]); a repeated key keeps its first value.
//! - **`baggage`**: at most 64 members and 8192 bytes; invalid members are skipped one by one;
//!   values are percent-decoded on the way in and percent-encoded on the way out.
//! - Sizes are measured before anything is allocated; every parser is a single linear scan
//!   over at most the capped input (SPEC-NOTES S2).
//! - `OTEL_PROPAGATORS` chooses which of the two propagators run (`none` turns both off).

mod active;
mod baggage;
mod baggage_codec;
mod carrier;
mod grammar;
mod inject;
mod traceparent;
mod tracestate;

#[cfg(test)]
mod baggage_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod w3c_tests;
#[cfg(test)]
mod w3c_tracestate_tests;

pub use crate::context::{current_traceparent, inject};
#[allow(
    unused_imports,
    reason = "`set_propagators` is wired into `init` by the engine owner"
)]
pub(crate) use active::{active_propagators, set_propagators};
pub use baggage::{Baggage, BaggageEntry, BaggageError};
pub use carrier::Carrier;
pub use inject::Injector;
pub use traceparent::SpanContext;
pub use tracestate::TraceState;

use crate::config::Propagators;
use baggage::BAGGAGE;
use traceparent::TRACEPARENT;
use tracestate::TRACESTATE;

/// What [`extract`] found in a carrier.
///
/// ```
/// let extracted = traced::propagation::extract("not a traceparent");
/// assert!(extracted.context.is_none());
/// assert!(extracted.baggage.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The remote context, if the carrier had exactly one valid `traceparent` (and the
    /// `tracecontext` propagator is active); its `tracestate` is empty if that was invalid.
    pub context: Option<SpanContext>,
    /// The carrier's baggage (empty if none, or if the `baggage` propagator is off).
    pub baggage: Baggage,
}

/// Reads the remote span context and baggage from `carrier` with the active propagators.
///
/// Never fails and never panics: anything malformed is left out (SPEC-NOTES P1, P4).
///
/// ```
/// use std::collections::HashMap;
/// use traced::propagation::extract;
///
/// let headers = HashMap::from([
///     ("TRACEPARENT".to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string()),
///     ("baggage".to_string(), "k=v".to_string()),
/// ]);
/// let extracted = extract(&headers);
/// assert!(extracted.context.unwrap().is_sampled());
/// assert_eq!(extracted.baggage.get("k"), Some("v"));
/// ```
pub fn extract(carrier: &(impl Carrier + ?Sized)) -> Extracted {
    extract_with(carrier, active_propagators())
}

/// [`extract`] with explicit propagators.
pub(crate) fn extract_with<C: Carrier + ?Sized>(
    carrier: &C,
    propagators: Propagators,
) -> Extracted {
    let context = if propagators.tracecontext {
        extract_context(carrier)
    } else {
        None
    };
    let baggage = if propagators.baggage {
        baggage_codec::parse_lines(|f| carrier.visit(BAGGAGE, f))
    } else {
        Baggage::default()
    };
    Extracted { context, baggage }
}

fn extract_context<C: Carrier + ?Sized>(carrier: &C) -> Option<SpanContext> {
    let mut count = 0usize;
    let mut parsed = None;
    carrier.visit(TRACEPARENT, &mut |value| {
        count += 1;
        if count == 1 {
            parsed = traceparent::parse(value);
        }
    });
    // The suite's duplicated-traceparent case: two lines, whichever is valid, restart the trace.
    if count != 1 {
        return None;
    }
    let (trace_id, span_id, flags) = parsed?;
    // §3.3: tracestate is parsed only once traceparent is valid, and a bad one (`None`) does not
    // affect traceparent (P4).
    let trace_state = tracestate::parse_lines(|f| carrier.visit(TRACESTATE, f)).unwrap_or_default();
    Some(SpanContext::new(trace_id, span_id, flags)?.with_trace_state(trace_state))
}

/// Writes `ctx` (`traceparent`, and `tracestate` unless empty) and `baggage` (unless empty) to
/// `injector`, with the active propagators. Every value written is validated visible ASCII.
///
/// ```
/// use traced::propagation::{Baggage, SpanContext, inject_context};
///
/// let ctx = SpanContext::new(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7, 0x03).unwrap();
/// let mut baggage = Baggage::new();
/// baggage.insert("k", "v w").unwrap();
/// let mut headers = http::HeaderMap::new();
/// inject_context(&ctx, &baggage, &mut headers);
/// assert_eq!(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
/// assert_eq!(headers["baggage"], "k=v%20w");
/// assert!(headers.get("tracestate").is_none());
/// ```
pub fn inject_context(
    ctx: &SpanContext,
    baggage: &Baggage,
    injector: &mut (impl Injector + ?Sized),
) {
    inject_with(Some(ctx), baggage, injector, active_propagators());
}

/// [`inject_context`] with explicit propagators and an optional context (baggage can travel
/// without a span), so `inject(injector)` from the current span is a thin wrapper.
pub(crate) fn inject_with<I: Injector + ?Sized>(
    ctx: Option<&SpanContext>,
    baggage: &Baggage,
    injector: &mut I,
    propagators: Propagators,
) {
    if propagators.tracecontext
        && let Some(ctx) = ctx
    {
        injector.set(TRACEPARENT, &ctx.to_traceparent());
        if let Some(state) = ctx.trace_state().header() {
            injector.set(TRACESTATE, state);
        }
    }
    if propagators.baggage
        && let Some(header) = baggage.header()
    {
        injector.set(BAGGAGE, &header);
    }
}
