//! Tests of the logs signal's settings, through `Config::resolve`: defaults, the Batch LogRecord
//! Processor, LogRecord limits, the exception opt-in and the line fields; and the two settings of
//! `resolve.rs` the logs signal brings, `TRACED_LOG_FORMAT=none` and `TRACED_SPAN_FILTER`. The
//! exporters and OTLP settings are in `logs_export_tests.rs`, with the helpers of this file.

use std::time::Duration;

use crate::config::env::tests::lookup;
use crate::config::resolve::Resolved;
use crate::config::{
    BatchSettings, Config, ExceptionSignal, Limits, LogFormat, LogsSettings, OtlpSettings,
    ServiceDefaults, Settings,
};
use crate::resource::Machine;

pub(super) fn resolve(pairs: &[(&str, &str)], config: Config) -> Resolved {
    let lookup = lookup(pairs);
    config.resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
}

pub(super) fn settings(pairs: &[(&str, &str)]) -> Settings {
    let resolved = resolve(pairs, Config::new());
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    resolved.settings
}

pub(super) fn logs(pairs: &[(&str, &str)]) -> LogsSettings {
    settings(pairs).logs
}

/// The logs' OTLP settings, with OTLP chosen by `OTEL_LOGS_EXPORTER`.
pub(super) fn logs_otlp(pairs: &[(&str, &str)]) -> OtlpSettings {
    let mut env = vec![("OTEL_LOGS_EXPORTER", "otlp")];
    env.extend_from_slice(pairs);
    logs(&env).otlp.expect("OTLP logs")
}

/// Resolves one invalid variable and checks the single warning names it and its value.
pub(super) fn assert_one_warning(var: &str, value: &str) -> Settings {
    let resolved = resolve(&[(var, value)], Config::new());
    let warnings = &resolved.warnings;
    assert_eq!(warnings.len(), 1, "{var}={value}: {warnings:?}");
    assert!(warnings[0].contains(var), "{var}: {warnings:?}");
    assert!(warnings[0].contains(value), "{var}: {warnings:?}");
    resolved.settings
}

#[test]
fn defaults() {
    let s = settings(&[]);
    let expected = LogsSettings {
        exporters: Vec::new(),
        otlp: None,
        batch: BatchSettings {
            schedule_delay: Duration::from_millis(1_000),
            max_queue_size: 2_048,
            max_export_batch_size: 512,
            export_timeout: Duration::from_millis(30_000),
        },
        limits: Limits {
            attribute_value_length: 4_096,
            attribute_count: 128,
        },
        exception_signal: ExceptionSignal::LogsAndSpanEvent,
        span_fields: false,
        xray: false,
    };
    assert_eq!(s.logs, expected);
    assert_eq!((s.log_format, s.log_lines), (LogFormat::Json, true));
    assert_eq!(s.span_filter, "info");
}

#[test]
fn batch_log_record_processor() {
    let env = [
        ("OTEL_BLRP_SCHEDULE_DELAY", "100"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "16"),
        ("OTEL_BLRP_EXPORT_TIMEOUT", "2000"),
    ];
    let s = settings(&env);
    let expected = BatchSettings {
        schedule_delay: Duration::from_millis(100),
        max_queue_size: 64,
        max_export_batch_size: 16,
        export_timeout: Duration::from_secs(2),
    };
    assert_eq!(s.logs.batch, expected);
    assert_eq!(s.batch, BatchSettings::SPANS, "the spans' are their own");
    let s = settings(&[("OTEL_BSP_SCHEDULE_DELAY", "100")]);
    assert_eq!(s.logs.batch, BatchSettings::LOG_RECORDS);

    // The batch size is at most the queue size.
    let env = [
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "200"),
    ];
    let resolved = resolve(&env, Config::new());
    assert_eq!(resolved.settings.logs.batch.max_export_batch_size, 100);
    assert_eq!(resolved.warnings.len(), 1);
    assert!(
        resolved.warnings[0]
            .contains("(OTEL_BLRP_MAX_EXPORT_BATCH_SIZE or Config::log_max_export_batch_size)"),
        "{:?}",
        resolved.warnings
    );

    // Code wins; an invalid code value is reported under its method's name.
    let code = Config::new()
        .log_schedule_delay(Duration::from_millis(5))
        .log_max_queue_size(10)
        .log_max_export_batch_size(4)
        .log_export_timeout(Duration::ZERO);
    let resolved = resolve(&env, code);
    let b = resolved.settings.logs.batch;
    assert_eq!(
        (b.schedule_delay, b.max_queue_size, b.max_export_batch_size),
        (Duration::from_millis(5), 10, 4)
    );
    assert_eq!(b.export_timeout, Duration::from_secs(30));
    assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
    assert!(resolved.warnings[0].starts_with("ignoring Config::log_export_timeout(0ns)"));
}

