//! The variables, `Config` methods and URL path of each exported signal, so one resolver serves
//! traces and logs (OpenTelemetry Protocol Exporter, Configuration Options: every option has a
//! general variable and a signal-specific one that wins over it; Endpoint URLs for OTLP/HTTP: the
//! base endpoint is joined with the signal's path).
//!
//! The names are written out in full so a search for a variable finds where it is read.

use super::ExporterKind;

/// One signal's names. Each `…_vars` pair is the signal-specific variable, then the general one.
#[derive(Debug)]
pub(crate) struct Signal {
    /// `traces` or `logs`, for warnings.
    pub(crate) name: &'static str,
    /// The exporter list (OpenTelemetry SDK environment variables, Exporter Selection).
    pub(crate) exporter_var: &'static str,
    /// The `Config` method setting that list.
    pub(crate) exporters_method: &'static str,
    /// The signal's full URL, used as is; the general base endpoint is [`BASE_ENDPOINT_VAR`].
    pub(crate) endpoint_var: &'static str,
    /// The `Config` method setting the full URL.
    pub(crate) endpoint_method: &'static str,
    /// Joined with the base endpoint.
    pub(crate) path: &'static str,
    /// The OTLP/HTTP default collector (OTLP specification, OTLP/HTTP Default Port) with `path`.
    pub(crate) default_endpoint: &'static str,
    /// The exporters when neither code nor `exporter_var` names any and no endpoint is set.
    pub(crate) without_endpoint: &'static [ExporterKind],
    pub(crate) headers_vars: [&'static str; 2],
    pub(crate) timeout_vars: [&'static str; 2],
    pub(crate) compression_vars: [&'static str; 2],
    pub(crate) protocol_vars: [&'static str; 2],
    pub(crate) certificate_vars: [&'static str; 2],
    pub(crate) client_certificate_vars: [&'static str; 2],
    pub(crate) client_key_vars: [&'static str; 2],
}

/// The base endpoint shared by every signal.
pub(crate) const BASE_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Spans. Without an endpoint they go to the console tree, our documented choice (the
/// specification's default is OTLP to `localhost:4318`): a service run without a collector shows
/// its traces instead of failing to send them.
pub(crate) const TRACES: Signal = Signal {
    name: "traces",
    exporter_var: "OTEL_TRACES_EXPORTER",
    exporters_method: "exporters",
    endpoint_var: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    endpoint_method: "otlp_endpoint",
    path: "v1/traces",
    default_endpoint: "http://localhost:4318/v1/traces",
    without_endpoint: &[ExporterKind::Console],
    headers_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
    ],
    timeout_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ],
    compression_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ],
    protocol_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ],
    certificate_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
    ],
    client_certificate_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    ],
    client_key_vars: [
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
        "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    ],
};

/// Log records. Without an endpoint (general or for logs) none are exported, our documented
/// choice (the specification's default is OTLP to `localhost:4318`): a service without a
/// collector must not try to send every log line to localhost, and its lines are on stderr
/// already. The `console` exporter names those stderr lines, never a second copy.
pub(crate) const LOGS: Signal = Signal {
    name: "logs",
    exporter_var: "OTEL_LOGS_EXPORTER",
    exporters_method: "log_exporters",
    endpoint_var: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    endpoint_method: "otlp_logs_endpoint",
    path: "v1/logs",
    default_endpoint: "http://localhost:4318/v1/logs",
    without_endpoint: &[],
    headers_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
    ],
    timeout_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ],
    compression_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ],
    protocol_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ],
    certificate_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
    ],
    client_certificate_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    ],
    client_key_vars: [
        "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY",
        "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    ],
};
