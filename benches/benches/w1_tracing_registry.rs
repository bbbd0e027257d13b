//! W1 paced, anchor: `#[tracing::instrument]` with tracing's Registry and no OpenTelemetry.
//! Nothing is exported, so no delivered share is reported.

use traced_benches::{args, bench_paced, criterion, tracing_code};

fn main() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry())
        .expect("no other subscriber");
    let mut c = criterion();
    bench_paced(&mut c, "w1_paced", "tracing_registry", |i| {
        let (id, label, flag) = args(i);
        tracing_code::root_fn(id, label, flag);
    });
    c.final_summary();
}
