//! The global pipeline: where finished spans go, and the switch that makes an uninitialised
//! program pay one atomic load per span.

use std::cell::Cell;
#[cfg(test)]
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, Ordering};
use std::thread::Thread;

use crossbeam_queue::ArrayQueue;

use super::clock;
use super::limits::Limits;
use super::log_queue::LogQueue;
use super::log_record::LogRecord;
use super::pool::{self, Recycled};
use super::sampler::Sampler;
use super::worker_link::WorkerLink;

/// Counters reported at shutdown and by the rate-limited drop warning.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Spans that found the queue full: striped, because under overload every span of every
    /// thread lands here.
    pub(crate) dropped_queue_full: Striped,
    /// Spans ended after shutdown began.
    pub(crate) dropped_after_shutdown: AtomicU64,
    /// Spans handed to the exporter and accepted.
    pub(crate) exported: AtomicU64,
    /// Spans the exporter failed on (error or panic).
    pub(crate) export_failed: AtomicU64,
    /// Spans the export thread has taken off the queue and not finished exporting: lost if
    /// the guard stops waiting for them.
    pub(crate) exporting: AtomicU64,
}

impl Counters {
    /// Spans dropped before export, whatever the reason.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped_queue_full.sum() + self.dropped_after_shutdown.load(Ordering::Relaxed)
    }
}

/// A counter spread over cache lines, so threads that add to it at once do not contend for
/// one line: each thread adds to a stripe of its own (threads take stripes in turn). Picking
/// the stripe by the span's random id instead had every thread write every line, and under
/// overload the lines bounced between cores on every drop (15 % of the time of the `w4_threads`
/// benchmark, two threads making spans back to back: see `benches/README.md`).
#[derive(Debug, Default)]
pub(crate) struct Striped {
    stripes: [Padded; STRIPES],
}

const STRIPES: usize = 8;

#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

thread_local! {
    // This thread's stripe plus one; 0 until the thread first adds to a striped counter. No
    // destructor, so reading it is a plain thread-local load.
    static STRIPE: Cell<u8> = const { Cell::new(0) };
}

/// This thread's stripe, the same for every striped counter.
#[inline]
fn stripe() -> usize {
    static NEXT: AtomicU8 = AtomicU8::new(0);
    STRIPE
        .try_with(|cell| {
            let mut stripe = cell.get();
            if stripe == 0 {
                stripe = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES as u8 + 1;
                cell.set(stripe);
            }
            usize::from(stripe - 1)
        })
        .unwrap_or(0)
}

impl Striped {
    pub(crate) fn add(&self) {
        self.stripes[stripe()].0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum()
    }
}

/// The flags a submission reads before touching the queue.
#[derive(Debug)]
#[repr(align(128))]
struct Gate {
    accepting: AtomicBool,
    /// The queue was found full and the export thread has not taken a span since. Spans are
    /// then dropped without trying the queue: a push on a full queue reads both of its ends,
    /// cache lines every other producer and the consumer are writing, and under overload that
    /// was a quarter of the time of every thread (in the `w4_threads` benchmark, see above).
    full: AtomicBool,
}

/// Where the spans of one initialisation go.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) sampler: Sampler,
    pub(crate) limits: Limits,
    /// False for `OTEL_TRACES_EXPORTER=none`: spans are made (ids for logs and propagation)
    /// but go nowhere, at no cost.
    exporting: bool,
    queue: ArrayQueue<Recycled>,
    batch_size: usize,
    /// A mask on span ids: submissions whose id has these bits clear check the queue length.
    wake_check: u64,
    /// What every submission reads and hardly any writes, on a cache line of its own.
    gate: Gate,
    /// Set when the export thread has been woken and not yet looked at the queue, so a burst
    /// of spans wakes it once, not once per span.
    woken: AtomicBool,
    /// The export thread, and the `traced::flush` requests it answers.
    link: WorkerLink,
    /// The log records' own queue, when they are exported.
    logs: Option<LogQueue>,
    pub(crate) counters: Counters,
}

