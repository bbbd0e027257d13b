//! `SpanExporter` returns `impl Future` and so cannot be a trait object; this is the
//! object-safe shim that lets `Config::with_exporter` take any exporter.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

type ExportFuture<'a> = Pin<Box<dyn Future<Output = OTelSdkResult> + Send + 'a>>;

trait DynSpanExporter: Send + Sync + fmt::Debug {
    fn export_boxed(&self, batch: Vec<SpanData>) -> ExportFuture<'_>;
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult;
    fn set_resource(&mut self, resource: &Resource);
}

impl<E: SpanExporter> DynSpanExporter for E {
    fn export_boxed(&self, batch: Vec<SpanData>) -> ExportFuture<'_> {
        Box::pin(self.export(batch))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        SpanExporter::shutdown_with_timeout(self, timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        SpanExporter::set_resource(self, resource);
    }
}

/// Any `SpanExporter`, boxed.
#[derive(Debug)]
pub(crate) struct BoxedExporter(Box<dyn DynSpanExporter>);

impl BoxedExporter {
    pub(crate) fn new<E: SpanExporter + 'static>(exporter: E) -> BoxedExporter {
        BoxedExporter(Box::new(exporter))
    }

    pub(crate) fn export(&self, batch: Vec<SpanData>) -> ExportFuture<'_> {
        self.0.export_boxed(batch)
    }

    pub(crate) fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    pub(crate) fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}
