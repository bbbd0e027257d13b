//! Shared pieces of the benchmarks (see `benches/README.md`): the same user code for every
//! candidate (`root_fn(id, label, flag)` calling `child_fn(id, label, flag)`, each a span with the
//! three arguments as attributes, both `#[inline(never)]`), the paced workload, discarding
//! exporters and the result lines `run.sh` collects.
//!
//! Each candidate that installs global state (a subscriber, a provider, a reporter, traced's
//! pipeline) runs in its own bench target, hence its own process.

use std::hint::black_box;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

pub mod cpu;
pub mod fastrace_code;
pub mod log_events;
pub mod logs_receiver;
pub mod otel_code;
pub mod paced;
pub mod plain_code;
pub mod rotel;
pub mod thread_allocs;
pub mod traced_code;
pub mod tracing_code;
pub mod window;

/// Iterations timed back to back before the idle gap of the paced workload (W1).
pub const BURST: u64 = 64;
/// [`BURST`], or `BENCH_BURST` from the environment (to see how much of a burst's time is the
/// cold start after the idle gap).
fn burst_len() -> u64 {
    static LEN: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LEN.get_or_init(|| {
        std::env::var("BENCH_BURST")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(BURST)
    })
}

/// The idle gap after each burst, not timed, so the export thread keeps up.
pub const IDLE: Duration = Duration::from_micros(150);

/// Root spans plus child spans started by the benchmark loops, warm-up included.
pub static PRODUCED: AtomicU64 = AtomicU64::new(0);
/// Spans that reached a discarding exporter or reporter.
pub static DELIVERED: AtomicU64 = AtomicU64::new(0);

/// The arguments of one iteration, opaque to the optimiser.
#[inline(always)]
pub fn args(i: u64) -> (u64, &'static str, bool) {
    (black_box(i), black_box("checkout"), black_box(i & 1 == 0))
}

/// An OpenTelemetry SDK exporter that counts the spans it is given and drops them.
#[derive(Debug, Default)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        DELIVERED.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// A criterion configured from the command line, with the group settings all workloads share.
pub fn criterion() -> Criterion {
    Criterion::default().configure_from_args()
}

/// W1: bursts of [`BURST`] iterations of `iteration` timed, each followed by [`IDLE`] not timed.
/// Throughput `Elements(2)`: criterion's element rate is spans per second, and its time per
/// iteration halved is the time per span.
pub fn bench_paced(
    c: &mut Criterion,
    workload: &str,
    candidate: &str,
    mut iteration: impl FnMut(u64),
) {
    bench_paced_bursts(c, workload, candidate, |range| {
        for i in range {
            iteration(i);
        }
    });
}

/// [`bench_paced`] for workloads that run a whole burst at once (W2 runs each burst in one
/// `block_on`, so the runtime's entry and exit are not counted as span cost): `burst` runs the
/// iterations of `range`.
pub fn bench_paced_bursts(
    c: &mut Criterion,
    workload: &str,
    candidate: &str,
    mut burst: impl FnMut(Range<u64>),
) {
    let mut group = c.benchmark_group(workload);
    group.throughput(Throughput::Elements(2));
    group.bench_function(candidate, |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let n = burst_len().min(iters - done);
                let start = Instant::now();
                burst(done..done + n);
                timed += start.elapsed();
                done += n;
                PRODUCED.fetch_add(2 * n, Ordering::Relaxed);
                std::thread::sleep(IDLE);
            }
            timed
        })
    });
    group.finish();
}

/// An unpaced loop: the time per iteration of `iteration` called back to back.
pub fn bench_unpaced(
    c: &mut Criterion,
    group: &str,
    candidate: &str,
    mut iteration: impl FnMut(u64),
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(2));
    let mut i = 0u64;
    g.bench_function(candidate, |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            iteration(i)
        })
    });
    g.finish();
}

/// Prints the share of produced spans that reached the exporter, as the line `run.sh` reads:
/// `DELIVERED <candidate> <workload> <delivered> <produced>`.
pub fn report_delivered(candidate: &str, workload: &str) {
    let produced = PRODUCED.load(Ordering::Relaxed);
    let delivered = DELIVERED.load(Ordering::Relaxed);
    let share = if produced == 0 {
        0.0
    } else {
        100.0 * delivered as f64 / produced as f64
    };
    println!("{candidate} {workload}: {delivered} of {produced} spans delivered ({share:.2} %)");
    println!("DELIVERED {candidate} {workload} {delivered} {produced}");
}

/// The process's peak resident set (`VmHWM`) in KiB, from `/proc/self/status`.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A `traced` configuration exporting to [`Discard`], without logging or panic hook.
pub fn traced_config() -> traced::Config {
    traced::Config::new()
        .with_exporter(Discard)
        .install_logging(false)
        .install_panic_hook(false)
}
