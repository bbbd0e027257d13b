//! A collector that closes every connection after one answer, talking to a process that has
//! SIGPIPE's default action (it kills the process): a C or Python host embedding a Rust
//! library has it, and so does a Rust binary built to keep it. The next request goes out on
//! the closed connection, whose peer answers with a reset while the body is being written; a
//! write after that raises SIGPIPE unless it is made with `MSG_NOSIGNAL`. The process must
//! survive, and every span must arrive (the request is sent again on a new connection).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use traced_tests::App;
use traced_tests::fault::field;

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
/// Spans of 4 KiB after the pause: a body of about 8 MiB, far more than a socket's send
/// buffer takes at once, so the write is still going on when the reset comes back.
const SPANS: u64 = 2_000;

/// Reads one request (head, then a body of its `content-length`), answers `200` with an empty
/// body and keep-alive implied, and closes the connection.
fn serve_once(stream: TcpStream, requests: &AtomicU64) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    requests.fetch_add(1, Ordering::SeqCst);
    let mut stream = stream;
    stream.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
    )?;
    // Dropped here: closed after one answer, although the answer allowed keep-alive.
    Ok(())
}

#[test]
fn a_collector_closing_kept_connections_does_not_kill_a_process_that_keeps_sigpipe() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = Arc::clone(&counted);
            std::thread::spawn(move || {
                let _ = serve_once(stream, &counted);
            });
        }
    });
    let output = App::new(FAULT_APP)
        .args(["sigpipe", &SPANS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "4096")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096")
        .run(Duration::from_secs(60));
    output.assert_success();
    let (exported, failed, dropped) = (
        field(&output, "stats", "exported"),
        field(&output, "stats", "failed"),
        field(&output, "stats", "dropped"),
    );
    assert_eq!(
        (exported, failed, dropped),
        (SPANS + 1, 0, 0),
        "{}",
        output.dump()
    );
    assert!(requests.load(Ordering::SeqCst) >= 2, "{}", output.dump());
}
