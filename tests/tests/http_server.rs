//! `traced::http::ServerLayer` on a real axum server, called over 127.0.0.1 by reqwest, with
//! the spans captured in memory by `traced::testing`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{any, get, post};
use reqwest::Response;
use traced::http::ServerLayer;
use traced::testing::{Capture, CapturedSpan, CapturedSpans, Status, Value};
use traced::{Span, SpanKind};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

async fn create_order(Path(id): Path<u64>) -> (StatusCode, String) {
    Span::child("store order").in_span(async {}).await;
    (StatusCode::CREATED, format!("order {id}"))
}

/// The handler of excluded paths: a child span whose parent must be the caller's span.
async fn probe() -> &'static str {
    Span::child("probe step").in_span(async {}).await;
    "ok"
}

/// What the traced client would send from inside the handler.
async fn outgoing() -> String {
    let mut headers = HeaderMap::new();
    traced::propagation::inject(&mut headers);
    let get = |name: &str| headers.get(name).map_or("", |v| v.to_str().unwrap_or(""));
    format!("{}|{}", get("traceparent"), get("baggage"))
}

async fn explode() -> &'static str {
    panic!("handler exploded")
}

fn app(layer: ServerLayer) -> Router {
    Router::new()
        .route("/orders/{id}", post(create_order))
        .route("/purge/{key}", any(|| async { StatusCode::NO_CONTENT }))
        .route("/health", get(probe))
        .route("/internal/jobs", get(probe))
        .route("/outgoing", get(outgoing))
        .route("/internal/outgoing", get(outgoing))
        .route(
            "/unavailable",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .route("/bad", get(|| async { StatusCode::BAD_REQUEST }))
        .route("/panic", get(explode))
        .layer(layer)
}

/// Serves `app` on an ephemeral loopback port, with the peer address available to the layer.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await
    });
    format!("http://{addr}")
}

/// Sends `method url` with `headers` from a fresh client.
async fn send(method: &str, url: &str, headers: &[(&str, &str)]) -> reqwest::Result<Response> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await
}

/// A capture installs a pipeline for the whole process; the test of untraced requests needs
/// none, so it runs alone.
static PIPELINE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn start_capture() -> (tokio::sync::RwLockReadGuard<'static, ()>, Capture) {
    let gate = PIPELINE.read().await;
    (gate, Capture::start())
}

fn text<'a>(span: &'a CapturedSpan, key: &str) -> Option<&'a str> {
    match span.attr(key)? {
        Value::String(s) => Some(s),
        other => panic!("{key} is not a string: {other:?}"),
    }
}

fn int(span: &CapturedSpan, key: &str) -> Option<i64> {
    match span.attr(key)? {
        Value::I64(i) => Some(*i),
        other => panic!("{key} is not an integer: {other:?}"),
    }
}

fn server_spans(spans: &CapturedSpans) -> Vec<&CapturedSpan> {
    let servers = spans.all().iter();
    servers.filter(|s| s.kind == SpanKind::Server).collect()
}

#[tokio::test]
async fn a_routed_request_is_named_after_its_route_with_semconv_attributes() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let secrets = [
        ("user-agent", "orders-test/1.0"),
        ("authorization", "Bearer hunter2"),
        ("cookie", "session=hunter2"),
    ];
    let url = format!("{base}/orders/42?token=hunter2");
    let response = send("POST", &url, &secrets).await.unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("traceparent").is_none());
    let spans = capture.finish();

    let span = spans.named("POST /orders/{id}");
    let port = base.rsplit(':').next().unwrap().parse::<i64>().unwrap();
    assert_eq!(span.kind, SpanKind::Server);
    assert_eq!(span.parent_span_id, None);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(text(span, "http.request.method"), Some("POST"));
    assert_eq!(text(span, "http.route"), Some("/orders/{id}"));
    assert_eq!(text(span, "url.path"), Some("/orders/42"));
    assert_eq!(text(span, "url.scheme"), Some("http"));
    assert_eq!(int(span, "http.response.status_code"), Some(201));
    assert_eq!(text(span, "server.address"), Some("127.0.0.1"));
    assert_eq!(int(span, "server.port"), Some(port));
    assert_eq!(text(span, "client.address"), Some("127.0.0.1"));
    assert_eq!(text(span, "network.peer.address"), Some("127.0.0.1"));
    assert_eq!(text(span, "user_agent.original"), Some("orders-test/1.0"));
    assert_eq!(text(span, "network.protocol.version"), Some("1.1"));
    assert_eq!(span.attr("error.type"), None);
    // The handler's own span is a child of the server span.
    let step = spans.named("store order");
    assert_eq!(step.parent_span_id, Some(span.span_id));
    // No query string, no other header value: they carry credentials (see the server layer's
    // `request.rs`).
    for (key, value) in &span.attributes {
        let value = format!("{value:?}");
        assert!(!value.contains("hunter2"), "{key} = {value}");
    }
}

