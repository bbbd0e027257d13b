//! Configuration: OpenTelemetry's environment variables, each with a code equivalent on [`Config`].
//!
//! Precedence, for every setting: a value set in code on [`Config`] wins over the environment,
//! which wins over the default. The one exception is `service.name`, where `OTEL_SERVICE_NAME`
//! wins over the name given in code or in `#[traced_service(name = "…")]`, so operators can rename
//! a service without rebuilding it (it also wins over `service.name` in `OTEL_RESOURCE_ATTRIBUTES`:
//! OpenTelemetry SDK environment variables, General SDK Configuration).
//!
//! Parsing rules, from OpenTelemetry SDK environment variables ("Parsing empty value",
//! "Type-specific guidance") and the common configuration specification ("Timeout"): an empty
//! value is unset; enum values are case-insensitive; an invalid value (unparsable, negative,
//! unknown) gives one warning naming the variable (never echoing a header value) and is ignored,
//! so the next source applies (the general variable after a signal-specific one, else the
//! default). Resolution never fails and never panics: bad configuration must not stop a service.
//! Every variable has a method on [`Config`], as the specification requires ("Implementation
//! guidelines").
//!
//! | Variable | Default | Where |
//! |---|---|---|
//! | `OTEL_SDK_DISABLED` | `false` (only `true` disables) | `resolve.rs` |
//! | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` | package name and version | `resource.rs` |
//! | `TRACED_RESOURCE_DETECTORS` | `host,os,process,container,aws,k8s` | `detectors.rs` |
//! | `OTEL_TRACES_EXPORTER` | `otlp` with an endpoint, else `console` | `endpoint.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,}ENDPOINT` | `http://localhost:4318/v1/traces` | `endpoint.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,}HEADERS`, `…TIMEOUT`, `…COMPRESSION`, `…PROTOCOL` | none, 10000 ms (0: no limit), `none`, `http/protobuf` | `endpoint.rs` |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `parentbased_always_on`, 1.0 | `sampler.rs` |
//! | `OTEL_PROPAGATORS` | `tracecontext,baggage` | `propagators.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,}CERTIFICATE`, `…CLIENT_CERTIFICATE`, `…CLIENT_KEY` | the system's roots, no client certificate | `tls.rs` |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `…MAX_QUEUE_SIZE`, `…MAX_EXPORT_BATCH_SIZE`, `…EXPORT_TIMEOUT` | 5000 ms, 2048, 512, 30000 ms | `batch.rs` |
//! | `OTEL_{SPAN_,}ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_{SPAN_,}ATTRIBUTE_COUNT_LIMIT` | 4096 (a deviation from the spec's infinity), 128 | `batch.rs` |
//! | `TRACED_LOG_FORMAT`, `RUST_LOG` | `json`, `info` | `resolve.rs` |
//!
//! Durations are capped at one day (also what "no limit" means) and the queue at 2^20 spans, so
//! no setting can overflow a deadline or abort on allocation.

use std::time::Duration;

use crate::resource::{Detectors, Resource};

mod batch;
mod builder;
mod detectors;
mod endpoint;
mod env;
mod exporter;
mod pairs;
mod propagators;
mod resolve;
mod resource;
mod sampler;
mod summary;
mod tls;

pub use crate::engine::{Limits, RootSampler, Sampler};
pub use crate::resource::ResourceDetector;
pub use crate::w3c::Propagators;
pub use builder::Config;
pub(crate) use env::process_env;
pub(crate) use exporter::BoxedExporter;
#[cfg(all(test, feature = "tls"))]
pub(crate) use tls::ClientIdentity;
#[cfg(feature = "tls")]
pub(crate) use tls::PemFile;
pub(crate) use tls::TlsFiles;

/// Which exporter receives finished spans (`OTEL_TRACES_EXPORTER`, or [`Config::exporter`]).
///
/// ```
/// use traced::{Config, ExporterKind};
///
/// // Print each finished trace as a tree, even where the environment names a collector.
/// let config = Config::new().exporter(ExporterKind::Console);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP/HTTP protobuf to a collector.
    Otlp,
    /// Each finished local trace printed to stdout as an indented tree.
    Console,
    /// Spans are recorded (ids, logs, propagation) but exported nowhere.
    None,
}

/// Body compression for OTLP requests (`OTEL_EXPORTER_OTLP_COMPRESSION`, or
/// [`Config::otlp_compression`]).
///
/// ```
/// use traced::{Compression, Config};
///
/// assert_eq!(Compression::default(), Compression::None);
/// let config = Config::new().otlp_compression(Compression::Gzip);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// No compression (the default).
    #[default]
    None,
    /// `Content-Encoding: gzip`.
    Gzip,
}

