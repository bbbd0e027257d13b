//! Tests of `Config::resolve` as a whole: defaults, precedence (code > environment > default),
//! and an invalid value for every variable read here.

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::Resolved;
use crate::config::env::tests::lookup;
use crate::config::{
    BatchSettings, Compression, Config, ExporterKind, Limits, LogFormat, Propagators, RootSampler,
    Sampler, ServiceDefaults,
};
use crate::resource::{Machine, ResourceValue};

const PACKAGE: ServiceDefaults = ServiceDefaults {
    name: None,
    version: None,
    package_name: Some("pkg"),
    package_version: Some("0.1.0"),
};

fn resolve(pairs: &[(&str, &str)], config: Config) -> Resolved {
    let lookup = lookup(pairs);
    config.resolve(&lookup, &Machine::empty(), PACKAGE)
}

/// Resolves one invalid variable and checks the single warning names it and its value.
fn assert_one_warning(var: &str, value: &str) -> Resolved {
    let resolved = resolve(&[(var, value)], Config::new());
    let warnings = &resolved.warnings;
    assert_eq!(warnings.len(), 1, "{var}={value}: {warnings:?}");
    assert!(warnings[0].contains(var), "{var}: {warnings:?}");
    assert!(warnings[0].contains(value), "{var}: {warnings:?}");
    resolved
}

#[test]
fn defaults() {
    let resolved = resolve(&[], Config::new());
    let s = resolved.settings;
    assert!(resolved.warnings.is_empty());
    assert!(resolved.custom_exporters.is_empty());
    assert!(!s.disabled);
    assert_eq!(s.service_name(), "pkg");
    assert_eq!(s.exporters, [ExporterKind::Console]);
    assert_eq!(s.otlp, None);
    assert_eq!(s.sampler, Sampler::ParentBased(RootSampler::AlwaysOn));
    assert_eq!(s.propagators, Propagators::default());
    let batch = BatchSettings {
        schedule_delay: Duration::from_millis(5_000),
        max_queue_size: 2_048,
        max_export_batch_size: 512,
        export_timeout: Duration::from_millis(30_000),
    };
    assert_eq!(s.batch, batch);
    let limits = Limits {
        attribute_value_length: 4_096,
        attribute_count: 128,
    };
    assert_eq!(s.limits, limits);
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(s.log_filter, "info");
    assert!(s.install_logging && s.install_panic_hook);
}

#[test]
fn every_variable_is_read() {
    let env = [
        ("OTEL_SDK_DISABLED", "TRUE"),
        ("OTEL_SERVICE_NAME", "svc"),
        ("OTEL_RESOURCE_ATTRIBUTES", "team=a"),
        ("TRACED_RESOURCE_DETECTORS", "host"),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "k=v"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ("OTEL_PROPAGATORS", "baggage"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "16"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "2000"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "10"),
        ("TRACED_LOG_FORMAT", "Pretty"),
        ("RUST_LOG", "debug"),
    ];
    let resolved = resolve(&env, Config::new());
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    let s = resolved.settings;
    assert!(s.disabled);
    assert_eq!(s.resource.get_str("service.name"), Some("svc"));
    assert_eq!(s.resource.attributes[2].0, "team");
    assert_eq!(s.resource.get_str("team"), Some("a"));
    assert_eq!(
        s.detected.map(|found| found.to_string()).as_deref(),
        Some("none")
    );
    assert_eq!(s.exporters, [ExporterKind::Otlp]);
    let otlp = s.otlp.as_ref().expect("OTLP");
    assert_eq!(otlp.endpoint, "http://c:4318/v1/traces");
    assert_eq!(otlp.headers, [("k".to_owned(), "v".to_owned())]);
    assert_eq!(
        (otlp.timeout, otlp.compression),
        (Duration::from_secs(1), Compression::Gzip)
    );
    assert_eq!(s.sampler, Sampler::TraceIdRatio(0.5));
    assert_eq!(
        (s.propagators.tracecontext, s.propagators.baggage),
        (false, true)
    );
    let batch = (Duration::from_millis(100), 64, 16, Duration::from_secs(2));
    let b = s.batch;
    assert_eq!(
        (
            b.schedule_delay,
            b.max_queue_size,
            b.max_export_batch_size,
            b.export_timeout
        ),
        batch
    );
    assert_eq!(
        (s.limits.attribute_value_length, s.limits.attribute_count),
        (100, 10)
    );
    assert_eq!(
        (s.log_format, s.log_filter.as_str()),
        (LogFormat::Pretty, "debug")
    );
}

