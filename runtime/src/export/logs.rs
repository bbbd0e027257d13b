//! The logs' export thread: drains the log records' queue in batches (`OTEL_BLRP_*`), writes
//! them as `ExportLogsServiceRequest` protobuf (`crate::otlp`) and posts them with the OTLP
//! sender (`crate::sender`) to the logs endpoint, answers `traced::flush`, and flushes within
//! its export timeout at shutdown. Each request's answer is read when the next request goes,
//! or when it is due (`posting.rs`), and before a flush is answered.
//!
//! A thread of its own, not the spans' export thread: a logs endpoint that hangs, throttles or
//! refuses then delays span export by nothing at all, and a flood of logs can only drop logs
//! (the queues are separate too, see `engine::log_queue`). It is marked internal, so what the
//! HTTP and TLS libraries log while it sends never becomes a log record itself.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::posting::Posting;
use super::reports::{ShutdownReport, due};
use crate::config::{BatchSettings, OtlpSettings};
use crate::engine::clock::Anchor;
use crate::engine::log_queue::LogQueue;
use crate::engine::log_record::LogRecord;
use crate::engine::pipeline::Pipeline;
use crate::otlp::{Body, LogWriter, Push};
use crate::resource::Resource;
use crate::sender::{Outcome, Sender};

/// The running logs' export thread, as seen by the guard.
#[derive(Debug)]
pub(crate) struct LogsHandle {
    /// Whether the final flush finished every export.
    done: mpsc::Receiver<bool>,
}

struct LogsWorker {
    pipeline: &'static Pipeline,
    queue: &'static LogQueue,
    writer: LogWriter,
    /// Each batch exported within `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT`.
    posting: Posting,
    batch: BatchSettings,
    /// No send goes past this (the final flush's deadline).
    limit: Option<Instant>,
    /// The records of the batch being written, recycled once it is sent: boxed, as they
    /// travel between the queue, this list and the free list without being moved.
    #[expect(
        clippy::vec_box,
        reason = "records move between queues as boxes, never copied"
    )]
    records: Vec<Box<LogRecord>>,
    reports: LogReports,
}

impl LogsHandle {
    /// Starts the logs' export thread for `pipeline`'s log queue; the warnings its OTLP
    /// settings gave. `Err` when the pipeline has no log queue or the thread cannot start.
    pub(crate) fn spawn(
        pipeline: &'static Pipeline,
        otlp: &OtlpSettings,
        resource: &Resource,
        batch: BatchSettings,
    ) -> Result<(LogsHandle, Vec<String>), String> {
        let queue = pipeline
            .logs()
            .ok_or_else(|| "the pipeline has no log queue".to_owned())?;
        let (sender, warnings) = Sender::new(otlp);
        let mut worker = LogsWorker {
            pipeline,
            queue,
            writer: LogWriter::new(resource, otlp.max_body),
            posting: Posting::new(sender, otlp.timeout),
            batch,
            limit: None,
            records: Vec::new(),
            reports: LogReports::default(),
        };
        let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
        let (done_tx, done_rx) = mpsc::sync_channel::<bool>(1);
        thread::Builder::new()
            .name("traced-logs-export".into())
            .spawn(move || {
                crate::engine::mark_thread_internal();
                queue.link().set_worker(thread::current());
                let _ = ready_tx.send(());
                let completed = worker.run();
                let _ = done_tx.send(completed);
            })
            .map_err(|e| format!("cannot start the logs' export thread: {e}"))?;
        match ready_rx.recv() {
            Ok(()) => Ok((LogsHandle { done: done_rx }, warnings)),
            Err(_) => Err("the logs' export thread stopped while starting".into()),
        }
    }

    /// Waits for the final flush, at most `timeout`.
    pub(crate) fn wait(&self, queue: &LogQueue, timeout: Duration) -> ShutdownReport {
        let completed = matches!(self.done.recv_timeout(timeout), Ok(true));
        let counters = &queue.counters;
        // Still queued, or being sent: lost.
        let left = queue.queued() as u64 + counters.exporting.load(Ordering::Relaxed);
        ShutdownReport {
            exported: counters.exported.load(Ordering::Relaxed),
            failed: counters.export_failed.load(Ordering::Relaxed) + left,
            dropped: counters.dropped(),
            completed,
        }
    }
}

impl LogsWorker {
    /// Runs until the pipeline closes; whether the final flush finished every export.
    fn run(&mut self) -> bool {
        let delay = self.batch.schedule_delay;
        let mut deadline = Instant::now() + delay;
        loop {
            self.queue.clear_wake();
            if self.pipeline.is_closed() {
                return self.final_flush();
            }
            if let Some(ticket) = self.queue.link().flush_requested() {
                let until = Instant::now() + self.batch.export_timeout;
                self.export_queued(Some(until));
                self.settle();
                self.queue.link().answer_flush(ticket);
                deadline = Instant::now() + delay;
                continue;
            }
            let now = Instant::now();
            if self.queue.queued() >= self.queue.batch_size() || now >= deadline {
                self.export_queued(None);
                deadline = Instant::now() + delay;
                continue;
            }
            // The answer to the request sent last is read when the next one goes, or when it
            // is due (`posting.rs`), whichever comes first.
            let due = self.posting.due();
            if due.is_some_and(|due| due <= now) {
                self.settle();
                continue;
            }
            thread::park_timeout(due.map_or(deadline, |due| due.min(deadline)) - now);
        }
    }

