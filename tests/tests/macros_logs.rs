//! Logs emitted at each level of nesting of traced fns carry that level's ids (README, Logs):
//! the `macro_logs` binary runs nested `#[root_span]` / `#[child_span]` fns in
//! a `#[traced_service]` and exports to a real OTLP receiver; each JSON log line's `trace_id` /
//! `span_id` must be those of the span exported for the fn it was emitted in, and the exported
//! spans must have the right parents. Also: a panic through traced fns in a service.

use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use traced_tests::{App, AttrValue, Output, ReceivedSpan, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

fn run(receiver: &Receiver, scenario: &str) -> Output {
    App::new(env!("CARGO_BIN_EXE_macro_logs"))
        .args([scenario])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE)
}

#[track_caller]
fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(found.len(), 1, "spans named {name:?}: {spans:#?}");
    found[0]
}

/// The JSON lines on stderr (a panic also prints the standard hook's plain-text message).
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    output
        .stderr
        .iter()
        .filter(|l| l.text.starts_with('{'))
        .map(|l| serde_json::from_str(&l.text).unwrap_or_else(|e| panic!("{e}: {}", l.text)))
        .collect()
}

/// The one line whose `scope` field is `scope`.
#[track_caller]
fn line<'a>(lines: &'a [serde_json::Value], scope: &str, output: &Output) -> &'a serde_json::Value {
    let found: Vec<_> = lines.iter().filter(|l| l["scope"] == scope).collect();
    assert_eq!(
        found.len(),
        1,
        "lines with scope={scope:?}\n{}",
        output.dump()
    );
    found[0]
}

#[track_caller]
fn assert_ids(line: &serde_json::Value, span: &ReceivedSpan, scope: &str) {
    assert_eq!(
        (line["trace_id"].as_str(), line["span_id"].as_str()),
        (
            Some(span.trace_id().as_str()),
            Some(span.span_id().as_str())
        ),
        "the line with scope={scope:?} should carry the ids of span {:?}: {line}",
        span.name()
    );
}

#[test]
fn logs_at_each_level_of_nesting_carry_that_levels_ids() {
    let receiver = Receiver::start();
    let output = run(&receiver, "nested");
    output.assert_success();
    let spans = receiver.wait_for_spans(6, ARRIVAL);
    assert_eq!(spans.len(), 6, "{spans:#?}\n{}", output.dump());

    let root = named(&spans, "handle_request");
    let child = named(&spans, "load");
    let grandchild = named(&spans, "fetch");
    let inner_root = named(&spans, "audit");
    let sync_root = named(&spans, "sync_job");
    let sync_child = named(&spans, "sync_step");

    // Parents and traces, as exported.
    assert_eq!(root.parent_span_id(), "");
    assert_eq!(root.kind(), SpanKind::Server);
    assert_eq!(child.parent_span_id(), root.span_id());
    assert_eq!(child.trace_id(), root.trace_id());
    assert_eq!(grandchild.parent_span_id(), child.span_id());
    assert_eq!(grandchild.trace_id(), root.trace_id());
    assert_eq!(grandchild.kind(), SpanKind::Client);
    assert_eq!(inner_root.parent_span_id(), "");
    assert_ne!(inner_root.trace_id(), root.trace_id());
    assert_eq!(sync_root.parent_span_id(), "");
    assert_ne!(sync_root.trace_id(), root.trace_id());
    assert_eq!(sync_child.parent_span_id(), sync_root.span_id());
    assert_eq!(sync_child.trace_id(), sync_root.trace_id());
    for span in &spans {
        assert_eq!(span.service_name(), Some("macro-logs"));
        assert!(
            matches!(span.attr("code.function.name"), Some(AttrValue::Str(ref f)) if f.ends_with(span.name())),
            "{span:#?}"
        );
    }
    assert_eq!(root.attr("order"), Some(AttrValue::Int(7)));
    assert_eq!(sync_child.attr("batch"), Some(AttrValue::Int(3)));

    // Each line carries the ids of the span it was emitted in.
    let lines = json_lines(&output);
    for (scope, span, level) in [
        ("root", root, "INFO"),
        ("root.after", root, "INFO"),
        ("child", child, "INFO"),
        ("child.after", child, "WARN"),
        ("grandchild", grandchild, "INFO"),
        ("grandchild.after", grandchild, "ERROR"),
        ("spawned", grandchild, "INFO"),
        ("inner root", inner_root, "INFO"),
        ("sync.root", sync_root, "INFO"),
        ("sync.root.after", sync_root, "INFO"),
        ("sync.child", sync_child, "WARN"),
    ] {
        let line = line(&lines, scope, &output);
        assert_ids(line, span, scope);
        assert_eq!(line["level"], level, "{line}");
        assert_eq!(line["service"], "macro-logs", "{line}");
    }
    for scope in ["outside", "outside.after"] {
        let line = line(&lines, scope, &output);
        assert_eq!(line.get("trace_id"), None, "{line}");
        assert_eq!(line.get("span_id"), None, "{line}");
    }
}

