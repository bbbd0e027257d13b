//! Export capacity: spans per second traced delivers over OTLP/HTTP protobuf from its one
//! export thread to a local receiver (in this process, on its own tokio runtime) that
//! decodes each request and discards it.
//!
//! One thread produces spans for `--seconds S` (default 5), in bursts of 128 spans, either as
//! fast as it can (the default: the ceiling, with the producer taking a whole core of the two)
//! or at `--rate R` spans per second (each burst waits for its time on a schedule kept from the
//! start, so the offered load can be set below or above capacity); then the guard flushes.
//! Delivered per second = spans the receiver decoded / time from the first span to the end of
//! the flush.
//!
//! `cargo run --release -p traced-benches --bin otlp_capacity -- --seconds 5 [--rate 300000]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use traced_benches::{args, traced_code};

fn arg(name: &str, default: u64) -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

async fn receive(
    State(received): State<Arc<AtomicU64>>,
    headers: HeaderMap,
    body: Bytes,
) -> Vec<u8> {
    let gzip = headers
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let body = if gzip {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
            .expect("gzip body");
        Bytes::from(out)
    } else {
        body
    };
    let request = ExportTraceServiceRequest::decode(body).expect("protobuf body");
    let spans: usize = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    received.fetch_add(spans as u64, Ordering::Relaxed);
    ExportTraceServiceResponse::default().encode_to_vec()
}

fn main() {
    let seconds = arg("--seconds", 5);
    let rate = arg("--rate", 0);
    let received = Arc::new(AtomicU64::new(0));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(80 << 20))
        .with_state(Arc::clone(&received));
    runtime.spawn(async move { axum::serve(listener, app).await });

    let mut guard = traced::init(
        traced::Config::new()
            .otlp_endpoint(format!("http://{addr}/v1/traces"))
            .install_logging(false)
            .install_panic_hook(false),
    );
    let start = Instant::now();
    let mut produced = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        for _ in 0..64 {
            let (id, label, flag) = args(produced);
            traced_code::root_fn(id, label, flag);
            produced += 2;
        }
        if rate > 0 {
            let due = start + Duration::from_secs_f64(produced as f64 / rate as f64);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
    }
    let offered = produced as f64 / start.elapsed().as_secs_f64();
    guard.shutdown();
    let elapsed = start.elapsed().as_secs_f64();
    let stats = guard.stats();
    let delivered = received.load(Ordering::Relaxed);
    println!(
        "otlp: offered {:.0} k spans/s, delivered {delivered} of {produced} ({:.2} %) in {elapsed:.1} s: {:.0} k spans/s; exported {} failed {} dropped {}",
        offered / 1e3,
        100.0 * delivered as f64 / produced.max(1) as f64,
        delivered as f64 / elapsed / 1e3,
        stats.exported,
        stats.failed,
        stats.dropped
    );
    println!(
        "OTLP traced {:.0} {delivered} {produced}",
        delivered as f64 / elapsed
    );
}
