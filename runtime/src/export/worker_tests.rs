//! The export thread's exporters: every batch to every exporter, one export under way per
//! exporter, one that blocks or panics delays and costs nothing to the others, every span
//! counted per exporter and in total.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::SpanExporter;

use super::*;
use crate::engine::pool;
use crate::engine::{Limits, Sampler};
use crate::sender::tests::server::{Server, respond};
use crate::sender::tests::settings;

/// Counts what it is given; `hold` makes each export wait until released; `panics` panics.
#[derive(Debug, Default)]
struct Probe {
    busy: AtomicBool,
    overlapped: AtomicBool,
    spans: AtomicU64,
    calls: AtomicU64,
    /// Each export waits while this is true.
    hold: Mutex<bool>,
    released: Condvar,
    panics: bool,
}

impl Probe {
    fn holding() -> Probe {
        Probe {
            hold: Mutex::new(true),
            ..Probe::default()
        }
    }

    fn release(&self) {
        *self.hold.lock().unwrap() = false;
        self.released.notify_all();
    }
}

#[derive(Debug)]
struct Shared(Arc<Probe>);

impl SpanExporter for Shared {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let probe = Arc::clone(&self.0);
        async move {
            if probe.busy.swap(true, Ordering::SeqCst) {
                probe.overlapped.store(true, Ordering::SeqCst);
            }
            probe.calls.fetch_add(1, Ordering::SeqCst);
            let mut hold = probe.hold.lock().unwrap();
            while *hold {
                hold = probe.released.wait(hold).unwrap();
            }
            drop(hold);
            probe.busy.store(false, Ordering::SeqCst);
            assert!(!probe.panics, "the exporter panics");
            probe.spans.fetch_add(batch.len() as u64, Ordering::SeqCst);
            Ok(())
        }
    }
}

fn pipeline(batch: usize) -> &'static Pipeline {
    Box::leak(Box::new(Pipeline::new(
        Sampler::AlwaysOn,
        Limits::default(),
        true,
        4096,
        batch,
    )))
}

fn submit(pipeline: &'static Pipeline, spans: u64) {
    for id in 1..=spans {
        let mut record = pool::take();
        record.span_id = id;
        pipeline.submit(record);
    }
}

fn worker(pipeline: &'static Pipeline, probes: &[&Arc<Probe>]) -> Worker {
    worker_with(pipeline, probes, BatchSettings::default())
}

fn worker_with(
    pipeline: &'static Pipeline,
    probes: &[&Arc<Probe>],
    batch: BatchSettings,
) -> Worker {
    let resource = opentelemetry_sdk::Resource::builder_empty().build();
    let lanes = probes
        .iter()
        .map(|probe| {
            let exporter = Shared(Arc::clone(probe));
            Lane::spawn(
                "custom",
                move || Ok(BoxedExporter::new(exporter)),
                resource.clone(),
                pipeline,
            )
            .unwrap()
        })
        .collect();
    Worker {
        pipeline,
        otlp: None,
        lanes,
        scope: InstrumentationScope::builder("test").build(),
        batch,
        reports: Reports::default(),
        recycler: Recycler::default(),
        strings: Strings::default(),
        records: Vec::new(),
    }
}

#[test]
fn every_exporter_gets_every_batch_one_export_at_a_time() {
    let pipeline = pipeline(16);
    let (a, b) = (Arc::new(Probe::default()), Arc::new(Probe::default()));
    let mut worker = worker(pipeline, &[&a, &b]);
    // One batch at a time, each exporter finishing it before the next: nothing is refused.
    for _ in 0..5 {
        submit(pipeline, 16);
        worker.export_queued(None);
        worker.wait_idle(Instant::now() + Duration::from_secs(10));
    }
    for probe in [&a, &b] {
        assert!(!probe.overlapped.load(Ordering::SeqCst));
        assert_eq!(probe.calls.load(Ordering::SeqCst), 5);
        assert_eq!(probe.spans.load(Ordering::SeqCst), 80);
    }
    let counters = &pipeline.counters;
    assert_eq!(
        counters.exported.load(Ordering::SeqCst),
        160,
        "both exporters' spans"
    );
    assert_eq!(counters.exporting.load(Ordering::SeqCst), 0);
    for lane in &worker.lanes {
        let stats = lane.counters().snapshot();
        assert_eq!((stats.exported, stats.failed), (80, 0));
    }
}

#[test]
fn an_exporter_that_blocks_delays_and_costs_nothing_to_the_others() {
    let pipeline = pipeline(16);
    let blocked = Arc::new(Probe::holding());
    let healthy = Arc::new(Probe::default());
    let batch = BatchSettings {
        export_timeout: Duration::from_millis(200),
        ..BatchSettings::default()
    };
    let mut worker = worker_with(pipeline, &[&blocked, &healthy], batch);
    let started = Instant::now();
    for _ in 0..6 {
        submit(pipeline, 16);
        worker.export_queued(None);
        worker.lanes[1].wait_idle(Instant::now() + Duration::from_secs(10));
    }
    // The blocked exporter holds three batches; the fourth waited one export timeout for room
    // and was lost; the fifth and sixth were lost at once.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the export thread waited more than one export timeout for the blocked exporter"
    );
    assert_eq!(
        healthy.spans.load(Ordering::SeqCst),
        96,
        "the other exporter got everything"
    );
    assert_eq!(blocked.calls.load(Ordering::SeqCst), 1);
    let stats = worker.lanes[0].counters().snapshot();
    assert_eq!(stats.exported, 0);
    assert_eq!(stats.failed, 96, "48 refused and 48 still in its hands");
    blocked.release();
    assert!(worker.lanes[0].wait_idle(Instant::now() + Duration::from_secs(10)));
    assert_eq!(worker.lanes[0].counters().snapshot().exported, 48);
}

