//! W2, traced: the async twin (the child awaits a future that yields once) on a tokio
//! `current_thread` runtime, paced like W1; each burst runs in one `block_on`.

use traced_benches::{
    args, bench_paced_bursts, criterion, plain_code, report_delivered, traced_code, traced_config,
};

fn main() {
    let mut guard = traced::init(traced_config());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let mut c = criterion();
    bench_paced_bursts(&mut c, "w2_async", "traced", |range| {
        runtime.block_on(async {
            for i in range {
                let (id, label, flag) = args(i);
                traced_code::root_async(id, label, flag).await;
            }
        });
    });
    guard.shutdown();
    report_delivered("traced", "w2_async");
    // The floor: the same async functions without instrumentation (tokio's own cost).
    bench_paced_bursts(&mut c, "w2_async", "uninstrumented", |range| {
        runtime.block_on(async {
            for i in range {
                let (id, label, flag) = args(i);
                plain_code::root_async(id, label, flag).await;
            }
        });
    });
    c.final_summary();
}