#[test]
fn code_wins_over_the_environment() {
    let env = [
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_TRACES_EXPORTER", "console"),
        ("OTEL_TRACES_SAMPLER", "always_off"),
        ("OTEL_PROPAGATORS", "none"),
        ("OTEL_BSP_SCHEDULE_DELAY", "1"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "1"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "1"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1"),
        ("TRACED_LOG_FORMAT", "pretty"),
        ("RUST_LOG", "trace"),
    ];
    let config = Config::new()
        .disabled(false)
        .exporter(ExporterKind::None)
        .sampler(Sampler::AlwaysOn)
        .propagators(Propagators::default())
        .schedule_delay(Duration::from_secs(2))
        .max_queue_size(100)
        .max_export_batch_size(10)
        .export_timeout(Duration::from_secs(3))
        .attribute_value_length_limit(50)
        .attribute_count_limit(5)
        .log_format(LogFormat::Json)
        .log_filter("warn")
        .install_logging(false)
        .install_panic_hook(false);
    let resolved = resolve(&env, config);
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    let s = resolved.settings;
    assert!(!s.disabled);
    assert!(s.exporters.is_empty());
    assert_eq!(s.sampler, Sampler::AlwaysOn);
    assert_eq!(s.propagators, Propagators::default());
    let b = s.batch;
    assert_eq!(
        (b.schedule_delay, b.max_queue_size),
        (Duration::from_secs(2), 100)
    );
    assert_eq!(
        (b.max_export_batch_size, b.export_timeout),
        (10, Duration::from_secs(3))
    );
    assert_eq!(
        (s.limits.attribute_value_length, s.limits.attribute_count),
        (50, 5)
    );
    assert_eq!(
        (s.log_format, s.log_filter.as_str()),
        (LogFormat::Json, "warn")
    );
    assert!(!s.install_logging && !s.install_panic_hook);
}

#[test]
fn the_service_name_variable_wins_over_code() {
    let env = [("OTEL_SERVICE_NAME", "from-env")];
    let resolved = resolve(&env, Config::new().service_name("from-code"));
    assert_eq!(resolved.settings.service_name(), "from-env");
    let resolved = resolve(&[], Config::new().service_name("from-code"));
    assert_eq!(resolved.settings.service_name(), "from-code");
}

#[test]
fn code_attributes_win_over_the_environment() {
    let env = [("OTEL_RESOURCE_ATTRIBUTES", "team=env,region=eu")];
    let resolved = resolve(&env, Config::new().resource_attribute("team", "code"));
    let resource: Vec<(&str, &str)> = resolved
        .settings
        .resource
        .attributes
        .iter()
        .take(4)
        .filter_map(|(k, v)| match v {
            ResourceValue::Str(v) => Some((k.as_str(), v.as_str())),
            _ => None,
        })
        .collect();
    let expected = [
        ("service.name", "pkg"),
        ("service.version", "0.1.0"),
        ("region", "eu"),
        ("team", "code"),
    ];
    assert_eq!(resource, expected);
}

#[test]
fn disabled_accepts_only_true_and_false() {
    let disabled = |value| {
        resolve(&[("OTEL_SDK_DISABLED", value)], Config::new())
            .settings
            .disabled
    };
    assert!(disabled("true") && disabled("True"));
    assert!(!disabled("false") && !disabled(""));
    for bad in ["1", "yes", "on"] {
        assert!(
            !assert_one_warning("OTEL_SDK_DISABLED", bad)
                .settings
                .disabled,
            "{bad}"
        );
    }
}

#[test]
fn disabled_does_not_touch_propagators() {
    let env = [("OTEL_SDK_DISABLED", "true")];
    assert_eq!(
        resolve(&env, Config::new()).settings.propagators,
        Propagators::default()
    );
}

#[test]
fn invalid_values_warn_once_and_use_the_default() {
    let default = resolve(&[], Config::new()).settings;
    let cases = [
        ("OTEL_TRACES_SAMPLER", "sometimes"),
        ("OTEL_PROPAGATORS", "b3"),
        ("OTEL_BSP_SCHEDULE_DELAY", "-5"),
        ("OTEL_BSP_SCHEDULE_DELAY", "5s"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "-1"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "0"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "1.5"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "big"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "x"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "1e3"),
        ("TRACED_LOG_FORMAT", "xml"),
        ("OTEL_TRACES_EXPORTER", "zipkin"),
        ("TRACED_RESOURCE_DETECTORS", "gcp"),
        ("OTEL_LOGS_EXPORTER", "zipkin"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "-5"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "0"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "lots"),
        ("OTEL_BLRP_EXPORT_TIMEOUT", "0"),
        ("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"),
        ("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "x"),
        ("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "spans"),
        ("TRACED_LOG_SPAN_FIELDS", "yes"),
        ("TRACED_LOG_XRAY", "on"),
    ];
    for (var, value) in cases {
        let settings = assert_one_warning(var, value).settings;
        assert_eq!(settings, default, "{var}={value}");
    }
}

#[test]
fn log_filter_precedence() {
    let env = [("RUST_LOG", "debug")];
    let filter = |config: Config| resolve(&env, config).settings.log_filter;
    assert_eq!(filter(Config::new().log_filter("warn")), "warn");
    assert_eq!(filter(Config::new().log_filter("  ")), "debug");
    assert_eq!(filter(Config::new()), "debug");
    assert_eq!(resolve(&[], Config::new()).settings.log_filter, "info");
}

#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

#[test]
fn a_custom_exporter_is_passed_through() {
    let config = Config::new().with_exporter(Discard);
    assert!(format!("{config:?}").contains("custom_exporters: ["));
    let resolved = resolve(&[], config);
    assert_eq!(resolved.custom_exporters.len(), 1);
    assert!(resolved.settings.exporters.is_empty(), "the only exporter");
}

#[test]
fn non_utf8_values_are_reported_without_echo() {
    let resolved = resolve(&[("OTEL_EXPORTER_OTLP_HEADERS", "\u{FFFD}")], Config::new());
    assert!(
        resolved.warnings.is_empty(),
        "not read for the console exporter"
    );
    let env = [("OTEL_SERVICE_NAME", "a\u{FFFD}b")];
    let resolved = resolve(&env, Config::new());
    assert_eq!(resolved.settings.service_name(), "pkg");
    assert_eq!(
        resolved.warnings,
        ["ignoring OTEL_SERVICE_NAME: the value is not valid UTF-8"]
    );
}

/// A cheap stand-in for the fuzzing to come: hostile values in every variable never panic and
/// give at most one warning each.
#[test]
fn hostile_values_never_panic() {
    let vars = [
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_PROPAGATORS",
        "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_BSP_EXPORT_TIMEOUT",
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
        "TRACED_LOG_FORMAT",
        "RUST_LOG",
        "TRACED_SPAN_FILTER",
        "TRACED_RESOURCE_DETECTORS",
        "OTEL_LOGS_EXPORTER",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
        "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
        "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
        "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
        "OTEL_BLRP_SCHEDULE_DELAY",
        "OTEL_BLRP_MAX_QUEUE_SIZE",
        "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_BLRP_EXPORT_TIMEOUT",
        "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN",
        "TRACED_LOG_SPAN_FIELDS",
        "TRACED_LOG_XRAY",
    ];
    let long = "%,=".repeat(50_000);
    let values = [
        "%",
        "%%%",
        "=",
        ",",
        ",,=,",
        "\0",
        "\r\n",
        "é",
        "\u{FFFD}",
        "http://[",
        "http://@",
        "https://:",
        "1e309",
        "-0",
        "18446744073709551616",
        "💥=💥",
        &long,
    ];
    for var in vars {
        for value in values {
            let env = [
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_EXPORTER", "otlp"),
                ("OTEL_LOGS_EXPORTER", "otlp"),
                (var, value),
            ];
            let resolved = resolve(&env, Config::new());
            assert!(
                resolved.warnings.len() <= 1,
                "{var}: {:?}",
                resolved.warnings
            );
            assert!(resolved.warnings.iter().all(|w| w.len() < 1_000), "{var}");
            assert!(!resolved.settings.summary().contains('\n'), "{var}");
        }
    }
}
