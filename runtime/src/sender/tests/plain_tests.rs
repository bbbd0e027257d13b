//! Our HTTP/1.1 client (`plain/`): what it sends, and each way a response can be framed.

use super::raw::{PARTIAL, Raw, answer_all, client_for};
use super::server::{Reply, Server, respond};
use super::*;
use crate::sender::client::{Attempt, Client, USER_AGENT};

const SECS: Duration = Duration::from_secs(5);

fn partial() -> Attempt {
    Attempt::Delivered {
        rejected: 3,
        message: Some("bad".to_owned()),
    }
}

fn ok() -> Attempt {
    Attempt::Delivered {
        rejected: 0,
        message: None,
    }
}

#[test]
fn a_direct_http_endpoint_gets_our_client_and_a_proxied_one_ureq() {
    let server = Server::start(|_| respond(200, &[], b""));
    let plain = |sender: &Sender| matches!(sender.client, Ok(Client::Plain(_)));
    assert!(plain(&sender(&server.url())));
    let proxied = sender_for(
        &settings(&server.url()),
        &[("HTTP_PROXY", "http://127.0.0.1:1")],
    );
    assert!(!plain(&proxied));
}

#[test]
fn sends_our_headers_the_configured_ones_and_the_host_with_its_port() {
    let server = Raw::start(|s| answer_all(s, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
    let mut client = server.plain(&[("x-api-key", "secret"), ("x-tenant", "a b")]);
    assert_eq!(client.attempt(b"\x0a\x00", false, SECS), ok());
    assert_eq!(client.attempt(b"\x0a\x00\x01", true, SECS), ok());
    let received = server.received();
    let (first, second) = (&received[0], &received[1]);
    assert_eq!(first.request_line, "POST /v1/traces HTTP/1.1");
    let host = format!("127.0.0.1:{}", server.port);
    for (name, value) in [
        ("host", host.as_str()),
        ("user-agent", USER_AGENT),
        ("content-type", "application/x-protobuf"),
        ("content-length", "2"),
        ("x-api-key", "secret"),
        ("x-tenant", "a b"),
    ] {
        assert_eq!(first.header(name), Some(value), "{name}");
        assert_eq!(
            first.headers.iter().filter(|(n, _)| n == name).count(),
            1,
            "{name}"
        );
    }
    assert_eq!(first.header("content-encoding"), None);
    assert_eq!(second.header("content-encoding"), Some("gzip"));
    assert_eq!(second.header("content-length"), Some("3"));
    assert_eq!(second.body, b"\x0a\x00\x01");
}

#[test]
fn a_large_body_arrives_byte_for_byte() {
    let server = Server::start(|_| respond(200, &[], b""));
    let mut sender = sender(&server.url());
    // 3 MiB that no shift or repeat of a piece would reproduce: the socket takes it in several
    // writes, each resumed where the last ended.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let body: Vec<u8> = (0..3 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert_eq!(sender.send(&body, in_secs(10.0)), delivered());
    assert_eq!(sender.send(&body[..1 << 20], in_secs(10.0)), delivered());
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(received[0].body == body, "the first body differs");
    assert!(
        received[1].body == body[..1 << 20],
        "the second body differs"
    );
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_chunked_answer_is_decoded_and_its_end_found() {
    let mut answer =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;name=value\r\n".to_vec();
    answer.extend_from_slice(&PARTIAL[..4]);
    answer.extend_from_slice(b"\r\n5\r\n");
    answer.extend_from_slice(&PARTIAL[4..]);
    answer.extend_from_slice(b"\r\n0\r\nx-trailer: 1\r\n\r\n");
    let server = Server::start(move |_| Reply::Bytes(answer.clone()));
    let mut client = client_for(&server.url(), &[]);
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    // The end was found exactly: the connection carries the next request.
    assert_eq!(client.attempt(b"y", false, SECS), partial());
    assert_eq!(server.connections(), 1);
}

#[test]
fn interim_answers_are_skipped() {
    let mut answer =
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </s.css>\r\n\r\n\
        HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n"
            .to_vec();
    answer.extend_from_slice(&PARTIAL);
    let server = Server::start(move |_| Reply::Bytes(answer.clone()));
    let mut client = client_for(&server.url(), &[]);
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_head_in_many_small_pieces() {
    let server = Raw::start(|s| {
        while s.request().is_some() {
            let mut answer =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 9\r\n\r\n"
                    .to_vec();
            answer.extend_from_slice(&PARTIAL);
            for byte in answer {
                s.send(&[byte]);
                std::thread::sleep(Duration::from_micros(300));
            }
        }
    });
    let mut client = server.plain(&[]);
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    assert_eq!(server.connections(), 1);
}

#[test]
fn no_content_has_no_body_even_with_a_length() {
    // RFC 9112 §6.3: a 204 ends with its head, whatever it says.
    let server = Server::start(|_| {
        Reply::Bytes(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n".to_vec())
    });
    let mut client = client_for(&server.url(), &[]);
    assert_eq!(client.attempt(b"x", false, SECS), ok());
    assert_eq!(client.attempt(b"x", false, SECS), ok());
    assert_eq!(server.connections(), 1);
}

#[test]
fn an_http_1_0_body_ends_at_the_close_and_the_connection_is_not_reused() {
    let server = Raw::start(|s| {
        if s.request().is_some() {
            let mut answer = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
            answer.extend_from_slice(&PARTIAL);
            s.send(&answer);
        }
        // The session ends: the connection closes.
    });
    let mut client = server.plain(&[]);
    assert_eq!(client.attempt(b"x", false, SECS), partial());
    assert_eq!(client.attempt(b"y", false, SECS), partial());
    assert_eq!(server.connections(), 2);
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_2xx_body_over_4_mib_is_a_failure_however_framed() {
    let too_large =
        Attempt::Fail("the collector answered 200 OK with a body over 4 MiB; not read".to_owned());
    let mut chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..5 {
        chunked.extend_from_slice(b"100000\r\n");
        chunked.extend_from_slice(&[0; 1 << 20]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let server = Server::start(move |_| Reply::Bytes(chunked.clone()));
    assert_eq!(
        client_for(&server.url(), &[]).attempt(b"x", false, SECS),
        too_large
    );
    let declared = b"HTTP/1.1 200 OK\r\ncontent-length: 5242880\r\n\r\n".to_vec();
    let server = Server::start(move |_| Reply::Bytes(declared.clone()));
    assert_eq!(
        client_for(&server.url(), &[]).attempt(b"x", false, SECS),
        too_large
    );
    let server = Raw::start(|s| {
        if s.request().is_some() {
            s.send(b"HTTP/1.1 200 OK\r\n\r\n");
            s.send(&[0; 5 << 20]);
        }
    });
    assert_eq!(server.plain(&[]).attempt(b"x", false, SECS), too_large);
}

#[test]
fn what_is_not_http_is_a_failure() {
    let not_http = Attempt::Fail(
        "the collector's answer is not valid HTTP/1.1 (is the endpoint's scheme right?)".to_owned(),
    );
    for answer in [
        // A TLS alert: an https server at an http:// endpoint.
        &b"\x15\x03\x03\x00\x02\x02\x46"[..],
        b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
    ] {
        let answer = answer.to_vec();
        let server = Server::start(move |_| Reply::Bytes(answer.clone()));
        let attempt = client_for(&server.url(), &[]).attempt(b"x", false, SECS);
        assert_eq!(attempt, not_http);
    }
    // A malformed chunk after a 2xx head: the collector accepted the data.
    let answer = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n".to_vec();
    let server = Server::start(move |_| Reply::Bytes(answer.clone()));
    assert_eq!(
        client_for(&server.url(), &[]).attempt(b"x", false, SECS),
        ok()
    );
}

#[test]
fn a_redirect_names_the_origin_of_its_location_only() {
    let server = Server::start(|_| respond(308, &[("location", "/v2/traces?token=hunter2")], b""));
    let attempt = client_for(&server.url(), &[]).attempt(b"x", false, SECS);
    let Attempt::Fail(reason) = attempt else {
        panic!("{attempt:?}");
    };
    let expected = format!(
        "the collector answered 308 Permanent Redirect (a redirect to http://127.0.0.1:{}); \
         redirects are not followed: set the endpoint to where the collector is",
        server.port
    );
    assert_eq!(reason, expected);
}
