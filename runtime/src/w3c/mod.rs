//! W3C propagation, strict: Trace Context Level 2 (`traceparent`, `tracestate`) and Baggage,
//! their values, parsers and carriers. Public as [`traced::propagation`](crate::propagation),
//! with the functions that read the current span; this module knows nothing of spans.

mod active;
mod baggage;
mod baggage_codec;
mod baggage_parse;
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

pub use active::Propagators;
pub(crate) use active::{active_propagators, set_propagators};
pub use baggage::{Baggage, BaggageEntry, BaggageError};
pub use carrier::Carrier;
pub use inject::Injector;
pub use traceparent::SpanContext;
pub use tracestate::TraceState;

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
/// Never fails and never panics: anything malformed is left out (OpenTelemetry Propagators API,
/// Extract: an unparsable value "MUST NOT throw an exception and MUST NOT store a new value").
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
        baggage_parse::parse_lines(|f| carrier.visit(BAGGAGE, f))
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
    // The W3C test suite's duplicated-traceparent case (see `w3c_tests.rs`): two lines,
    // whichever is valid, restart the trace.
    if count != 1 {
        return None;
    }
    let (trace_id, span_id, flags) = parsed?;
    // W3C Trace Context §3.3: tracestate is parsed only once traceparent is valid, and a bad one
    // (`None`) does not affect traceparent.
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
