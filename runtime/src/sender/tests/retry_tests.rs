//! Retries, `Retry-After` pauses and the deadline.

use std::sync::Arc;
use std::thread;

use super::server::{Server, closed_port, respond};
use super::*;

#[test]
fn retryable_statuses_are_retried_with_backoff() {
    let server = Server::start(|n| {
        if n < 2 {
            respond(503, &[], b"busy")
        } else {
            respond(200, &[], b"")
        }
    });
    let mut sender = sender(&server.url());
    assert_eq!(sender.send(b"x", in_secs(5.0)), delivered());
    let received = server.received();
    assert_eq!(received.len(), 3);
    // Backoff 10 ms, then 20 ms, each at least half of that (jitter).
    assert!(received[1].at - received[0].at >= Duration::from_millis(5));
    assert!(received[2].at - received[1].at >= Duration::from_millis(10));
    assert_eq!(server.connections(), 1, "a 503 keeps the connection");
}

#[test]
fn every_retryable_status_and_only_those() {
    for status in [429, 502, 503, 504] {
        let server = Server::start(move |n| {
            if n == 0 {
                respond(status, &[], b"")
            } else {
                respond(200, &[], b"")
            }
        });
        assert_eq!(
            sender(&server.url()).send(b"x", in_secs(5.0)),
            delivered(),
            "{status}"
        );
        assert_eq!(server.received().len(), 2, "{status}");
    }
    for status in [401, 403, 404, 413, 500, 501] {
        let server = Server::start(move |_| respond(status, &[], b""));
        let outcome = sender(&server.url()).send(b"x", in_secs(5.0));
        assert!(
            matches!(outcome, Outcome::Failed { .. }),
            "{status}: {outcome:?}"
        );
        assert_eq!(server.received().len(), 1, "{status}");
    }
}

#[test]
fn retry_after_pauses_every_sender_of_the_origin() {
    let server = Arc::new(Server::start(|n| {
        if n == 0 {
            respond(429, &[("retry-after", "1")], b"")
        } else {
            respond(200, &[], b"")
        }
    }));
    let url = server.url();
    let first = thread::spawn({
        let url = url.clone();
        move || sender(&url).send(b"first", in_secs(5.0))
    });
    // The second sender (the other signal's, say) starts once the 429 has been answered.
    while server.received().is_empty() {
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(50));
    let second = sender(&url).send(b"second", in_secs(5.0));
    assert_eq!(second, delivered());
    assert_eq!(first.join().expect("first sender"), delivered());
    let received = server.received();
    assert_eq!(received.len(), 3);
    for later in &received[1..] {
        let waited = later.at - received[0].at;
        assert!(waited >= Duration::from_millis(950), "{waited:?}");
    }
}

#[test]
fn retry_after_past_the_deadline_gives_up_at_the_deadline() {
    let server = Server::start(|_| respond(503, &[("retry-after", "30")], b""));
    let start = Instant::now();
    let outcome = sender(&server.url()).send(b"x", start + Duration::from_millis(400));
    let elapsed = start.elapsed();
    assert_eq!(
        outcome,
        Outcome::TimedOut {
            attempts: 1,
            last: Some("the collector answered 503 Service Unavailable".to_owned())
        }
    );
    assert!(elapsed >= Duration::from_millis(390), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
    // The pause lasted as long as that batch had: the next batch is sent at once.
    let start = Instant::now();
    let _ = sender(&server.url()).send(b"y", start + Duration::from_millis(200));
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(
        received[1].at - start < Duration::from_millis(100),
        "sent at once"
    );
}

#[test]
fn connection_refused_is_retried_until_the_deadline() {
    let url = format!("http://127.0.0.1:{}/v1/traces", closed_port());
    let start = Instant::now();
    let outcome = sender(&url).send(b"x", start + Duration::from_millis(300));
    let elapsed = start.elapsed();
    let Outcome::TimedOut { attempts, last } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(attempts >= 5, "{attempts}");
    let last = last.expect("a reason");
    assert!(last.starts_with("connection failed: "), "{last}");
    // It stops when the next wait would end past the deadline (backoff at most 40 ms); the
    // upper bound leaves room for a loaded machine.
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(400), "{elapsed:?}");
}
