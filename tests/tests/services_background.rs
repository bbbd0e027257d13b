//! Work no incoming HTTP request starts (README, Examples): the
//! `consumer` binary of `traced-examples` continues (or, with `--link`, links to) the trace
//! each message carries, from its in-process producer or from stdin, with its HTTP call to a
//! downstream service in the same trace; the `job` binary starts one trace per tick. All export
//! to a real OTLP/HTTP receiver.
//!
//! How the binaries are found: `traced_tests::examples::bin` runs
//! `$CARGO build -p traced-examples --bins` once per test process and takes each path from
//! cargo's artifact messages (see `tests/src/examples.rs`).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use traced_tests::peer::Stub;
use traced_tests::traces::{self, in_trace, only, only_where, parent_is_remote, trace_ids};
use traced_tests::{App, AttrValue, Output, ReceivedSpan, Receiver, Running, examples, hex};

/// How long a process may take to start and finish (the first call may build the examples).
const DEADLINE: Duration = Duration::from_secs(120);
/// How long a server may take to stop once told to.
const SETTLE: Duration = Duration::from_secs(20);

const OUTSIDE_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const OUTSIDE_SPAN: &str = "b7ad6b7169203331";

fn example(name: &str, receiver: &Receiver) -> App {
    App::new(examples::bin(name))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
}

/// The example `server` on an ephemeral port, exporting to `receiver`.
fn start_server(receiver: &Receiver) -> (Running, SocketAddr) {
    let server = example("server", receiver).env("PORT", "0").spawn();
    let addr = server.listening_addr(DEADLINE);
    (server, addr)
}

/// Runs `consumer` with `args` against a `server` process; returns the consumer's output
/// and every span of both.
fn consume_from_producer(args: &[&str]) -> (Output, Vec<ReceivedSpan>) {
    let receiver = Receiver::start();
    let (server, addr) = start_server(&receiver);
    let consumer = example("consumer", &receiver)
        .env("DOWNSTREAM_URL", format!("http://{addr}/command"))
        .args(args)
        .run(DEADLINE);
    consumer.assert_success();
    consumer.json_logs();
    let server = server.stop(SETTLE);
    server.assert_success();
    (consumer, receiver.spans())
}

/// The producer span that published order `order_id`.
fn producer(spans: &[ReceivedSpan], order_id: i64) -> &ReceivedSpan {
    only_where(spans, &format!("publish orders #{order_id}"), |s| {
        s.name() == "publish orders"
            && s.kind() == SpanKind::Producer
            && s.attr("order_id") == Some(AttrValue::Int(order_id))
    })
}

/// The consumer span `name` that handled order `order_id`.
fn consumer<'a>(spans: &'a [ReceivedSpan], name: &str, order_id: i64) -> &'a ReceivedSpan {
    only_where(spans, &format!("{name} #{order_id}"), |s| {
        s.name() == name && s.attr("order_id") == Some(AttrValue::Int(order_id))
    })
}

/// Checks that below `consumer` are its client span and, in the downstream service, the
/// server span and its `execute` child; all in the consumer's trace, which holds exactly
/// `consumer`'s subtree plus `extra` spans.
fn check_downstream(spans: &[ReceivedSpan], consumer: &ReceivedSpan, extra: usize) {
    let trace = in_trace(spans, &consumer.trace_id());
    let table = traces::table(trace.iter().copied());
    assert_eq!(trace.len(), 4 + extra, "{table}");
    assert_eq!(consumer.kind(), SpanKind::Consumer, "{table}");
    assert_eq!(consumer.service_name(), Some("order-consumer"));
    assert_eq!(
        consumer.attr("queue"),
        Some(AttrValue::Str("orders".into()))
    );
    let client = only_where(trace.iter().copied(), "the client span", |s| {
        s.kind() == SpanKind::Client && s.parent_span_id() == consumer.span_id()
    });
    assert_eq!(client.name(), "POST", "{table}");
    assert_eq!(client.service_name(), Some("order-consumer"));
    let server = only(trace.iter().copied(), "POST /command", SpanKind::Server);
    assert_eq!(server.parent_span_id(), client.span_id(), "{table}");
    assert!(parent_is_remote(server), "{table}");
    assert_eq!(server.service_name(), Some("command-service"));
    let execute = only(trace.iter().copied(), "execute", SpanKind::Internal);
    assert_eq!(execute.parent_span_id(), server.span_id(), "{table}");
}

#[test]
fn consumer_continues_the_trace_of_each_produced_message() {
    let (_, spans) = consume_from_producer(&["--produce", "3"]);
    let table = traces::table(&spans);
    assert_eq!(
        spans.len(),
        15,
        "3 × (publish, handle, POST, POST /command, execute)\n{table}"
    );
    assert_eq!(trace_ids(&spans).len(), 3, "one trace per message\n{table}");
    for order_id in 1..=3 {
        let published = producer(&spans, order_id);
        assert_eq!(published.parent_span_id(), "", "{table}");
        assert_eq!(published.service_name(), Some("order-consumer"));
        let handled = consumer(&spans, "handle", order_id);
        assert_eq!(handled.trace_id(), published.trace_id(), "{table}");
        assert_eq!(handled.parent_span_id(), published.span_id(), "{table}");
        assert!(
            parent_is_remote(handled),
            "the context came in a message\n{table}"
        );
        assert!(handled.span.links.is_empty(), "{table}");
        check_downstream(&spans, handled, 1);
    }
}

