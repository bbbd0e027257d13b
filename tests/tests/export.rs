//! OTLP export end to end: the `e2e_app` binary pointed at a
//! real receiver; what arrives is checked against what the binary created, and its JSON log
//! lines against the exported ids.

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use traced_tests::{App, AttrValue, Output, ReceivedSpan, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

fn run_basic(receiver: &Receiver) -> Output {
    let output = App::new(env!("CARGO_BIN_EXE_e2e_app"))
        .args(["basic"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    output
}

/// The one span with this name.
fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(found.len(), 1, "spans named {name:?}: {spans:#?}");
    found[0]
}

/// The span's attributes minus the `code.*` ones the runtime may add on its own.
fn user_attrs(span: &ReceivedSpan) -> BTreeMap<String, AttrValue> {
    let mut attrs = span.attrs();
    attrs.retain(|k, _| !k.starts_with("code."));
    attrs
}

fn expected(pairs: &[(&str, AttrValue)]) -> BTreeMap<String, AttrValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn spans_arrive_with_resource_scope_links_kinds_and_typed_attributes() {
    let receiver = Receiver::start();
    let output = run_basic(&receiver);
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    assert_eq!(spans.len(), 3, "{spans:#?}\n{}", output.dump());

    for span in &spans {
        assert_eq!(span.service_name(), Some("e2e-app"), "{span:#?}");
        assert_eq!(
            span.resource_attr("service.version"),
            Some(&AttrValue::Str("1.2.3".into())),
            "{span:#?}"
        );
        assert_eq!(span.scope_name, "traced");
        assert!(is_hex(&span.trace_id(), 32), "{span:#?}");
        assert!(is_hex(&span.span_id(), 16), "{span:#?}");
        assert_ne!(span.trace_id(), "0".repeat(32));
        assert_ne!(span.span_id(), "0".repeat(16));
        assert!(span.span.start_time_unix_nano > 0, "{span:#?}");
        assert!(
            span.span.end_time_unix_nano >= span.span.start_time_unix_nano,
            "{span:#?}"
        );
    }

    let root = named(&spans, "e2e.request");
    let child = named(&spans, "e2e.load");
    let grandchild = named(&spans, "e2e.fetch");
    assert_eq!(root.parent_span_id(), "");
    assert_eq!(child.parent_span_id(), root.span_id());
    assert_eq!(grandchild.parent_span_id(), child.span_id());
    assert_eq!(child.trace_id(), root.trace_id());
    assert_eq!(grandchild.trace_id(), root.trace_id());
    let ids: std::collections::BTreeSet<_> = spans.iter().map(ReceivedSpan::span_id).collect();
    assert_eq!(ids.len(), 3);

    assert_eq!(root.kind(), SpanKind::Server);
    assert_eq!(child.kind(), SpanKind::Internal);
    assert_eq!(grandchild.kind(), SpanKind::Internal);

    assert_eq!(
        user_attrs(root),
        expected(&[
            ("http.route", AttrValue::Str("/orders".into())),
            ("order.count", AttrValue::Int(42)),
            ("order.paid", AttrValue::Bool(true)),
            ("order.total", AttrValue::Double(12.5)),
            ("order.big", AttrValue::Str(u64::MAX.to_string())),
        ])
    );
    assert_eq!(
        user_attrs(child),
        expected(&[
            ("db.table", AttrValue::Str("orders".into())),
            ("db.rows", AttrValue::Int(7)),
        ])
    );
    assert_eq!(
        user_attrs(grandchild),
        expected(&[("attempt", AttrValue::Int(1))])
    );

    // The children ran inside their parents.
    assert!(child.span.start_time_unix_nano >= root.span.start_time_unix_nano);
    assert!(child.span.end_time_unix_nano <= root.span.end_time_unix_nano);
    assert!(grandchild.span.start_time_unix_nano >= child.span.start_time_unix_nano);
    assert!(grandchild.span.end_time_unix_nano <= child.span.end_time_unix_nano);

    for request in receiver.requests() {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/traces");
        assert_eq!(
            request.header("content-type"),
            Some("application/x-protobuf")
        );
        assert_eq!(request.decode_error, None);
    }
}

#[test]
fn log_lines_are_json_and_carry_the_ids_of_the_exported_spans() {
    let receiver = Receiver::start();
    let output = run_basic(&receiver);
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    assert_eq!(spans.len(), 3, "{spans:#?}\n{}", output.dump());

    let logs = output.json_logs();
    assert!(!logs.is_empty(), "{}", output.dump());
    for line in &logs {
        let text = line.to_string();
        let timestamp = line["timestamp"]
            .as_str()
            .unwrap_or_else(|| panic!("timestamp: {text}"));
        // RFC 3339 UTC with microseconds: 2025-01-02T03:04:05.123456Z
        assert_eq!(timestamp.len(), 27, "{text}");
        assert!(
            timestamp.ends_with('Z') && &timestamp[10..11] == "T",
            "{text}"
        );
        let level = line["level"].as_str().unwrap_or_default();
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level),
            "{text}"
        );
        assert_eq!(line["service"], "e2e-app", "{text}");
        assert!(line["target"].is_string(), "{text}");
        assert!(line["message"].is_string(), "{text}");
        if let Some(id) = line.get("trace_id") {
            assert!(is_hex(id.as_str().unwrap_or_default(), 32), "{text}");
        }
        if let Some(id) = line.get("span_id") {
            assert!(is_hex(id.as_str().unwrap_or_default(), 16), "{text}");
        }
    }

    for (scope, span_name) in [
        ("root", "e2e.request"),
        ("child", "e2e.load"),
        ("grandchild", "e2e.fetch"),
    ] {
        let lines = output.logs_where("scope", scope);
        assert_eq!(
            lines.len(),
            1,
            "lines with scope={scope}\n{}",
            output.dump()
        );
        let span = named(&spans, span_name);
        assert_eq!(lines[0]["trace_id"], span.trace_id().as_str(), "{scope}");
        assert_eq!(lines[0]["span_id"], span.span_id().as_str(), "{scope}");
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["message"], format!("in {scope}").as_str());
    }
    let outside = output.logs_where("scope", "outside");
    assert_eq!(outside.len(), 1, "{}", output.dump());
    assert_eq!(outside[0].get("trace_id"), None, "{}", outside[0]);
    assert_eq!(outside[0].get("span_id"), None, "{}", outside[0]);

    let startup: Vec<_> = logs
        .iter()
        // The line listing the effective configuration, whatever words precede the list.
        .filter(|l| l["target"] == "traced")
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains(" exporter="))
        })
        .collect();
    assert_eq!(startup.len(), 1, "startup lines\n{}", output.dump());
    assert_eq!(startup[0]["level"], "INFO");
    let message = startup[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("service.name=\"e2e-app\""), "{message}");
    assert!(message.contains("exporter=otlp"), "{message}");
    assert!(message.contains(&receiver.endpoint()), "{message}");
}