    /// Exports everything queued, in batches; stops taking batches at `until` if given.
    fn export_queued(&mut self, until: Option<Instant>) {
        while until.is_none_or(|until| Instant::now() < until) && self.export_batch() {
            self.reports.drops(self.queue, false);
        }
        self.reports.drops(self.queue, false);
    }

    /// Takes up to a batch of records off the queue, writes and sends them; false when the
    /// queue was empty.
    fn export_batch(&mut self) -> bool {
        let batch_size = self.queue.batch_size();
        while self.records.len() < batch_size {
            match self.queue.pop() {
                Some(record) => self.records.push(record),
                None => break,
            }
        }
        if self.records.is_empty() {
            return false;
        }
        let anchor = Anchor::now();
        let mut records = std::mem::take(&mut self.records);
        for record in &records {
            loop {
                match self.writer.push(record, &anchor) {
                    Push::Appended => break,
                    // The request is at its size cap: it goes, and the record starts the next.
                    Push::Full => self.send(),
                    Push::TooLarge => {
                        self.count(0, 1);
                        self.reports.too_large();
                        break;
                    }
                }
            }
        }
        self.send();
        self.posting.end_batch();
        for record in records.drain(..) {
            self.queue.recycle(record);
        }
        self.records = records;
        true
    }

    /// Sends what was written since the last send, once the answer to the request before is
    /// read.
    fn send(&mut self) {
        // Counted as exporting before the answer to the request before is read, which may take
        // until that request's deadline: a shutdown that stops waiting meanwhile counts them
        // as lost, not as nothing.
        let records = self.writer.records() as u64;
        self.queue
            .counters
            .exporting
            .fetch_add(records, Ordering::Relaxed);
        self.settle();
        let Some(request) = self.writer.finish() else {
            return;
        };
        let body = request.take();
        if let Some((body, outcome)) = self.posting.post(body, self.limit) {
            self.ended(body, outcome);
        }
    }

    /// Reads the answer to the request sent last, if it has not been, retrying the request if
    /// the answer says so; its records are then counted as exported or failed.
    fn settle(&mut self) {
        if let Some((body, outcome)) = self.posting.settle(self.limit) {
            self.ended(body, outcome);
        }
    }

    /// The export of the request `body` ended with `outcome`; its bytes go back to the writer.
    fn ended(&mut self, body: Body, outcome: Outcome) {
        let records = body.records() as u64;
        self.writer.give_back(body);
        self.queue
            .counters
            .exporting
            .fetch_sub(records, Ordering::Relaxed);
        match outcome {
            Outcome::Delivered { rejected, message } => {
                let rejected = rejected.min(records);
                self.count(records - rejected, rejected);
                if rejected > 0 {
                    let message = message.unwrap_or_default();
                    self.reports.failed(
                        rejected,
                        &format_args!("the collector rejected {rejected} log records: {message}"),
                    );
                }
            }
            Outcome::Failed { reason } => {
                self.count(0, records);
                self.reports.failed(records, &reason);
            }
            Outcome::TimedOut { attempts, last } => {
                self.count(0, records);
                let last = last.map_or_else(String::new, |last| format!(" (last: {last})"));
                self.reports.failed(
                    records,
                    &format_args!(
                        "no answer within the export timeout after {attempts} attempts{last}"
                    ),
                );
            }
        }
    }

    fn count(&self, exported: u64, failed: u64) {
        let counters = &self.queue.counters;
        counters.exported.fetch_add(exported, Ordering::Relaxed);
        counters.export_failed.fetch_add(failed, Ordering::Relaxed);
    }

    fn final_flush(&mut self) -> bool {
        let until = Instant::now() + self.batch.export_timeout;
        self.limit = Some(until);
        self.export_queued(Some(until));
        self.settle();
        self.reports.drops(self.queue, true);
        self.queue.link().answer_all_flushes();
        self.queue.queued() == 0
    }
}

/// The logs' losses, reported at a bounded rate as the spans' are (see `reports`).
#[derive(Debug, Default)]
struct LogReports {
    reported_drops: u64,
    last_drop_report: Option<Instant>,
    last_failure_report: Option<Instant>,
    failed_since_report: u64,
    too_large_reported: bool,
}

impl LogReports {
    fn failed(&mut self, records: u64, error: &dyn std::fmt::Display) {
        self.failed_since_report += records;
        if due(&mut self.last_failure_report) {
            let records = std::mem::take(&mut self.failed_since_report);
            tracing::warn!(
                target: "traced",
                records,
                "log export failed: {error}; failures are reported at most every {}s",
                super::reports::REPORT_INTERVAL.as_secs()
            );
        }
    }

    fn too_large(&mut self) {
        if !std::mem::replace(&mut self.too_large_reported, true) {
            tracing::warn!(
                target: "traced",
                "a log record larger than the OTLP request size limit was dropped (more are \
                 counted as failed, not reported)"
            );
        }
    }

    fn drops(&mut self, queue: &LogQueue, force: bool) {
        let dropped = queue.counters.dropped_queue_full.load(Ordering::Relaxed);
        let new = dropped - self.reported_drops;
        if new > 0 && (force || due(&mut self.last_drop_report)) {
            self.reported_drops = dropped;
            tracing::warn!(
                target: "traced",
                dropped = new,
                "dropped {new} log records: the logs' queue was full (OTEL_BLRP_MAX_QUEUE_SIZE)"
            );
        }
    }
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
