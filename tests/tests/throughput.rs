//! Export capacity over OTLP/HTTP protobuf to a real receiver: a quick measure beside the
//! benchmarks in `benches/` (whose `otlp_capacity` measures the same path more carefully).
//! Ignored by default: it measures, it asserts only that every span arrived.
//!
//! ```sh
//! cargo test --release -p traced-tests --test throughput -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use traced_tests::receiver::Receiver;

#[test]
#[ignore = "a measurement, run by hand"]
fn export_capacity() {
    let receiver = Receiver::start();
    let mut guard = traced::init(
        traced::Config::new()
            .otlp_endpoint(receiver.traces_endpoint())
            .exporter(traced::ExporterKind::Otlp)
            .max_queue_size(200_000)
            .install_logging(false),
    );
    let n = 100_000;
    for i in 0..n {
        let _span = traced::Span::root("root_fn")
            .attr("id", i as u64)
            .attr("label", "label")
            .attr("flag", true)
            .enter();
    }
    let started = Instant::now();
    guard.shutdown();
    let elapsed = started.elapsed();
    let received = receiver.wait_for_spans(n, Duration::from_secs(5)).len();
    println!(
        "exported {received} spans in {elapsed:?}: {:.0} spans/s ({:?})",
        received as f64 / elapsed.as_secs_f64(),
        guard.stats()
    );
    assert_eq!(received, n);
}