impl Pipeline {
    pub(crate) fn new(
        sampler: Sampler,
        limits: Limits,
        exporting: bool,
        queue_size: usize,
        batch_size: usize,
    ) -> Pipeline {
        clock::init();
        Pipeline {
            sampler,
            limits,
            exporting,
            queue: ArrayQueue::new(queue_size.max(1)),
            batch_size: batch_size.clamp(1, queue_size.max(1)),
            // One span in 16 for the default batch of 512, every span for batches below 64.
            wake_check: wake_check_mask(batch_size),
            gate: Gate {
                accepting: AtomicBool::new(true),
                full: AtomicBool::new(false),
            },
            woken: AtomicBool::new(false),
            link: WorkerLink::default(),
            logs: None,
            counters: Counters::default(),
        }
    }

    /// Hands a finished span to the export thread. Never blocks: a full queue drops the span
    /// and counts it. OpenTelemetry's `OnEnd` runs inside `Span.End()` and "should not block or
    /// throw", and its batching processor drops spans once `maxQueueSize` is reached
    /// (OpenTelemetry Tracing SDK, Span processor).
    pub(crate) fn submit(&self, record: Recycled) {
        let span_id = record.span_id;
        if !self.exporting {
            pool::put_back(record);
            return;
        }
        if !self.gate.accepting.load(Ordering::Relaxed) {
            self.counters
                .dropped_after_shutdown
                .fetch_add(1, Ordering::Relaxed);
            pool::put_back(record);
            return;
        }
        if self.gate.full.load(Ordering::Relaxed) {
            self.drop_full(record);
            return;
        }
        if let Err(record) = self.queue.push(record) {
            self.gate.full.store(true, Ordering::Relaxed);
            self.drop_full(record);
            return;
        }
        // `len` reads the consumer's cache line; a full batch is noticed within a few spans
        // when only about one span in `wake_check` looks (the span id is random, so which ones
        // look costs nothing to decide).
        if span_id & self.wake_check == 0 && self.queue.len() >= self.batch_size {
            self.wake();
        }
    }

    // The wake also clears a `full` flag left set on an empty queue (a producer that saw the
    // queue full and was preempted before setting it), at the export thread's next look.
    #[cold]
    fn drop_full(&self, record: Recycled) {
        self.counters.dropped_queue_full.add();
        pool::put_back(record);
        self.wake();
    }

    fn wake(&self) {
        // Looking before swapping keeps the flag's cache line shared while it is set (under
        // overload every span of every thread comes here).
        if !self.woken.load(Ordering::Relaxed) && !self.woken.swap(true, Ordering::AcqRel) {
            self.link.unpark();
        }
    }

    /// Called by the export thread once it is running.
    pub(crate) fn set_worker(&self, thread: Thread) {
        self.link.set_worker(thread);
    }

    /// Whether an export thread serves this pipeline's spans or log records in this process
    /// (not in a child forked after it started).
    pub(crate) fn has_worker_here(&self) -> bool {
        self.link.has_worker_here() || self.logs.as_ref().is_some_and(LogQueue::has_worker_here)
    }

    /// The export thread's side of `traced::flush` for spans.
    pub(crate) fn link(&self) -> &WorkerLink {
        &self.link
    }

    /// The log records' queue, when they are exported.
    #[inline]
    pub(crate) fn logs(&self) -> Option<&LogQueue> {
        self.logs.as_ref()
    }

    /// The pipeline, with log records exported through `logs`.
    pub(crate) fn with_logs(mut self, logs: LogQueue) -> Pipeline {
        self.logs = Some(logs);
        self
    }

    /// Hands a log record to the logs' export thread. Never blocks: a full queue drops the
    /// record and counts it among the logs' drops, never the spans'.
    pub(crate) fn submit_log(&self, record: Box<LogRecord>) {
        if let Some(logs) = &self.logs {
            logs.submit(record, self.gate.accepting.load(Ordering::Relaxed));
        }
    }

    /// Called by the export thread before it looks at the queue.
    pub(crate) fn clear_wake(&self) {
        self.woken.store(false, Ordering::Release);
        self.clear_full();
    }

    pub(crate) fn pop(&self) -> Option<Recycled> {
        self.queue.pop()
    }

