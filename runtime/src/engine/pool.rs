//! Recycled span records: the export thread empties each record it has converted and hands it
//! back, and application threads take from a small per-thread cache refilled from that shared
//! pool. A steady flow of spans therefore allocates nothing on the application thread and
//! frees nothing on the export thread (freeing a heap object on another thread than the one that
//! allocated it makes the allocator hand memory back across threads, a cost paid on both), and a
//! span's record travels as one pointer.
//!
//! Records go back in batches of [`BATCH`]: a thread whose cache is empty takes a whole batch
//! with one operation on the shared queue, and hands its emptied vector back on another, which
//! the export thread fills with the next batch: in steady state neither side allocates or frees
//! a vector either.
//!
//! Memory stays bounded: the shared pool holds at most [`SHARED_BATCHES`] batches, each thread's
//! cache at most [`THREAD_CACHE`] records, and a record whose attribute buffer grew large is
//! freed rather than kept.

use std::cell::RefCell;
use std::sync::LazyLock;

use crossbeam_queue::ArrayQueue;

use super::record::SpanRecord;

/// A span record on its way between threads.
pub(crate) type Recycled = Box<SpanRecord>;

/// Batches of records the export thread gives back, for any thread to take.
const SHARED_BATCHES: usize = 128;
/// Records per batch.
const BATCH: usize = 32;
/// Records a thread keeps for itself.
const THREAD_CACHE: usize = 64;
/// Attribute buffers larger than this (spilled to the heap) are not kept for reuse.
const MAX_KEPT_ATTRS: usize = 32;

static POOL: LazyLock<ArrayQueue<Vec<Recycled>>> =
    LazyLock::new(|| ArrayQueue::new(SHARED_BATCHES));

/// Emptied batch vectors, for the export thread to fill again.
static EMPTIES: LazyLock<ArrayQueue<Vec<Recycled>>> =
    LazyLock::new(|| ArrayQueue::new(SHARED_BATCHES));

thread_local! {
    static CACHE: RefCell<Vec<Recycled>> = const { RefCell::new(Vec::new()) };
}

/// An empty record: from this thread's cache, else from the shared pool, else new.
#[inline(always)]
pub(crate) fn take() -> Recycled {
    CACHE
        .try_with(|cache| {
            let mut cache = cache.try_borrow_mut().ok()?;
            let record = match cache.pop() {
                Some(record) => record,
                None => {
                    refill(&mut cache);
                    cache.pop()?
                }
            };
            // Two spans ahead: a child starts a few dozen nanoseconds after its parent, too soon
            // for the lines its parent's start asked for (one ahead) to have come across; the
            // first load from the record, in the child's first attribute, was then its hottest
            // instruction in the paced `otlp_cpu` profile.
            let ahead = cache.len().saturating_sub(2);
            if let Some(next) = cache.get(ahead) {
                prefetch(next);
            }
            Some(record)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Box::new(SpanRecord::empty()))
}

/// Asks for the cache lines of the record the next span will take. A recycled record was last
/// written by the export thread, on the other core: the first writes of a span to it waited for
/// each line to come across (the hottest instructions of the paced benchmark `w1_traced`, see
/// `benches/README.md`, were the first stores into the record's attributes). Requested two spans
/// ahead (see `take`), the lines arrive while the spans before it do their work. (PREFETCHW,
/// which would also take ownership, needs a target feature that is not stable in Rust 1.95.)
///
/// The export thread does the same one record ahead as it reads a batch: each record was last
/// written by an application thread, on the other core.
#[inline(always)]
pub(crate) fn prefetch(record: &SpanRecord) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = std::ptr::from_ref(record).cast::<i8>();
        let mut offset = 0;
        while offset < size_of::<SpanRecord>() {
            // SAFETY: a prefetch is only a hint: it never faults and changes no memory, and
            // the address is inside a live record anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(offset)) };
            offset += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = record;
}

#[cold]
fn refill(cache: &mut Vec<Recycled>) {
    if let Some(batch) = POOL.pop() {
        let empty = std::mem::replace(cache, batch);
        if empty.capacity() >= THREAD_CACHE {
            // Empty: the cache is refilled only once it has nothing left.
            let _ = EMPTIES.push(empty);
        }
    }
}

/// Gives a record back from the thread that used it without exporting it (a span that turned
/// out not to be sampled, a builder dropped before it started).
pub(crate) fn put_back(mut record: Recycled) {
    record.clear();
    let _ = CACHE.try_with(|cache| {
        if let Ok(mut cache) = cache.try_borrow_mut()
            && cache.len() < THREAD_CACHE
        {
            cache.push(record);
        }
    });
}

/// Collects exported records on the export thread and gives them back in batches.
#[derive(Debug, Default)]
pub(crate) struct Recycler {
    batch: Vec<Recycled>,
}

impl Recycler {
    /// Empties `record` and keeps it for the next batch.
    pub(crate) fn recycle(&mut self, mut record: Recycled) {
        if record.attrs.capacity() > MAX_KEPT_ATTRS {
            return;
        }
        record.clear();
        if self.batch.capacity() == 0 {
            // Room for a thread's whole cache, so a taken batch never grows on the other side.
            match EMPTIES.pop() {
                Some(empty) => self.batch = empty,
                None => self.batch.reserve_exact(THREAD_CACHE),
            }
        }
        self.batch.push(record);
        if self.batch.len() == BATCH {
            // A full pool means enough records are idle: this batch is freed.
            let _ = POOL.push(std::mem::take(&mut self.batch));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AttrValue;
    use std::borrow::Cow;

    #[test]
    fn records_come_back_empty() {
        let mut record = take();
        record.push_attr(Cow::Borrowed("k"), AttrValue::I64(1), 8);
        record.name = Cow::Owned("name".into());
        record.record_exception("E", "m", 1, true);
        put_back(record);
        let record = take();
        assert!(record.attrs.is_empty());
        assert_eq!(record.name, "");
        assert!(record.extra.is_none());
    }

    #[test]
    fn recycled_records_are_taken_by_other_threads() {
        let mut recycler = Recycler::default();
        for _ in 0..(BATCH * 2) {
            recycler.recycle(Box::new(SpanRecord::empty()));
        }
        let taken = std::thread::spawn(|| {
            let record = take();
            record.attrs.is_empty()
        })
        .join()
        .unwrap();
        assert!(taken);
    }
}
