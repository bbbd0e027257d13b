//! W1 paced, anchor: `#[tracing::instrument]` + tracing-opentelemetry 0.34 + the
//! opentelemetry_sdk 0.33 `BatchSpanProcessor` with a discarding exporter.

use opentelemetry::trace::TracerProvider as _;
use traced_benches::{args, bench_paced, criterion, otel_code, report_delivered, tracing_code};
use tracing_subscriber::layer::SubscriberExt;

fn main() {
    let provider = otel_code::provider();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"));
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    let mut c = criterion();
    bench_paced(&mut c, "w1_paced", "tracing_otel", |i| {
        let (id, label, flag) = args(i);
        tracing_code::root_fn(id, label, flag);
    });
    c.final_summary();
    provider.shutdown().expect("provider shuts down");
    report_delivered("tracing_otel", "w1_paced");
}
