//! An exporter of OpenTelemetry `SpanData` (one given in code with `Config::with_exporter`, or
//! the console tree) on a thread of its own, so that one that blocks (a full stdout pipe, a
//! hanging backend) or panics delays nothing else: the export thread hands it a batch and goes
//! on. A lane exports one batch at a time ("Export() should not be called concurrently with
//! other Export calls for the same exporter instance": OpenTelemetry Tracing SDK, Span
//! Exporter), and holds a few more waiting; when it holds as many as it may, the export thread
//! waits for room at most one export timeout, then counts the batch as that exporter's loss.
//!
//! A panic in the exporter is caught: it loses its batch, and export goes on with the next one
//! (OpenTelemetry error handling: an SDK must not throw unhandled exceptions at runtime).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

use super::BoxedExporter;
use super::reports::Reports;
use super::stats::ExporterCounters;
use crate::engine::pipeline::Pipeline;

enum Job {
    Export(Vec<SpanData>),
    Shutdown(Duration),
}

/// Batches a lane holds at most: the one it exports and the ones waiting for it.
const HELD_BATCHES: usize = 3;

/// What the export thread and the lane's thread share.
#[derive(Debug, Default)]
struct State {
    held: Mutex<Held>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Held {
    /// Batches handed over and not finished.
    batches: usize,
    /// The last wait for room ran out: batches are refused at once until the lane finishes
    /// one, so a lane that hangs delays the export thread by one timeout, not one per batch.
    stalled: bool,
}

impl State {
    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The lane finished a batch.
    fn finished(&self) {
        let mut held = self.lock();
        held.batches = held.batches.saturating_sub(1);
        held.stalled = false;
        drop(held);
        self.changed.notify_all();
    }
}

/// A `SpanData` exporter on a thread of its own; see the module documentation.
#[derive(Debug)]
pub(crate) struct Lane {
    counters: Arc<ExporterCounters>,
    pipeline: &'static Pipeline,
    jobs: Sender<Job>,
    state: Arc<State>,
    /// Closed by the lane's thread when it ends.
    done: Receiver<()>,
}

impl Lane {
    /// Starts the lane's thread, which builds the exporter with `build` (on itself, off any
    /// async runtime: a blocking HTTP client built inside a tokio runtime panics). Returns once
    /// the exporter is built, or with why it could not be.
    pub(crate) fn spawn(
        name: &'static str,
        build: impl FnOnce() -> Result<BoxedExporter, String> + Send + 'static,
        resource: Resource,
        pipeline: &'static Pipeline,
    ) -> Result<Lane, String> {
        let counters = Arc::new(ExporterCounters::new(name));
        // Bounded by `State::held`, checked before each send.
        let (jobs, queue) = mpsc::channel::<Job>();
        let state = Arc::new(State::default());
        let (done_tx, done) = mpsc::sync_channel::<()>(1);
        let (ready_tx, ready) = mpsc::sync_channel::<Result<(), String>>(1);
        let (thread_counters, thread_state) = (Arc::clone(&counters), Arc::clone(&state));
        thread::Builder::new()
            .name(format!("traced-export-{name}"))
            .spawn(move || {
                crate::engine::mark_thread_internal();
                let built = catch_unwind(AssertUnwindSafe(build))
                    .unwrap_or_else(|_| Err(format!("the {name} exporter panicked while built")));
                let mut exporter = match built {
                    Ok(exporter) => exporter,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                exporter.set_resource(&resource);
                let _ = ready_tx.send(Ok(()));
                let lane = LaneThread {
                    exporter,
                    counters: thread_counters,
                    state: thread_state,
                    pipeline,
                    reports: Reports::default(),
                };
                lane.run(queue);
                drop(done_tx);
            })
            .map_err(|e| format!("cannot start the {name} exporter's thread: {e}"))?;
        match ready.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(format!(
                    "the {name} exporter's thread stopped while starting"
                ));
            }
        }
        Ok(Lane {
            counters,
            pipeline,
            jobs,
            state,
            done,
        })
    }

    /// The exporter's counts.
    pub(crate) fn counters(&self) -> &Arc<ExporterCounters> {
        &self.counters
    }

    /// Hands `batch` to the lane. When the lane holds as many batches as it may, waits for room
    /// until `until`; past that, or when the lane's last wait already ran out, the batch is lost
    /// and counted as this exporter's failure.
    pub(crate) fn export(&self, batch: Vec<SpanData>, until: Instant, reports: &mut Reports) {
        let spans = batch.len() as u64;
        if spans == 0 {
            return;
        }
        let mut held = self.state.lock();
        while held.batches >= HELD_BATCHES && !held.stalled {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                held.stalled = true;
                break;
            }
            held = self
                .state
                .changed
                .wait_timeout(held, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if held.batches < HELD_BATCHES && self.jobs.send(Job::Export(batch)).is_ok() {
            held.batches += 1;
            self.counters.started(self.pipeline, spans);
            return;
        }
        drop(held);
        self.counters.count(self.pipeline, 0, spans);
        reports.failed(
            self.counters.name,
            spans,
            &"the exporter has not finished its earlier batches within the export timeout; \
              this batch is lost",
        );
    }

    /// Waits until the lane has finished every batch it was handed, at most until `deadline`;
    /// false if it has not.
    pub(crate) fn wait_idle(&self, deadline: Instant) -> bool {
        let mut held = self.state.lock();
        while held.batches > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            held = self
                .state
                .changed
                .wait_timeout(held, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// Finishes the batches in hand and shuts the exporter down, at most until `deadline`;
    /// false if it did not finish its batches by then (it is left to itself, and the guard
    /// counts its spans as lost).
    pub(crate) fn shutdown(self, deadline: Instant) -> bool {
        if !self.wait_idle(deadline) {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if self.jobs.send(Job::Shutdown(left)).is_ok() {
            let _ = self.done.recv_timeout(left);
        }
        true
    }
}

/// The lane's own thread.
struct LaneThread {
    exporter: BoxedExporter,
    counters: Arc<ExporterCounters>,
    state: Arc<State>,
    pipeline: &'static Pipeline,
    reports: Reports,
}

impl LaneThread {
    fn run(mut self, queue: Receiver<Job>) {
        for job in queue {
            match job {
                Job::Export(batch) => {
                    self.export(batch);
                    self.state.finished();
                }
                Job::Shutdown(timeout) => {
                    let exporter = &self.exporter;
                    let _ =
                        catch_unwind(AssertUnwindSafe(|| exporter.shutdown_with_timeout(timeout)));
                    return;
                }
            }
        }
    }

    fn export(&mut self, batch: Vec<SpanData>) {
        let spans = batch.len() as u64;
        let exporter = &self.exporter;
        let result = catch_unwind(AssertUnwindSafe(|| {
            futures_executor::block_on(exporter.export(batch))
        }));
        match result {
            Ok(Ok(())) => self.counters.ended(self.pipeline, spans, spans),
            Ok(Err(error)) => {
                self.counters.ended(self.pipeline, spans, 0);
                self.reports.failed(self.counters.name, spans, &error);
            }
            Err(_) => {
                self.counters.ended(self.pipeline, spans, 0);
                self.reports.panicked(self.counters.name, spans);
            }
        }
    }
}
