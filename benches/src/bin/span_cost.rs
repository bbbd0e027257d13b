//! Instructions per span on the application thread, for `valgrind --tool=callgrind`: unlike
//! time, an instruction count is repeatable on a shared 2-core machine, so each optimisation of
//! the engine can be compared with the one before it. Workloads W1 to W4: `benches/README.md`.
//!
//! ```sh
//! cargo build --profile bench -p traced-benches --bin span_cost
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out target/release/span_cost 20000
//! callgrind_annotate --inclusive=yes /tmp/cg.out | grep -m1 'traced_code::root_fn'
//! ```
//!
//! Instructions per span = inclusive count of `root_fn` / (2 × iterations). `sampled-out` as
//! the second argument measures W3b's path, `off` W3a's. `async` runs W2's code on a tokio
//! `current_thread` runtime and `async-plain` the same code uninstrumented (the floor): compare
//! the inclusive counts of `span_cost::run_async` (a poll of the whole burst).
//!
//! `otlp-writer` measures the export thread's OTLP encoding instead, alone (no pipeline): the
//! benchmark's two spans written into a request per iteration, a request finished every 512
//! spans. Instructions per span = inclusive count of `span_cost::run_writer` / (2 × iterations).
//! `otlp-log-writer` the same for the log writer: the benchmark's four log records per
//! iteration, a request finished every 512 records. Instructions per record = inclusive count
//! of `span_cost::run_log_writer` / (4 × iterations).
//!
//! `log`, `log-otlp` and `log-otlp-only` measure one `tracing` event inside a span on the
//! logging thread: its JSON line, its line and OTLP log record, its record alone (see
//! `run_logs`). Instructions per event = inclusive count of `span_cost::log_event` /
//! iterations.

use std::time::{Duration, Instant};

use traced_benches::rotel::Blackhole;
use traced_benches::{args, plain_code, traced_code, traced_config};

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let iterations: u64 = argv.get(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let mode = argv.get(2).map_or("sampled", String::as_str);
    if mode == "otlp-writer" {
        let mut fixture = traced::__private::OtlpWriterFixture::benchmark(
            traced::__private::OTLP_DEFAULT_MAX_BODY,
        );
        let bytes = run_writer(&mut fixture, iterations);
        println!("{iterations} iterations: {bytes} bytes encoded");
        return;
    }
    if mode == "otlp-log-writer" {
        let mut fixture = traced::__private::OtlpLogWriterFixture::benchmark(
            traced::__private::OTLP_DEFAULT_MAX_BODY,
        );
        let bytes = run_log_writer(&mut fixture, iterations);
        println!("{iterations} iterations: {bytes} bytes encoded");
        return;
    }
    if mode.starts_with("log") {
        run_logs(iterations, mode);
        return;
    }
    // Large enough for every span: under valgrind the export thread runs only in time slices.
    let config = traced_config().max_queue_size(1 << 20);
    let guard = match mode {
        "off" | "async-plain" => None,
        "sampled-out" => Some(traced::init(config.sampler(traced::Sampler::AlwaysOff))),
        _ => Some(traced::init(config)),
    };
    if mode.starts_with("async") {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        let plain = mode == "async-plain";
        for burst in (0..iterations).step_by(64) {
            runtime.block_on(run_async(burst..(burst + 64).min(iterations), plain));
            std::thread::sleep(std::time::Duration::from_micros(500));
        }
    } else {
        // Paced like W1 (bursts of 64 iterations, then idle), so the export thread keeps up
        // and records are recycled as in a steady flow.
        for burst in (0..iterations).step_by(64) {
            for i in burst..(burst + 64).min(iterations) {
                let (id, label, flag) = args(i);
                traced_code::root_fn(id, label, flag);
            }
            std::thread::sleep(std::time::Duration::from_micros(500));
        }
    }
    if let Some(mut guard) = guard {
        guard.shutdown();
        let stats = guard.stats();
        println!(
            "{iterations} iterations: exported {} dropped {}",
            stats.exported, stats.dropped
        );
    }
}

