//! The reqwest client instrumentation (README, HTTP; Guarantees, "Secrets" and header injection
//! under "Hostile input"): real axum peers on 127.0.0.1 that record the headers they receive, real
//! reqwest clients, spans captured with `traced::testing`.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, Uri};
use traced::http::TracingMiddleware;
use traced::http::reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use traced::testing::{Capture, CapturedSpan, CapturedSpans, Status, Value};
use traced::{Span, SpanKind};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A server that records the headers of every request; `/status/{code}` answers `code`,
/// `/slow` answers after 5 s, anything else 200.
struct Peer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Peer {
    async fn start() -> Peer {
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            log.lock().unwrap().push(headers);
            async move {
                if uri.path() == "/slow" {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                let code = uri.path().strip_prefix("/status/").unwrap_or("200");
                StatusCode::from_bytes(code.as_bytes()).unwrap_or(StatusCode::OK)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Peer { addr, received }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The headers of the only request received so far.
    fn only_request(&self) -> HeaderMap {
        let received = self.received.lock().unwrap();
        assert_eq!(received.len(), 1, "{received:?}");
        received[0].clone()
    }
}

/// Runs `test` on a fresh runtime inside a capture; returns its output and the spans.
fn captured<F: Future>(test: impl FnOnce() -> F) -> (F::Output, CapturedSpans) {
    let capture = Capture::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let output = runtime.block_on(test());
    drop(runtime);
    (output, capture.finish())
}

fn traced_client() -> ClientWithMiddleware {
    traced::http::client(reqwest::Client::new())
}

fn string(span: &CapturedSpan, key: &str) -> String {
    match span.attr(key) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{key} = {other:?} on {span:?}"),
    }
}

/// `(trace id, parent id)` of a received `traceparent`, which must be the only one.
fn received_traceparent(headers: &HeaderMap) -> (String, String) {
    assert_eq!(
        headers.get_all("traceparent").iter().count(),
        1,
        "{headers:?}"
    );
    let value = headers["traceparent"].to_str().unwrap();
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(
        (value.len(), parts.len(), parts[0]),
        (55, 4, "00"),
        "{value}"
    );
    (parts[1].to_owned(), parts[2].to_owned())
}

#[test]
fn the_peer_receives_the_client_spans_context() {
    let (peer, spans) = captured(|| async {
        let peer = Peer::start().await;
        let response = Span::root("request")
            .in_span(traced_client().get(peer.url("/ok")).send())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        peer
    });
    let request = spans.named("request");
    let client = spans.named("GET");
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(client.trace_id, request.trace_id);
    assert_eq!(client.parent_span_id, Some(request.span_id));
    assert_eq!(client.status, Status::Unset);

    let (trace_id, parent_id) = received_traceparent(&peer.only_request());
    assert_eq!(trace_id, client.trace_id.to_string());
    assert_eq!(parent_id, client.span_id.to_string());

    let port = i64::from(peer.addr.port());
    assert_eq!(string(client, "http.request.method"), "GET");
    assert_eq!(string(client, "url.full"), peer.url("/ok"));
    assert_eq!(string(client, "server.address"), "127.0.0.1");
    assert_eq!(client.attr("server.port"), Some(&Value::I64(port)));
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&Value::I64(200))
    );
    assert_eq!(string(client, "network.protocol.version"), "1.1");
    assert_eq!(client.attr("error.type"), None);
}

#[test]
fn three_calls_from_one_span_have_distinct_parent_ids() {
    let (peer, spans) = captured(|| async {
        let peer = Peer::start().await;
        let client = traced_client();
        Span::root("request")
            .in_span(async {
                for _ in 0..3 {
                    client.get(peer.url("/ok")).send().await.unwrap();
                }
            })
            .await;
        peer
    });
    let request = spans.named("request");
    let received = peer.received.lock().unwrap();
    let mut parents: Vec<String> = received
        .iter()
        .map(|headers| {
            let (trace_id, parent_id) = received_traceparent(headers);
            assert_eq!(trace_id, request.trace_id.to_string());
            parent_id
        })
        .collect();
    let mut clients: Vec<String> = spans
        .all_named("GET")
        .inspect(|s| assert_eq!(s.parent_span_id, Some(request.span_id)))
        .map(|s| s.span_id.to_string())
        .collect();
    parents.sort();
    clients.sort();
    parents.dedup();
    assert_eq!(parents.len(), 3);
    assert_eq!(parents, clients);
}

#[test]
fn url_full_has_no_credentials_or_query_secrets() {
    let (addr, spans) = captured(|| async {
        let peer = Peer::start().await;
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(TracingMiddleware::new().redact_query_params(["otp"]))
            .build();
        let url = format!(
            "http://alice:hunter2@{}/ok?q=rust&access_token=tok1&Signature=sig1&OTP=123987&api%5Fkey=k1#frag",
            peer.addr
        );
        // `client.get(url)` would move the credentials into an `Authorization` header before
        // the middleware runs; a hand-built request keeps them in its URL.
        let request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
        client.execute(request).await.unwrap();
        peer.addr
    });
    let client = spans.named("GET");
    assert_eq!(
        string(client, "url.full"),
        format!(
            "http://REDACTED:REDACTED@{addr}/ok?q=rust&access_token=REDACTED&Signature=REDACTED&OTP=REDACTED&api%5Fkey=REDACTED"
        )
    );
    let exported = format!("{client:?}");
    for secret in ["alice", "hunter2", "tok1", "sig1", "123987", "k1", "frag"] {
        assert!(!exported.contains(secret), "{secret} in {exported}");
    }
}

