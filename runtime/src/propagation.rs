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
//! - **`traceparent`** (W3C Trace Context §3.2): version `00` is exactly 55 characters of lowercase
//!   hex and `-`, with non-zero trace and parent ids; version `ff` is invalid; a higher version
//!   must be at least 55 characters, its first three fields are read as for `00` and the 56th
//!   character, if any, must be `-` (§3.2.4); surrounding spaces and tabs are allowed; uppercase
//!   hex is invalid; two values (two lines, or one line joined with a comma) are invalid. All flag
//!   bits are kept, including `random` (`0x02`); outgoing headers are always version `00`.
//! - **`tracestate`** (W3C Trace Context §3.3) is read only with a valid `traceparent`: lines are
//!   combined in order, empty members ignored, at most 32 members and 8192 bytes; any invalid
//!   member drops the whole header (see [`TraceState`]); a repeated key keeps its first value.
//! - **`baggage`**: at most 64 members and 8192 bytes; invalid members are skipped one by one;
//!   values are percent-decoded on the way in and percent-encoded on the way out.
//! - Sizes are measured before anything is allocated; every parser is a single linear scan
//!   over at most the capped input, as W3C Trace Context, Security Considerations asks of
//!   services that parse "potentially malicious headers" ("checking for header length and
//!   content of header values").
//! - `OTEL_PROPAGATORS` chooses which of the two propagators run (`none` turns both off).

pub use crate::context::{current_traceparent, inject};
pub use crate::w3c::{
    Baggage, BaggageEntry, BaggageError, Carrier, Extracted, Injector, SpanContext, TraceState,
    extract, inject_context,
};
