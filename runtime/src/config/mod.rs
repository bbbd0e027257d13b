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
//! | `OTEL_TRACES_EXPORTER` | `otlp` with an endpoint, else `console` | `endpoint.rs`, `signal.rs` |
//! | `OTEL_LOGS_EXPORTER` | `otlp` with a general or logs endpoint, else `none` | `endpoint.rs`, `signal.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}ENDPOINT` | `http://localhost:4318/v1/traces`, `…/v1/logs` | `endpoint.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}HEADERS`, `…TIMEOUT`, `…COMPRESSION`, `…PROTOCOL` | none, 10000 ms (0: no limit), `none`, `http/protobuf` | `endpoint.rs` |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `parentbased_always_on`, 1.0 | `sampler.rs` |
//! | `OTEL_PROPAGATORS` | `tracecontext,baggage` | `propagators.rs` |
//! | `OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}CERTIFICATE`, `…CLIENT_CERTIFICATE`, `…CLIENT_KEY` | the system's roots, no client certificate | `tls.rs` |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `…MAX_QUEUE_SIZE`, `…MAX_EXPORT_BATCH_SIZE`, `…EXPORT_TIMEOUT` | 5000 ms, 2048, 512, 30000 ms | `batch.rs` |
//! | `OTEL_BLRP_SCHEDULE_DELAY`, `…MAX_QUEUE_SIZE`, `…MAX_EXPORT_BATCH_SIZE`, `…EXPORT_TIMEOUT` | 1000 ms, 2048, 512, 30000 ms | `batch.rs` |
//! | `OTEL_{SPAN_,LOGRECORD_,}ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_{SPAN_,LOGRECORD_,}ATTRIBUTE_COUNT_LIMIT` | 4096 (a deviation from the spec's infinity), 128 | `batch.rs` |
//! | `TRACED_LOG_FORMAT`, `RUST_LOG`, `TRACED_SPAN_FILTER` | `json`, `info`, `info` | `resolve.rs` |
//! | `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`, `TRACED_LOG_SPAN_FIELDS`, `TRACED_LOG_XRAY` | `logs/dup` (a deviation from the conventions' span events only), `false`, `false` | `logs.rs` |
//!
//! Durations are capped at one day (also what "no limit" means) and the queues at 2^20 records,
//! so no setting can overflow a deadline or abort on allocation.

use std::time::Duration;

use crate::resource::{Detectors, Resource};

mod batch;
mod builder;
mod builder_logs;
mod detectors;
mod endpoint;
mod env;
mod exporter;
mod logs;
mod pairs;
mod propagators;
mod resolve;
mod resource;
mod sampler;
mod signal;
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

/// Which exporter receives finished spans (`OTEL_TRACES_EXPORTER`, or [`Config::exporter`]) or
/// log records (`OTEL_LOGS_EXPORTER`, or [`Config::log_exporter`]).
///
/// ```
/// use traced::{Config, ExporterKind};
///
/// // Print each finished trace as a tree, even where the environment names a collector, and
/// // send no log records anywhere but the stderr lines.
/// let config = Config::new()
///     .exporter(ExporterKind::Console)
///     .log_exporter(ExporterKind::None);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP/HTTP protobuf to a collector.
    Otlp,
    /// Spans: each finished local trace printed to stdout as an indented tree. Logs: the stderr
    /// lines of [`LogFormat`], never a second copy of them.
    Console,
    /// Recorded (ids, log lines, propagation) but exported nowhere.
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

/// The log line format on stderr (`TRACED_LOG_FORMAT`, or [`Config::log_format`], where `None`
/// means no lines at all, like `TRACED_LOG_FORMAT=none`).
///
/// ```
/// use traced::{Config, LogFormat};
///
/// assert_eq!(LogFormat::default(), LogFormat::Json);
/// // Readable lines while developing locally.
/// let config = Config::new().log_format(LogFormat::Pretty);
/// // No lines on stderr: the log records go to a collector only.
/// let config = Config::new().log_format(None);
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

