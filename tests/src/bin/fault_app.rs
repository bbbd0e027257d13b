//! The binary the collector-fault tests run (README, Guarantees, "Collector faults"), configured by
//! the environment (`OTEL_*`) and initialised with `traced::init`:
//!
//! - `fault_app spans N [PER_MS]`: `N` root spans on a sync `main`, `PER_MS` per millisecond
//!   (0 or absent: as fast as possible), each with a 4 KiB string attribute; prints how long
//!   the loop took, the mean time spent in the span-creating calls and how much the peak RSS
//!   grew during the loop, the marker, then shuts down and prints the guard's stats.
//! - `fault_app main|task|blocking N`: `N` spans on a `multi_thread` tokio runtime, then the
//!   guard is dropped at the end of the async `main`, inside a spawned task, or in
//!   `spawn_blocking`.
//!
//! - `fault_app sigpipe N`: restores SIGPIPE's default action (which kills the process), as a
//!   host in another language or a Rust binary built to keep SIGPIPE may have it; then one
//!   span, flushed, a pause (the collector closes the kept connection meanwhile), `N` spans
//!   of 4 KiB, flushed, and the guard's stats.
//!
//! It prints `traced_tests::MAIN_RETURNING` just before the shutdown starts, so tests can time it.

use std::time::{Duration, Instant};

use traced::Span;
use traced_tests::MAIN_RETURNING;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: i64 = args.get(1).map_or(Ok(1_000), |n| n.parse())?;
    let guard = traced::init(traced::Config::new().service_name("fault-app"));
    match args.first().map(String::as_str) {
        Some("spans") => {
            let per_ms: i64 = args.get(2).map_or(Ok(0), |n| n.parse())?;
            spans(guard, n, per_ms);
            Ok(())
        }
        Some(place @ ("main" | "task" | "blocking")) => on_runtime(guard, place, n),
        Some("sigpipe") => {
            sigpipe(guard, n);
            Ok(())
        }
        other => anyhow::bail!("unknown scenario {other:?}"),
    }
}

fn spans(guard: traced::Guard, n: i64, per_ms: i64) {
    let peak_before = peak_rss_kib();
    let started = Instant::now();
    let in_spans = create(n, per_ms);
    let took = started.elapsed();
    println!(
        "fault: loop spans={n} took_us={} per_span_ns={} peak_growth_kib={}",
        took.as_micros(),
        in_spans.as_nanos() / n.max(1) as u128,
        peak_rss_kib().saturating_sub(peak_before)
    );
    finish(guard);
}

fn sigpipe(guard: traced::Guard, n: i64) {
    // SAFETY: `signal` is called before this program starts any thread of its own (the export
    // thread runs traced's code only, which installs no signal handler), with a valid signal
    // number and the default action, which needs no handler function.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    create(1, 0);
    println!(
        "fault: flush first={:?}",
        traced::flush(Duration::from_secs(5))
    );
    std::thread::sleep(Duration::from_millis(300));
    create(n, 0);
    println!(
        "fault: flush second={:?}",
        traced::flush(Duration::from_secs(10))
    );
    finish(guard);
}

/// Shuts down, timed from `MAIN_RETURNING`, and prints the counts.
fn finish(mut guard: traced::Guard) {
    println!("{MAIN_RETURNING}");
    guard.shutdown();
    let stats = guard.stats();
    println!(
        "fault: stats exported={} failed={} dropped={}",
        stats.exported, stats.failed, stats.dropped
    );
}

/// The peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Creates and ends `n` root spans; returns the time spent in the span calls (not sleeping).
/// Each carries a 4 KiB value, so spans held beyond the queue would show in the peak RSS.
fn create(n: i64, per_ms: i64) -> Duration {
    let payload = "x".repeat(4096);
    let mut in_spans = Duration::ZERO;
    for i in 0..n {
        let started = Instant::now();
        drop(
            Span::root("fault.span")
                .attr("i", i)
                .attr("payload", payload.as_str())
                .enter(),
        );
        in_spans += started.elapsed();
        if per_ms > 0 && i % per_ms == per_ms - 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    in_spans
}

fn on_runtime(guard: traced::Guard, place: &str, n: i64) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        tokio::spawn(async move { create(n, 0) }).await?;
        println!("{MAIN_RETURNING}");
        match place {
            "main" => drop(guard),
            "task" => tokio::spawn(async move { drop(guard) }).await?,
            _ => tokio::task::spawn_blocking(move || drop(guard)).await?,
        }
        anyhow::Ok(())
    })
}
