//! Export: the thread that writes span records as OTLP requests and sends them, or hands them
//! as OpenTelemetry `SpanData` to a standard `SpanExporter` (the console tree, or the user's
//! own); and the logs' thread, which writes and sends log records.

mod console;
mod convert;
mod lane;
mod logs;
mod otlp;
mod posting;
mod reports;
mod stats;
mod worker;

pub(crate) use crate::config::BoxedExporter;
pub(crate) use logs::LogsHandle;
pub(crate) use reports::ShutdownReport;
pub(crate) use stats::ExporterCounters;
pub use stats::ExporterStats;
pub(crate) use worker::{ExporterSpec, Worker, WorkerHandle};
