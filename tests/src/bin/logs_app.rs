//! The `#[traced_service]` binary the logs tests run (`tests/logs_collector.rs`,
//! `tests/logs_concurrency.rs`, `tests/logs_filters.rs`, `tests/logs_limits.rs`,
//! `tests/logs_settings.rs`, `tests/logs_shutdown.rs`, `tests/telemetry_loop_logs.rs`),
//! configured by the environment (`OTEL_*`, `RUST_LOG`, `TRACED_SPAN_FILTER`):
//!
//! - `logs_app nested`: an event outside any span, then a root span `handle_order` → a child
//!   span `load_order` → a library's `tracing::info_span!("library.query")`, with events at
//!   INFO, WARN and ERROR carrying typed fields (str, i64, bool, f64) at each level, one event
//!   with a target of its own (and a `?` and a `%` field), and a record of the `log` crate
//!   (target `legacy::db`) in the child. Every `tracing` event has a `scope` field naming where
//!   it was emitted; the `log` record's message is [`LOG_CRATE_MESSAGE`].
//! - `logs_app async`: a root `async_order` and its child `async_load` on a multi-thread tokio
//!   runtime, logging before and after awaits (a sleep, yields) and in a task spawned with
//!   `traced::spawn`; `scope` fields as in `nested`.
//! - `logs_app threads T N`: `T` threads at once, each in a root span `worker` (argument
//!   `thread`) logging `N` events with fields `thread` and `i`.
//! - `logs_app idle MS`: one span `idle_work` with an event in it, then `MS` of nothing.
//! - `logs_app panic`: a root span `crash` logs, then panics with `kaboom 3`, which ends `main`.
//! - `logs_app reload`: four phases, each a root span `phase` (field `phase`) holding an INFO, a
//!   WARN and a DEBUG event, a `log` crate INFO record and a library `info_span!` and
//!   `debug_span!`. Between phases it changes the filters with `traced::set_log_filter` /
//!   `traced::set_span_filter` and prints (stdout) what each call returned: after phase 1 both
//!   to `warn`; after phase 2 a bad directive for each; after phase 3 both to `debug`.
//!
//! Every scenario prints `traced_tests::MAIN_RETURNING` just before `main` returns.

use std::time::Duration;

use traced::{child_span, root_span};
use traced_tests::MAIN_RETURNING;

/// The message of the `log` crate record of `nested`.
const LOG_CRATE_MESSAGE: &str = "from the log crate";

/// The bad directive `reload` tries: a level that does not exist.
const BAD_DIRECTIVE: &str = "info,logs_app=loudest";

#[traced::traced_service(name = "logs-app", version = "0.3.0")]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("nested") => {
            tracing::info!(scope = "outside", "before any span");
            handle_order(42);
            Ok(())
        }
        Some("idle") => {
            let ms: u64 = args.get(1).map_or(Ok(1_000), |ms| ms.parse())?;
            idle_work();
            std::thread::sleep(Duration::from_millis(ms));
            Ok(())
        }
        Some("threads") => {
            let threads: i64 = args.get(1).map_or(Ok(4), |n| n.parse())?;
            let events: i64 = args.get(2).map_or(Ok(500), |n| n.parse())?;
            let workers: Vec<_> = (0..threads)
                .map(|thread| std::thread::spawn(move || worker(thread, events)))
                .collect();
            for worker in workers {
                worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("a worker panicked"))?;
            }
            Ok(())
        }
        Some("async") => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async_order(7));
            Ok(())
        }
        Some("panic") => {
            crash(3);
            Ok(())
        }
        Some("reload") => {
            reload();
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown scenario {other:?}")),
    };
    println!("{MAIN_RETURNING}");
    result
}

#[root_span]
fn handle_order(order: i64) {
    tracing::info!(
        scope = "root",
        text = "order",
        count = 7_i64,
        flag = true,
        ratio = 0.25,
        "handling"
    );
    load_order(order);
    tracing::warn!(scope = "root.warn", order, "handled late");
}

#[child_span]
fn load_order(order: i64) {
    tracing::info!(
        scope = "child",
        text = "load",
        count = -3_i64,
        flag = false,
        ratio = 1.5,
        "loading"
    );
    log::info!(target: "legacy::db", "{LOG_CRATE_MESSAGE}");
    {
        let query = tracing::info_span!("library.query", db = "orders");
        let _entered = query.enter();
        tracing::info!(
            scope = "library",
            text = "query",
            count = 1_i64,
            flag = true,
            ratio = 2.0,
            "querying"
        );
    }
    tracing::info!(
        target: "billing::orders",
        scope = "targeted",
        order,
        pair = ?(1, "a"),
        shown = %std::net::Ipv4Addr::LOCALHOST,
        "with its own target"
    );
    tracing::error!(scope = "child.error", order, "load failed");
}

#[root_span(kind = server)]
async fn async_order(order: i64) {
    tracing::info!(scope = "async.root", "received");
    async_load(order).await;
    tokio::task::yield_now().await;
    tracing::warn!(scope = "async.root.after", "answered");
}

#[child_span]
async fn async_load(order: i64) {
    tracing::info!(scope = "async.child", "loading");
    tokio::time::sleep(Duration::from_millis(2)).await;
    let spawned = traced::spawn(async move {
        tokio::task::yield_now().await;
        tracing::info!(scope = "async.spawned", order, "in a spawned task");
    });
    let _ = spawned.await;
    tracing::error!(scope = "async.child.after", order, "loaded");
}

#[root_span]
fn crash(code: i64) {
    tracing::info!(scope = "crash", "about to crash");
    panic!("kaboom {code}");
}

#[root_span]
fn worker(thread: i64, events: i64) {
    for i in 0..events {
        tracing::info!(thread, i, "event");
    }
}

#[root_span]
fn idle_work() {
    tracing::info!(scope = "idle", "working before idling");
}

fn reload() {
    phase(1);
    report("log warn", traced::set_log_filter("warn"));
    report("span warn", traced::set_span_filter("warn"));
    phase(2);
    report("log bad", traced::set_log_filter(BAD_DIRECTIVE));
    report("span bad", traced::set_span_filter(BAD_DIRECTIVE));
    phase(3);
    report("log debug", traced::set_log_filter("debug"));
    report("span debug", traced::set_span_filter("debug"));
    phase(4);
}

/// Prints what a filter change returned: `reload: <what> ok` or `reload: <what> err <error>`.
fn report(what: &str, result: Result<(), traced::FilterError>) {
    match result {
        Ok(()) => println!("reload: {what} ok"),
        Err(error) => println!("reload: {what} err {error}"),
    }
}

#[root_span]
fn phase(phase: i64) {
    tracing::info!(phase, "info event");
    tracing::warn!(phase, "warn event");
    tracing::debug!(phase, "debug event");
    log::info!("log record in phase {phase}");
    drop(tracing::info_span!("library.info", phase).entered());
    drop(tracing::debug_span!("library.debug", phase).entered());
}
