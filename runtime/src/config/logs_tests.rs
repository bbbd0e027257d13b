//! Tests of the logs signal's settings, through `Config::resolve`: the default exporter rule, the
//! exporter list, the logs endpoint and its signal-specific OTLP variables, the Batch LogRecord
//! Processor, LogRecord limits, the exception opt-in and the line fields; and the two settings of
//! `resolve.rs` the logs signal brings, `TRACED_LOG_FORMAT=none` and `TRACED_SPAN_FILTER`.

use std::time::Duration;

use crate::config::env::tests::lookup;
use crate::config::resolve::Resolved;
use crate::config::{
    BatchSettings, Compression, Config, ExceptionSignal, ExporterKind, Limits, LogFormat,
    LogsSettings, OtlpSettings, ServiceDefaults, Settings,
};
use crate::resource::Machine;

fn resolve(pairs: &[(&str, &str)], config: Config) -> Resolved {
    let lookup = lookup(pairs);
    config.resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let resolved = resolve(pairs, Config::new());
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    resolved.settings
}

fn logs(pairs: &[(&str, &str)]) -> LogsSettings {
    settings(pairs).logs
}

/// The logs' OTLP settings, with OTLP chosen by `OTEL_LOGS_EXPORTER`.
fn logs_otlp(pairs: &[(&str, &str)]) -> OtlpSettings {
    let mut env = vec![("OTEL_LOGS_EXPORTER", "otlp")];
    env.extend_from_slice(pairs);
    logs(&env).otlp.expect("OTLP logs")
}

