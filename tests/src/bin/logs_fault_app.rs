//! The binary the log-record fault, flush, overload, shutdown and split tests run
//! (`tests/logs_faults.rs`, `tests/logs_flush.rs`, `tests/logs_overload.rs`,
//! `tests/logs_shutdown.rs`, `tests/logs_split.rs`), configured by the environment (`OTEL_*`,
//! `RUST_LOG`) and initialised with `traced::init` rather than `#[traced_service]`, because it
//! prints the guard's counts after the shutdown:
//!
//! - `logs_fault_app records N [IDLE_MS]`: `N` INFO events (field `i`) inside a root span
//!   `records.root`, then three root spans `records.span`; prints `fault: loop done`, idles
//!   `IDLE_MS` (default 0), prints the marker and shuts down.
//! - `logs_fault_app flush N`: as `records`, then `traced::flush(10 s)`; prints
//!   `fault: flushed <what it returned>`.
//! - `logs_fault_app late N`: as `records`, then one more event after the shutdown.
//! - `logs_fault_app flood N`: `N` INFO events as fast as possible (each with a 256-byte field),
//!   then ten root spans `flood.span`; prints how long the loop took and the peak RSS
//!   (`VmHWM`) before and after it.
//! - `logs_fault_app wide N`: `N` INFO events (field `i`) whose message and field `text` are
//!   4000 characters each, in a root span `wide.root`.
//! - `logs_fault_app big K`: `K` events whose message and field `field` are the same 10 MB
//!   string, in a root span `big.root`; prints the peak RSS before and after (the string is
//!   made before).
//!
//! Every scenario prints `traced_tests::MAIN_RETURNING` just before the shutdown starts, then
//! the guard's counts: `fault: stats exported=… failed=… dropped=…` for the spans and
//! `fault: logs exported=… failed=… dropped=…` for the log records.

use std::time::{Duration, Instant};

use traced::Span;
use traced_tests::MAIN_RETURNING;

/// The size of `big`'s message.
const BIG: usize = 10 * 1000 * 1000;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| -> anyhow::Result<u64> {
        args.get(i)
            .map_or(Ok(default), |n| n.parse())
            .map_err(|_| anyhow::anyhow!("argument {i}: {:?} is not a number", args.get(i)))
    };
    let mut guard = traced::init(traced::Config::new().service_name("logs-fault-app"));
    let scenario = args.first().map(String::as_str);
    match scenario {
        Some("records" | "late") => records(number(1, 100)?, number(2, 0)?),
        Some("flood") => flood(number(1, 100_000)?),
        Some("big") => big(number(1, 50)?),
        Some("wide") => wide(number(1, 3_000)?),
        Some("flush") => {
            records(number(1, 100)?, 0);
            let flushed = traced::flush(Duration::from_secs(10));
            println!("fault: flushed {flushed:?}");
        }
        other => anyhow::bail!("unknown scenario {other:?}"),
    }
    println!("{MAIN_RETURNING}");
    guard.shutdown();
    if scenario == Some("late") {
        tracing::info!("logged after the shutdown");
    }
    let stats = guard.stats();
    println!(
        "fault: stats exported={} failed={} dropped={}",
        stats.exported, stats.failed, stats.dropped
    );
    println!(
        "fault: logs exported={} failed={} dropped={}",
        stats.logs.exported, stats.logs.failed, stats.logs.dropped
    );
    Ok(())
}

fn records(n: u64, idle_ms: u64) {
    {
        let _root = Span::root("records.root").enter();
        for i in 0..n {
            tracing::info!(i, "record");
        }
    }
    for i in 0..3_i64 {
        drop(Span::root("records.span").attr("i", i).enter());
    }
    println!("fault: loop done");
    std::thread::sleep(Duration::from_millis(idle_ms));
}

fn flood(n: u64) {
    let payload = "x".repeat(256);
    let peak_before = peak_rss_kib();
    let started = Instant::now();
    for i in 0..n {
        tracing::info!(i, payload = payload.as_str(), "flood");
    }
    let took = started.elapsed();
    for i in 0..10_i64 {
        drop(Span::root("flood.span").attr("i", i).enter());
    }
    println!(
        "fault: loop events={n} took_us={} peak_before_kib={peak_before} peak_after_kib={}",
        took.as_micros(),
        peak_rss_kib()
    );
}

fn wide(n: u64) {
    let text = "w".repeat(4_000);
    let _root = Span::root("wide.root").enter();
    for i in 0..n {
        tracing::info!(i, text = text.as_str(), "{text}");
    }
}

fn big(k: u64) {
    let message = "é".repeat(BIG / 2);
    let peak_before = peak_rss_kib();
    {
        let _root = Span::root("big.root").enter();
        for i in 0..k {
            tracing::info!(i, field = message.as_str(), "{message}");
        }
    }
    println!(
        "fault: loop events={k} peak_before_kib={peak_before} peak_after_kib={}",
        peak_rss_kib()
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
