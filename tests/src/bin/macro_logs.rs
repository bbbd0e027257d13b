//! The binary `tests/macros_logs.rs` runs: nested `#[root_span]` / `#[child_span]` fns in a
//! `#[traced_service]` that log at each level of nesting, so the test can compare each JSON log
//! line's `trace_id` / `span_id` with the span exported for that level.
//!
//! `macro_logs nested`: async fns on a multi-thread runtime (root → child → grandchild, a task
//! spawned with `traced::spawn`, a root inside a child), then sync fns (root → child).
//! `macro_logs panic`: a panic through a root and its child, caught in `main`, then a new span.
//!
//! Every log line has a `scope` field naming where it was emitted.

use std::time::Duration;

use traced::{child_span, root_span};
use traced_tests::MAIN_RETURNING;

#[traced::traced_service(name = "macro-logs", version = "0.0.1")]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    let result = match scenario.as_str() {
        "nested" => {
            tracing::info!(scope = "outside", "before any span");
            handle_request(7).await?;
            // Sync fns, on a blocking thread of the runtime.
            tokio::task::spawn_blocking(|| sync_job(3)).await?;
            tracing::info!(scope = "outside.after", "after every span");
            Ok(())
        }
        "panic" => {
            let caught = std::panic::catch_unwind(|| crashing_root(1));
            tracing::info!(scope = "after panic", caught = caught.is_err(), "caught");
            recovered(2).await;
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown scenario {other:?}")),
    };
    println!("{MAIN_RETURNING}");
    result
}

#[root_span(kind = server)]
async fn handle_request(order: u64) -> anyhow::Result<()> {
    tracing::info!(scope = "root", "handling");
    load(order).await;
    tokio::task::yield_now().await;
    tracing::info!(scope = "root.after", "handled");
    Ok(())
}

#[child_span]
async fn load(order: u64) {
    tracing::info!(scope = "child", "loading");
    tokio::task::yield_now().await;
    fetch(order).await;
    tokio::time::sleep(Duration::from_millis(2)).await;
    audit(order);
    tracing::warn!(scope = "child.after", "loaded");
}

#[child_span(kind = client)]
async fn fetch(order: u64) {
    tracing::info!(scope = "grandchild", "fetching");
    tokio::time::sleep(Duration::from_millis(1)).await;
    let spawned = traced::spawn(async {
        tokio::task::yield_now().await;
        tracing::info!(scope = "spawned", "in a spawned task");
    });
    let _ = spawned.await;
    tracing::error!(scope = "grandchild.after", order, "fetched");
}

/// A root inside a child: its lines carry a new trace id.
#[root_span]
fn audit(order: u64) {
    tracing::info!(scope = "inner root", order, "auditing");
}

#[root_span]
fn sync_job(batch: u32) {
    tracing::info!(scope = "sync.root", "job");
    sync_step(batch);
    tracing::info!(scope = "sync.root.after", "job done");
}

#[child_span]
fn sync_step(batch: u32) {
    tracing::warn!(scope = "sync.child", batch, "step");
}

#[root_span]
fn crashing_root(n: u32) -> u32 {
    tracing::info!(scope = "crashing root", "about to crash");
    crashing_child(n)
}

#[child_span]
fn crashing_child(n: u32) -> u32 {
    tracing::info!(scope = "crashing child", "crashing");
    if n > 0 {
        panic!("kaboom in child {n}");
    }
    n
}

#[root_span]
async fn recovered(n: u32) {
    tokio::task::yield_now().await;
    tracing::info!(scope = "recovered", n, "still working");
}
