//! Tests of the logs' exporters and OTLP settings, through `Config::resolve`: the default
//! exporter rule (a general or logs endpoint, never a traces one), the exporter list, the logs
//! endpoint and the signal-specific OTLP variables over the general ones.

use std::time::Duration;

use super::tests::{assert_one_warning, logs, logs_otlp, resolve, settings};
use crate::config::{Compression, Config, ExporterKind};

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
