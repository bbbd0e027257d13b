//! W1 paced, traced: `#[root_span]`/`#[child_span]`, the real queue and export thread, an
//! exporter that discards.

use traced_benches::{args, bench_paced, criterion, report_delivered, traced_code, traced_config};

fn main() {
    let mut guard = traced::init(traced_config());
    let mut c = criterion();
    bench_paced(&mut c, "w1_paced", "traced", |i| {
        let (id, label, flag) = args(i);
        traced_code::root_fn(id, label, flag);
    });
    c.final_summary();
    guard.shutdown();
    let stats = guard.stats();
    println!(
        "traced stats: exported {} failed {} dropped {}",
        stats.exported, stats.failed, stats.dropped
    );
    report_delivered("traced", "w1_paced");
}
