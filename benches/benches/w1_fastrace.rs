//! W1 paced, anchor: fastrace 0.7 `#[trace]` with a discarding reporter.

use traced_benches::fastrace_code::{self, DiscardReporter};
use traced_benches::{args, bench_paced, criterion, report_delivered};

fn main() {
    fastrace::set_reporter(DiscardReporter, fastrace::collector::Config::default());
    let mut c = criterion();
    bench_paced(&mut c, "w1_paced", "fastrace", |i| {
        let (id, label, flag) = args(i);
        fastrace_code::root_fn(id, label, flag);
    });
    c.final_summary();
    fastrace::flush();
    report_delivered("fastrace", "w1_paced");
}
