//! The binary the export tests run (`tests/src/export.rs` reads what it prints), configured by
//! the environment (`OTEL_*`, `RUST_LOG`) and initialised with `traced::init`:
//!
//! - `export_app split CAP N SIZE BIG`: the OTLP request size capped at `CAP` bytes in code;
//!   `N` root spans `export.span`, each with a `SIZE`-byte attribute, and in their middle one
//!   `export.big` with a `BIG`-byte attribute (none when `BIG` is 0).
//! - `export_app flush N`: `N` root spans, then `traced::flush(10 s)`; prints what it returned.
//! - `export_app flush-timeout MS`: one span, then `traced::flush(MS)`; prints what it returned
//!   and how long it took.
//! - `export_app flush-task N`: on a `current_thread` tokio runtime, a spawned task makes `N`
//!   spans (each awaiting inside) and calls `traced::flush(10 s)`; prints what it returned.
//! - `export_app tree N`: `N` traces of a root `tree.root` and a child `tree.child`.
//! - `export_app idle MS`: one span `idle.work` with a log line in it, then `MS` of nothing.
//!
//! Every scenario then prints `traced_tests::MAIN_RETURNING`, shuts down, and prints the
//! guard's stats and each exporter's.

use std::time::{Duration, Instant};

use traced::{Config, Span};
use traced_tests::MAIN_RETURNING;

/// How long a flush that should deliver may take: far more than it needs.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> anyhow::Result<usize> {
        let arg = args.get(i).map(String::as_str);
        arg.unwrap_or_default()
            .parse()
            .map_err(|_| anyhow::anyhow!("argument {i}: {arg:?} is not a number"))
    };
    let config = Config::new().service_name("export-app");
    let guard = match args.first().map(String::as_str) {
        Some("split") => {
            let guard = traced::init(
                config
                    .otlp_max_request_size(number(1)?)
                    .attribute_value_length_limit(usize::MAX),
            );
            split(number(2)?, number(3)?, number(4)?);
            guard
        }
        Some("flush") => {
            let guard = traced::init(config);
            for i in 0..number(1)? {
                drop(Span::root("flush.span").attr("i", i as i64).enter());
            }
            report_flush(traced::flush(FLUSH_TIMEOUT), None);
            guard
        }
        Some("flush-timeout") => {
            let guard = traced::init(config);
            drop(Span::root("flush.span").enter());
            let started = Instant::now();
            let flushed = traced::flush(Duration::from_millis(number(1)? as u64));
            report_flush(flushed, Some(started.elapsed()));
            guard
        }
        Some("flush-task") => {
            let guard = traced::init(config);
            flush_in_task(number(1)?)?;
            guard
        }
        Some("tree") => {
            let guard = traced::init(config);
            tree(number(1)?);
            guard
        }
        Some("idle") => {
            let guard = traced::init(config);
            let work = Span::root("idle.work").enter();
            tracing::info!("working");
            drop(work);
            std::thread::sleep(Duration::from_millis(number(1)? as u64));
            guard
        }
        other => anyhow::bail!("unknown scenario {other:?}"),
    };
    finish(guard);
    Ok(())
}

fn split(n: usize, size: usize, big: usize) {
    let payload = "x".repeat(size);
    for i in 0..n {
        if big > 0 && i == n / 2 {
            drop(
                Span::root("export.big")
                    .attr("payload", "y".repeat(big))
                    .enter(),
            );
        }
        drop(
            Span::root("export.span")
                .attr("i", i as i64)
                .attr("payload", payload.as_str())
                .enter(),
        );
    }
}

fn flush_in_task(n: usize) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let flushed = runtime.block_on(async move {
        tokio::spawn(async move {
            for i in 0..n {
                Span::root("task.span")
                    .attr("i", i as i64)
                    .in_span(tokio::task::yield_now())
                    .await;
            }
            // Blocks the runtime's only thread: the export must need nothing from it.
            traced::flush(FLUSH_TIMEOUT)
        })
        .await
    })?;
    report_flush(flushed, None);
    Ok(())
}

fn tree(n: usize) {
    for i in 0..n {
        let _root = Span::root("tree.root").attr("i", i as i64).enter();
        drop(Span::child("tree.child").attr("i", i as i64).enter());
    }
}

/// `export: flush [took_us=… ]result=<Debug of Flushed>`, the result last (it has spaces).
fn report_flush(flushed: traced::Flushed, took: Option<Duration>) {
    let took = took.map_or_else(String::new, |t| format!("took_us={} ", t.as_micros()));
    println!("export: flush {took}result={flushed:?}");
}

fn finish(mut guard: traced::Guard) {
    println!("{MAIN_RETURNING}");
    guard.shutdown();
    let stats = guard.stats();
    println!(
        "export: stats exported={} failed={} dropped={}",
        stats.exported, stats.failed, stats.dropped
    );
    for exporter in guard.exporter_stats() {
        println!(
            "export: exporter name={} exported={} failed={}",
            exporter.exporter, exporter.exported, exporter.failed
        );
    }
}