#[tokio::test]
async fn an_unrouted_request_is_named_after_its_method() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let response = send("GET", &format!("{base}/nowhere"), &[]).await.unwrap();
    assert_eq!(response.status(), 404);
    let spans = capture.finish();
    let span = spans.named("GET");
    assert_eq!(span.attr("http.route"), None);
    assert_eq!(text(span, "url.path"), Some("/nowhere"));
    assert_eq!(int(span, "http.response.status_code"), Some(404));
    assert_eq!(span.status, Status::Unset);
}

#[tokio::test]
async fn a_method_outside_the_standard_set_is_other() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let response = send("PURGE", &format!("{base}/purge/k"), &[]).await;
    assert_eq!(response.unwrap().status(), 204);
    let spans = capture.finish();
    let span = spans.named("HTTP /purge/{key}");
    assert_eq!(text(span, "http.request.method"), Some("_OTHER"));
    assert_eq!(text(span, "http.request.method_original"), Some("PURGE"));
}

#[tokio::test]
async fn a_valid_traceparent_is_continued_and_a_malformed_one_restarts() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let malformed = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    for (id, traceparent) in [(1, TRACEPARENT), (2, malformed)] {
        let url = format!("{base}/orders/{id}");
        let response = send("POST", &url, &[("traceparent", traceparent)]).await;
        assert_eq!(response.unwrap().status(), 201);
    }
    let spans = capture.finish();
    let mut servers = server_spans(&spans);
    servers.sort_by_key(|s| text(s, "url.path"));
    let [continued, restarted] = servers[..] else {
        panic!("two server spans expected: {spans:?}");
    };
    assert_eq!(continued.trace_id.to_string(), TRACE_ID);
    let parent = continued.parent_span_id.unwrap();
    assert_eq!(parent.to_string(), CALLER_SPAN_ID);
    assert!(continued.parent_is_remote);
    assert_ne!(restarted.trace_id.to_string(), TRACE_ID);
    assert_eq!(restarted.parent_span_id, None);
    assert!(!restarted.parent_is_remote);
}

#[tokio::test]
async fn excluded_paths_make_no_span_but_work_below_joins_the_callers_trace() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new().exclude_prefix("/internal/"))).await;
    for path in ["/health", "/internal/jobs"] {
        let url = format!("{base}{path}");
        let response = send("GET", &url, &[("traceparent", TRACEPARENT)]).await;
        assert_eq!(response.unwrap().status(), 200, "{path}");
    }
    let spans = capture.finish();
    assert!(server_spans(&spans).is_empty(), "{spans:?}");
    let steps: Vec<_> = spans.all_named("probe step").collect();
    assert_eq!(steps.len(), 2, "{spans:?}");
    for step in steps {
        assert_eq!(step.trace_id.to_string(), TRACE_ID);
        assert_eq!(step.parent_span_id.unwrap().to_string(), CALLER_SPAN_ID);
    }
}

#[tokio::test]
async fn a_5xx_is_an_error_and_a_4xx_is_not() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let unavailable = send("GET", &format!("{base}/unavailable"), &[]).await;
    assert_eq!(unavailable.unwrap().status(), 503);
    let bad = send("GET", &format!("{base}/bad"), &[]).await;
    assert_eq!(bad.unwrap().status(), 400);
    let spans = capture.finish();
    let span = spans.named("GET /unavailable");
    assert!(span.is_error(), "{span:?}");
    assert_eq!(text(span, "error.type"), Some("503"));
    assert_eq!(int(span, "http.response.status_code"), Some(503));
    let span = spans.named("GET /bad");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.attr("error.type"), None);
}

