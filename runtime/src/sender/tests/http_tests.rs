//! One request: headers, body, connection reuse, and what each kind of answer becomes.

use std::io::Read;

use super::server::{Reply, Server, respond};
use super::*;
use crate::sender::client::USER_AGENT;

#[test]
fn posts_protobuf_with_our_user_agent_and_the_configured_headers() {
    let server = Server::start(|_| respond(200, &[], b""));
    let mut settings = settings(&server.url());
    settings.headers = vec![
        ("x-api-key".to_owned(), "secret".to_owned()),
        ("content-type".to_owned(), "text/plain".to_owned()),
    ];
    let (mut sender, warnings) = Sender::with_env(&settings, &|_| None);
    assert_eq!(
        warnings,
        ["ignoring the OTLP header content-type: the exporter sets it"]
    );
    assert_eq!(sender.send(b"\x0a\x00", in_secs(5.0)), delivered());
    let received = server.received();
    let request = &received[0];
    assert_eq!(request.request_line, "POST /v1/traces HTTP/1.1");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-protobuf")
    );
    assert_eq!(request.header("x-api-key"), Some("secret"));
    assert_eq!(request.header("content-encoding"), None);
    assert_eq!(request.body, b"\x0a\x00");
    let agent = request.header("user-agent").expect("user-agent");
    assert_eq!(agent, USER_AGENT);
    assert!(
        agent.starts_with(concat!("traced/", env!("CARGO_PKG_VERSION"), " (Rust")),
        "{agent}"
    );
    assert!(agent.ends_with(')'), "{agent}");
}

#[test]
fn keeps_the_connection_alive() {
    let server = Server::start(|_| respond(200, &[], b""));
    let mut sender = sender(&server.url());
    assert_eq!(sender.send(b"one", in_secs(5.0)), delivered());
    assert_eq!(sender.send(b"two", in_secs(5.0)), delivered());
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(server.connections(), 1);
    assert_eq!(received[1].connection, 0);
}

#[test]
fn gzip_bodies_are_what_was_given() {
    let server = Server::start(|_| respond(200, &[], b""));
    let mut settings = settings(&server.url());
    settings.compression = Compression::Gzip;
    let mut sender = sender_for(&settings, &[]);
    let body: Vec<u8> = (0..50_000_u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    for _ in 0..2 {
        assert_eq!(sender.send(&body, in_secs(5.0)), delivered());
    }
    for request in server.received() {
        assert_eq!(request.header("content-encoding"), Some("gzip"));
        assert!(
            request.body.len() < body.len() / 4,
            "{}",
            request.body.len()
        );
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&request.body[..])
            .read_to_end(&mut decoded)
            .expect("valid gzip");
        assert_eq!(decoded, body);
    }
}

#[test]
fn partial_success_is_delivered_with_its_rejections() {
    // partial_success { rejected_spans: 3, error_message: "bad" }
    let answer = [0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, b'b', b'a', b'd'];
    let server = Server::start(move |_| respond(200, &[], &answer));
    let outcome = sender(&server.url()).send(b"x", in_secs(5.0));
    assert_eq!(
        outcome,
        Outcome::Delivered {
            rejected: 3,
            message: Some("bad".to_owned())
        }
    );
}

#[test]
fn bad_request_is_not_retried_and_its_body_not_quoted() {
    let server = Server::start(|_| respond(400, &[], b"token=hunter2 is invalid"));
    let outcome = sender(&server.url()).send(b"x", in_secs(5.0));
    let Outcome::Failed { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        reason,
        "the collector answered 400 Bad Request, which is not retried"
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn redirects_are_not_followed_and_only_their_origin_is_told() {
    let location = "https://user:pw@elsewhere.example:8443/v1/traces?token=hunter2";
    let server = Server::start(move |_| respond(307, &[("location", location)], b""));
    let outcome = sender(&server.url()).send(b"x", in_secs(5.0));
    let Outcome::Failed { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.starts_with(
            "the collector answered 307 Temporary Redirect (a redirect to \
             https://elsewhere.example:8443); redirects are not followed"
        ),
        "{reason}"
    );
    for secret in ["hunter2", "user", "pw", "/v1"] {
        assert!(!reason.contains(secret), "{secret} in {reason}");
    }
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_response_over_4_mib_is_a_failure_not_retried() {
    let big = vec![0_u8; 5 * 1024 * 1024];
    let server = Server::start(move |_| respond(200, &[], &big));
    let outcome = sender(&server.url()).send(b"x", in_secs(10.0));
    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: "the collector answered 200 OK with a body over 4 MiB; not read".to_owned()
        }
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_hanging_collector_returns_at_the_deadline() {
    let server = Server::start(|_| Reply::Hang);
    let start = Instant::now();
    let outcome = sender(&server.url()).send(b"x", start + Duration::from_millis(500));
    let elapsed = start.elapsed();
    assert_eq!(
        outcome,
        Outcome::TimedOut {
            attempts: 1,
            last: None
        }
    );
    assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(700), "{elapsed:?}");
}

#[test]
fn an_unusable_endpoint_fails_fast_with_the_startup_warning() {
    let (mut sender, warnings) = Sender::with_env(&settings("not a url"), &|_| None);
    assert_eq!(warnings, ["the OTLP endpoint is not a valid http(s) URL"]);
    assert_eq!(
        sender.send(b"x", in_secs(5.0)),
        Outcome::Failed {
            reason: warnings[0].clone()
        }
    );
}

#[cfg(not(feature = "tls"))]
#[test]
fn https_without_the_tls_feature_fails_fast() {
    let (mut sender, warnings) =
        Sender::with_env(&settings("https://127.0.0.1:1/v1/traces"), &|_| None);
    // The configuration gives the startup warning; the sender does not repeat it.
    assert!(warnings.is_empty(), "{warnings:?}");
    let start = Instant::now();
    let outcome = sender.send(b"x", in_secs(5.0));
    let Outcome::Failed { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(reason.contains("without its `tls` feature"), "{reason}");
    assert!(start.elapsed() < Duration::from_millis(100));
}

#[test]
fn sends_from_inside_any_runtime_and_opens_no_spans() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing_subscriber::layer::SubscriberExt as _;

    struct Count(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Count {
        fn on_new_span(
            &self,
            _: &tracing::span::Attributes<'_>,
            _: &tracing::span::Id,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn assert_send<T: Send>(_: &T) {}
    let server = Server::start(|_| respond(200, &[], b""));
    let mut sender = sender(&server.url());
    assert_send(&sender);
    let seen = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(Count(seen.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let current = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let outcome = current.block_on(async { sender.send(b"current", in_secs(5.0)) });
        assert_eq!(outcome, delivered());
    });
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "no spans, no tracing events"
    );
    let multi = tokio::runtime::Runtime::new().expect("runtime");
    let outcome = multi.block_on(async move {
        tokio::task::spawn_blocking(move || sender.send(b"multi", in_secs(5.0)))
            .await
            .expect("task")
    });
    assert_eq!(outcome, delivered());
    assert_eq!(server.received().len(), 2);
}
