//! # traced
//!
//! Distributed tracing for Rust services with three attributes: `#[traced_service]` on `main`
//! sets up an OpenTelemetry pipeline (OTLP/HTTP export, or a console tree when no collector is
//! configured), JSON log lines that carry `trace_id`/`span_id`, a panic hook and a bounded flush
//! on exit.
//!
//! ```no_run
//! #[traced::traced_service]
//! fn main() {
//!     let _span = traced::Span::root("job").attr("job.id", 42_i64).enter();
//!     tracing::info!("working"); // this JSON line carries the span's trace_id and span_id
//! }
//! ```
//!
//! Everything is configured through OpenTelemetry's environment variables (see the README for
//! the full list) or in code through [`Config`] and [`init`].

mod bridge;
mod config;
mod context;
mod engine;
mod export;
#[cfg(any(feature = "axum", feature = "reqwest"))]
pub mod http;
mod init;
mod logging;
pub mod propagation;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use bridge::BridgeLayer;
pub use config::{
    BatchSettings, Compression, Config, ExporterKind, Limits, LogFormat, OtlpSettings, Propagators,
    RootSampler, Sampler,
};
pub use context::FutureExt;
#[cfg(feature = "tokio")]
pub use context::spawn;
pub use engine::{
    InSpan, Span, SpanGuard, SpanId, SpanKind, SpanValue, TraceId, Value, current_span_id,
    current_trace_id, record,
};
pub use init::{ExportStats, Guard, init};
pub use traced_macros::{child_span, root_span, traced_service};

// The README's Rust examples are compiled as doctests, so the quick start cannot rot.
#[cfg(all(doctest, feature = "axum", feature = "reqwest"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