/// The log line format on stderr (`TRACED_LOG_FORMAT`, or [`Config::log_format`]).
///
/// ```
/// use traced::{Config, LogFormat};
///
/// assert_eq!(LogFormat::default(), LogFormat::Json);
/// // Readable lines while developing locally.
/// let config = Config::new().log_format(LogFormat::Pretty);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (the default).
    #[default]
    Json,
    /// A human-readable format for local development.
    Pretty,
}

/// Settings of the OTLP/HTTP exporter, as resolved from [`Config`] and the environment.
///
/// `Debug` masks header values and URL credentials, which often hold API keys.
#[derive(Clone, PartialEq)]
pub(crate) struct OtlpSettings {
    /// The full URL spans are posted to (already joined with `v1/traces`).
    pub(crate) endpoint: String,
    /// Extra request headers (values already percent-decoded).
    pub(crate) headers: Vec<(String, String)>,
    /// The longest time one batch's export may take, retries and waits included. "No limit"
    /// (`OTEL_EXPORTER_OTLP_TIMEOUT=0`) is one day, the longest duration any setting takes.
    pub(crate) timeout: Duration,
    /// Request body compression.
    pub(crate) compression: Compression,
    /// The largest request body, before compression (default 8 MiB, at most the OTLP limit of
    /// 64 MiB): a batch that would be larger goes in several requests.
    pub(crate) max_body: usize,
    /// CA and client certificate files for an `https://` endpoint.
    pub(crate) tls: TlsFiles,
}

/// Settings of the batching export thread (`OTEL_BSP_*`; in code, [`Config::schedule_delay`],
/// [`Config::max_queue_size`], [`Config::max_export_batch_size`] and
/// [`Config::export_timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    /// Longest time a finished span waits before it is exported.
    pub(crate) schedule_delay: Duration,
    /// Finished spans held at most; more are dropped and counted.
    pub(crate) max_queue_size: usize,
    /// Spans per export call at most.
    pub(crate) max_export_batch_size: usize,
    /// Longest time one export call, and the final flush, may take.
    pub(crate) export_timeout: Duration,
}

/// The defaults of OpenTelemetry SDK environment variables, Batch Span Processor.
impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            schedule_delay: Duration::from_millis(5_000),
            max_queue_size: 2_048,
            max_export_batch_size: 512,
            export_timeout: Duration::from_millis(30_000),
        }
    }
}

/// The effective configuration, every value resolved: what [`Config`] and the environment
/// amount to. The runtime reads only this.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    /// `OTEL_SDK_DISABLED=true`: no spans recorded or exported; propagation still works.
    pub(crate) disabled: bool,
    /// Resource attributes, `service.name` and `service.version` first, then the others in order
    /// of precedence (see `resource.rs`).
    pub(crate) resource: Resource,
    /// The resource detectors that found something; `None` when detection is off.
    pub(crate) detected: Option<Detectors>,
    /// The exporters named in code or `OTEL_TRACES_EXPORTER`, each once; empty for none
    /// (exporters given in code come beside these, see `Resolved`).
    pub(crate) exporters: Vec<ExporterKind>,
    /// Present whenever `exporters` has `Otlp`.
    pub(crate) otlp: Option<OtlpSettings>,
    pub(crate) sampler: Sampler,
    pub(crate) propagators: Propagators,
    pub(crate) batch: BatchSettings,
    pub(crate) limits: Limits,
    pub(crate) log_format: LogFormat,
    /// The `EnvFilter` directives (`RUST_LOG`, default `info`).
    pub(crate) log_filter: String,
    /// Install the global tracing subscriber (JSON or pretty logs). Default true.
    pub(crate) install_logging: bool,
    /// Install the panic hook. Default true.
    pub(crate) install_panic_hook: bool,
}

/// What the calling crate knows about itself, filled in by `#[traced_service]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ServiceDefaults {
    /// `#[traced_service(name = "…")]`.
    pub(crate) name: Option<&'static str>,
    /// `#[traced_service(version = "…")]`.
    pub(crate) version: Option<&'static str>,
    /// `CARGO_PKG_NAME` of the calling crate.
    pub(crate) package_name: Option<&'static str>,
    /// `CARGO_PKG_VERSION` of the calling crate.
    pub(crate) package_version: Option<&'static str>,
}
