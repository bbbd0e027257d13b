//! [`Config`], the code equivalent of every environment variable (OpenTelemetry SDK environment
//! variables, Implementation guidelines: each "MUST have a direct code configuration equivalent").

use std::path::PathBuf;
use std::time::Duration;

use super::exporter::BoxedExporter;
use super::resource::{SERVICE_NAME, SERVICE_VERSION};
use super::{
    Compression, ExceptionSignal, ExporterKind, LogFormat, Propagators, ResourceDetector, Sampler,
};
use crate::resource::Detectors;

/// Configuration set in code, for [`init`](fn@crate::init).
///
/// Every setting is optional: what you leave unset comes from OpenTelemetry's environment
/// variables, then from the defaults. A value set here wins over the environment, except the
/// service name, where `OTEL_SERVICE_NAME` wins so operators can rename a service without a
/// rebuild. Invalid values (here or in the environment) are reported once on the log stream and
/// ignored, so the next source applies.
///
/// ```
/// use std::time::Duration;
/// use traced::{Config, Sampler};
///
/// let config = Config::new()
///     .service_name("checkout")
///     .service_version("1.4.2")
///     .otlp_endpoint("https://collector.example.com:4318/v1/traces")
///     .otlp_header("x-api-key", "secret")
///     .sampler(Sampler::TraceIdRatio(0.1))
///     .schedule_delay(Duration::from_secs(1));
/// // Header values are masked in `Debug`.
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
#[derive(Default)]
pub struct Config {
    pub(super) service_name: Option<String>,
    pub(super) service_version: Option<String>,
    pub(super) resource: Vec<(String, String)>,
    pub(super) resource_detectors: Option<Detectors>,
    pub(super) disabled: Option<bool>,
    pub(super) exporters: Option<Vec<ExporterKind>>,
    pub(super) custom_exporters: Vec<BoxedExporter>,
    pub(super) otlp_max_body: Option<usize>,
    pub(super) otlp_endpoint: Option<String>,
    pub(super) otlp_headers: Vec<(String, String)>,
    pub(super) otlp_timeout: Option<Duration>,
    pub(super) otlp_compression: Option<Compression>,
    pub(super) otlp_certificate: Option<PathBuf>,
    pub(super) otlp_client_certificate: Option<PathBuf>,
    pub(super) otlp_client_key: Option<PathBuf>,
    pub(super) sampler: Option<Sampler>,
    pub(super) propagators: Option<Propagators>,
    pub(super) schedule_delay: Option<Duration>,
    pub(super) max_queue_size: Option<usize>,
    pub(super) max_export_batch_size: Option<usize>,
    pub(super) export_timeout: Option<Duration>,
    pub(super) attribute_value_length_limit: Option<usize>,
    pub(super) attribute_count_limit: Option<usize>,
    /// The outer `Option`: set in code or not; the inner `None`: no lines.
    pub(super) log_format: Option<Option<LogFormat>>,
    pub(super) log_filter: Option<String>,
    pub(super) span_filter: Option<String>,
    pub(super) log_exporters: Option<Vec<ExporterKind>>,
    pub(super) otlp_logs_endpoint: Option<String>,
    pub(super) log_schedule_delay: Option<Duration>,
    pub(super) log_max_queue_size: Option<usize>,
    pub(super) log_max_export_batch_size: Option<usize>,
    pub(super) log_export_timeout: Option<Duration>,
    pub(super) log_attribute_value_length_limit: Option<usize>,
    pub(super) log_attribute_count_limit: Option<usize>,
    pub(super) exception_signal: Option<ExceptionSignal>,
    pub(super) log_span_fields: Option<bool>,
    pub(super) log_xray: Option<bool>,
    pub(super) install_logging: Option<bool>,
    pub(super) install_panic_hook: Option<bool>,
}