/// `log`: traced's JSON line on stderr for one `tracing` event inside a span (run it with
/// stderr sent to `/dev/null`). `log-otlp`: the same line and the event's OTLP log record,
/// exported to Rotel (`--exporter blackhole`, another process) from a queue large enough for
/// every record (`OTEL_BLRP_MAX_QUEUE_SIZE` 1 048 576), so each event is a record captured and
/// queued, never one dropped at a full queue; the counts printed at the end say so.
/// `log-otlp-only`: the record alone (`TRACED_LOG_FORMAT=none`). `log-span-fields`: the `log`
/// line with `TRACED_LOG_SPAN_FIELDS` on, inside two nested spans with three attributes between
/// them (`tenant` and `region` on the outer one, `step` on the inner one), all copied onto the
/// line. `log-xray`: the `log` line with `TRACED_LOG_XRAY` on. Instructions per event =
/// inclusive count of `span_cost::log_event` / iterations; run natively, the time inside the
/// bursts per event is printed too (`ns/event`).
fn run_logs(iterations: u64, mode: &str) {
    let exports = matches!(mode, "log-otlp" | "log-otlp-only");
    let receiver = exports.then(|| Blackhole::start().unwrap_or_else(|e| panic!("{e}")));
    let mut config = traced_config().install_logging(true);
    if let Some(receiver) = &receiver {
        config = config
            .log_exporter(traced::ExporterKind::Otlp)
            .otlp_logs_endpoint(format!("{}/v1/logs", receiver.endpoint()))
            .log_max_queue_size(1 << 20);
    }
    match mode {
        "log-otlp-only" => config = config.log_format(None::<traced::LogFormat>),
        "log-span-fields" => config = config.log_span_fields(true),
        "log-xray" => config = config.log_xray(true),
        _ => {}
    }
    let mut guard = traced::init(config);
    let spans = if mode == "log-span-fields" {
        let root = traced::Span::root("logging")
            .attr("tenant", "acme")
            .attr("region", "eu-west-1")
            .enter();
        let child = traced::Span::child("step").attr("step", 3_i64).enter();
        (root, Some(child))
    } else {
        (traced::Span::root("logging").enter(), None)
    };
    let mut timed = Duration::ZERO;
    for burst in (0..iterations).step_by(64) {
        let start = Instant::now();
        for i in burst..(burst + 64).min(iterations) {
            let (id, label, flag) = args(i);
            log_event(id, label, flag);
        }
        timed += start.elapsed();
        std::thread::sleep(Duration::from_micros(500));
    }
    let (root, child) = spans;
    drop(child);
    drop(root);
    guard.shutdown();
    let logs = guard.stats().logs;
    println!(
        "{iterations} events ({mode}): {:.1} ns/event in bursts; log records exported {} \
         failed {} dropped {}",
        timed.as_nanos() as f64 / iterations.max(1) as f64,
        logs.exported,
        logs.failed,
        logs.dropped
    );
}

/// One event with three fields, as an application logs inside a handler.
#[inline(never)]
fn log_event(id: u64, label: &str, flag: bool) {
    tracing::info!(order_id = id, label, flag, "processing the order");
}

/// One burst of W2's iterations, traced or not.
#[inline(never)]
async fn run_async(range: std::ops::Range<u64>, plain: bool) {
    for i in range {
        let (id, label, flag) = args(i);
        if plain {
            plain_code::root_async(id, label, flag).await;
        } else {
            traced_code::root_async(id, label, flag).await;
        }
    }
}

/// The OTLP writer's iterations; the bytes of the requests finished.
#[inline(never)]
fn run_writer(fixture: &mut traced::__private::OtlpWriterFixture, iterations: u64) -> usize {
    let mut bytes = 0;
    for i in 1..=iterations {
        bytes += fixture.encode(|_| {}).bytes;
        if i.is_multiple_of(256) {
            bytes += fixture.finish(|_| {});
        }
    }
    bytes + fixture.finish(|_| {})
}

/// The log writer's iterations; the bytes of the requests finished.
#[inline(never)]
fn run_log_writer(fixture: &mut traced::__private::OtlpLogWriterFixture, iterations: u64) -> usize {
    let mut bytes = 0;
    for i in 1..=iterations {
        bytes += fixture.encode(|_| {}).bytes;
        if i.is_multiple_of(128) {
            bytes += fixture.finish(|_| {});
        }
    }
    bytes + fixture.finish(|_| {})
}
