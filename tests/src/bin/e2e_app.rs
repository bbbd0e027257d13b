//! The binary the end-to-end tests run, on a sync `main`: `e2e_app <scenario> [n]` with
//! `basic`, `many N` or `error`. It prints `traced_tests::MAIN_RETURNING` just before `main`
//! returns, so tests can time the shutdown.

use std::time::Duration;

use traced::{Span, SpanKind};
use traced_tests::MAIN_RETURNING;

#[traced::traced_service(name = "e2e-app", version = "1.2.3")]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("basic") => basic(),
        Some("many") => many(args.get(1).map_or(Ok(10_000), |n| n.parse())?),
        Some("error") => Err(anyhow::anyhow!("e2e failure: disk on fire")),
        other => Err(anyhow::anyhow!("unknown scenario {other:?}")),
    };
    println!("{MAIN_RETURNING}");
    result
}

/// A server root with one attribute of each type, an internal child, and a grandchild run by
/// `in_span` on a tokio runtime; one log line at each level and one outside any span.
fn basic() -> anyhow::Result<()> {
    tracing::info!(scope = "outside", "before any span");
    let root = Span::root("e2e.request")
        .kind(SpanKind::Server)
        .attr("http.route", "/orders")
        .attr("order.count", 42_i64)
        .attr("order.paid", true)
        .attr("order.total", 12.5_f64)
        .attr("order.big", u64::MAX)
        .enter();
    tracing::info!(scope = "root", "in root");
    {
        let _child = Span::child("e2e.load")
            .attr("db.table", "orders")
            .attr("db.rows", 7_i64)
            .enter();
        tracing::info!(scope = "child", "in child");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        runtime.block_on(
            Span::child("e2e.fetch")
                .attr("attempt", 1_i64)
                .in_span(async {
                    tokio::task::yield_now().await;
                    tracing::info!(scope = "grandchild", "in grandchild");
                }),
        );
    }
    drop(root);
    Ok(())
}

/// `n` root spans, 100 per millisecond, so they all end in the last moments before `main`
/// returns and only the flush at exit can deliver the last of them.
fn many(n: i64) -> anyhow::Result<()> {
    for i in 0..n {
        let _span = Span::root("e2e.many").attr("i", i).enter();
        if i % 100 == 99 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(())
}
