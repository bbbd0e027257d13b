//! Oversized propagation headers on incoming requests (README, Guarantees, "Hostile input"; the
//! bounds are listed in `traced::propagation`): a huge `tracestate` or `baggage` is ignored (the
//! context is kept without its tracestate, the baggage is empty) and the request succeeds; a huge
//! `traceparent` starts a fresh trace.
//!
//! Two paths: a real axum server with `traced::http::ServerLayer` over 127.0.0.1, with headers
//! of 256 KiB (hyper itself answers 431 above its ~400 KiB head buffer, before any layer runs),
//! and the same layer called in process with 1 MB headers, which no HTTP server would accept.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::handler::Handler;
use axum::http::{HeaderMap, Request};
use axum::routing::get;
use traced::SpanKind;
use traced::http::ServerLayer;
use traced::testing::{Capture, CapturedSpan, CapturedSpans};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const MB: usize = 1 << 20;
/// Under hyper's default head limit (8 KiB + 400 KiB), far above our caps (8 KiB).
const OVER_THE_WIRE: usize = 256 << 10;

/// What an outgoing call from inside the handler would carry: `traceparent|tracestate|baggage`.
async fn outgoing() -> String {
    let mut headers = HeaderMap::new();
    traced::propagation::inject(&mut headers);
    let get = |name: &str| headers.get(name).map_or("", |v| v.to_str().unwrap_or(""));
    format!(
        "{}|{}|{}",
        get("traceparent"),
        get("tracestate"),
        get("baggage")
    )
}

/// A valid-looking tracestate of `len` bytes: `k0=v,k1=v,…` (too many members, too long).
fn huge_tracestate(len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut i = 0;
    while out.len() < len {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("k{i}=v{i}"));
        i += 1;
    }
    out
}

/// A valid-looking baggage of `len` bytes: `k0=v,k1=v,…`.
fn huge_baggage(len: usize) -> String {
    huge_tracestate(len)
}

/// A traceparent that starts valid and goes on for `len` bytes.
fn huge_traceparent(len: usize) -> String {
    let mut out = String::from(TRACEPARENT);
    out.push('-');
    while out.len() < len {
        out.push('a');
    }
    out
}

/// The three cases: which header is huge, and what the handler must see and the span be.
fn cases(len: usize) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "tracestate",
            vec![
                ("traceparent", TRACEPARENT.to_owned()),
                ("tracestate", huge_tracestate(len)),
                ("baggage", "ok=1".to_owned()),
            ],
        ),
        (
            "baggage",
            vec![
                ("traceparent", TRACEPARENT.to_owned()),
                ("tracestate", "congo=t61rcWkgMzE".to_owned()),
                ("baggage", huge_baggage(len)),
            ],
        ),
        (
            "traceparent",
            vec![
                ("traceparent", huge_traceparent(len)),
                ("tracestate", "congo=t61rcWkgMzE".to_owned()),
            ],
        ),
    ]
}

/// Checks what the handler saw (`body`) and the server span for one case.
#[track_caller]
fn check(case: &str, body: &str, span: &CapturedSpan) {
    let parts: Vec<&str> = body.split('|').collect();
    let [traceparent, tracestate, baggage] = parts[..] else {
        panic!("{case}: {body:?}");
    };
    assert!(
        body.len() < 1024,
        "{case}: {} bytes came through",
        body.len()
    );
    match case {
        "tracestate" => {
            assert_eq!(span.trace_id.to_string(), TRACE_ID, "{case}: context kept");
            assert_eq!(
                traceparent,
                format!("00-{TRACE_ID}-{}-01", span.span_id),
                "{case}"
            );
            assert_eq!(tracestate, "", "{case}: the tracestate is dropped whole");
            assert_eq!(baggage, "ok=1", "{case}: the baggage is unaffected");
        }
        "baggage" => {
            assert_eq!(span.trace_id.to_string(), TRACE_ID, "{case}: context kept");
            assert_eq!(tracestate, "congo=t61rcWkgMzE", "{case}");
            assert_eq!(baggage, "", "{case}: the baggage is dropped whole");
        }
        "traceparent" => {
            assert_ne!(span.trace_id.to_string(), TRACE_ID, "{case}: fresh trace");
            assert_eq!(span.parent_span_id, None, "{case}");
            assert!(!span.parent_is_remote, "{case}");
            assert_eq!(
                tracestate, "",
                "{case}: no tracestate without a traceparent"
            );
        }
        _ => unreachable!(),
    }
}

fn server_spans(spans: &CapturedSpans) -> Vec<&CapturedSpan> {
    spans
        .all()
        .iter()
        .filter(|s| s.kind == SpanKind::Server)
        .collect()
}

/// One capture at a time in this file (they share the process's pipeline).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn huge_propagation_headers_over_http_are_ignored_and_the_request_succeeds() {
    let _serial = SERIAL.lock().await;
    let capture = Capture::start();
    let app = Router::new()
        .route("/outgoing", get(outgoing))
        .layer(ServerLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut bodies = Vec::new();
    for (case, headers) in cases(OVER_THE_WIRE) {
        let mut request = client.get(format!("http://{addr}/outgoing"));
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{case}");
        bodies.push((case, response.text().await.unwrap()));
    }
    let spans = capture.finish();
    let servers = server_spans(&spans);
    assert_eq!(servers.len(), 3, "{spans:?}");
    // Requests were sent one after the other, so spans ended in that order.
    for ((case, body), span) in bodies.iter().zip(servers) {
        check(case, body, span);
    }
}

#[tokio::test]
async fn one_megabyte_propagation_headers_through_the_layer_are_ignored() {
    let _serial = SERIAL.lock().await;
    let capture = Capture::start();
    let mut bodies = Vec::new();
    for (case, headers) in cases(MB) {
        let mut request = Request::builder().uri("http://127.0.0.1/outgoing");
        for (name, value) in &headers {
            request = request.header(*name, value.as_str());
        }
        let request = request.body(Body::empty()).unwrap();
        let handler = outgoing.layer(ServerLayer::new());
        let response = Handler::<_, ()>::call(handler, request, ()).await;
        assert_eq!(response.status(), 200, "{case}");
        let bytes = axum::body::to_bytes(response.into_body(), MB)
            .await
            .unwrap();
        bodies.push((case, String::from_utf8(bytes.to_vec()).unwrap()));
    }
    let spans = capture.finish();
    let servers = server_spans(&spans);
    assert_eq!(servers.len(), 3, "{spans:?}");
    for ((case, body), span) in bodies.iter().zip(servers) {
        check(case, body, span);
    }
}

#[test]
fn one_megabyte_headers_through_extract_are_bounded() {
    for (case, headers) in cases(MB) {
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            map.append(*name, value.parse().unwrap());
        }
        let extracted = traced::propagation::extract(&map);
        match case {
            "tracestate" => {
                let ctx = extracted.context.expect("the traceparent is valid");
                assert_eq!(format!("{:032x}", ctx.trace_id()), TRACE_ID);
                assert!(ctx.trace_state().header().is_none(), "{case}");
                assert_eq!(extracted.baggage.get("ok"), Some("1"));
            }
            "baggage" => {
                assert!(extracted.context.is_some(), "{case}");
                assert!(extracted.baggage.is_empty(), "{case}");
            }
            "traceparent" => assert!(extracted.context.is_none(), "{case}"),
            _ => unreachable!(),
        }
    }
}
