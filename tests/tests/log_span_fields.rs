//! Span fields and the X-Ray field end to end (README, Logs: "Span fields", "The AWS X-Ray
//! field"): the `macro_logs` binary's nested traced fns, with `TRACED_LOG_SPAN_FIELDS` and
//! `TRACED_LOG_XRAY` set, exporting to a real OTLP receiver. Each JSON line inside the fns
//! carries their argument attributes and the X-Ray form of the ids of the span exported for
//! its level; each log record carries the same span fields.

use std::time::Duration;

use traced_tests::{App, AttrValue, Output, ReceivedSpan, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

fn run(receiver: &Receiver, env: &[(&str, &str)]) -> Output {
    let mut app = App::new(env!("CARGO_BIN_EXE_macro_logs"))
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    for (key, value) in env {
        app = app.env(key, value);
    }
    app.run(DEADLINE)
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    output
        .stderr
        .iter()
        .filter(|l| l.text.starts_with('{'))
        .map(|l| serde_json::from_str(&l.text).unwrap_or_else(|e| panic!("{e}: {}", l.text)))
        .collect()
}

#[track_caller]
fn scoped<'a>(lines: &'a [serde_json::Value], scope: &str) -> &'a serde_json::Value {
    let found: Vec<_> = lines.iter().filter(|l| l["scope"] == scope).collect();
    assert_eq!(found.len(), 1, "lines with scope={scope:?}: {lines:#?}");
    found[0]
}

#[track_caller]
fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(found.len(), 1, "spans named {name:?}: {spans:#?}");
    found[0]
}

/// `1-{first 8 hex digits}-{the other 24}@{span id}`.
fn xray(span: &ReceivedSpan) -> String {
    let trace_id = span.trace_id();
    format!("1-{}-{}@{}", &trace_id[..8], &trace_id[8..], span.span_id())
}

#[test]
fn lines_and_records_carry_the_span_fields_and_lines_the_x_ray_field() {
    let receiver = Receiver::start();
    let output = run(
        &receiver,
        &[
            ("TRACED_LOG_SPAN_FIELDS", "true"),
            ("TRACED_LOG_XRAY", "true"),
        ],
    );
    output.assert_success();
    assert!(
        output
            .stderr
            .iter()
            .any(|l| l.text.contains("logs.span_fields=true logs.xray=true")),
        "the startup line lists both: {}",
        output.dump()
    );
    let spans = receiver.wait_for_spans(6, ARRIVAL);
    assert_eq!(spans.len(), 6, "{spans:#?}\n{}", output.dump());
    let lines = json_lines(&output);

    for (scope, span) in [
        ("root", "handle_request"),
        ("child", "load"),
        ("grandchild", "fetch"),
    ] {
        let line = scoped(&lines, scope);
        let span = named(&spans, span);
        // `order` is an argument of every fn of the request, never a field of these events.
        assert_eq!(line["order"], 7, "{line}");
        assert!(
            line.as_object()
                .is_some_and(|o| !o.keys().any(|k| k.starts_with("code."))),
            "{line}"
        );
        assert_eq!(line["AWS-XRAY-TRACE-ID"], xray(span), "{line}");
    }
    // A root inside a child: its own trace's fields only (none of the request's).
    let line = scoped(&lines, "inner root");
    assert_eq!(line["AWS-XRAY-TRACE-ID"], xray(named(&spans, "audit")));
    let line = scoped(&lines, "sync.root");
    assert_eq!(line["batch"], 3, "{line}");
    for scope in ["outside", "outside.after"] {
        let line = scoped(&lines, scope);
        assert_eq!(line.get("AWS-XRAY-TRACE-ID"), None, "{line}");
        assert_eq!(line.get("order"), None, "{line}");
    }

    // The records: the same span fields, no X-Ray field.
    let logs = receiver.wait_for_logs(lines.len(), ARRIVAL);
    let record = |scope: &str| {
        let found: Vec<_> = logs
            .iter()
            .filter(|r| r.attr("scope") == Some(AttrValue::Str(scope.to_owned())))
            .collect();
        assert_eq!(found.len(), 1, "records with scope={scope:?}: {logs:#?}");
        found[0].clone()
    };
    for scope in ["root", "child", "grandchild"] {
        let record = record(scope);
        assert_eq!(record.attr("order"), Some(AttrValue::Int(7)), "{record:#?}");
        assert_eq!(record.attr("AWS-XRAY-TRACE-ID"), None);
        assert!(!record.attrs().keys().any(|k| k.starts_with("code.")));
    }
    assert_eq!(record("outside").attr("order"), None);
}

#[test]
fn both_are_off_by_default() {
    let receiver = Receiver::start();
    let output = run(&receiver, &[]);
    output.assert_success();
    let lines = json_lines(&output);
    let line = scoped(&lines, "child");
    assert!(line.get("trace_id").is_some(), "{line}");
    assert_eq!(line.get("order"), None, "{line}");
    assert_eq!(line.get("AWS-XRAY-TRACE-ID"), None, "{line}");
    assert!(
        !output
            .stderr
            .iter()
            .any(|l| l.text.contains("span_fields") || l.text.contains("xray")),
        "{}",
        output.dump()
    );
}