#[test]
fn linking_consumer_starts_a_new_trace_linked_to_each_produced_message() {
    let (_, spans) = consume_from_producer(&["--produce", "3", "--link"]);
    let table = traces::table(&spans);
    assert_eq!(spans.len(), 15, "{table}");
    assert_eq!(
        trace_ids(&spans).len(),
        6,
        "a trace per publish and per handling\n{table}"
    );
    for order_id in 1..=3 {
        let published = producer(&spans, order_id);
        assert_eq!(in_trace(&spans, &published.trace_id()).len(), 1, "{table}");
        let handled = consumer(&spans, "handle_linked", order_id);
        assert_eq!(handled.parent_span_id(), "", "{table}");
        assert_ne!(handled.trace_id(), published.trace_id(), "{table}");
        let links: Vec<(String, String)> = handled
            .span
            .links
            .iter()
            .map(|l| (hex(&l.trace_id), hex(&l.span_id)))
            .collect();
        assert_eq!(
            links,
            [(published.trace_id(), published.span_id())],
            "{table}"
        );
        check_downstream(&spans, handled, 0);
    }
}

#[test]
fn stdin_messages_continue_a_valid_traceparent_and_start_fresh_traces_otherwise() {
    let receiver = Receiver::start();
    let stub = Stub::start();
    let message = |order_id: u32, traceparent: serde_json::Value| {
        serde_json::json!({ "order_id": order_id, "command": "ship", "traceparent": traceparent })
            .to_string()
    };
    let valid = format!("00-{OUTSIDE_TRACE}-{OUTSIDE_SPAN}-01");
    let uppercase = valid.to_uppercase();
    let input = [
        message(7, valid.as_str().into()),
        "this line is not a message".to_owned(),
        message(8, uppercase.as_str().into()),
        message(9, "garbage".into()),
        message(10, serde_json::Value::Null),
    ]
    .join("\n")
        + "\n";
    let output = example("consumer", &receiver)
        .env("DOWNSTREAM_URL", stub.url("/command"))
        .stdin(input)
        .run(DEADLINE);
    output.assert_success();
    let warnings = output.logs_where("level", "WARN");
    assert!(
        warnings
            .iter()
            .any(|l| l["message"] == "skipping a line that is not a message"),
        "{}",
        output.dump()
    );

    let spans = receiver.spans();
    let table = traces::table(&spans);
    assert_eq!(spans.len(), 8, "4 × (handle, POST)\n{table}");

    let continued = consumer(&spans, "handle", 7);
    assert_eq!(continued.trace_id(), OUTSIDE_TRACE, "{table}");
    assert_eq!(continued.parent_span_id(), OUTSIDE_SPAN, "{table}");
    assert!(parent_is_remote(continued), "{table}");

    let mut fresh = BTreeSet::new();
    for order_id in [8, 9, 10] {
        let handled = consumer(&spans, "handle", order_id);
        assert_eq!(handled.parent_span_id(), "", "order {order_id}\n{table}");
        assert!(!parent_is_remote(handled), "{table}");
        assert_ne!(handled.trace_id(), OUTSIDE_TRACE, "{table}");
        fresh.insert(handled.trace_id());
    }
    assert_eq!(fresh.len(), 3, "a new trace for each\n{table}");

    // Each message's call downstream carried the consumer's trace, from its client span, with
    // the caller's flags kept (`01`) or, in a trace of our own, the W3C Level 2 random bit set.
    let received = stub.received();
    assert_eq!(received.len(), 4, "{received:?}");
    let sent: Vec<Vec<String>> = received
        .iter()
        .map(|r| r.header_values("traceparent"))
        .collect();
    for (order_id, flags) in [(7, "01"), (8, "03"), (9, "03"), (10, "03")] {
        let handled = consumer(&spans, "handle", order_id);
        assert_eq!(handled.kind(), SpanKind::Consumer);
        let client = only_where(&spans, "the client span", |s| {
            s.kind() == SpanKind::Client && s.parent_span_id() == handled.span_id()
        });
        assert_eq!(client.trace_id(), handled.trace_id(), "{table}");
        let expected = format!("00-{}-{}-{flags}", client.trace_id(), client.span_id());
        assert!(
            sent.contains(&vec![expected.clone()]),
            "{expected} not among {sent:?}"
        );
    }
}

#[test]
fn job_starts_a_new_trace_for_each_tick() {
    let receiver = Receiver::start();
    let output = example("job", &receiver)
        .env("JOB_INTERVAL_MS", "50")
        .args(["--ticks", "2"])
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.spans();
    let table = traces::table(&spans);
    assert_eq!(spans.len(), 4, "{table}");
    assert_eq!(trace_ids(&spans).len(), 2, "{table}");
    let logs = output.logs_where("message", "tick done");
    assert_eq!(logs.len(), 2, "{}", output.dump());
    for tick in 1..=2 {
        let root = only_where(&spans, &format!("cleanup tick #{tick}"), |s| {
            s.name() == "cleanup tick" && s.attr("tick") == Some(AttrValue::Int(tick))
        });
        assert_eq!(root.parent_span_id(), "", "{table}");
        assert_eq!(root.service_name(), Some("cleanup-job"));
        let trace = in_trace(&spans, &root.trace_id());
        assert_eq!(trace.len(), 2, "{table}");
        let child = only(trace.iter().copied(), "remove_expired", SpanKind::Internal);
        assert_eq!(child.parent_span_id(), root.span_id(), "{table}");
        let line = logs
            .iter()
            .find(|l| l["tick"] == tick)
            .unwrap_or_else(|| panic!("no `tick done` line for tick {tick}\n{}", output.dump()));
        assert_eq!(line["trace_id"], root.trace_id(), "{line}");
        assert_eq!(line["span_id"], root.span_id(), "{line}");
    }
}
