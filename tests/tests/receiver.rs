//! The test receiver itself, driven over raw HTTP/1.1: the other tests (the collector-fault tests
//! above all) trust what it records and how it answers, so each behavior is checked here.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message as _;
use traced_tests::{AttrValue, Behavior, Receiver, Reply};

const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }
}

/// One POST over a fresh connection; `Err` when nothing came back before `timeout`.
fn post(
    addr: SocketAddr,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(timeout))?;
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    head.push_str("Content-Type: application/x-protobuf\r\n");
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of the response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Answer {
        status: status.expect("status code"),
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

fn string(key: &str, value: &str) -> KeyValue {
    let value = any_value::Value::StringValue(value.into());
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// A request with one span named `name` under service `svc` and scope `traced`.
fn request(name: &str) -> Vec<u8> {
    let span = Span {
        trace_id: vec![0xab; 16],
        span_id: vec![0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08],
        name: name.into(),
        kind: SpanKind::Client as i32,
        attributes: vec![
            string("s", "x"),
            KeyValue {
                key: "n".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::IntValue(-3)),
                }),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string("service.name", "svc")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "traced".into(),
                    version: "9".into(),
                    ..Default::default()
                }),
                spans: vec![span],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn decodes_gzip_records_everything_and_answers_an_otlp_response() {
    let receiver = Receiver::start();
    let body = gzip(&request("s1"));
    let answer = post(
        receiver.addr(),
        "/v1/traces?x=1",
        &[("Content-Encoding", "gzip")],
        &body,
        WAIT,
    )
    .expect("answer");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/x-protobuf")
    );
    let response =
        ExportTraceServiceResponse::decode(answer.body.as_slice()).expect("a response message");
    assert_eq!(response.partial_success, None);

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!((span.name(), span.kind()), ("s1", SpanKind::Client));
    assert_eq!(span.service_name(), Some("svc"));
    assert_eq!(
        (span.scope_name.as_str(), span.scope_version.as_str()),
        ("traced", "9")
    );
    assert_eq!(span.trace_id(), "ab".repeat(16));
    assert_eq!(span.span_id(), "0102030405060708");
    assert_eq!(span.parent_span_id(), "");
    assert_eq!(span.attr("s"), Some(AttrValue::Str("x".into())));
    assert_eq!(span.attr("n"), Some(AttrValue::Int(-3)));
    assert_eq!(span.attrs().len(), 2);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/v1/traces?x=1")
    );
    assert_eq!(requests[0].header("Content-Encoding"), Some("gzip"));
    assert_eq!(requests[0].body_len, body.len());
    assert_eq!(requests[0].status, Some(200));
}

#[test]
fn the_script_is_answered_in_order_then_the_behavior() {
    let receiver = Receiver::start();
    receiver.script([
        Reply::status(503).retry_after("1"),
        Reply::ok().partial_success(3, "three rejected"),
        Reply::status(400).body("token=hunter2"),
    ]);
    let send = |name: &str| {
        post(receiver.addr(), "/v1/traces", &[], &request(name), WAIT).expect("answer")
    };

    let first = send("a");
    assert_eq!(
        (first.status, first.header("retry-after")),
        (503, Some("1"))
    );
    let second = send("b");
    assert_eq!(second.status, 200);
    let partial = ExportTraceServiceResponse::decode(second.body.as_slice())
        .expect("response")
        .partial_success;
    let partial = partial.expect("partial_success");
    assert_eq!(
        (partial.rejected_spans, partial.error_message.as_str()),
        (3, "three rejected")
    );
    let third = send("c");
    assert_eq!(
        (third.status, third.body.as_slice()),
        (400, b"token=hunter2".as_slice())
    );
    assert_eq!(send("d").status, 200);

    let statuses: Vec<_> = receiver
        .wait_for_requests(4, WAIT)
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(200), Some(400), Some(200)]);
    // Only spans answered with a 2xx count as delivered.
    let names: Vec<_> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(names, ["b", "d"]);
}

#[test]
fn a_hanging_receiver_records_and_never_answers_and_still_stops() {
    let receiver = Receiver::hanging();
    let sent = Instant::now();
    let answer = post(
        receiver.addr(),
        "/v1/traces",
        &[],
        &request("h"),
        Duration::from_millis(500),
    );
    assert!(answer.is_err(), "{answer:?}");
    assert!(sent.elapsed() >= Duration::from_millis(500));
    let requests = receiver.wait_for_requests(1, WAIT);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, None);
    assert_eq!(requests[0].spans.len(), 1);
    assert!(receiver.spans().is_empty());

    // Back to healthy for the next request.
    receiver.set_behavior(Behavior::Ok);
    assert_eq!(
        post(receiver.addr(), "/", &[], &request("ok"), WAIT)
            .expect("answer")
            .status,
        200
    );

    let dropping = Instant::now();
    drop(receiver);
    assert!(
        dropping.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        dropping.elapsed()
    );
}

#[test]
fn a_delay_holds_every_answer_back() {
    let receiver = Receiver::start();
    receiver.set_delay(Some(Duration::from_millis(300)));
    let sent = Instant::now();
    assert_eq!(
        post(receiver.addr(), "/v1/traces", &[], &request("d"), WAIT)
            .expect("answer")
            .status,
        200
    );
    assert!(
        sent.elapsed() >= Duration::from_millis(300),
        "{:?}",
        sent.elapsed()
    );
}

#[test]
fn a_body_that_is_not_otlp_is_recorded_and_refused_by_spans() {
    let receiver = Receiver::start();
    let answer = post(
        receiver.addr(),
        "/v1/traces",
        &[("Content-Encoding", "gzip")],
        b"not gzip",
        WAIT,
    );
    assert_eq!(answer.expect("answer").status, 200);
    let requests = receiver.wait_for_requests(1, WAIT);
    assert!(
        requests[0]
            .decode_error
            .as_deref()
            .is_some_and(|e| e.starts_with("gzip")),
        "{requests:?}"
    );
    assert!(catch_unwind(AssertUnwindSafe(|| receiver.spans())).is_err());
}
