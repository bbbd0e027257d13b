//! What a queue shares with the thread that drains it: the thread to wake, in which process it
//! runs (a child forked after it started has the queue but not the thread), and the
//! `traced::flush` requests it answers. Spans and log records each have one, so that each
//! signal's export thread is woken, and answers flushes, on its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread::Thread;
use std::time::Instant;

/// The draining thread of a queue, and the process it runs in.
#[derive(Debug)]
struct Worker {
    thread: Thread,
    pid: u32,
}

/// A queue's link to its draining thread; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct WorkerLink {
    worker: OnceLock<Worker>,
    flushes: Flushes,
}

/// Flush requests: a caller takes a ticket, the draining thread answers every ticket up to the
/// newest once everything queued before it was taken has been exported.
#[derive(Debug, Default)]
struct Flushes {
    requested: AtomicU64,
    answered: Mutex<u64>,
    changed: Condvar,
}

impl WorkerLink {
    /// Called by the draining thread once it is running.
    pub(crate) fn set_worker(&self, thread: Thread) {
        let _ = self.worker.set(Worker {
            thread,
            pid: std::process::id(),
        });
    }

    /// Whether the draining thread runs in this process.
    pub(crate) fn has_worker_here(&self) -> bool {
        self.worker
            .get()
            .is_some_and(|worker| worker.pid == std::process::id())
    }

    /// Wakes the draining thread, if it has started.
    pub(crate) fn unpark(&self) {
        if let Some(worker) = self.worker.get() {
            worker.thread.unpark();
        }
    }

    /// Asks the draining thread to export everything queued now; the ticket to wait on.
    pub(crate) fn request_flush(&self) -> u64 {
        let ticket = self.flushes.requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.unpark();
        ticket
    }

    fn answered(&self) -> std::sync::MutexGuard<'_, u64> {
        self.flushes
            .answered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `ticket` is answered, at most until `deadline`; false if it was not.
    pub(crate) fn wait_flushed(&self, ticket: u64, deadline: Instant) -> bool {
        let mut answered = self.answered();
        while *answered < ticket {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            answered = self
                .flushes
                .changed
                .wait_timeout(answered, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// For the draining thread: the newest ticket not answered yet.
    pub(crate) fn flush_requested(&self) -> Option<u64> {
        let requested = self.flushes.requested.load(Ordering::Acquire);
        let answered = *self.answered();
        (requested > answered).then_some(requested)
    }

    /// For the draining thread as it stops: every ticket so far is answered (the callers then
    /// see in the counters whether what they waited for was exported).
    pub(crate) fn answer_all_flushes(&self) {
        self.answer_flush(self.flushes.requested.load(Ordering::Acquire));
    }

    /// For the draining thread: every ticket up to `ticket` is answered.
    pub(crate) fn answer_flush(&self, ticket: u64) {
        let mut answered = self.answered();
        *answered = (*answered).max(ticket);
        drop(answered);
        self.flushes.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_ticket_is_answered_by_any_later_answer_and_times_out_otherwise() {
        let link = WorkerLink::default();
        let first = link.request_flush();
        let second = link.request_flush();
        assert_eq!(link.flush_requested(), Some(second));
        let soon = Instant::now() + Duration::from_millis(20);
        assert!(!link.wait_flushed(first, soon), "not answered yet");
        link.answer_flush(second);
        assert!(link.wait_flushed(first, Instant::now()));
        assert_eq!(link.flush_requested(), None);
        assert!(!link.has_worker_here());
        link.set_worker(std::thread::current());
        assert!(link.has_worker_here());
    }
}