    /// Called by the export thread after it took a batch: there is room again, producers try
    /// the queue. Once per batch, not per span, so that under overload the flag's line changes
    /// hands twice a batch; read before written, so it stays shared while the flag is clear.
    #[inline]
    pub(crate) fn clear_full(&self) {
        if self.gate.full.load(Ordering::Relaxed) {
            self.gate.full.store(false, Ordering::Relaxed);
        }
    }

    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Stops accepting spans and wakes the export thread for its final flush.
    pub(crate) fn close(&self) {
        self.gate.accepting.store(false, Ordering::Release);
        self.link.unpark();
        if let Some(logs) = &self.logs {
            logs.link().unpark();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        !self.gate.accepting.load(Ordering::Acquire)
    }
}

/// About one in `batch_size / 32` spans (a power of two, at most 16) checks the queue length.
fn wake_check_mask(batch_size: usize) -> u64 {
    let every = (batch_size / 32).clamp(1, 16);
    (1u64 << every.ilog2()) - 1
}

/// A pipeline that exports nothing, for context frames when tracing is off: they need one,
/// and never submit to it.
#[cfg(test)]
pub(crate) fn inert() -> &'static Pipeline {
    static INERT: OnceLock<Pipeline> = OnceLock::new();
    INERT.get_or_init(|| Pipeline::new(Sampler::AlwaysOff, Limits::default(), false, 1, 1))
}

static CURRENT: AtomicPtr<Pipeline> = AtomicPtr::new(std::ptr::null_mut());

/// The installed pipeline, if tracing is initialised and enabled.
#[inline]
pub(crate) fn current() -> Option<&'static Pipeline> {
    let ptr = CURRENT.load(Ordering::Acquire);
    // SAFETY: non-null pointers stored in CURRENT come from `Box::leak` in `install` and are
    // never freed, so they are valid for 'static.
    unsafe { ptr.as_ref() }
}

/// Held by whoever replaces the global pipeline for a while (a `traced::testing` capture, a
/// test of the crate), so that one replacement at a time is in place in the process.
#[cfg(feature = "testing")]
pub(crate) fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes `pipeline` current and returns the one it replaces (for `traced::testing`, which
/// puts the previous one back when a capture ends).
#[cfg(feature = "testing")]
pub(crate) fn replace(pipeline: Pipeline) -> (&'static Pipeline, Option<&'static Pipeline>) {
    let pipeline: &'static Pipeline = Box::leak(Box::new(pipeline));
    let previous = CURRENT.swap(std::ptr::from_ref(pipeline).cast_mut(), Ordering::AcqRel);
    // SAFETY: as in `current`.
    (pipeline, unsafe { previous.as_ref() })
}

/// Puts `previous` back in place of `replacement` (see [`replace`]), unless another pipeline
/// was installed meanwhile (an `init` while a capture ran): that one stays.
#[cfg(feature = "testing")]
pub(crate) fn restore(replacement: &'static Pipeline, previous: Option<&'static Pipeline>) {
    let ptr = previous.map_or(std::ptr::null_mut(), |p| std::ptr::from_ref(p).cast_mut());
    let _ = CURRENT.compare_exchange(
        std::ptr::from_ref(replacement).cast_mut(),
        ptr,
        Ordering::AcqRel,
        Ordering::Acquire,
    );
}

/// Makes `pipeline` the destination of every span from now on. Pipelines are leaked on
/// purpose: spans still running on other threads may hold a reference to an old one, and one
/// small allocation per initialisation is cheaper than reference counting every span.
pub(crate) fn install(pipeline: Pipeline) -> &'static Pipeline {
    let pipeline: &'static Pipeline = Box::leak(Box::new(pipeline));
    CURRENT.store(std::ptr::from_ref(pipeline).cast_mut(), Ordering::Release);
    pipeline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn striped_counts_add_up_across_threads() {
        let counter = Striped::default();
        // More threads than stripes: some share one, and no addition is lost.
        std::thread::scope(|s| {
            for _ in 0..(STRIPES + 3) {
                let counter = &counter;
                s.spawn(move || {
                    for _ in 0..1_000 {
                        counter.add();
                    }
                });
            }
        });
        assert_eq!(counter.sum(), 1_000 * (STRIPES as u64 + 3));
        // Each thread keeps to one stripe.
        let mine = std::thread::spawn(|| (stripe(), stripe())).join().unwrap();
        assert_eq!(mine.0, mine.1);
        assert!(mine.0 < STRIPES);
    }

    #[test]
    fn the_wake_check_is_every_span_for_small_batches_and_one_in_16_at_most() {
        assert_eq!(wake_check_mask(1), 0);
        assert_eq!(wake_check_mask(63), 0);
        assert_eq!(wake_check_mask(64), 1);
        assert_eq!(wake_check_mask(512), 15);
        assert_eq!(wake_check_mask(1 << 20), 15);
    }
}
