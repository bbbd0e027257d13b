//! The OTLP/HTTP protobuf exporter of opentelemetry-otlp, with its blocking reqwest client.
//!
//! Built on the export thread, never on an async runtime: the blocking client starts and
//! drops a runtime of its own, which panics inside tokio, and the async `reqwest-client`
//! feature dies with "no reactor running" on the SDK's threads (observed with
//! opentelemetry-otlp 0.33.1: nothing is exported, and `shutdown` reports a closed channel).

use std::collections::HashMap;

use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};

use super::http_client::OtlpHttpClient;
use super::http_thread::HttpThread;
use crate::config::{Compression, OtlpSettings};

/// The OTLP exporter over traced's HTTP thread and blocking client. Built off any async
/// runtime (on the exporter's own thread), see the module documentation.
pub(crate) fn build(settings: &OtlpSettings) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(settings.timeout)
        .user_agent(concat!("traced/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let http = OtlpHttpClient::new(
        HttpThread::spawn(client).map_err(|e| format!("cannot start the HTTP thread: {e}"))?,
    );
    build_over(settings, http)
}

fn build_over(
    settings: &OtlpSettings,
    http: OtlpHttpClient,
) -> Result<opentelemetry_otlp::SpanExporter, String> {
    // opentelemetry-otlp percent-decodes header values it is given; ours are decoded already,
    // so a literal `%` is escaped to survive that second pass.
    let headers: HashMap<String, String> = settings
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.replace('%', "%25")))
        .collect();
    let compression = match settings.compression {
        Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
        Compression::None => None,
    };
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(http)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.endpoint.clone())
        .with_timeout(settings.timeout)
        .with_headers(headers);
    if let Some(compression) = compression {
        builder = builder.with_compression(compression);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the OTLP exporter: {e}"))
}
