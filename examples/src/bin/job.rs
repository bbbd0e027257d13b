//! A scheduled job: one root span per tick, every `JOB_INTERVAL_MS` (default 1000) ms, for
//! `--ticks N` ticks (default: until Ctrl-C or SIGTERM, after which the spans are flushed).
//!
//! ```sh
//! cargo run -p traced-examples --bin job -- --ticks 3
//! ```

use std::time::Duration;

use traced::{child_span, root_span};

#[traced::traced_service(name = "cleanup-job")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ticks = args
        .iter()
        .position(|a| a == "--ticks")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<u64>())
        .transpose()?;
    let interval = std::env::var("JOB_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis);
    let shutdown = traced_examples::serve::shutdown_signal()?;
    tokio::pin!(shutdown);
    let mut timer = tokio::time::interval(interval);
    let mut tick_number = 0_u64;
    loop {
        tokio::select! {
            _ = timer.tick() => {}
            () = &mut shutdown => break,
        }
        tick_number += 1;
        tick(tick_number).await;
        if ticks.is_some_and(|ticks| tick_number >= ticks) {
            break;
        }
    }
    Ok(())
}

/// One run of the job: a new trace each time.
#[root_span(name = "cleanup tick")]
async fn tick(tick: u64) {
    let removed = remove_expired(tick % 5).await;
    tracing::info!(tick, removed, "tick done");
}

#[child_span]
async fn remove_expired(batch: u64) -> u64 {
    tokio::task::yield_now().await;
    batch * 10
}
