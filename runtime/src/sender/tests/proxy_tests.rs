//! `HTTP_PROXY` and `NO_PROXY`, through a forwarding proxy written for the test.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use super::server::{Server, close, respond};
use super::*;

/// An HTTP proxy that takes `CONNECT host:port`, records the target, and relays bytes.
struct Proxy {
    port: u16,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let targets: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = targets.clone();
        thread::spawn(move || {
            // Bounded: a test makes one or two connections through it.
            for client in listener.incoming().take(4).flatten() {
                let log = log.clone();
                thread::spawn(move || relay(client, &log));
            }
        });
        Proxy { port, targets }
    }
}

fn relay(client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let Some(target) = line
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next())
    else {
        return;
    };
    log.lock().expect("log").push(target.to_owned());
    let Ok(upstream) = TcpStream::connect(target) else {
        return;
    };
    let mut client_writer = client.try_clone().expect("clone");
    let _ = client_writer.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let mut upstream_reader = upstream.try_clone().expect("clone");
    let mut upstream_writer = upstream.try_clone().expect("clone");
    let back = thread::spawn(move || {
        let _ = std::io::copy(&mut upstream_reader, &mut client_writer);
        close(&client_writer);
    });
    // Bytes ureq already sent after the CONNECT head are in the reader's buffer.
    let _ = std::io::copy(&mut reader, &mut upstream_writer);
    close(&upstream);
    let _ = back.join();
}

#[test]
fn http_proxy_is_used_for_an_http_endpoint() {
    let server = Server::start(|_| respond(200, &[], b""));
    let proxy = Proxy::start();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    let mut sender = sender_for(&settings(&server.url()), &[("HTTP_PROXY", &proxy_url)]);
    // Through ureq, the answer is read at once: `begin` has the outcome.
    assert_eq!(sender.begin(b"via proxy", in_secs(5.0)), Some(delivered()));
    assert_eq!(
        *proxy.targets.lock().expect("log"),
        [format!("127.0.0.1:{}", server.port)]
    );
    assert_eq!(server.received()[0].body, b"via proxy");
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    let server = Server::start(|_| respond(200, &[], b""));
    let proxy = Proxy::start();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    let env = [
        ("http_proxy", proxy_url.as_str()),
        ("NO_PROXY", "localhost,127.0.0.0/8"),
    ];
    let mut sender = sender_for(&settings(&server.url()), &env);
    assert_eq!(sender.send(b"direct", in_secs(5.0)), delivered());
    assert!(proxy.targets.lock().expect("log").is_empty());
    assert_eq!(server.received().len(), 1);
    // `HTTPS_PROXY` is not for an `http://` endpoint.
    let mut sender = sender_for(&settings(&server.url()), &[("HTTPS_PROXY", &proxy_url)]);
    assert_eq!(sender.send(b"direct", in_secs(5.0)), delivered());
    assert!(proxy.targets.lock().expect("log").is_empty());
}