#[test]
fn traces_endpoint_is_used_as_is_and_the_base_endpoint_gets_v1_traces() {
    for (variable, suffix, path) in [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "/custom/ingest",
            "/custom/ingest",
        ),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "/base/", "/base/v1/traces"),
    ] {
        let receiver = Receiver::start();
        let output = App::new(env!("CARGO_BIN_EXE_e2e_app"))
            .args(["basic"])
            .env(variable, format!("{}{suffix}", receiver.endpoint()))
            .run(DEADLINE);
        output.assert_success();
        assert_eq!(
            receiver.wait_for_spans(3, ARRIVAL).len(),
            3,
            "{}",
            output.dump()
        );
        for request in receiver.requests() {
            assert_eq!(request.path, path, "{variable}={suffix}");
        }
    }
}

#[test]
fn the_resource_carries_sdk_detected_and_user_attributes_with_their_types() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_e2e_app"))
        .args(["basic"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("AWS_LAMBDA_FUNCTION_NAME", "e2e-fn")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/e2e-fn")
        .env("AWS_REGION", "eu-west-1")
        .env("OTEL_RESOURCE_ATTRIBUTES", "cloud.region=eu-central-1")
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    let span = spans.first().expect("a span");
    let attr = |key| span.resource_attr(key);
    let str = |value: &str| Some(AttrValue::Str(value.to_owned()));
    assert_eq!(attr("telemetry.sdk.name").cloned(), str("traced"));
    assert_eq!(attr("telemetry.sdk.language").cloned(), str("rust"));
    assert!(attr("telemetry.sdk.version").is_some(), "{span:#?}");
    assert!(
        matches!(attr("service.instance.id"), Some(AttrValue::Str(id)) if id.len() == 36),
        "{span:#?}"
    );
    assert!(
        matches!(attr("process.pid"), Some(AttrValue::Int(pid)) if *pid > 0),
        "{span:#?}"
    );
    assert_eq!(attr("cloud.platform").cloned(), str("aws_lambda"));
    assert_eq!(
        attr("cloud.region").cloned(),
        str("eu-central-1"),
        "the user's wins"
    );
    assert_eq!(
        attr("faas.max_memory"),
        Some(&AttrValue::Int(128 * 1024 * 1024))
    );
    assert_eq!(
        attr("aws.log.group.names"),
        Some(&AttrValue::Array(vec![AttrValue::Str(
            "/aws/lambda/e2e-fn".into()
        )]))
    );
}
