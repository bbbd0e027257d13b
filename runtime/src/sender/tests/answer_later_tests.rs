//! `Sender::begin` and `Sender::end`: a request sent now whose answer is read later, retried
//! from the bytes kept, on our client; ureq (proxies, `https://`) answers at once.

use std::io::Read as _;
use std::thread;

use super::raw::{PARTIAL, Raw};
use super::server::{Reply, Server, closed_port, respond};
use super::*;

/// Waits until `server` has received `n` requests (at most 5 s).
fn wait_received(server: &Server, n: usize) {
    let start = Instant::now();
    while server.received().len() < n {
        assert!(start.elapsed() < Duration::from_secs(5), "not received");
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_request_is_received_before_its_answer_is_read_and_the_connection_is_kept() {
    let server = Server::start(|_| respond(200, &[], &PARTIAL));
    let mut sender = sender(&server.url());
    for (n, body) in [&b"first"[..], b"second"].into_iter().enumerate() {
        assert_eq!(sender.begin(body, in_secs(5.0)), None, "sent, not answered");
        // The collector has the request while the caller goes on.
        wait_received(&server, n + 1);
        assert_eq!(
            sender.end(body, in_secs(5.0)),
            Outcome::Delivered {
                rejected: 3,
                message: Some("bad".to_owned())
            }
        );
    }
    let received = server.received();
    assert_eq!(received[0].body, b"first");
    assert_eq!(received[1].body, b"second");
    assert_eq!(server.connections(), 1);
}

#[test]
fn an_answer_read_later_that_asks_to_retry_sends_the_same_bytes_again() {
    for compression in [Compression::None, Compression::Gzip] {
        let server = Server::start(|n| match n {
            0 => respond(503, &[], b"busy"),
            1 => respond(429, &[("retry-after", "0")], b""),
            _ => respond(200, &[], b""),
        });
        let mut settings = settings(&server.url());
        settings.compression = compression;
        let mut sender = sender_for(&settings, &[]);
        let body: Vec<u8> = (0..50_000_u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(sender.begin(&body, in_secs(5.0)), None);
        assert_eq!(
            sender.end(&body, in_secs(5.0)),
            delivered(),
            "{compression:?}"
        );
        let received = server.received();
        assert_eq!(received.len(), 3, "{compression:?}");
        for again in &received[1..] {
            assert_eq!(again.body, received[0].body, "{compression:?}");
        }
        let sent = match compression {
            Compression::Gzip => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&received[2].body[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
                out
            }
            Compression::None => received[2].body.clone(),
        };
        assert_eq!(sent, body, "{compression:?}");
    }
}

#[test]
fn a_kept_connection_closed_before_a_request_read_later_is_answered_sends_it_again_at_once() {
    // Each connection answers one request, then closes as an idle connection would be.
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let mut sender = sender(&server.url());
    // A backoff this long would show: the resend is at once.
    sender.set_backoff(Duration::from_secs(3), Duration::from_secs(3));
    let start = Instant::now();
    for _ in 0..3 {
        assert_eq!(sender.begin(b"x", in_secs(5.0)), None);
        assert_eq!(sender.end(b"x", in_secs(5.0)), delivered());
        // The close reaches the client while its connection is idle.
        thread::sleep(Duration::from_millis(30));
    }
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received().len(), 3, "each body is received once");
    assert_eq!(server.connections(), 3);
}

#[test]
fn an_answer_that_never_comes_ends_at_the_deadline_given_to_end() {
    let server = Server::start(|_| Reply::Hang);
    let mut sender = sender(&server.url());
    assert_eq!(sender.begin(b"x", in_secs(5.0)), None);
    let start = Instant::now();
    let outcome = sender.end(b"x", start + Duration::from_millis(300));
    let elapsed = start.elapsed();
    assert_eq!(
        outcome,
        Outcome::TimedOut {
            attempts: 1,
            last: None
        }
    );
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(800), "{elapsed:?}");
}

#[test]
fn a_request_that_cannot_be_written_has_its_outcome_from_begin() {
    let url = format!("http://127.0.0.1:{}/v1/traces", closed_port());
    let mut sender = sender(&url);
    let outcome = sender.begin(b"x", in_secs(0.2));
    assert!(
        matches!(&outcome, Some(Outcome::TimedOut { attempts, .. }) if *attempts >= 2),
        "{outcome:?}"
    );
    // Nothing is left to answer.
    assert_eq!(
        sender.end(b"x", in_secs(1.0)),
        Outcome::Failed {
            reason: "no request was sent to answer".to_owned()
        }
    );
}
