//! Tests of `tls.rs`: precedence, the pair rule, and the endpoint and feature checks.

use super::*;
use crate::config::env::tests::lookup;
use crate::config::signal::{LOGS, TRACES};
#[cfg(feature = "tls")]
use crate::config::{Config, ServiceDefaults};

#[cfg(feature = "tls")]
const HTTPS: &str = "https://collector:4318/v1/traces";

fn resolve(pairs: &[(&str, &str)], code: CodeTls, endpoint: &str) -> (TlsFiles, Vec<String>) {
    resolve_for(&TRACES, pairs, code, endpoint)
}

fn resolve_for(
    signal: &Signal,
    pairs: &[(&str, &str)],
    code: CodeTls,
    endpoint: &str,
) -> (TlsFiles, Vec<String>) {
    let lookup = lookup(pairs);
    let mut env = Env::new(&lookup);
    let files = resolve_tls(&mut env, signal, code, endpoint);
    (files, env.warnings)
}

#[cfg(feature = "tls")]
fn file(path: &str, source: &str) -> PemFile {
    PemFile {
        path: PathBuf::from(path),
        source: source.to_owned(),
    }
}

#[cfg(feature = "tls")]
#[test]
fn signal_specific_variables_win_and_code_wins_over_both() {
    let env = [
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/general/ca.pem"),
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/traces/ca.pem"),
        (
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
            "/general/client.pem",
        ),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/traces/key.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/general/key.pem"),
    ];
    let (files, warnings) = resolve(&env, CodeTls::default(), HTTPS);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        files,
        TlsFiles {
            certificate: Some(file(
                "/traces/ca.pem",
                "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"
            )),
            client: Some(ClientIdentity {
                certificate: file(
                    "/general/client.pem",
                    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"
                ),
                key: file("/traces/key.pem", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"),
            }),
        }
    );
    let code = CodeTls {
        certificate: Some(PathBuf::from("/code/ca.pem")),
        ..CodeTls::default()
    };
    let (files, _) = resolve(&env, code, HTTPS);
    assert_eq!(
        files.certificate,
        Some(file("/code/ca.pem", "Config::otlp_certificate"))
    );
}

#[cfg(feature = "tls")]
#[test]
fn the_logs_read_their_own_variables_then_the_general_ones() {
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/traces/ca.pem"),
        ("OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", "/logs/ca.pem"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/general/ca.pem"),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/traces/key.pem"),
        (
            "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
            "/logs/client.pem",
        ),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/general/key.pem"),
    ];
    let logs = "https://collector:4318/v1/logs";
    let (files, warnings) = resolve_for(&LOGS, &env, CodeTls::default(), logs);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        files,
        TlsFiles {
            certificate: Some(file("/logs/ca.pem", "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE")),
            client: Some(ClientIdentity {
                certificate: file(
                    "/logs/client.pem",
                    "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE"
                ),
                key: file("/general/key.pem", "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
            }),
        }
    );
}

#[test]
fn files_for_an_http_logs_endpoint_name_the_logs_variables() {
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/traces/ca.pem"),
        ("OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", "/logs/ca.pem"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/general/ca.pem"),
    ];
    let (files, warnings) = resolve_for(&LOGS, &env, CodeTls::default(), "http://c/v1/logs");
    assert_eq!(files, TlsFiles::default());
    assert_eq!(
        warnings,
        [
            "ignoring OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: the OTLP logs endpoint is `http://`, \
             and TLS files apply to `https://` only"
        ]
    );
}

#[cfg(feature = "tls")]
#[test]
fn a_client_key_without_its_certificate_is_one_warning_and_no_identity() {
    let env = [("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem")];
    let (files, warnings) = resolve(&env, CodeTls::default(), HTTPS);
    assert_eq!(files.client, None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .starts_with("ignoring OTEL_EXPORTER_OTLP_CLIENT_KEY: mTLS needs its certificate"),
        "{warnings:?}"
    );
    let code = CodeTls {
        client_certificate: Some(PathBuf::from("/c.pem")),
        ..CodeTls::default()
    };
    let (files, warnings) = resolve(&[], code, HTTPS);
    assert_eq!(files.client, None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("ignoring Config::otlp_client_certificate: mTLS needs its key"),
        "{warnings:?}"
    );
}

#[test]
fn files_for_an_http_endpoint_are_one_warning_naming_them() {
    let env = [
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/k.pem"),
    ];
    let (files, warnings) = resolve(&env, CodeTls::default(), "http://c:4318/v1/traces");
    assert_eq!(files, TlsFiles::default());
    assert_eq!(
        warnings,
        [
            "ignoring OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: the OTLP \
          traces endpoint is `http://`, and TLS files apply to `https://` only"
        ]
    );
    let (_, warnings) = resolve(&[], CodeTls::default(), "http://c:4318/v1/traces");
    assert!(warnings.is_empty());
}

#[cfg(not(feature = "tls"))]
#[test]
fn an_https_endpoint_without_the_tls_feature_is_one_warning() {
    let env = [("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem")];
    let (files, warnings) = resolve(&env, CodeTls::default(), "HTTPS://c/v1/traces");
    assert_eq!(files, TlsFiles::default());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("without its `tls` feature")
            && warnings[0].ends_with("; ignoring OTEL_EXPORTER_OTLP_CERTIFICATE"),
        "{warnings:?}"
    );
}

#[cfg(feature = "tls")]
#[test]
fn the_startup_line_lists_the_paths() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/key.pem"),
    ];
    let lookup = lookup(&env);
    let machine = crate::resource::Machine::empty();
    let resolved = Config::new().resolve(&lookup, &machine, ServiceDefaults::default());
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    let line = resolved.settings.summary();
    assert!(
        line.contains(
            " timeout=10000ms certificate=\"/etc/ca.pem\" \
             client_certificate=\"/etc/client.pem\" client_key=\"/etc/key.pem\" sampler="
        ),
        "{line}"
    );
    // The general endpoint turns OTLP logs on, with the same files.
    assert!(
        line.ends_with(
            " logs.timeout=10000ms logs.certificate=\"/etc/ca.pem\" \
             logs.client_certificate=\"/etc/client.pem\" logs.client_key=\"/etc/key.pem\""
        ),
        "{line}"
    );
}
