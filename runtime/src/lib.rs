//! # traced
//!
//! Distributed tracing for Rust services with three attributes:
//!
//! - [`#[traced_service]`](traced_service) on `main` sets up everything once: an OpenTelemetry
//!   pipeline (OTLP/HTTP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, a console tree
//!   otherwise), JSON log lines on stderr that carry `trace_id`/`span_id`, a panic hook, and a
//!   bounded flush when `main` ends.
//! - [`#[root_span]`](root_span) starts a new trace around a message handler or job, optionally
//!   continuing (`parent = …`) or linking (`link = …`) a trace carried in the message.
//! - [`#[child_span]`](child_span) nests work under the current span.
//!
//! Both span attributes record the function's arguments as typed attributes (see
//! [`SpanValue`]), and an `Err` or a panic marks the span as failed. HTTP servers and clients
//! propagate W3C `traceparent` with [`http::ServerLayer`] and [`http::client`] (features `axum`
//! and `reqwest`), so one request across services is one trace.
//!
//! ```no_run
//! use traced::{child_span, root_span, traced_service};
//!
//! struct Message {
//!     order_id: u64,
//!     traceparent: Option<String>,
//! }
//!
//! #[traced_service]
//! fn main() -> Result<(), String> {
//!     handle(Message { order_id: 7, traceparent: None })
//! }
//!
//! #[root_span(kind = consumer, parent = msg.traceparent, fields(order_id = msg.order_id))]
//! fn handle(msg: Message) -> Result<(), String> {
//!     reserve(msg.order_id, 3)
//! }
//!
//! #[child_span]
//! fn reserve(order_id: u64, items: u32) -> Result<(), String> {
//!     tracing::info!(order_id, items, "reserved"); // this JSON line carries the span's ids
//!     Ok(())
//! }
//! ```
//!
//! Everything is configured through OpenTelemetry's environment variables (listed in the
//! README) or in code through [`Config`] and [`init`](fn@init). For what an attribute cannot
//! express there is the [`Span`] builder; [`spawn`] and [`FutureExt`] carry a span into spawned
//! work; [`BridgeLayer`] turns `tracing` spans into traced spans; [`testing`] (feature
//! `testing`) captures finished spans in your tests.

// `unsafe` is the engine's alone (the thread's span stack, frames in place, the clock): each
// block there states the invariant it relies on in a `SAFETY:` comment.
#![deny(unsafe_code)]

mod bridge;
mod config;
mod context;
#[allow(
    unsafe_code,
    reason = "the engine's frames in place and clock; see engine/"
)]
mod engine;
mod export;
#[cfg(any(feature = "axum", feature = "reqwest"))]
pub mod http;
mod init;
mod logging;
mod otlp;
pub mod propagation;
mod resource;
mod sender;
#[cfg(feature = "testing")]
pub mod testing;
mod w3c;

#[doc(hidden)]
pub mod __private;

pub use bridge::BridgeLayer;
pub use config::{
    Compression, Config, ExceptionSignal, ExporterKind, Limits, LogFormat, Propagators,
    ResourceDetector, RootSampler, Sampler,
};
pub use context::FutureExt;
#[cfg(feature = "tokio")]
pub use context::spawn;
pub use engine::{
    InSpan, Span, SpanGuard, SpanId, SpanKind, SpanValue, TraceId, Value, current_span_id,
    current_trace_id, record,
};
pub use export::ExporterStats;
pub use init::{
    ExportStats, FilterError, Flushed, Guard, ReinitError, SignalCounts, flush, init,
    reinit_after_fork, set_log_filter, set_span_filter,
};
pub use traced_macros::{child_span, root_span, traced_service};

// The README's Rust examples are compiled as doctests, so the quick start cannot rot.
#[cfg(all(doctest, feature = "axum", feature = "reqwest"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
