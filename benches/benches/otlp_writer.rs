//! The OTLP trace writer alone: span records encoded into an `ExportTraceServiceRequest` body,
//! on the export thread's side of the queue. One iteration is the benchmark's root and child
//! span (`Elements(2)`: ns/span is the time per iteration / 2); a request is finished every
//! 512 spans, the export thread's default batch.
//!
//! The writer is the crate's own (`pub(crate)`), as are span records, so the records and the
//! writer are set up inside `traced` and reached through `traced::__private`: a fixture
//! exposed there is smaller than a public face for records, and criterion's statistics are
//! worth more than a hand-timed loop in an integration test.

use std::hint::black_box;

use criterion::Throughput;
use traced::__private::{OTLP_DEFAULT_MAX_BODY, OtlpWriterFixture};
use traced_benches::criterion;

/// Rounds of two spans per finished request.
const ROUNDS_PER_REQUEST: u64 = 256;

fn main() {
    let mut c = criterion();
    let mut group = c.benchmark_group("otlp_writer");
    group.throughput(Throughput::Elements(2));
    let shapes = [
        (
            "benchmark_shape",
            OtlpWriterFixture::benchmark(OTLP_DEFAULT_MAX_BODY),
        ),
        (
            "every_field",
            OtlpWriterFixture::everything(OTLP_DEFAULT_MAX_BODY),
        ),
    ];
    for (id, mut fixture) in shapes {
        assert_eq!(fixture.spans_per_round(), 2);
        let mut round = 0_u64;
        group.bench_function(id, |b| {
            b.iter(|| {
                black_box(fixture.encode(|body| {
                    black_box(body);
                }));
                round += 1;
                if round.is_multiple_of(ROUNDS_PER_REQUEST) {
                    black_box(fixture.finish(|body| {
                        black_box(body);
                    }));
                }
            });
        });
    }
    group.finish();
    c.final_summary();
}
