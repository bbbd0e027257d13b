//! Initialisation and shutdown of the global pipeline under contention: several threads
//! initialising at once, a second initialisation after a shutdown, and threads still ending
//! spans while the guard shuts down. The pipeline is global, so these tests run in sequence
//! behind a lock, in a process of their own.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use traced::{Config, Span};

#[derive(Debug, Clone, Default)]
struct Sink(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Sink {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

impl Sink {
    fn names(&self) -> Vec<String> {
        let spans = self.0.lock().unwrap();
        spans.iter().map(|s| s.name.to_string()).collect()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn config(sink: &Sink) -> Config {
    Config::new()
        .with_exporter(sink.clone())
        .schedule_delay(Duration::from_millis(10))
        .install_logging(false)
        .install_panic_hook(false)
}

#[test]
fn of_several_threads_initialising_at_once_one_wins_and_the_others_get_inert_guards() {
    let _serial = serial();
    const THREADS: usize = 6;
    let sinks: Vec<Sink> = (0..THREADS).map(|_| Sink::default()).collect();
    let start = Barrier::new(THREADS);
    let mut guards: Vec<traced::Guard> = thread::scope(|s| {
        let handles: Vec<_> = sinks
            .iter()
            .map(|sink| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    traced::init(config(sink))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    drop(Span::root("before any shutdown").enter());
    // Shut the guards down one by one, a span after each: an inert guard's shutdown must not
    // stop the winner's pipeline.
    for (i, guard) in guards.iter_mut().enumerate() {
        guard.shutdown();
        drop(Span::root(format!("after shutdown {i}")).enter());
    }

    let used: Vec<usize> = (0..THREADS).filter(|&i| sinks[i].len() > 0).collect();
    assert_eq!(
        used.len(),
        1,
        "exactly one initialisation exports: {:?}",
        sinks.iter().map(Sink::names).collect::<Vec<_>>()
    );
    let winner = used[0];
    let mut expected = vec!["before any shutdown".to_owned()];
    expected.extend((0..winner).map(|i| format!("after shutdown {i}")));
    let mut got = sinks[winner].names();
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "the winner's exporter gets every span until it shuts down"
    );
    let stats = guards[winner].stats();
    assert_eq!(stats.exported, expected.len() as u64, "{stats:?}");
    for (i, guard) in guards.iter().enumerate().filter(|&(i, _)| i != winner) {
        assert_eq!(
            guard.stats(),
            traced::ExportStats::default(),
            "guard {i} is inert"
        );
    }
}

#[test]
fn an_initialisation_after_a_shutdown_sends_spans_to_the_new_exporter() {
    let _serial = serial();
    let (first_sink, second_sink) = (Sink::default(), Sink::default());

    let mut first = traced::init(config(&first_sink));
    drop(Span::root("to the first").enter());
    first.shutdown();
    // Between the two: the first pipeline is closed, so the span is counted as dropped there.
    drop(Span::root("in between").enter());

    let mut second = traced::init(config(&second_sink));
    drop(Span::root("to the second").enter());
    second.shutdown();

    assert_eq!(first_sink.names(), ["to the first"]);
    assert_eq!(second_sink.names(), ["to the second"]);
    let stats = first.stats();
    assert_eq!((stats.exported, stats.dropped), (1, 1), "{stats:?}");
    assert_eq!(second.stats().exported, 1, "{:?}", second.stats());

    // And once more, as a program that restarts tracing in a loop would.
    let third_sink = Sink::default();
    let mut third = traced::init(config(&third_sink));
    drop(Span::root("to the third").enter());
    third.shutdown();
    assert_eq!(third_sink.names(), ["to the third"]);
}

#[test]
fn a_shutdown_racing_threads_that_end_spans_accounts_for_every_span() {
    let _serial = serial();
    const PRODUCERS: usize = 4;
    let sink = Sink::default();
    let mut guard = traced::init(
        config(&sink)
            .max_queue_size(256)
            .max_export_batch_size(64)
            .export_timeout(Duration::from_secs(10)),
    );
    let stop = AtomicBool::new(false);
    let ended = AtomicU64::new(0);
    let running = Barrier::new(PRODUCERS + 1);
    thread::scope(|s| {
        for p in 0..PRODUCERS {
            let (stop, ended, running) = (&stop, &ended, &running);
            s.spawn(move || {
                let mut mine = 0_u64;
                let mut make = || {
                    let _root = Span::root("producer").attr("p", p).enter();
                    drop(Span::child("producer child").enter());
                    mine += 2;
                };
                // Every producer has ended spans before the shutdown begins.
                make();
                running.wait();
                while !stop.load(Ordering::Relaxed) {
                    make();
                }
                // And after it ended, until told to stop.
                for _ in 0..100 {
                    make();
                }
                ended.fetch_add(mine, Ordering::Relaxed);
            });
        }
        running.wait();
        thread::sleep(Duration::from_millis(20));
        guard.shutdown();
        stop.store(true, Ordering::Relaxed);
    });

    let ended = ended.load(Ordering::Relaxed);
    let stats = guard.stats();
    // The pipeline stays the current one after its shutdown, so spans ended after it are
    // counted there as dropped: every span ended is counted exactly once.
    assert_eq!(
        stats.exported + stats.failed + stats.dropped,
        ended,
        "{stats:?} for {ended} spans ended"
    );
    assert_eq!(stats.exported, sink.len() as u64, "{stats:?}");
    assert!(stats.exported > 0, "{stats:?}");
    assert!(
        stats.dropped >= (PRODUCERS * 100 * 2) as u64,
        "spans ended after the shutdown are dropped: {stats:?}"
    );
}
