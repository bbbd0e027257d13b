//! The OTLP trace writer alone: span records encoded into an `ExportTraceServiceRequest` body,
//! on the export thread's side of the queue. One iteration is the benchmark's root and child
//! span (`Elements(2)`: ns/span is the time per iteration / 2); a request is finished every
//! 512 spans, the export thread's default batch.
//!
//! The log writer the same way (`logs_*`): one iteration is four log records of three targets
//! in turn, each a 40-character message with three attributes logged in a span
//! (`Elements(4)`: ns/record is the time per iteration / 4), into an
//! `ExportLogsServiceRequest` finished every 512 records.
//!
//! The writer is the crate's own (`pub(crate)`), as are span records, so the records and the
//! writer are set up inside `traced` and reached through `traced::__private`: a fixture
//! exposed there is smaller than a public face for records, and criterion's statistics are
//! worth more than a hand-timed loop in an integration test.

use std::hint::black_box;

use criterion::Throughput;
use traced::__private::{OTLP_DEFAULT_MAX_BODY, OtlpLogWriterFixture, OtlpWriterFixture};
use traced_benches::criterion;

/// Spans or log records per finished request.
const RECORDS_PER_REQUEST: u64 = 512;

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
                if round.is_multiple_of(RECORDS_PER_REQUEST / 2) {
                    black_box(fixture.finish(|body| {
                        black_box(body);
                    }));
                }
            });
        });
    }
    let shapes = [
        (
            "logs_benchmark_shape",
            OtlpLogWriterFixture::benchmark(OTLP_DEFAULT_MAX_BODY),
        ),
        (
            "logs_every_field",
            OtlpLogWriterFixture::everything(OTLP_DEFAULT_MAX_BODY),
        ),
    ];
    for (id, mut fixture) in shapes {
        let records = fixture.records_per_round() as u64;
        group.throughput(Throughput::Elements(records));
        let mut round = 0_u64;
        group.bench_function(id, |b| {
            b.iter(|| {
                black_box(fixture.encode(|body| {
                    black_box(body);
                }));
                round += 1;
                if round.is_multiple_of(RECORDS_PER_REQUEST / records) {
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
