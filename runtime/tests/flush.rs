//! `traced::flush`: everything ended before the call is exported when it returns, from any
//! thread or task; a slow exporter makes it time out within its timeout; without a running
//! pipeline it says so at once. One process: the pipeline is global, tests run in sequence.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use traced::{Config, Flushed, Span};

#[derive(Debug, Clone, Default)]
struct Sink {
    spans: Arc<Mutex<Vec<SpanData>>>,
    /// How long each export takes.
    delay: Duration,
}

impl SpanExporter for Sink {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        std::thread::sleep(self.delay);
        self.spans.lock().unwrap().extend(batch);
        Ok(())
    }
}

impl Sink {
    fn names(&self) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        spans.iter().map(|s| s.name.to_string()).collect()
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pipeline whose scheduled export is far away: only a flush exports before shutdown.
fn init(sink: &Sink) -> traced::Guard {
    traced::init(
        Config::new()
            .with_exporter(sink.clone())
            .schedule_delay(Duration::from_secs(600))
            .install_logging(false)
            .install_panic_hook(false),
    )
}

#[test]
fn flush_exports_every_span_ended_before_it_and_returns_after() {
    let _serial = serial();
    let sink = Sink::default();
    let mut guard = init(&sink);
    for _ in 0..3 {
        drop(Span::root("before the flush").enter());
    }
    // From another thread than the one that ended the spans.
    let flushed = std::thread::spawn(|| traced::flush(Duration::from_secs(10)))
        .join()
        .unwrap();
    assert_eq!(flushed, Flushed::Delivered { spans: 3, logs: 0 });
    assert_eq!(sink.names(), ["before the flush"; 3]);
    guard.shutdown();
}

#[test]
fn flush_works_from_a_current_thread_runtime_task() {
    let _serial = serial();
    let sink = Sink::default();
    let mut guard = init(&sink);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let flushed = runtime.block_on(async {
        let handle = tokio::spawn(async {
            traced::Span::root("in a task")
                .in_span(async { tokio::task::yield_now().await })
                .await;
            // Blocks this task's thread (the runtime's only one): the export thread needs
            // nothing from the runtime.
            traced::flush(Duration::from_secs(10))
        });
        handle.await.unwrap()
    });
    assert_eq!(flushed, Flushed::Delivered { spans: 1, logs: 0 });
    assert_eq!(sink.names(), ["in a task"]);
    guard.shutdown();
}

#[test]
fn flush_against_a_slow_exporter_times_out_within_its_timeout() {
    let _serial = serial();
    let sink = Sink {
        delay: Duration::from_secs(2),
        ..Sink::default()
    };
    let mut guard = init(&sink);
    drop(Span::root("slow").enter());
    let started = Instant::now();
    let flushed = traced::flush(Duration::from_millis(200));
    let took = started.elapsed();
    assert_eq!(flushed, Flushed::TimedOut);
    assert!(
        took < Duration::from_millis(200 + 100),
        "flush returned {took:?} after a 200 ms timeout"
    );
    guard.shutdown();
    assert_eq!(
        sink.names(),
        ["slow"],
        "the export went on and ended at shutdown"
    );
}

#[test]
fn without_a_running_pipeline_flush_says_so_at_once() {
    let _serial = serial();
    assert_eq!(traced::flush(Duration::from_secs(10)), Flushed::NotRunning);
    let sink = Sink::default();
    let mut guard = init(&sink);
    guard.shutdown();
    let started = Instant::now();
    assert_eq!(traced::flush(Duration::from_secs(10)), Flushed::NotRunning);
    assert!(started.elapsed() < Duration::from_secs(1));
}
