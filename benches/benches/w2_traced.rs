//! W2, traced: the async twin (the child awaits a future that yields once) on a tokio
//! `current_thread` runtime, paced like W1.

use traced_benches::{args, bench_paced, criterion, report_delivered, traced_code, traced_config};

fn main() {
    let mut guard = traced::init(traced_config());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let mut c = criterion();
    bench_paced(&mut c, "w2_async", "traced", |i| {
        let (id, label, flag) = args(i);
        runtime.block_on(traced_code::root_async(id, label, flag));
    });
    c.final_summary();
    guard.shutdown();
    report_delivered("traced", "w2_async");
}
