//! The end-to-end scenarios on a `current_thread` tokio runtime, with `#[traced_service]`
//! below `#[tokio::main]`: `e2e_current_thread <basic|many N>`.

use std::time::Duration;

use traced::{Span, SpanKind};
use traced_tests::MAIN_RETURNING;

#[tokio::main(flavor = "current_thread")]
#[traced::traced_service(name = "e2e-current-thread", version = "1.2.3")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("basic") => basic().await,
        Some("many") => many(args.get(1).map_or(Ok(10_000), |n| n.parse())?).await,
        other => anyhow::bail!("unknown scenario {other:?}"),
    }
    println!("{MAIN_RETURNING}");
    Ok(())
}

/// A server root, a child and a grandchild, each a future run by `in_span`.
async fn basic() {
    let request = async {
        tracing::info!(scope = "root", "in root");
        let load = async {
            tracing::info!(scope = "child", "in child");
            let fetch = async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                tracing::info!(scope = "grandchild", "in grandchild");
            };
            Span::child("ct.fetch").in_span(fetch).await;
        };
        Span::child("ct.load").in_span(load).await;
    };
    Span::root("ct.request")
        .kind(SpanKind::Server)
        .attr("http.route", "/orders")
        .in_span(request)
        .await;
}

/// `n` root spans, 100 per millisecond, the runtime's only thread sleeping in between.
async fn many(n: i64) {
    for i in 0..n {
        drop(Span::root("ct.many").attr("i", i).enter());
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}
