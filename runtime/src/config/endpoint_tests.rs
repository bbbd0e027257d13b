//! Tests of `endpoint.rs`: joining the base endpoint with `v1/traces`, URL validation, exporter
//! choice, headers, timeout (0: no limit), compression and protocol.

use super::*;
use crate::config::env::tests::lookup;
use crate::config::signal::TRACES;

/// The traces' export; the logs' is tested in `logs_tests.rs`.
fn resolve(
    pairs: &[(&str, &str)],
    code: CodeExport,
) -> (Vec<ExporterKind>, Option<OtlpSettings>, Vec<String>) {
    let lookup = lookup(pairs);
    let mut env = Env::new(&lookup);
    let (kinds, otlp) = resolve_export(&mut env, &TRACES, code);
    (kinds, otlp, env.warnings)
}

fn otlp(pairs: &[(&str, &str)]) -> (OtlpSettings, Vec<String>) {
    let mut env = vec![("OTEL_TRACES_EXPORTER", "otlp")];
    env.extend_from_slice(pairs);
    let (kinds, otlp, warnings) = resolve(&env, CodeExport::default());
    assert_eq!(kinds, [ExporterKind::Otlp]);
    (otlp.expect("OTLP settings"), warnings)
}

fn endpoint_of(pairs: &[(&str, &str)]) -> String {
    resolve(pairs, CodeExport::default())
        .1
        .expect("OTLP")
        .endpoint
}

fn header_pairs(otlp: &OtlpSettings) -> Vec<(&str, &str)> {
    otlp.headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn base_endpoint_gets_exactly_one_slash() {
    for (base, expected) in [
        ("http://c:4318", "http://c:4318/v1/traces"),
        ("http://c:4318/", "http://c:4318/v1/traces"),
        ("http://c:4318/base/", "http://c:4318/base/v1/traces"),
        ("http://c:4318/base", "http://c:4318/base/v1/traces"),
        ("https://c//", "https://c/v1/traces"),
    ] {
        assert_eq!(
            endpoint_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", base)]),
            expected,
            "{base}"
        );
    }
}

#[test]
fn traces_endpoint_is_used_as_is_and_wins() {
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4318/custom"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
    ];
    assert_eq!(endpoint_of(&env), "http://t:4318/custom");
    assert_eq!(endpoint_of(&env[..1]), "http://t:4318/custom");
    let bare = [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4318")];
    assert_eq!(endpoint_of(&bare), "http://t:4318");
}

#[test]
fn code_endpoint_wins_and_is_used_as_is() {
    let env = [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://env/v1/traces")];
    let code = CodeExport {
        endpoint: Some("https://code:443/x".to_owned()),
        ..CodeExport::default()
    };
    let (kind, otlp, warnings) = resolve(&env, code);
    assert_eq!(kind, [ExporterKind::Otlp]);
    assert_eq!(otlp.expect("OTLP").endpoint, "https://code:443/x");
    // Without the `tls` feature an `https://` endpoint is reported (see `tls.rs`).
    assert_eq!(
        warnings.len(),
        usize::from(!cfg!(feature = "tls")),
        "{warnings:?}"
    );
}

#[test]
fn url_validation() {
    for good in [
        "http://c",
        "HTTPS://c:443/p?q#f",
        "http://user:pw@c:4318",
        "http://[::1]:4318/v1/traces",
        "http://[::1]",
        "http://10.0.0.1:65535",
    ] {
        assert!(valid_endpoint(good), "{good}");
    }
    for bad in [
        "",
        "c:4318",
        "localhost:4318",
        "ftp://c",
        "http://",
        "http:///path",
        "http://:4318",
        "http://c:port",
        "http://c:",
        "http://c:65536",
        "http://c:+80",
        "http://c d",
        "http://c/\r\nX-Evil: 1",
        "http://[::1",
        "http://[::1]x",
        "http://a:b:c",
        "http://u@",
        "https",
    ] {
        assert!(!valid_endpoint(bad), "{bad}");
    }
}

#[test]
fn invalid_endpoints_are_reported_and_ignored() {
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
    ];
    let (kind, otlp, warnings) = resolve(&env, CodeExport::default());
    assert_eq!(kind, [ExporterKind::Otlp]);
    assert_eq!(otlp.expect("OTLP").endpoint, "http://base:4318/v1/traces");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=\"collector:4318\""));

    // Nothing valid left: as if unset, so the console.
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://user:pw@c")];
    let (kind, otlp, warnings) = resolve(&env, CodeExport::default());
    assert_eq!((kind, otlp), (vec![ExporterKind::Console], None));
    assert!(
        warnings[0].contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
        "{warnings:?}"
    );
    assert!(
        !warnings[0].contains("pw"),
        "credentials echoed: {warnings:?}"
    );

    let code = CodeExport {
        endpoint: Some("nope".to_owned()),
        ..CodeExport::default()
    };
    let (kind, _, warnings) = resolve(&[], code);
    assert_eq!(kind, [ExporterKind::Console]);
    assert!(
        warnings[0].contains("Config::otlp_endpoint"),
        "{warnings:?}"
    );
}

