//! Export: the thread that turns span records into OpenTelemetry `SpanData` and hands them to
//! a standard `SpanExporter` (OTLP/HTTP, the console tree, or the user's own).

mod console;
mod convert;
mod lane;
mod otlp;
mod reports;
mod stats;
mod worker;

pub(crate) use crate::config::BoxedExporter;
pub(crate) use stats::ExporterCounters;
pub use stats::ExporterStats;
pub(crate) use worker::{ExporterSpec, Worker, WorkerHandle};