#[test]
fn log_record_limits_fall_back_to_the_general_ones() {
    let env = [
        ("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "10"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "5"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "7"),
    ];
    let s = settings(&env);
    let limits = (
        s.logs.limits.attribute_value_length,
        s.logs.limits.attribute_count,
    );
    assert_eq!(limits, (10, 5), "the span limit is the spans' alone");
    assert_eq!(
        (s.limits.attribute_value_length, s.limits.attribute_count),
        (20, 7)
    );
    // An invalid log record limit falls back to the general one, with one warning.
    let env = [
        ("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "many"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "5"),
    ];
    let resolved = resolve(&env, Config::new());
    assert_eq!(resolved.settings.logs.limits.attribute_count, 5);
    assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
    // Code wins; the span methods do not apply to logs.
    let code = Config::new()
        .log_attribute_value_length_limit(100)
        .log_attribute_count_limit(3)
        .attribute_count_limit(64);
    let s = resolve(&[("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "9")], code).settings;
    let limits = (
        s.logs.limits.attribute_value_length,
        s.logs.limits.attribute_count,
    );
    assert_eq!(limits, (100, 3));
}

#[test]
fn exception_signal_opt_in() {
    let var = "OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN";
    assert_eq!(
        logs(&[(var, "logs")]).exception_signal,
        ExceptionSignal::LogsOnly
    );
    assert_eq!(
        logs(&[(var, "Logs/Dup")]).exception_signal,
        ExceptionSignal::LogsAndSpanEvent
    );
    for unknown in ["span", "logs,logs/dup", "events"] {
        let s = assert_one_warning(var, unknown);
        assert_eq!(s.logs.exception_signal, ExceptionSignal::LogsAndSpanEvent);
    }
    let code = Config::new().exception_signal(ExceptionSignal::LogsOnly);
    let s = resolve(&[(var, "logs/dup")], code).settings;
    assert_eq!(s.logs.exception_signal, ExceptionSignal::LogsOnly);
}

#[test]
fn span_fields_and_xray_flags() {
    let s = logs(&[
        ("TRACED_LOG_SPAN_FIELDS", "TRUE"),
        ("TRACED_LOG_XRAY", "true"),
    ]);
    assert!(s.span_fields && s.xray);
    let s = logs(&[
        ("TRACED_LOG_SPAN_FIELDS", "false"),
        ("TRACED_LOG_XRAY", "False"),
    ]);
    assert!(!s.span_fields && !s.xray);
    for var in ["TRACED_LOG_SPAN_FIELDS", "TRACED_LOG_XRAY"] {
        let s = assert_one_warning(var, "1");
        assert!(!s.logs.span_fields && !s.logs.xray, "{var}");
    }
    let env = [
        ("TRACED_LOG_SPAN_FIELDS", "true"),
        ("TRACED_LOG_XRAY", "true"),
    ];
    let code = Config::new().log_span_fields(false).log_xray(false);
    let s = resolve(&env, code).settings.logs;
    assert!(!s.span_fields && !s.xray);
}

#[test]
fn log_format_none_turns_the_lines_off() {
    let lines = |pairs: &[(&str, &str)], config: Config| {
        let s = resolve(pairs, config).settings;
        (s.log_format, s.log_lines)
    };
    let none = [("TRACED_LOG_FORMAT", "None")];
    assert!(!lines(&none, Config::new()).1);
    assert!(!lines(&[], Config::new().log_format(None)).1);
    assert_eq!(
        lines(&none, Config::new().log_format(LogFormat::Pretty)),
        (LogFormat::Pretty, true)
    );
    let env = [("TRACED_LOG_FORMAT", "pretty")];
    assert!(!lines(&env, Config::new().log_format(None)).1);
    // No lines is not no log records.
    let env = [
        ("TRACED_LOG_FORMAT", "none"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"),
    ];
    let s = settings(&env);
    assert!(!s.log_lines && s.logs.otlp.is_some());
    let s = assert_one_warning("TRACED_LOG_FORMAT", "off");
    assert_eq!((s.log_format, s.log_lines), (LogFormat::Json, true));
}

#[test]
fn span_filter_is_independent_of_rust_log() {
    let env = [("RUST_LOG", "debug")];
    assert_eq!(settings(&env).span_filter, "info");
    let env = [
        ("RUST_LOG", "debug"),
        ("TRACED_SPAN_FILTER", "warn,app=trace"),
    ];
    let s = settings(&env);
    assert_eq!(
        (s.log_filter.as_str(), s.span_filter.as_str()),
        ("debug", "warn,app=trace")
    );
    let filter = |config: Config| resolve(&env, config).settings.span_filter;
    assert_eq!(filter(Config::new().span_filter("error")), "error");
    assert_eq!(filter(Config::new().span_filter(" ")), "warn,app=trace");
    assert_eq!(filter(Config::new().log_filter("error")), "warn,app=trace");
}