#[test]
fn a_panic_through_traced_fns_in_a_service_is_recorded_and_the_service_goes_on() {
    let receiver = Receiver::start();
    let output = run(&receiver, "panic");
    output.assert_success();
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    assert_eq!(spans.len(), 3, "{spans:#?}\n{}", output.dump());

    let root = named(&spans, "crashing_root");
    let child = named(&spans, "crashing_child");
    let recovered = named(&spans, "recovered");
    assert_eq!(child.parent_span_id(), root.span_id());
    // Both fail; the panic is one exception, whose span event is on the span it started in.
    for (span, events) in [(root, 0), (child, 1)] {
        let status = span.status().expect("a status");
        assert_eq!(status.code(), StatusCode::Error, "{span:#?}");
        assert_eq!(status.message, "kaboom in child 1", "{span:#?}");
        let exceptions: Vec<_> = span
            .span
            .events
            .iter()
            .filter(|e| e.name == "exception")
            .collect();
        assert_eq!(exceptions.len(), events, "{span:#?}");
        let Some(exception) = exceptions.first() else {
            continue;
        };
        let attrs = traced_tests::attributes(&exception.attributes);
        assert_eq!(
            attrs.get("exception.message"),
            Some(&AttrValue::Str("kaboom in child 1".to_owned())),
            "{span:#?}"
        );
        assert!(attrs.contains_key("exception.type"), "{span:#?}");
    }
    // The service keeps working: a later span is a fresh root, not in error.
    assert_eq!(recovered.parent_span_id(), "");
    assert_ne!(recovered.trace_id(), root.trace_id());
    assert_ne!(
        recovered.status().map(|s| s.code()),
        Some(StatusCode::Error),
        "{recovered:#?}"
    );

    let lines = json_lines(&output);
    assert_ids(
        line(&lines, "crashing root", &output),
        root,
        "crashing root",
    );
    assert_ids(
        line(&lines, "crashing child", &output),
        child,
        "crashing child",
    );
    assert_ids(line(&lines, "recovered", &output), recovered, "recovered");
    let after = line(&lines, "after panic", &output);
    assert_eq!(after["caught"], true, "{after}");
    assert_eq!(after.get("span_id"), None, "nothing left current: {after}");
    // The panic itself is logged from inside the span it started in.
    let panics: Vec<_> = lines
        .iter()
        .filter(|l| l["level"] == "ERROR")
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("kaboom in child 1"))
        })
        .collect();
    assert_eq!(panics.len(), 1, "{}", output.dump());
    assert_ids(panics[0], child, "the panic line");
    // Caught: not the end of `main`, so not FATAL.
    assert_eq!(panics[0].get("severity"), None, "{}", output.dump());
}