/// Resolves one invalid variable and checks the single warning names it and its value.
fn assert_one_warning(var: &str, value: &str) -> Settings {
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
fn otlp_by_default_with_a_general_or_logs_endpoint_only() {
    use ExporterKind::Otlp;
    let general = logs(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]);
    assert_eq!(general.exporters, [Otlp]);
    assert_eq!(
        general.otlp.expect("OTLP").endpoint,
        "http://c:4318/v1/logs"
    );
    let own = logs(&[("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l/custom")]);
    assert_eq!(own.exporters, [Otlp]);
    assert_eq!(own.otlp.expect("OTLP").endpoint, "http://l/custom");
    // A traces endpoint is the traces' alone.
    let env = [(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "http://t:4318/v1/traces",
    )];
    let s = settings(&env);
    assert_eq!(s.exporters, [Otlp]);
    assert_eq!((s.logs.exporters, s.logs.otlp), (vec![], None));

    // In code: the logs endpoint counts, the traces endpoint does not.
    let code = Config::new().otlp_logs_endpoint("http://code/v1/logs");
    let logs = resolve(&[], code).settings.logs;
    assert_eq!(logs.exporters, [Otlp]);
    assert_eq!(logs.otlp.expect("OTLP").endpoint, "http://code/v1/logs");
    let code = Config::new().otlp_endpoint("http://code/v1/traces");
    assert!(resolve(&[], code).settings.logs.exporters.is_empty());

    // An invalid endpoint is as if unset, and warned about once for both signals.
    let resolved = resolve(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318")], Config::new());
    assert!(resolved.settings.logs.exporters.is_empty());
    assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
    let code = Config::new().otlp_logs_endpoint("nope");
    let resolved = resolve(&[], code);
    assert!(resolved.settings.logs.exporters.is_empty());
    assert!(
        resolved.warnings[0].starts_with("ignoring Config::otlp_logs_endpoint(\"nope\")"),
        "{:?}",
        resolved.warnings
    );
}

#[test]
fn the_exporter_list_has_the_traces_rules() {
    use ExporterKind::{Console, Otlp};
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c");
    assert!(
        logs(&[("OTEL_LOGS_EXPORTER", "NONE"), endpoint])
            .exporters
            .is_empty()
    );
    let console = logs(&[("OTEL_LOGS_EXPORTER", "console"), endpoint]);
    assert_eq!((console.exporters, console.otlp), (vec![Console], None));
    // `otlp` without any endpoint: the default collector.
    assert_eq!(logs_otlp(&[]).endpoint, "http://localhost:4318/v1/logs");

    let env = [("OTEL_LOGS_EXPORTER", "zipkin, console ,otlp,console")];
    let resolved = resolve(&env, Config::new());
    assert_eq!(resolved.settings.logs.exporters, [Console, Otlp]);
    assert!(resolved.settings.logs.otlp.is_some());
    assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
    assert!(
        resolved.warnings[0].starts_with("OTEL_LOGS_EXPORTER: ignoring unknown \"zipkin\""),
        "{:?}",
        resolved.warnings
    );
    // Only unknown names: as if unset, reported.
    let s = assert_one_warning("OTEL_LOGS_EXPORTER", "jaeger");
    assert!(s.logs.exporters.is_empty());
    // `none` beside others is ignored, reported.
    let resolved = resolve(&[("OTEL_LOGS_EXPORTER", "none,otlp")], Config::new());
    assert_eq!(resolved.settings.logs.exporters, [Otlp]);
    assert!(
        resolved.warnings[0].starts_with("OTEL_LOGS_EXPORTER: ignoring `none`"),
        "{:?}",
        resolved.warnings
    );

    // Code wins, with the same rules.
    let env = [("OTEL_LOGS_EXPORTER", "otlp")];
    let code = Config::new().log_exporters([Otlp, ExporterKind::None, Console, Otlp]);
    let resolved = resolve(&env, code);
    assert_eq!(resolved.settings.logs.exporters, [Otlp, Console]);
    assert_eq!(
        resolved.warnings,
        ["Config::log_exporters: ignoring `none` beside other exporters"]
    );
    let code = Config::new().log_exporter(ExporterKind::None);
    let s = resolve(&[endpoint], code).settings;
    assert_eq!((s.logs.exporters, s.logs.otlp), (vec![], None));
    // The traces' exporters are their own.
    let s = settings(&[("OTEL_LOGS_EXPORTER", "console"), endpoint]);
    assert_eq!(s.exporters, [Otlp]);
}

#[test]
fn base_endpoint_gets_v1_logs_with_exactly_one_slash() {
    for (base, expected) in [
        ("http://c:4318", "http://c:4318/v1/logs"),
        ("http://c:4318/", "http://c:4318/v1/logs"),
        ("http://c:4318/base/", "http://c:4318/base/v1/logs"),
        ("https://c//", "https://c/v1/logs"),
    ] {
        let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", base)];
        let resolved = resolve(&env, Config::new());
        let otlp = resolved.settings.logs.otlp.expect("OTLP");
        assert_eq!(otlp.endpoint, expected, "{base}");
    }
    let env = [
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
    ];
    assert_eq!(logs_otlp(&env).endpoint, "http://l:4318");
}

#[test]
fn logs_variables_win_over_the_general_ones_and_are_the_logs_alone() {
    let env = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "c=3"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "t=1"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "700"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
    ];
    let mut with_logs = vec![("OTEL_LOGS_EXPORTER", "otlp")];
    with_logs.extend_from_slice(&env);
    let s = settings(&with_logs);
    let logs = s.logs.otlp.expect("OTLP logs");
    assert_eq!(logs.headers, [("c".to_owned(), "3".to_owned())]);
    assert_eq!(logs.timeout, Duration::from_millis(700));
    assert_eq!(logs.compression, Compression::Gzip);
    let traces = s.otlp.expect("OTLP traces");
    assert_eq!(traces.headers, [("t".to_owned(), "1".to_owned())]);
    assert_eq!(traces.timeout, Duration::from_millis(2500));
    assert_eq!(traces.compression, Compression::None);

    // Without the logs' own, the general ones.
    let general = logs_otlp(&env[..2]);
    assert_eq!(general.headers.len(), 2);
    let general = logs_otlp(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
    assert_eq!(general.timeout, Duration::from_millis(2500));
    // An invalid logs value falls back to the general one, with one warning naming it.
    let env = [
        ("OTEL_LOGS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "soon"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
    ];
    let resolved = resolve(&env, Config::new());
    let otlp = resolved.settings.logs.otlp.expect("OTLP");
    assert_eq!(otlp.timeout, Duration::from_millis(2500));
    assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
    assert!(resolved.warnings[0].contains("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT=\"soon\""));
}

#[test]
fn a_bad_general_value_is_one_warning_for_both_signals() {
    for (var, value) in [
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "no-equals-sign"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://c"),
    ] {
        let env = [
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_LOGS_EXPORTER", "otlp"),
            (var, value),
        ];
        let resolved = resolve(&env, Config::new());
        assert_eq!(resolved.warnings.len(), 1, "{var}: {:?}", resolved.warnings);
        assert!(
            resolved.warnings[0].contains(var),
            "{:?}",
            resolved.warnings
        );
    }
    // The same for a bad value in code.
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c")];
    let code = Config::new().otlp_header("bad name", "v");
    assert_eq!(resolve(&env, code).warnings.len(), 1);
}

#[test]
fn the_general_otlp_settings_in_code_apply_to_logs() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "700"),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-key=env,other=1"),
    ];
    let code = Config::new()
        .otlp_header("X-Key", "code")
        .otlp_timeout(Duration::from_secs(3))
        .otlp_compression(Compression::Gzip)
        .otlp_max_request_size(1 << 20);
    let resolved = resolve(&env, code);
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    let otlp = resolved.settings.logs.otlp.expect("OTLP");
    let headers: Vec<(&str, &str)> = otlp
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(headers, [("x-key", "code"), ("other", "1")]);
    assert_eq!(
        (otlp.timeout, otlp.compression, otlp.max_body),
        (Duration::from_secs(3), Compression::Gzip, 1 << 20)
    );
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