impl Config {
    /// A configuration with nothing set: everything comes from the environment or the defaults.
    ///
    /// ```
    /// let config = traced::Config::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The `service.name` resource attribute. `OTEL_SERVICE_NAME` wins over it; it wins over
    /// `#[traced_service(name = "…")]`, `service.name` in `OTEL_RESOURCE_ATTRIBUTES` and the
    /// package name.
    ///
    /// ```
    /// let config = traced::Config::new().service_name("checkout");
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// The `service.version` resource attribute; wins over the attribute's `version`,
    /// `OTEL_RESOURCE_ATTRIBUTES` and the package version.
    ///
    /// ```
    /// let config = traced::Config::new().service_version("1.4.2");
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// Adds a resource attribute; wins over the same key in `OTEL_RESOURCE_ATTRIBUTES`. Setting
    /// `service.name` or `service.version` this way is the same as calling
    /// [`service_name`](Self::service_name) or [`service_version`](Self::service_version).
    ///
    /// ```
    /// let config = traced::Config::new().resource_attribute("deployment.environment", "prod");
    /// ```
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        match key.as_str() {
            SERVICE_NAME => self.service_name = Some(value),
            SERVICE_VERSION => self.service_version = Some(value),
            _ => self.resource.push((key, value)),
        }
        self
    }

    /// The resource detectors that run (`TRACED_RESOURCE_DETECTORS`, default all); an empty
    /// list turns detection off. Detectors add what they find about the host, the operating
    /// system, the process, the container, AWS Lambda or ECS and Kubernetes, each only when
    /// its source exists; they read variables and a few local files, never the network.
    /// Attributes from `OTEL_RESOURCE_ATTRIBUTES` and code win over detected ones.
    ///
    /// ```
    /// use traced::{Config, ResourceDetector};
    ///
    /// // The host and the container only.
    /// let config = Config::new()
    ///     .resource_detectors([ResourceDetector::Host, ResourceDetector::Container]);
    /// // No detection at all, like `TRACED_RESOURCE_DETECTORS=none`.
    /// let config = Config::new().resource_detectors([]);
    /// ```
    pub fn resource_detectors(
        mut self,
        detectors: impl IntoIterator<Item = ResourceDetector>,
    ) -> Self {
        self.resource_detectors = Some(detectors.into_iter().collect());
        self
    }

    /// Disables the SDK (`OTEL_SDK_DISABLED`): nothing is recorded or exported; propagation
    /// still works.
    ///
    /// ```
    /// let config = traced::Config::new().disabled(true);
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// One exporter (`OTEL_TRACES_EXPORTER`): the same as [`exporters`](Self::exporters) with
    /// it alone.
    ///
    /// ```
    /// let config = traced::Config::new().exporter(traced::ExporterKind::None);
    /// ```
    pub fn exporter(self, kind: ExporterKind) -> Self {
        self.exporters([kind])
    }

    /// The exporters, each span going to every one (`OTEL_TRACES_EXPORTER=otlp,console`; wins
    /// over the variable). A name given twice counts once; `None` alone means no exporter and
    /// is ignored, with a warning, beside others. Unset (in code and in the environment), a
    /// configured endpoint means OTLP and no endpoint the console tree, unless exporters were
    /// given with [`with_exporter`](Self::with_exporter), which are then the only ones.
    ///
    /// Each exporter works on its own: one that blocks or fails (a full stdout pipe, a
    /// collector down) delays the others by at most one export timeout, and its losses are
    /// counted apart ([`Guard::exporter_stats`](crate::Guard::exporter_stats)).
    ///
    /// ```
    /// use traced::ExporterKind;
    ///
    /// let config = traced::Config::new().exporters([ExporterKind::Otlp, ExporterKind::Console]);
    /// # let _ = config;
    /// ```
    pub fn exporters(mut self, kinds: impl IntoIterator<Item = ExporterKind>) -> Self {
        self.exporters = Some(kinds.into_iter().collect());
        self
    }

    /// Adds any `opentelemetry_sdk` exporter to the exporters: beside those named with
    /// [`exporters`](Self::exporters) or `OTEL_TRACES_EXPORTER`, or alone when none is named.
    /// It runs on a thread of its own, fed `SpanData` built from traced's records for it
    /// alone; it may be called again only once its previous export ended.
    ///
    /// ```
    /// use opentelemetry_sdk::error::OTelSdkResult;
    /// use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    ///
    /// #[derive(Debug)]
    /// struct Discard;
    ///
    /// impl SpanExporter for Discard {
    ///     async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let config = traced::Config::new().with_exporter(Discard);
    /// ```
    pub fn with_exporter<E: opentelemetry_sdk::trace::SpanExporter + 'static>(
        mut self,
        exporter: E,
    ) -> Self {
        self.custom_exporters.push(BoxedExporter::new(exporter));
        self
    }

    /// The largest OTLP request body, before compression, for traces and logs (default 8 MiB, at
    /// most the OTLP limit of 64 MiB): a batch that would be larger goes in several requests,
    /// and a single span or log record larger than this is dropped and counted as failed.
    ///
    /// ```
    /// let config = traced::Config::new().otlp_max_request_size(16 << 20);
    /// # let _ = config;
    /// ```
    pub fn otlp_max_request_size(mut self, bytes: usize) -> Self {
        self.otlp_max_body = Some(bytes);
        self
    }

    /// The full URL spans are posted to, used as is (like `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
    /// which it wins over). Must be `http://` or `https://` with a host. Log records have their
    /// own, [`otlp_logs_endpoint`](Self::otlp_logs_endpoint); the other `otlp_*` settings apply
    /// to both.
    ///
    /// ```
    /// let config = traced::Config::new().otlp_endpoint("http://collector:4318/v1/traces");
    /// ```
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(url.into());
        self
    }

    /// Adds a request header to the OTLP requests of traces and logs
    /// (`OTEL_EXPORTER_OTLP_HEADERS`); wins over the same name from the environment, the
    /// signal-specific `…_TRACES_HEADERS` and `…_LOGS_HEADERS` included. Values are never logged.
    ///
    /// ```
    /// let config = traced::Config::new().otlp_header("authorization", "Bearer abc");
    /// ```
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp_headers.push((name.into(), value.into()));
        self
    }

    /// Per-request timeout of traces and logs (`OTEL_EXPORTER_OTLP_TIMEOUT`, and it wins over the
    /// signal-specific variables; default 10 s). Zero means no limit, which becomes one day:
    /// longer values are capped to that.
    ///
    /// ```
    /// let config = traced::Config::new().otlp_timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn otlp_timeout(mut self, timeout: Duration) -> Self {
        self.otlp_timeout = Some(timeout);
        self
    }

    /// Request body compression of traces and logs (`OTEL_EXPORTER_OTLP_COMPRESSION`, and it wins
    /// over the signal-specific variables; default none).
    ///
    /// ```
    /// let config = traced::Config::new().otlp_compression(traced::Compression::Gzip);
    /// ```
    pub fn otlp_compression(mut self, compression: Compression) -> Self {
        self.otlp_compression = Some(compression);
        self
    }

    /// A PEM file of the CAs trusted for an `https://` collector, of traces and logs
    /// (`OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}CERTIFICATE`): they replace
    /// the system's roots. A file that cannot be read or holds no certificate is reported at
    /// startup and every export fails (never a fallback to the system's roots). Needs the `tls`
    /// feature; ignored, with a warning, for an `http://` endpoint.
    ///
    /// ```
    /// let config = traced::Config::new()
    ///     .otlp_endpoint("https://collector.internal:4318/v1/traces")
    ///     .otlp_certificate("/etc/otel/ca.pem");
    /// ```
    pub fn otlp_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.otlp_certificate = Some(path.into());
        self
    }

    /// A PEM file of the client's certificate chain, for collectors that require mutual TLS
    /// (`OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}CLIENT_CERTIFICATE`), for traces and logs.
    /// Goes with [`otlp_client_key`](Self::otlp_client_key): one without the other is reported
    /// and no client certificate is sent. Needs the `tls` feature.
    ///
    /// ```
    /// let config = traced::Config::new()
    ///     .otlp_endpoint("https://collector.internal:4318/v1/traces")
    ///     .otlp_client_certificate("/etc/otel/client.pem")
    ///     .otlp_client_key("/etc/otel/client-key.pem");
    /// ```
    pub fn otlp_client_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.otlp_client_certificate = Some(path.into());
        self
    }

    /// A PEM file of the private key of [`otlp_client_certificate`](Self::otlp_client_certificate)
    /// (`OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}CLIENT_KEY`): PKCS#8, PKCS#1
    /// or SEC1. Its content is never logged. Needs the `tls` feature.
    ///
    /// ```
    /// let config = traced::Config::new()
    ///     .otlp_client_certificate("/etc/otel/client.pem")
    ///     .otlp_client_key("/etc/otel/client-key.pem");
    /// ```
    pub fn otlp_client_key(mut self, path: impl Into<PathBuf>) -> Self {
        self.otlp_client_key = Some(path.into());
        self
    }

    /// The sampler (`OTEL_TRACES_SAMPLER` and `_ARG`, default parent-based always-on). A ratio
    /// outside `[0, 1]` is reported and ignored.
    ///
    /// ```
    /// use traced::{RootSampler, Sampler};
    /// let config = traced::Config::new()
    ///     .sampler(Sampler::ParentBased(RootSampler::TraceIdRatio(0.25)));
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The active propagators (`OTEL_PROPAGATORS`, default both). Applies even when disabled.
    ///
    /// ```
    /// let config = traced::Config::new()
    ///     .propagators(traced::Propagators { tracecontext: true, baggage: false });
    /// ```
    pub fn propagators(mut self, propagators: Propagators) -> Self {
        self.propagators = Some(propagators);
        self
    }

    /// Longest time a finished span waits before export (`OTEL_BSP_SCHEDULE_DELAY`, default
    /// 5 s). Zero is raised to 1 ms so the export thread cannot spin.
    ///
    /// ```
    /// let config = traced::Config::new().schedule_delay(std::time::Duration::from_millis(500));
    /// ```
    pub fn schedule_delay(mut self, delay: Duration) -> Self {
        self.schedule_delay = Some(delay);
        self
    }

    /// Finished spans held at most before dropping (`OTEL_BSP_MAX_QUEUE_SIZE`, default 2048;
    /// at least 1, capped at 1 048 576 because the queue is allocated up front).
    ///
    /// ```
    /// let config = traced::Config::new().max_queue_size(8192);
    /// ```
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.max_queue_size = Some(size);
        self
    }

    /// Spans per export call at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, default 512; at least
    /// 1, and lowered to the queue size if larger).
    ///
    /// ```
    /// let config = traced::Config::new().max_export_batch_size(256);
    /// ```
    pub fn max_export_batch_size(mut self, size: usize) -> Self {
        self.max_export_batch_size = Some(size);
        self
    }

    /// Longest time one export call, and the final flush, may take (`OTEL_BSP_EXPORT_TIMEOUT`,
    /// default 30 s; at least 1 ms).
    ///
    /// ```
    /// let config = traced::Config::new().export_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = Some(timeout);
        self
    }

    /// Longest string attribute value, in characters
    /// (`OTEL_{,SPAN_}ATTRIBUTE_VALUE_LENGTH_LIMIT`). Our default is 4096, not the spec's
    /// infinity, so user input recorded in a span cannot blow up memory.
    ///
    /// ```
    /// let config = traced::Config::new().attribute_value_length_limit(1024);
    /// ```
    pub fn attribute_value_length_limit(mut self, limit: usize) -> Self {
        self.attribute_value_length_limit = Some(limit);
        self
    }

    /// Attributes per span at most (`OTEL_{,SPAN_}ATTRIBUTE_COUNT_LIMIT`, default 128).
    ///
    /// ```
    /// let config = traced::Config::new().attribute_count_limit(64);
    /// ```
    pub fn attribute_count_limit(mut self, limit: usize) -> Self {
        self.attribute_count_limit = Some(limit);
        self
    }

    /// The format of the log lines on stderr (`TRACED_LOG_FORMAT`, default JSON); `None` means
    /// no lines (`TRACED_LOG_FORMAT=none`), for a service whose log records go to a collector
    /// only. The log filter and the OTLP log records do not depend on it.
    ///
    /// ```
    /// let config = traced::Config::new().log_format(traced::LogFormat::Pretty);
    /// let quiet = traced::Config::new().log_format(None);
    /// ```
    pub fn log_format(mut self, format: impl Into<Option<LogFormat>>) -> Self {
        self.log_format = Some(format.into());
        self
    }

    /// `EnvFilter` directives selecting the events logged (stderr lines and OTLP log records);
    /// wins over `RUST_LOG` (default `info`). Spans have their own filter,
    /// [`span_filter`](Self::span_filter).
    ///
    /// ```
    /// let config = traced::Config::new().log_filter("info,my_crate=debug");
    /// ```
    pub fn log_filter(mut self, filter: impl Into<String>) -> Self {
        self.log_filter = Some(filter.into());
        self
    }

    /// Whether to install the global tracing subscriber (default true). Turn it off when the
    /// application installs its own.
    ///
    /// ```
    /// let config = traced::Config::new().install_logging(false);
    /// ```
    pub fn install_logging(mut self, install: bool) -> Self {
        self.install_logging = Some(install);
        self
    }

    /// Whether to install the panic hook that logs panics and marks the current span (default
    /// true).
    ///
    /// ```
    /// let config = traced::Config::new().install_panic_hook(false);
    /// ```
    pub fn install_panic_hook(mut self, install: bool) -> Self {
        self.install_panic_hook = Some(install);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_told_from_set() {
        let config = Config::new();
        assert_eq!(config.max_queue_size, None);
        assert_eq!(config.install_logging, None);
        let config = config.max_queue_size(10).install_logging(false);
        assert_eq!(config.max_queue_size, Some(10));
        assert_eq!(config.install_logging, Some(false));
    }

    #[test]
    fn service_keys_given_as_attributes_set_the_service() {
        let config = Config::new()
            .resource_attribute("service.name", "svc")
            .resource_attribute("service.version", "2")
            .resource_attribute("team", "a");
        assert_eq!(config.service_name.as_deref(), Some("svc"));
        assert_eq!(config.service_version.as_deref(), Some("2"));
        assert_eq!(config.resource, [("team".to_owned(), "a".to_owned())]);
    }
}
