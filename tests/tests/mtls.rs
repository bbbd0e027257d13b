//! mTLS end to end: `fault_app` exports over `https://` to a receiver behind a TLS front that
//! requires a client certificate (certificates made in the test, see `traced_tests::mtls`).
//!
//! - The CA, the client certificate and its key set (`OTEL_EXPORTER_OTLP_CERTIFICATE`,
//!   `…_CLIENT_CERTIFICATE`, `…_CLIENT_KEY`): every span arrives once; the `…_TRACES_…`
//!   variables win over the general ones.
//! - Without the client certificate, or trusting another CA than the server's: nothing
//!   arrives, the spans are counted as failed, one warning says the export failed, and the app
//!   exits 0.
//!
//! Needs traced's `tls` feature, through this crate's:
//! `cargo test -p traced-tests --features tls --test mtls`.

#![cfg(feature = "tls")]

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::fault::{serial, stats};
use traced_tests::mtls::{Pki, TlsFront};
use traced_tests::{App, Output, Receiver};

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
const DEADLINE: Duration = Duration::from_secs(60);
const SPANS: u64 = 50;

/// Runs `fault_app spans SPANS` against `front` with these variables set to these PEM files.
fn run(pki: &Pki, front: &TlsFront, files: &[(&str, &str)]) -> Output {
    let mut app = App::new(FAULT_APP)
        .args(["spans", &SPANS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", front.endpoint());
    for (variable, file) in files {
        app = app.env(variable, pki.file(file));
    }
    let output = app.run(DEADLINE);
    output.assert_success();
    output
}

const MTLS: [(&str, &str); 3] = [
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", "ca.pem"),
    ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "client.pem"),
    ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "client-key.pem"),
];

fn assert_every_span_arrived_once(receiver: &Receiver, front: &TlsFront, output: &Output) {
    let spans = receiver.spans();
    let indexes: BTreeSet<i64> = spans
        .iter()
        .filter_map(|s| s.attr("i").and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(spans.len() as u64, SPANS, "{}", output.dump());
    assert_eq!(indexes, (0..SPANS as i64).collect(), "missing span indexes");
    assert_eq!(stats(output), (SPANS, 0, 0), "{}", output.dump());
    assert!(front.accepted() >= 1, "no TLS handshake");
    assert_eq!(front.failed(), 0, "a handshake failed\n{}", output.dump());
}

/// Nothing reached the receiver, every span failed, one warning says the export failed (and
/// contains `reason`, if given), exit 0 (checked by `run`).
fn assert_refused_over_tls(
    receiver: &Receiver,
    front: &TlsFront,
    output: &Output,
    reason: Option<&str>,
) {
    assert!(
        receiver.requests().is_empty(),
        "{:#?}\n{}",
        receiver.requests(),
        output.dump()
    );
    assert_eq!(front.accepted(), 0, "a handshake succeeded");
    assert!(front.failed() >= 1, "no handshake attempted");
    assert_eq!(stats(output), (0, SPANS, 0), "{}", output.dump());
    let warnings: Vec<serde_json::Value> = output
        .json_logs()
        .into_iter()
        .filter(|l| matches!(l["level"].as_str(), Some("WARN" | "ERROR")))
        // The shutdown's summary of the counts, checked above.
        .filter(|l| {
            !l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("tracing shut down"))
        })
        .collect();
    assert_eq!(warnings.len(), 1, "one warning\n{}", output.dump());
    let message = warnings[0]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("span export failed"), "{message}");
    if let Some(reason) = reason {
        assert!(message.contains(reason), "{message}");
    }
}

#[test]
fn with_the_ca_and_the_client_certificate_every_span_arrives() {
    let _serial = serial();
    let pki = Pki::new();
    let receiver = Receiver::start();
    let front = TlsFront::start(&pki, &receiver);
    let output = run(&pki, &front, &MTLS);
    assert_every_span_arrived_once(&receiver, &front, &output);
}

#[test]
fn the_traces_variables_win_over_the_general_ones() {
    let _serial = serial();
    let pki = Pki::new();
    let receiver = Receiver::start();
    let front = TlsFront::start(&pki, &receiver);
    // The general variables alone would fail: the wrong CA, no usable client identity.
    let output = run(
        &pki,
        &front,
        &[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "other-ca.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "other-ca.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "ca.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "ca.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "client.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "client-key.pem"),
        ],
    );
    assert_every_span_arrived_once(&receiver, &front, &output);
}

#[test]
fn without_the_client_certificate_nothing_arrives_and_one_warning_says_so() {
    let _serial = serial();
    let pki = Pki::new();
    let receiver = Receiver::start();
    let front = TlsFront::start(&pki, &receiver);
    let output = run(&pki, &front, &MTLS[..1]);
    // No reason is checked: in TLS 1.3 the server judges the client's certificate after the
    // client has finished its handshake and sent its request, and when the server's close
    // overtakes its alert the client sees a broken connection, not the alert.
    assert_refused_over_tls(&receiver, &front, &output, None);
}

#[test]
fn trusting_another_ca_than_the_server_s_nothing_arrives_and_one_warning_says_so() {
    let _serial = serial();
    let pki = Pki::new();
    let receiver = Receiver::start();
    let front = TlsFront::start(&pki, &receiver);
    let output = run(
        &pki,
        &front,
        &[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "other-ca.pem"),
            MTLS[1],
            MTLS[2],
        ],
    );
    // The client rejects the server's certificate itself: the reason is certain.
    assert_refused_over_tls(&receiver, &front, &output, Some("TLS failed"));
}
