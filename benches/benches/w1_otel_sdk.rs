//! W1 paced, anchor: the raw opentelemetry 0.33 API on the SDK provider (`BatchSpanProcessor`,
//! discarding exporter).

use traced_benches::{args, bench_paced, criterion, otel_code, report_delivered};

fn main() {
    let provider = otel_code::provider();
    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = opentelemetry::global::tracer("bench");
    let mut c = criterion();
    bench_paced(&mut c, "w1_paced", "otel_sdk", |i| {
        let (id, label, flag) = args(i);
        otel_code::root_fn(&tracer, id, label, flag);
    });
    c.final_summary();
    provider.shutdown().expect("provider shuts down");
    report_delivered("otel_sdk", "w1_paced");
}
