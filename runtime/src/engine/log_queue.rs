//! The hand-off of log records to the export thread: a queue of its own, so that a flood of
//! logs can only drop logs, never spans, and its own counts. Logging never blocks: a full queue
//! drops the record and counts it. Records are recycled (their body's buffer kept), so a steady
//! flow of logs allocates nothing for the record itself.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_queue::ArrayQueue;

use super::limits::Limits;
use super::log_record::LogRecord;
use super::worker_link::WorkerLink;

/// Records kept for reuse at most.
const FREE: usize = 1024;
/// A record whose body or attributes grew past this is freed rather than kept.
const MAX_KEPT_BODY: usize = 4096;
const MAX_KEPT_ATTRS: usize = 16;

/// What became of the log records handed over.
#[derive(Debug, Default)]
pub(crate) struct LogCounters {
    pub(crate) exported: AtomicU64,
    pub(crate) export_failed: AtomicU64,
    /// Taken off the queue by an export that has not ended.
    pub(crate) exporting: AtomicU64,
    /// The queue was full.
    pub(crate) dropped_queue_full: AtomicU64,
    /// Logged after shutdown began.
    pub(crate) dropped_after_shutdown: AtomicU64,
}

impl LogCounters {
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped_queue_full.load(Ordering::Relaxed)
            + self.dropped_after_shutdown.load(Ordering::Relaxed)
    }
}

/// The log records of one pipeline on their way to the export thread.
#[derive(Debug)]
pub(crate) struct LogQueue {
    queue: ArrayQueue<Box<LogRecord>>,
    free: ArrayQueue<Box<LogRecord>>,
    batch_size: usize,
    /// The log record limits (attribute count, value length; the body is cut to the same
    /// length).
    pub(crate) limits: Limits,
    /// The queue was found full and the export thread has not taken a record since.
    full: AtomicBool,
    /// Set when the export thread has been woken and not yet looked at the queue, so a burst
    /// of records wakes it once.
    woken: AtomicBool,
    /// The logs' export thread, and the `traced::flush` requests it answers.
    link: WorkerLink,
    pub(crate) counters: LogCounters,
}

/// What [`LogQueue::submit`] asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Submitted {
    /// Queued, or dropped and counted.
    Done,
    /// Queued, and a batch is ready: wake the export thread.
    Wake,
}

impl LogQueue {
    pub(crate) fn new(queue_size: usize, batch_size: usize, limits: Limits) -> LogQueue {
        let queue_size = queue_size.max(1);
        LogQueue {
            queue: ArrayQueue::new(queue_size),
            free: ArrayQueue::new(FREE.min(queue_size)),
            batch_size: batch_size.clamp(1, queue_size),
            limits,
            full: AtomicBool::new(false),
            woken: AtomicBool::new(false),
            link: WorkerLink::default(),
            counters: LogCounters::default(),
        }
    }

    /// An empty record: a recycled one when there is one.
    pub(crate) fn take(&self) -> Box<LogRecord> {
        self.free
            .pop()
            .unwrap_or_else(|| Box::new(LogRecord::empty()))
    }

    /// Queues `record` for export, or drops and counts it when the queue is full (never
    /// blocks), and wakes the export thread when a batch is ready or the queue is full.
    pub(crate) fn submit(&self, record: Box<LogRecord>, accepting: bool) {
        if self.push(record, accepting) == Submitted::Wake {
            self.wake();
        }
    }

    fn wake(&self) {
        if !self.woken.load(Ordering::Relaxed) && !self.woken.swap(true, Ordering::AcqRel) {
            self.link.unpark();
        }
    }

    /// For the export thread, before it looks at the queue.
    pub(crate) fn clear_wake(&self) {
        self.woken.store(false, Ordering::Release);
    }

    /// The export thread, and the flush requests it answers.
    pub(crate) fn link(&self) -> &WorkerLink {
        &self.link
    }

    pub(crate) fn has_worker_here(&self) -> bool {
        self.link.has_worker_here()
    }

    fn push(&self, record: Box<LogRecord>, accepting: bool) -> Submitted {
        if !accepting {
            self.counters
                .dropped_after_shutdown
                .fetch_add(1, Ordering::Relaxed);
            self.recycle(record);
            return Submitted::Done;
        }
        if self.full.load(Ordering::Relaxed) {
            self.drop_full(record);
            return Submitted::Wake;
        }
        if let Err(record) = self.queue.push(record) {
            self.full.store(true, Ordering::Relaxed);
            self.drop_full(record);
            return Submitted::Wake;
        }
        if self.queue.len() >= self.batch_size {
            Submitted::Wake
        } else {
            Submitted::Done
        }
    }

    #[cold]
    fn drop_full(&self, record: Box<LogRecord>) {
        self.counters
            .dropped_queue_full
            .fetch_add(1, Ordering::Relaxed);
        self.recycle(record);
    }

    /// For the export thread: the next record.
    pub(crate) fn pop(&self) -> Option<Box<LogRecord>> {
        let record = self.queue.pop();
        if record.is_some() && self.full.load(Ordering::Relaxed) {
            self.full.store(false, Ordering::Relaxed);
        }
        record
    }

    /// Records waiting.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Empties `record` and keeps it for reuse (unless it grew large, or enough are kept).
    pub(crate) fn recycle(&self, mut record: Box<LogRecord>) {
        if record.body.capacity() > MAX_KEPT_BODY || record.attrs.capacity() > MAX_KEPT_ATTRS {
            return;
        }
        record.clear();
        let _ = self.free.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_counts_and_asks_for_a_wake() {
        let queue = LogQueue::new(2, 2, Limits::default());
        assert_eq!(queue.push(queue.take(), true), Submitted::Done);
        assert_eq!(queue.push(queue.take(), true), Submitted::Wake);
        assert_eq!(queue.push(queue.take(), true), Submitted::Wake);
        assert_eq!(queue.counters.dropped(), 1);
        assert!(queue.pop().is_some());
        assert_eq!(queue.push(queue.take(), true), Submitted::Wake);
        assert_eq!(
            queue.counters.dropped(),
            1,
            "room again once a record was taken"
        );
        assert_eq!(queue.push(queue.take(), false), Submitted::Done);
        assert_eq!(queue.counters.dropped(), 2, "after shutdown");
    }

    #[test]
    fn records_come_back_empty_with_their_buffers() {
        let queue = LogQueue::new(4, 4, Limits::default());
        let mut record = queue.take();
        record
            .body
            .push_str("a message long enough to need the heap for itself");
        let capacity = record.body.capacity();
        queue.recycle(record);
        let record = queue.take();
        assert!(record.body.is_empty());
        assert_eq!(record.body.capacity(), capacity);
    }
}