#[test]
fn a_404_is_an_error_with_its_status_code_as_error_type() {
    let (status, spans) = captured(|| async {
        let peer = Peer::start().await;
        let response = traced_client().get(peer.url("/status/404")).send().await;
        response.unwrap().status()
    });
    assert_eq!(status, 404);
    let client = spans.named("GET");
    assert_eq!(client.status, Status::Error("404 Not Found".to_owned()));
    assert_eq!(string(client, "error.type"), "404");
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&Value::I64(404))
    );
}

#[test]
fn connection_refused_is_a_transport_error_without_secrets() {
    let (error, spans) = captured(|| async {
        // A port that was just free: nothing listens on it any more.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://bob:s3cr3t@{addr}/x?token=tkn42&q=1");
        let request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
        traced_client().execute(request).await.unwrap_err()
    });
    // The caller's error is untouched: it still names the URL it failed on.
    assert!(error.is_connect(), "{error:?}");
    assert!(error.url().is_some_and(|u| u.password() == Some("s3cr3t")));
    assert!(error.to_string().contains("tkn42"), "{error}");

    let client = spans.named("GET");
    assert_eq!(string(client, "error.type"), "connect");
    assert_eq!(client.attr("http.response.status_code"), None);
    let Status::Error(description) = &client.status else {
        panic!("{client:?}");
    };
    assert!(
        description.contains("error sending request"),
        "{description}"
    );
    let exported = format!("{client:?}");
    for secret in ["bob", "s3cr3t", "tkn42"] {
        assert!(!exported.contains(secret), "{secret} in {exported}");
    }
}

#[test]
fn a_timeout_is_recorded_as_such() {
    let ((), spans) = captured(|| async {
        let peer = Peer::start().await;
        let request = traced_client().get(peer.url("/slow"));
        let error = request
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    });
    let client = spans.named("GET");
    assert_eq!(string(client, "error.type"), "timeout");
    assert!(client.is_error());
}

#[test]
fn non_standard_methods_are_other() {
    let ((), spans) = captured(|| async {
        let peer = Peer::start().await;
        let method = reqwest::Method::from_bytes(b"PURGE").unwrap();
        let response = traced_client()
            .request(method, peer.url("/ok"))
            .send()
            .await;
        assert_eq!(response.unwrap().status(), 200);
    });
    let client = spans.named("HTTP");
    assert_eq!(string(client, "http.request.method"), "_OTHER");
    assert_eq!(string(client, "http.request.method_original"), "PURGE");
}

/// A parent carrying a traceparent, a tracestate and baggage, so every header would be sent.
fn parent_with_everything() -> HashMap<String, String> {
    HashMap::from([
        ("traceparent".to_owned(), TRACEPARENT.to_owned()),
        ("tracestate".to_owned(), "congo=t61rcWkgMzE".to_owned()),
        ("baggage".to_owned(), "user.id=42".to_owned()),
    ])
}

/// One call from a span continuing `parent`, through `middleware`; the headers the peer got.
fn call_with(middleware: TracingMiddleware, parent: HashMap<String, String>) -> HeaderMap {
    let (peer, spans) = captured(|| async move {
        let peer = Peer::start().await;
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(middleware)
            .build();
        let request = client.get(peer.url("/ok")).header("x-app", "1");
        let response = Span::root("request")
            .parent(&parent)
            .in_span(request.send())
            .await;
        assert_eq!(response.unwrap().status(), 200);
        peer
    });
    // Outside the allow-list or not, the request has its client span.
    assert_eq!(spans.named("GET").kind, SpanKind::Client);
    peer.only_request()
}

#[test]
fn hosts_outside_the_allow_list_receive_no_context() {
    let middleware = TracingMiddleware::new().propagate_to(["api.internal", "*.127.0.0.1"]);
    let headers = call_with(middleware, parent_with_everything());
    for name in ["traceparent", "tracestate", "baggage"] {
        assert!(headers.get(name).is_none(), "{name} in {headers:?}");
    }
    assert_eq!(headers["x-app"], "1");

    let middleware = TracingMiddleware::new().propagate_to(["API.internal", "127.0.0.1"]);
    let headers = call_with(middleware, parent_with_everything());
    assert_eq!(received_traceparent(&headers).0, &TRACEPARENT[3..35]);
    assert_eq!(headers["tracestate"], "congo=t61rcWkgMzE");
    assert_eq!(headers["baggage"], "user.id=42");
}

#[test]
fn headers_set_by_the_caller_are_kept_outside_the_allow_list() {
    let ((), _spans) = captured(|| async {
        let peer = Peer::start().await;
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(TracingMiddleware::new().propagate_to(Vec::<String>::new()))
            .build();
        let request = client.get(peer.url("/ok")).header("baggage", "mine=1");
        Span::root("request").in_span(request.send()).await.unwrap();
        let headers = peer.only_request();
        assert_eq!(headers["baggage"], "mine=1");
        assert!(headers.get("traceparent").is_none());
    });
}

#[test]
fn crlf_in_baggage_or_tracestate_never_adds_a_header_or_fails_the_request() {
    let mut parent = parent_with_everything();
    parent.insert(
        "baggage".to_owned(),
        "evil=a%0D%0AX-Evil%3A%201,ok=fine".to_owned(),
    );
    parent.insert("tracestate".to_owned(), "a=1\r\nX-Evil: 1".to_owned());
    let headers = call_with(TracingMiddleware::new(), parent);
    assert!(headers.get("x-evil").is_none(), "{headers:?}");
    assert_eq!(received_traceparent(&headers).0, &TRACEPARENT[3..35]);
    // The invalid tracestate is dropped; the baggage value travels percent-encoded.
    assert!(headers.get("tracestate").is_none(), "{headers:?}");
    let baggage = headers["baggage"].to_str().unwrap();
    assert!(!baggage.contains(['\r', '\n']), "{baggage:?}");
    assert!(baggage.contains("ok=fine"), "{baggage:?}");
}