/// Where an exception is recorded (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`, or
/// [`Config::exception_signal`]): semantic conventions for exceptions, whose values are `logs`
/// ("emit exceptions as logs only") and `logs/dup` ("emit both span events and logs").
///
/// Our default is `logs/dup`, a deviation: without the variable the conventions keep span events
/// only, but a log record of each exception, correlated with its span, is what traced's logs are
/// for, and the span event stays for backends that read only traces.
///
/// ```
/// use traced::{Config, ExceptionSignal};
///
/// assert_eq!(ExceptionSignal::default(), ExceptionSignal::LogsAndSpanEvent);
/// // One record per exception: the log record, no `exception` span event.
/// let config = Config::new().exception_signal(ExceptionSignal::LogsOnly);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExceptionSignal {
    /// `logs/dup` (the default): an exception log record, and the `exception` span event.
    #[default]
    LogsAndSpanEvent,
    /// `logs`: the exception log record only.
    LogsOnly,
}

/// Settings of the OTLP/HTTP exporter of one signal (traces or logs), as resolved from [`Config`]
/// and the environment.
///
/// `Debug` masks header values and URL credentials, which often hold API keys.
#[derive(Clone, PartialEq)]
pub(crate) struct OtlpSettings {
    /// The full URL records are posted to (already joined with `v1/traces` or `v1/logs`).
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

/// Settings of a batching export thread: spans (`OTEL_BSP_*`; in code,
/// [`Config::schedule_delay`], [`Config::max_queue_size`], [`Config::max_export_batch_size`] and
/// [`Config::export_timeout`]) or log records (`OTEL_BLRP_*`, [`Config::log_schedule_delay`], …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    /// Longest time a finished record waits before it is exported.
    pub(crate) schedule_delay: Duration,
    /// Finished records held at most; more are dropped and counted.
    pub(crate) max_queue_size: usize,
    /// Records per export call at most.
    pub(crate) max_export_batch_size: usize,
    /// Longest time one export call, and the final flush, may take.
    pub(crate) export_timeout: Duration,
}

impl BatchSettings {
    /// The defaults of OpenTelemetry SDK environment variables, Batch Span Processor.
    pub(crate) const SPANS: BatchSettings = BatchSettings {
        schedule_delay: Duration::from_millis(5_000),
        max_queue_size: 2_048,
        max_export_batch_size: 512,
        export_timeout: Duration::from_millis(30_000),
    };
    /// The defaults of the same page, Batch LogRecord Processor: only the delay differs.
    pub(crate) const LOG_RECORDS: BatchSettings = BatchSettings {
        schedule_delay: Duration::from_millis(1_000),
        ..BatchSettings::SPANS
    };
}

/// The spans' defaults, [`BatchSettings::SPANS`].
impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings::SPANS
    }
}

/// The logs signal: every `tracing` event the log filter selects becomes a stderr line (unless
/// `TRACED_LOG_FORMAT=none`) and, with an OTLP logs exporter, an OTLP log record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogsSettings {
    /// The exporters named in code or `OTEL_LOGS_EXPORTER`, each once; empty for none. Only
    /// `Otlp` changes anything: `Console` names the stderr lines, which `log_lines` governs.
    pub(crate) exporters: Vec<ExporterKind>,
    /// Present whenever `exporters` has `Otlp`: OTLP log records are on.
    pub(crate) otlp: Option<OtlpSettings>,
    /// `OTEL_BLRP_*`.
    pub(crate) batch: BatchSettings,
    /// `OTEL_LOGRECORD_ATTRIBUTE_*_LIMIT`, else the general `OTEL_ATTRIBUTE_*_LIMIT`. The value
    /// length also cuts the body.
    pub(crate) limits: Limits,
    /// `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`.
    pub(crate) exception_signal: ExceptionSignal,
    /// `TRACED_LOG_SPAN_FIELDS`: the attributes of the spans current on the thread are added to
    /// each line and record. Default false.
    pub(crate) span_fields: bool,
    /// `TRACED_LOG_XRAY`: an `AWS-XRAY-TRACE-ID` field on each JSON line inside a span. Default
    /// false.
    pub(crate) xray: bool,
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
    /// The format of the stderr lines, when `log_lines` is true.
    pub(crate) log_format: LogFormat,
    /// Lines on stderr; false for `TRACED_LOG_FORMAT=none` (or `Config::log_format(None)`).
    pub(crate) log_lines: bool,
    /// The `EnvFilter` directives selecting log events (`RUST_LOG`, default `info`).
    pub(crate) log_filter: String,
    /// The `EnvFilter` directives selecting the `tracing` spans bridged into engine spans
    /// (`TRACED_SPAN_FILTER`, default `info`), independent of `log_filter`.
    pub(crate) span_filter: String,
    pub(crate) logs: LogsSettings,
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