// axum catches no panic (CatchPanicLayer is tower-http's): the connection task unwinds, the
// client sees the connection closed, and the span must still end, marked.
#[tokio::test]
async fn a_panicking_handler_ends_the_span_with_status_error() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new())).await;
    let result = send("GET", &format!("{base}/panic"), &[]).await;
    assert!(result.is_err(), "{result:?}");
    // The server task's unwinding and the client's error race by a hair.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let spans = capture.finish();
    let span = spans.named("GET /panic");
    assert!(span.is_error(), "{span:?}");
    assert_eq!(text(span, "error.type"), Some("panic"));
    let exception = span.event("exception").expect("an exception event");
    let message = exception.attr("exception.message");
    assert_eq!(message, Some(&Value::from("handler exploded")));
}

#[tokio::test]
async fn the_traceparent_is_echoed_when_enabled() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new().echo_traceparent(true))).await;
    let headers = [("traceparent", TRACEPARENT)];
    let response = send("POST", &format!("{base}/orders/7"), &headers).await;
    let echoed = response.unwrap().headers()["traceparent"].clone();
    let health = send("GET", &format!("{base}/health"), &headers).await;
    assert!(health.unwrap().headers().get("traceparent").is_none());
    let spans = capture.finish();
    let span = spans.named("POST /orders/{id}");
    assert_eq!(echoed, format!("00-{TRACE_ID}-{}-01", span.span_id));
}

#[tokio::test]
async fn baggage_and_context_reach_outgoing_calls_inside_the_handler() {
    let (_gate, capture) = start_capture().await;
    let base = serve(app(ServerLayer::new().exclude_prefix("/internal/"))).await;
    let headers = [
        ("traceparent", TRACEPARENT),
        ("baggage", "user.id=42,tenant=acme"),
    ];
    let mut bodies = Vec::new();
    for path in ["/outgoing", "/internal/outgoing"] {
        let response = send("GET", &format!("{base}{path}"), &headers).await;
        bodies.push(response.unwrap().text().await.unwrap());
    }
    let spans = capture.finish();
    let server = spans.named("GET /outgoing");
    let expected = format!("00-{TRACE_ID}-{}-01|user.id=42,tenant=acme", server.span_id);
    assert_eq!(bodies[0], expected);
    // Excluded: no span of ours, so the caller's own context goes on.
    assert_eq!(bodies[1], format!("{TRACEPARENT}|user.id=42,tenant=acme"));
}

// Outside the router (any tower service, as with hyper) the layer runs before routing: the
// request is traced, but no route is known.
#[tokio::test]
async fn wrapped_around_a_whole_router_the_span_has_no_route() {
    use axum::ServiceExt;
    use tower_layer::Layer as _;

    let (_gate, capture) = start_capture().await;
    let router = Router::new().route("/orders/{id}", post(create_order));
    let service = ServerLayer::new().layer(router);
    let make_service = ServiceExt::<axum::extract::Request>::into_make_service(service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/orders/9", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, make_service).await });
    let response = send("POST", &url, &[("traceparent", TRACEPARENT)]).await;
    assert_eq!(response.unwrap().status(), 201);
    let spans = capture.finish();
    let span = spans.named("POST");
    assert_eq!(span.attr("http.route"), None);
    assert_eq!(span.attr("client.address"), None);
    assert_eq!(span.trace_id.to_string(), TRACE_ID);
    let step = spans.named("store order");
    assert_eq!(step.parent_span_id, Some(span.span_id));
}

// OTEL_SDK_DISABLED (or no init) stops spans, not propagation: the variable "has no effect on
// propagators" (OpenTelemetry SDK environment variables, General SDK Configuration).
#[tokio::test]
async fn without_tracing_the_callers_context_still_reaches_outgoing_calls() {
    let _alone = PIPELINE.write().await;
    let base = serve(app(ServerLayer::new().echo_traceparent(true))).await;
    let headers = [("traceparent", TRACEPARENT), ("baggage", "user.id=42")];
    let response = send("GET", &format!("{base}/outgoing"), &headers).await;
    let response = response.unwrap();
    assert!(response.headers().get("traceparent").is_none());
    let body = response.text().await.unwrap();
    assert_eq!(body, format!("{TRACEPARENT}|user.id=42"));
}
