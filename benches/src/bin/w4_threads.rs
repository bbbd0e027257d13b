//! W4: 2 threads (`--threads N`) calling `root_fn` back to back for 10 s (`--seconds S`),
//! exporting to a discarding exporter. Prints total spans per second, peak RSS (`VmHWM`) and
//! the export counts of `guard.stats()`.
//!
//! `cargo run --release -p traced-benches --bin w4_threads -- --seconds 10 --threads 2`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use traced_benches::{args, peak_rss_kib, traced_code, traced_config};

fn arg(name: &str, default: u64) -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let seconds = arg("--seconds", 10);
    let threads = arg("--threads", 2);
    let mut guard = traced::init(traced_config());
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..256 {
                        let (id, label, flag) = args(i);
                        traced_code::root_fn(id, label, flag);
                        i += 1;
                    }
                }
                i
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let iterations: u64 = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    let elapsed = start.elapsed().as_secs_f64();
    let hwm = peak_rss_kib().unwrap_or(0);
    guard.shutdown();
    let stats = guard.stats();
    let spans = 2 * iterations;
    println!(
        "w4: {threads} threads, {elapsed:.1} s: {spans} spans, {:.2} M spans/s, peak RSS {:.1} MiB",
        spans as f64 / elapsed / 1e6,
        hwm as f64 / 1024.0
    );
    println!(
        "w4: exported {} failed {} dropped {} ({:.2} % delivered)",
        stats.exported,
        stats.failed,
        stats.dropped,
        100.0 * stats.exported as f64 / spans.max(1) as f64
    );
    println!(
        "W4 traced {:.0} {hwm} {} {} {} {spans}",
        spans as f64 / elapsed,
        stats.exported,
        stats.failed,
        stats.dropped
    );
}
