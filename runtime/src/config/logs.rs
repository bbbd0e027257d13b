//! The logs signal's settings: its exporters and OTLP settings (`endpoint.rs` with the logs'
//! names, `signal.rs`), the Batch LogRecord Processor and LogRecord Limits (`batch.rs`), where
//! exceptions go, and what each line and record carries.

use super::batch::{CodeBatch, LOG_RECORD_LIMITS, LOG_RECORDS, resolve_batch, resolve_limits};
use super::endpoint::{CodeExport, resolve_export};
use super::env::Env;
use super::signal::LOGS;
use super::{ExceptionSignal, LogsSettings};

const EXCEPTION_SIGNAL_VAR: &str = "OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN";
const SPAN_FIELDS_VAR: &str = "TRACED_LOG_SPAN_FIELDS";
const XRAY_VAR: &str = "TRACED_LOG_XRAY";
const EXCEPTION_SIGNALS: [(&str, ExceptionSignal); 2] = [
    ("logs/dup", ExceptionSignal::LogsAndSpanEvent),
    ("logs", ExceptionSignal::LogsOnly),
];

/// What code said about the logs signal.
#[derive(Debug, Default)]
pub(crate) struct CodeLogs {
    /// The exporters and the logs endpoint; the rest of the OTLP settings are the general ones,
    /// shared with traces.
    pub(crate) export: CodeExport,
    pub(crate) batch: CodeBatch,
    pub(crate) attribute_value_length_limit: Option<usize>,
    pub(crate) attribute_count_limit: Option<usize>,
    pub(crate) exception_signal: Option<ExceptionSignal>,
    pub(crate) span_fields: Option<bool>,
    pub(crate) xray: Option<bool>,
}

/// Code, then the environment, then the defaults, for every setting of the logs signal. An
/// unknown `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` is warned about and gives our default.
pub(crate) fn resolve_logs(env: &mut Env<'_>, code: CodeLogs) -> LogsSettings {
    let (exporters, otlp) = resolve_export(env, &LOGS, code.export);
    let batch = resolve_batch(env, &LOG_RECORDS, code.batch);
    let limits = resolve_limits(
        env,
        &LOG_RECORD_LIMITS,
        code.attribute_value_length_limit,
        code.attribute_count_limit,
    );
    let exception_signal = code
        .exception_signal
        .or_else(|| env.choice(EXCEPTION_SIGNAL_VAR, &EXCEPTION_SIGNALS))
        .unwrap_or_default();
    let span_fields = code
        .span_fields
        .or_else(|| env.flag(SPAN_FIELDS_VAR))
        .unwrap_or(false);
    let xray = code.xray.or_else(|| env.flag(XRAY_VAR)).unwrap_or(false);
    LogsSettings {
        exporters,
        otlp,
        batch,
        limits,
        exception_signal,
        span_fields,
        xray,
    }
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "logs_export_tests.rs"]
mod export_tests;
