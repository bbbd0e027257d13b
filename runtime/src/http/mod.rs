//! HTTP integration: server spans for tower services (feature `axum`) and client spans with
//! context injection for reqwest (feature `reqwest`), following OpenTelemetry's HTTP semantic
//! conventions. One request across services is one trace; no application code touches headers.

mod semconv;

#[cfg(feature = "reqwest")]
mod client;
#[cfg(feature = "reqwest")]
pub use client::{TracingMiddleware, client, reqwest_middleware};

#[cfg(feature = "axum")]
mod server;
#[cfg(feature = "axum")]
pub use server::{ServerFuture, ServerLayer, ServerService};
