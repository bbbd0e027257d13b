//! The logs' export thread against a real HTTP server on 127.0.0.1: a request's answer is read
//! when the next request goes, or when it is due, without a flush.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::*;
use crate::engine::{Limits, Sampler};
use crate::sender::tests::server::{Server, respond};
use crate::sender::tests::settings;

#[test]
fn the_logs_export_thread_reads_an_answer_when_it_is_due_without_a_flush() {
    let server = Server::start(|_| respond(200, &[], b""));
    let pipeline: &'static Pipeline =
        Box::leak(Box::new(
            Pipeline::new(Sampler::AlwaysOn, Limits::default(), true, 64, 16)
                .with_logs(LogQueue::new(64, 16, Limits::default())),
        ));
    let batch = BatchSettings {
        // Only a full batch is sent, and nothing else would wake the thread.
        schedule_delay: Duration::from_secs(3600),
        ..BatchSettings::SPANS
    };
    let (handle, warnings) = LogsHandle::spawn(
        pipeline,
        &settings(&server.url()),
        &Resource::from_strings(Vec::new()),
        batch,
    )
    .expect("the logs' export thread");
    assert!(warnings.is_empty(), "{warnings:?}");
    let queue = pipeline.logs().expect("a log queue");
    // A full batch wakes the thread, which sends it.
    for _ in 0..16 {
        pipeline.submit_log(queue.take());
    }
    let start = Instant::now();
    while queue.counters.exported.load(Ordering::SeqCst) < 16 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the answer was not read: {} exporting",
            queue.counters.exporting.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.received().len(), 1);
    assert_eq!(queue.counters.exporting.load(Ordering::SeqCst), 0);
    pipeline.close();
    let report = handle.wait(queue, Duration::from_secs(10));
    assert!(report.completed, "{report:?}");
    assert_eq!((report.exported, report.failed), (16, 0));
}
