//! W3b, traced: the pipeline installed, every root sampled out.

use traced_benches::{args, bench_unpaced, criterion, traced_code, traced_config};

fn main() {
    let mut guard = traced::init(traced_config().sampler(traced::Sampler::AlwaysOff));
    let mut c = criterion();
    bench_unpaced(&mut c, "w3b_sampled_out", "traced", |i| {
        let (id, label, flag) = args(i);
        traced_code::root_fn(id, label, flag);
    });
    c.final_summary();
    guard.shutdown();
}
