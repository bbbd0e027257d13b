//! W3a, traced: nothing initialised (no `traced::init` in this process), spans cost the
//! global switch only.

use traced_benches::{args, bench_unpaced, criterion, plain_code, traced_code};

fn main() {
    let mut c = criterion();
    bench_unpaced(&mut c, "w3a_uninitialised", "traced", |i| {
        let (id, label, flag) = args(i);
        traced_code::root_fn(id, label, flag);
    });
    // The floor: the same two functions without instrumentation.
    bench_unpaced(&mut c, "w3a_uninitialised", "uninstrumented", |i| {
        let (id, label, flag) = args(i);
        plain_code::root_fn(id, label, flag);
    });
    c.final_summary();
}