#[test]
fn an_exporter_that_panics_loses_its_batch_and_goes_on() {
    let pipeline = pipeline(16);
    let panics = Arc::new(Probe {
        panics: true,
        ..Probe::default()
    });
    let mut worker = worker(pipeline, &[&panics]);
    for _ in 0..2 {
        submit(pipeline, 16);
        worker.export_queued(None);
        worker.wait_idle(Instant::now() + Duration::from_secs(10));
    }
    assert_eq!(
        panics.calls.load(Ordering::SeqCst),
        2,
        "still called after a panic"
    );
    let stats = worker.lanes[0].counters().snapshot();
    assert_eq!((stats.exported, stats.failed), (0, 32));
    assert_eq!(pipeline.counters.export_failed.load(Ordering::SeqCst), 32);
}

fn no_resource() -> OwnResource {
    OwnResource::from_strings(Vec::new())
}

/// The OTLP exporter of `pipeline`, posting to `server`.
fn otlp(pipeline: &'static Pipeline, server: &Server) -> OtlpExporter {
    let (exporter, warnings) =
        OtlpExporter::new(&settings(&server.url()), &no_resource(), pipeline);
    assert!(warnings.is_empty(), "{warnings:?}");
    exporter
}

#[test]
fn an_otlp_request_is_answered_when_the_next_goes_or_when_settled() {
    let server = Server::start(|_| respond(200, &[], b""));
    let pipeline = pipeline(16);
    let mut worker = worker(pipeline, &[]);
    worker.otlp = Some(otlp(pipeline, &server));
    let counters = &pipeline.counters;
    let counts = || {
        (
            counters.exported.load(Ordering::SeqCst),
            counters.exporting.load(Ordering::SeqCst),
        )
    };
    submit(pipeline, 16);
    worker.export_queued(None);
    // Sent, its answer not read: its spans are being exported.
    assert_eq!(counts(), (0, 16));
    let otlp = worker.otlp.as_ref().expect("otlp");
    assert!(
        otlp.answer_due().expect("an answer to read") <= Instant::now() + Duration::from_secs(1)
    );
    let start = Instant::now();
    while server.received().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(5), "not received");
        std::thread::sleep(Duration::from_millis(2));
    }
    // The next request reads the answer to the first before it goes.
    submit(pipeline, 16);
    worker.export_queued(None);
    assert_eq!(counts(), (16, 16));
    worker.settle();
    assert_eq!(counts(), (32, 0));
    assert_eq!(worker.otlp.as_ref().expect("otlp").answer_due(), None);
    assert_eq!(server.received().len(), 2);
    assert_eq!(server.connections(), 1);
}

#[test]
fn the_export_thread_reads_an_answer_when_it_is_due_without_a_flush() {
    let server = Server::start(|_| respond(200, &[], b""));
    let pipeline = pipeline(16);
    let batch = BatchSettings {
        // Only a full batch is sent, and nothing else would wake the thread.
        schedule_delay: Duration::from_secs(3600),
        ..BatchSettings::default()
    };
    let (handle, warnings) = Worker::spawn(
        pipeline,
        vec![ExporterSpec::Otlp(Box::new(settings(&server.url())))],
        &no_resource(),
        batch,
    )
    .expect("the export thread");
    assert!(warnings.is_empty(), "{warnings:?}");
    // A full batch wakes the thread, which sends it.
    submit(pipeline, 16);
    let start = Instant::now();
    while pipeline.counters.exported.load(Ordering::SeqCst) < 16 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the answer was not read: {:?}",
            handle.exporters()[0].snapshot()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.received().len(), 1);
    assert_eq!(pipeline.counters.exporting.load(Ordering::SeqCst), 0);
    pipeline.close();
    let report = handle.wait(pipeline, Duration::from_secs(10));
    assert!(report.completed, "{report:?}");
    assert_eq!((report.exported, report.failed), (16, 0));
}

#[test]
fn a_batch_throttled_past_its_deadline_leaves_the_next_batch_its_own_time() {
    // The first request is throttled for longer than a batch may take; the rest are accepted.
    let server = Server::start(|n| {
        if n == 0 {
            respond(503, &[("retry-after", "30")], b"")
        } else {
            respond(200, &[], b"")
        }
    });
    let pipeline = pipeline(16);
    let mut worker = worker(pipeline, &[]);
    let mut settings = settings(&server.url());
    settings.timeout = Duration::from_millis(300);
    let (exporter, warnings) = OtlpExporter::new(&settings, &no_resource(), pipeline);
    assert!(warnings.is_empty(), "{warnings:?}");
    worker.otlp = Some(exporter);
    // Two batches written back to back: the second is written before the first's answer is
    // read, and that answer then holds the export thread until the first batch's deadline.
    submit(pipeline, 32);
    let start = Instant::now();
    worker.export_queued(None);
    worker.settle();
    let counters = &pipeline.counters;
    assert_eq!(
        (
            counters.exported.load(Ordering::SeqCst),
            counters.export_failed.load(Ordering::SeqCst)
        ),
        (16, 16),
        "the throttled batch failed, the next was delivered in its own time"
    );
    assert!(
        start.elapsed() >= Duration::from_millis(290),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received().len(), 2);
}
