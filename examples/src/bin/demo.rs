//! The demo: a small job traced with `traced`, printed as a console tree (no collector needed).
//!
//! Run it with `cargo run -p traced-examples --bin demo`. Point it at a collector with
//! `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318` to export the same spans over OTLP/HTTP.

use std::time::Duration;

use traced::{Span, SpanKind};

#[traced::traced_service(name = "demo")]
#[tokio::main]
async fn main() {
    for order_id in [1001_u64, 1002] {
        process_order(order_id).await;
    }
    tracing::info!("demo finished");
}

/// One job: a root span per order, with child spans for its steps.
async fn process_order(order_id: u64) {
    Span::root("process order")
        .kind(SpanKind::Consumer)
        .attr("order.id", order_id)
        .attr("queue", "orders")
        .in_span(async move {
            tracing::info!(order_id, "processing order");
            reserve_stock(order_id, 3).await;
            charge(order_id, 42.5);
        })
        .await;
}

async fn reserve_stock(order_id: u64, items: u32) {
    Span::child("reserve stock")
        .attr("order.id", order_id)
        .attr("items", items)
        .in_span(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tracing::info!(items, "stock reserved");
        })
        .await;
}

fn charge(order_id: u64, amount: f64) {
    let _span = Span::child("charge")
        .kind(SpanKind::Client)
        .attr("order.id", order_id)
        .attr("amount", amount)
        .enter();
    tracing::info!(amount, "payment accepted");
}
