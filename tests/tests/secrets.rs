//! Secrets (README, Guarantees, "Secrets"): end to end, in `#[traced_service]` child
//! processes exporting to a real receiver.
//!
//! - Secret-named arguments (`password`, `token`, `api_key`, `authorization`, `cookie`,
//!   `session`) are never exported unless listed in `fields`, and their values appear nowhere.
//! - `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS` values and endpoint
//!   credentials never appear on stdout or in any log line (the startup line masks them), while
//!   the header still reaches the collector; an error answer echoing the secret is not logged.
//!
//! The in-memory variants (every secret-looking name) are in `macros_semantics.rs`; URL
//! redaction and the propagation allow-list in `http_client.rs` and `services.rs`.

use std::time::Duration;

use traced_tests::{App, Output, Receiver, Reply};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

/// The values `hostile_app secrets` passes as secret-named arguments (`api_key`'s is listed).
const UNLISTED: [&str; 5] = [
    "hunter2-password",
    "tok-123-token",
    "Bearer auth-789",
    "sid=cookie-000",
    "session-abc",
];
const LISTED: &str = "key-456-api";

/// Fails if `secret` appears in stdout or stderr.
#[track_caller]
fn assert_absent(output: &Output, secret: &str) {
    for line in output.stdout.iter().chain(&output.stderr) {
        assert!(
            !line.text.contains(secret),
            "{secret:?} leaked: {:?}\n{}",
            line.text,
            output.dump()
        );
    }
}

/// The `tracing started: …` line.
#[track_caller]
fn startup_line(output: &Output) -> String {
    output
        .json_logs()
        .iter()
        .filter_map(|l| l["message"].as_str())
        .find(|m| m.starts_with("tracing started"))
        .unwrap_or_else(|| panic!("no startup line\n{}", output.dump()))
        .to_owned()
}

#[test]
fn secret_named_arguments_are_exported_only_when_listed_in_fields() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["secrets"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(1, ARRIVAL);
    let span = spans
        .iter()
        .find(|s| s.name() == "login")
        .unwrap_or_else(|| panic!("{spans:#?}\n{}", output.dump()));
    let mut keys: Vec<String> = span
        .attrs()
        .into_keys()
        .filter(|k| !k.starts_with("code."))
        .collect();
    keys.sort();
    assert_eq!(keys, ["api_key", "user"], "{span:#?}");
    assert_eq!(
        span.attr("api_key")
            .and_then(|v| v.as_str().map(str::to_owned)),
        Some(LISTED.to_owned())
    );
    let everything = format!("{spans:?}");
    for secret in UNLISTED {
        assert!(!everything.contains(secret), "{secret:?} exported");
        assert_absent(&output, secret);
    }
}

#[test]
fn otlp_header_values_never_appear_in_logs_or_stdout_but_reach_the_collector() {
    for variable in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ] {
        let receiver = Receiver::start();
        let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
            .args(["quiet"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env(
                variable,
                "authorization=Bearer%20s3cr3t,x-api-key=k3y-v4lue",
            )
            .run(DEADLINE);
        output.assert_success();
        let requests = receiver.wait_for_requests(1, ARRIVAL);
        assert!(!requests.is_empty(), "{variable}\n{}", output.dump());
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer s3cr3t"),
            "{variable}: the header is configured and sent"
        );
        assert_eq!(requests[0].header("x-api-key"), Some("k3y-v4lue"));
        let startup = startup_line(&output);
        assert!(
            startup.contains("headers=[authorization=***,x-api-key=***]"),
            "{variable}: {startup}"
        );
        for secret in ["s3cr3t", "Bearer", "k3y-v4lue"] {
            assert_absent(&output, secret);
        }
    }
}

#[test]
fn export_errors_and_endpoint_credentials_never_leak() {
    // The collector refuses with a body that echoes the credentials it was sent.
    let receiver = Receiver::start();
    receiver.script([Reply::status(401).body("invalid token: Bearer s3cr3t for user:pw-s3cr3t")]);
    let endpoint = receiver
        .endpoint()
        .replacen("http://", "http://user:pw-s3cr3t@", 1);
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["quiet"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20s3cr3t",
        )
        .run(DEADLINE);
    output.assert_success();
    assert_eq!(receiver.requests().len(), 1, "401 is not retried");
    let startup = startup_line(&output);
    assert!(
        startup.contains("endpoint=http://***@127.0.0.1:"),
        "{startup}"
    );
    assert!(
        output
            .json_logs()
            .iter()
            .any(|l| l["level"] == "WARN" && l["failed"] == 1),
        "the failure is reported\n{}",
        output.dump()
    );
    for secret in ["s3cr3t", "invalid token", "Bearer"] {
        assert_absent(&output, secret);
    }

    // Connection refused, with credentials in the endpoint: the error names no secret either.
    let refused = traced_tests::refused_endpoint().replacen("http://", "http://user:pw-s3cr3t@", 1);
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["quiet"])
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &refused)
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "authorization=Bearer%20s3cr3t",
        )
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")
        .run(DEADLINE);
    output.assert_success();
    assert_absent(&output, "s3cr3t");
}

/// The text columns of hex dumps (`7365 6b72 …  sekr`), joined: a value cut across two dump
/// lines is whole again here.
fn hex_dump_text(output: &Output) -> String {
    output
        .json_logs()
        .iter()
        .filter_map(|l| l["message"].as_str())
        .filter_map(|m| {
            let (hex, text) = m.split_once("  ")?;
            let is_dump = hex.split(' ').all(|group| {
                group.len() == 4 && group.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            });
            is_dump.then(|| text.to_owned())
        })
        .collect()
}

#[test]
fn otlp_header_values_never_appear_even_at_trace_level() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["quiet"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k3y-v4lue")
        .env("RUST_LOG", "trace")
        .run(DEADLINE);
    output.assert_success();
    let requests = receiver.wait_for_requests(1, ARRIVAL);
    assert_eq!(requests[0].header("x-api-key"), Some("k3y-v4lue"));
    assert_absent(&output, "k3y-v4lue");
    let dumped = hex_dump_text(&output);
    assert!(
        !dumped.contains("k3y-v4lue"),
        "the header value is in a hex dump of the request: {dumped:?}"
    );
}