#[test]
fn mask_userinfo_hides_credentials_only() {
    assert_eq!(mask_userinfo("https://u:p@h:1/x@y"), "https://***@h:1/x@y");
    assert_eq!(mask_userinfo("http://h/p"), "http://h/p");
    assert_eq!(mask_userinfo("no scheme@x"), "no scheme@x");
    assert_eq!(
        mask_userinfo("http://u:p@h/v1/traces?token=q-secret"),
        "http://***@h/v1/traces?***"
    );
    assert_eq!(mask_userinfo("http://h/x?k=v"), "http://h/x?***");
}

#[test]
fn exporter_selection() {
    use ExporterKind::{Console, Otlp};
    let kinds = |pairs: &[(&str, &str)]| resolve(pairs, CodeExport::default()).0;
    assert_eq!(kinds(&[]), [Console]);
    assert_eq!(
        kinds(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c")]),
        [Otlp]
    );
    let traces = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c");
    assert_eq!(kinds(&[traces]), [Otlp]);
    assert!(kinds(&[("OTEL_TRACES_EXPORTER", "NONE"), traces]).is_empty());
    assert_eq!(
        kinds(&[("OTEL_TRACES_EXPORTER", "console"), traces]),
        [Console]
    );
    let (kinds, otlp, warnings) =
        resolve(&[("OTEL_TRACES_EXPORTER", "Otlp")], CodeExport::default());
    assert_eq!(kinds, [Otlp]);
    assert_eq!(otlp.expect("OTLP").endpoint, TRACES.default_endpoint);
    assert!(warnings.is_empty());
    let code = CodeExport {
        exporters: Some(vec![ExporterKind::None]),
        ..CodeExport::default()
    };
    assert!(
        resolve(&[("OTEL_TRACES_EXPORTER", "otlp")], code)
            .0
            .is_empty()
    );
    // Exporters given in code are the only ones unless some are named.
    let custom = || CodeExport {
        custom: true,
        ..CodeExport::default()
    };
    assert!(resolve(&[traces], custom()).0.is_empty());
    assert_eq!(
        resolve(&[("OTEL_TRACES_EXPORTER", "otlp")], custom()).0,
        [Otlp]
    );
}

#[test]
fn every_exporter_of_a_list_runs_once_and_unknown_names_are_reported() {
    use ExporterKind::{Console, Otlp};
    let env = [("OTEL_TRACES_EXPORTER", "zipkin, console ,otlp,console")];
    let (kinds, otlp, warnings) = resolve(&env, CodeExport::default());
    assert_eq!(kinds, [Console, Otlp]);
    assert!(otlp.is_some(), "OTLP is in the list");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("OTEL_TRACES_EXPORTER") && warnings[0].contains("\"zipkin\""),
        "{warnings:?}"
    );

    // Only unknown names: as if unset (the default), reported.
    let env = [("OTEL_TRACES_EXPORTER", "jaeger")];
    let (kinds, _, warnings) = resolve(&env, CodeExport::default());
    assert_eq!((kinds, warnings.len()), (vec![Console], 1));

    // `none` beside others is ignored, reported.
    let env = [("OTEL_TRACES_EXPORTER", "none,otlp")];
    let (kinds, _, warnings) = resolve(&env, CodeExport::default());
    assert_eq!(kinds, [Otlp]);
    assert!(warnings[0].contains("`none`"), "{warnings:?}");

    // The same rules in code.
    let code = CodeExport {
        exporters: Some(vec![Otlp, ExporterKind::None, Otlp, Console]),
        ..CodeExport::default()
    };
    let (kinds, _, warnings) = resolve(&[], code);
    assert_eq!(kinds, [Otlp, Console]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

#[test]
fn the_request_size_cap_is_at_most_the_otlp_limit() {
    let code = |bytes| CodeExport {
        exporters: Some(vec![ExporterKind::Otlp]),
        max_body: Some(bytes),
        ..CodeExport::default()
    };
    let (_, otlp, warnings) = resolve(&[], code(1 << 20));
    assert_eq!(otlp.unwrap().max_body, 1 << 20);
    assert!(warnings.is_empty());
    let (_, otlp, warnings) = resolve(&[], code(1 << 30));
    assert_eq!(otlp.unwrap().max_body, crate::otlp::MAX_BODY_LIMIT);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let (_, otlp, _) = resolve(
        &[],
        CodeExport {
            exporters: Some(vec![ExporterKind::Otlp]),
            ..CodeExport::default()
        },
    );
    assert_eq!(otlp.unwrap().max_body, crate::otlp::DEFAULT_MAX_BODY);
}

#[test]
fn defaults_of_the_otlp_settings() {
    let (otlp, warnings) = otlp(&[]);
    assert_eq!(otlp.endpoint, "http://localhost:4318/v1/traces");
    assert!(otlp.headers.is_empty());
    assert_eq!(otlp.timeout, Duration::from_secs(10));
    assert_eq!(otlp.compression, Compression::None);
    assert!(warnings.is_empty());
}

#[test]
fn headers_are_decoded_and_the_traces_variable_wins_as_a_whole() {
    let (settings, warnings) = otlp(&[("OTEL_EXPORTER_OTLP_HEADERS", "a=1, b = x%20y ,a=2")]);
    assert_eq!(header_pairs(&settings), [("a", "2"), ("b", "x y")]);
    assert!(warnings.is_empty());
    let (settings, _) = otlp(&[
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"),
    ]);
    assert_eq!(header_pairs(&settings), [("c", "3")]);
}

#[test]
fn bad_header_entries_are_skipped_and_reported_by_key_only() {
    let value =
        "good=1,Bearer leaked-a,bad key=leaked-b,evil=x%0D%0AX-Evil: leaked-c,k=%zzleaked-d";
    let (settings, warnings) = otlp(&[("OTEL_EXPORTER_OTLP_HEADERS", value)]);
    assert_eq!(header_pairs(&settings), [("good", "1")]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.starts_with("OTEL_EXPORTER_OTLP_HEADERS"),
        "{warning}"
    );
    assert!(
        warning.contains("entry 2") && warning.contains("\"bad key\""),
        "{warning}"
    );
    assert!(
        warning.contains("\"evil\"") && warning.contains("\"k\""),
        "{warning}"
    );
    assert!(!warning.contains("leaked"), "a value was echoed: {warning}");
}

#[test]
fn code_headers_win_per_name_case_insensitively() {
    let code = CodeExport {
        exporters: Some(vec![ExporterKind::Otlp]),
        headers: vec![
            ("X-Key".to_owned(), "code".to_owned()),
            ("bad name".to_owned(), "leaked".to_owned()),
        ],
        ..CodeExport::default()
    };
    let env = [("OTEL_EXPORTER_OTLP_HEADERS", "x-key=env,other=1")];
    let (_, otlp, warnings) = resolve(&env, code);
    let otlp = otlp.expect("OTLP");
    assert_eq!(header_pairs(&otlp), [("x-key", "code"), ("other", "1")]);
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("Config::otlp_header(\"bad name\""),
        "{warnings:?}"
    );
    assert!(!warnings[0].contains("leaked"));
}

#[test]
fn timeouts() {
    let timeout = |pairs: &[(&str, &str)]| otlp(pairs);
    let (s, w) = timeout(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
    assert_eq!((s.timeout, w.len()), (Duration::from_millis(2500), 0));
    let (s, _) = timeout(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
    ]);
    assert_eq!(s.timeout, Duration::from_millis(700));
    let (s, _) = timeout(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "0")]);
    assert_eq!(s.timeout, MAX_DURATION);
    for bad in ["-1", "1.5", "10s", "abc"] {
        let (s, w) = timeout(&[("OTEL_EXPORTER_OTLP_TIMEOUT", bad)]);
        assert_eq!(s.timeout, DEFAULT_TIMEOUT, "{bad}");
        assert_eq!(w.len(), 1, "{bad}");
        assert!(
            w[0].contains("OTEL_EXPORTER_OTLP_TIMEOUT") && w[0].contains(bad),
            "{w:?}"
        );
    }
    let code = |timeout| CodeExport {
        exporters: Some(vec![ExporterKind::Otlp]),
        timeout: Some(timeout),
        ..CodeExport::default()
    };
    let env = [("OTEL_EXPORTER_OTLP_TIMEOUT", "1")];
    let with = |t| resolve(&env, code(t)).1.expect("OTLP").timeout;
    assert_eq!(with(Duration::from_secs(3)), Duration::from_secs(3));
    assert_eq!(with(Duration::ZERO), MAX_DURATION);
    assert_eq!(with(Duration::MAX), MAX_DURATION);
}

