//! Our HTTP/1.1 client (`plain/`): its kept connection, connections that fail, and time.

use std::thread;

use super::raw::{PARTIAL, Raw, answer_all, client_for};
use super::server::{Reply, Server, closed_port, respond};
use super::*;
use crate::sender::client::Attempt;

const SECS: Duration = Duration::from_secs(5);
const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";

fn ok() -> Attempt {
    Attempt::Delivered {
        rejected: 0,
        message: None,
    }
}

fn retry_reason(attempt: Attempt) -> String {
    match attempt {
        Attempt::Retry {
            reason,
            retry_after: None,
        } => reason,
        other => panic!("{other:?}"),
    }
}

#[test]
fn connection_close_is_obeyed_and_the_next_request_opens_a_new_connection() {
    let server = Server::start(|_| respond(200, &[("connection", "close")], &PARTIAL));
    let mut client = client_for(&server.url(), &[]);
    for _ in 0..3 {
        assert_eq!(
            client.attempt(b"x", false, SECS),
            Attempt::Delivered {
                rejected: 3,
                message: Some("bad".to_owned())
            }
        );
    }
    assert_eq!(server.connections(), 3);
    let received = server.received();
    assert_eq!(
        received.iter().map(|r| r.connection).collect::<Vec<_>>(),
        [0, 1, 2]
    );
}

#[test]
fn a_kept_connection_the_collector_closed_while_idle_costs_nothing() {
    // Each connection answers one request, then closes as an idle connection would be.
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(OK);
        }
    });
    let mut client = server.plain(&[]);
    for n in 1..=3 {
        assert_eq!(client.attempt(b"x", false, SECS), ok());
        assert_eq!(server.received().len(), n, "each body is received once");
        // The close reaches the client while its connection is idle.
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.connections(), 3);
}

#[test]
fn a_fresh_connection_closed_before_the_answer_is_a_retryable_failure_not_resent() {
    let server = Raw::start(|s| {
        let _ = s.request();
    });
    let reason = retry_reason(server.plain(&[]).attempt(b"x", false, SECS));
    assert_eq!(reason, "connection failed: unexpected end of file");
    assert_eq!(server.connections(), 1, "no second connection");
}

#[test]
fn a_reset_in_the_middle_of_the_answer_is_a_retryable_failure() {
    let server = Raw::start(|s| {
        // Most of the request is left unread: closing then resets the connection.
        s.read_some(16);
        s.send(b"HTTP/1.1 200 OK\r\ncontent-le");
        thread::sleep(Duration::from_millis(50));
    });
    let reason = retry_reason(server.plain(&[]).attempt(&[7; 4096], false, SECS));
    assert!(reason.starts_with("connection failed: "), "{reason}");
    assert_eq!(server.connections(), 1, "no second connection");
}

#[test]
fn connection_refused_is_a_retryable_failure() {
    let url = format!("http://127.0.0.1:{}/v1/traces", closed_port());
    let reason = retry_reason(client_for(&url, &[]).attempt(b"x", false, SECS));
    assert!(
        reason.starts_with("connection failed: Connection refused"),
        "{reason}"
    );
}

#[test]
fn an_answer_that_never_comes_ends_at_the_timeout() {
    let server = Server::start(|_| Reply::Hang);
    let mut client = client_for(&server.url(), &[]);
    for timeout in [300, 150] {
        let start = Instant::now();
        let attempt = client.attempt(b"x", false, Duration::from_millis(timeout));
        let elapsed = start.elapsed();
        assert_eq!(attempt, Attempt::TimedOut);
        assert!(elapsed >= Duration::from_millis(timeout), "{elapsed:?}");
        assert!(
            elapsed < Duration::from_millis(timeout + 100),
            "{elapsed:?}"
        );
    }
}

#[test]
fn a_socket_timeout_shorter_than_the_time_left_does_not_end_the_wait() {
    // The first request sets the socket's timeouts to about 200 ms; the second has 390 ms,
    // which does not change them (less than twice as long), and is answered after 260 ms: its
    // read times out once on the socket's timeout and is made again.
    let server = Raw::start(|s| {
        let mut n = 0;
        while s.request().is_some() {
            if n == 1 {
                thread::sleep(Duration::from_millis(260));
            }
            s.send(OK);
            n += 1;
        }
    });
    let mut client = server.plain(&[]);
    assert_eq!(
        client.attempt(b"x", false, Duration::from_millis(200)),
        ok()
    );
    let start = Instant::now();
    assert_eq!(
        client.attempt(b"y", false, Duration::from_millis(390)),
        ok()
    );
    assert!(start.elapsed() >= Duration::from_millis(260));
    assert_eq!(server.connections(), 1);
}

#[test]
fn too_many_requests_with_retry_after_is_retried_after_the_wait() {
    let server = Raw::start(|s| {
        answer_all(
            s,
            b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\ncontent-length: 4\r\n\r\nslow",
        );
    });
    let mut client = server.plain(&[]);
    for _ in 0..2 {
        assert_eq!(
            client.attempt(b"x", false, SECS),
            Attempt::Retry {
                reason: "the collector answered 429 Too Many Requests".to_owned(),
                retry_after: Some(Duration::from_secs(7)),
            }
        );
    }
    assert_eq!(
        server.connections(),
        1,
        "the body was read, the connection kept"
    );
}

#[test]
fn a_refusal_with_a_body_over_4_mib_is_left_unread_and_its_connection_dropped() {
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 2\r\ncontent-length: 5242880\r\n\r\n");
            s.send(&[0; 64 * 1024]);
            // Waits for the client's close, not for the rest of what it announced.
            let _ = s.request();
        }
    });
    let mut client = server.plain(&[]);
    for _ in 0..2 {
        let start = Instant::now();
        assert_eq!(
            client.attempt(b"x", false, SECS),
            Attempt::Retry {
                reason: "the collector answered 503 Service Unavailable".to_owned(),
                retry_after: Some(Duration::from_secs(2)),
            }
        );
        assert!(start.elapsed() < Duration::from_secs(1), "not waited for");
    }
    assert_eq!(server.connections(), 2, "a new connection");
}

#[test]
fn a_refusal_whose_body_ends_at_the_close_is_not_waited_for() {
    // A body without a length, from a server that keeps the connection open.
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(b"HTTP/1.1 503 Service Unavailable\r\n\r\nbusy");
            let _ = s.request();
        }
    });
    let start = Instant::now();
    let attempt = server.plain(&[]).attempt(b"x", false, SECS);
    assert_eq!(
        attempt,
        Attempt::Retry {
            reason: "the collector answered 503 Service Unavailable".to_owned(),
            retry_after: None,
        }
    );
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn through_the_sender_a_closed_kept_connection_is_no_failure() {
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(OK);
        }
    });
    let mut sender = sender(&server.url());
    // A backoff this long would show: the resend is at once.
    sender.set_backoff(Duration::from_secs(3), Duration::from_secs(3));
    let start = Instant::now();
    for _ in 0..3 {
        assert_eq!(sender.send(b"x", in_secs(5.0)), delivered());
        thread::sleep(Duration::from_millis(30));
    }
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(server.received().len(), 3);
}