#[test]
fn compression() {
    let (s, w) = otlp(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP")]);
    assert_eq!((s.compression, w.len()), (Compression::Gzip, 0));
    let (s, _) = otlp(&[
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
    ]);
    assert_eq!(s.compression, Compression::None);
    let (s, w) = otlp(&[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd")]);
    assert_eq!(s.compression, Compression::None);
    assert!(
        w[0].contains("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=\"zstd\""),
        "{w:?}"
    );
    let code = CodeExport {
        exporters: Some(vec![ExporterKind::Otlp]),
        compression: Some(Compression::Gzip),
        ..CodeExport::default()
    };
    let env = [("OTEL_EXPORTER_OTLP_COMPRESSION", "none")];
    assert_eq!(
        resolve(&env, code).1.expect("OTLP").compression,
        Compression::Gzip
    );
}

#[test]
fn protocol_other_than_http_protobuf_is_reported() {
    let (_, w) = otlp(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/Protobuf")]);
    assert!(w.is_empty());
    for other in ["grpc", "http/json", "carrier-pigeon"] {
        let (_, w) = otlp(&[("OTEL_EXPORTER_OTLP_PROTOCOL", other)]);
        assert_eq!(w.len(), 1, "{other}");
        assert!(w[0].contains("OTEL_EXPORTER_OTLP_PROTOCOL") && w[0].contains(other));
    }
    let (_, w) = otlp(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
    ]);
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn otlp_variables_are_not_read_for_other_exporters() {
    let env = [
        ("OTEL_TRACES_EXPORTER", "console"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "bad"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ];
    let (kind, otlp, warnings) = resolve(&env, CodeExport::default());
    assert_eq!(
        (kind, otlp, warnings.len()),
        (vec![ExporterKind::Console], None, 0)
    );
}
