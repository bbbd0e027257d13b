//! Recycled span records: the export thread hands each record it has written back, and
//! application threads take from a small per-thread cache refilled from that shared pool. A
//! steady flow of spans therefore allocates nothing on the application thread and frees
//! nothing on the export thread (freeing a heap object on another thread than the one that
//! allocated it makes the allocator hand memory back across threads, a cost paid on both), and a
//! span's record travels as one pointer.
//!
//! A pooled record still holds its last span's values, but they own nothing: a record that
//! owned memory (an owned name or string, a `tracestate`, events…) is emptied before it is
//! pooled (`SpanRecord::owns_heap`, `clear`), so that a pooled record never keeps memory
//! alive. The thread that takes a record empties the rest by overwriting it, without reading
//! it (`SpanRecord::reset`): the export thread, which read the record last, then writes
//! nothing into it in the usual case, and none of its cache lines changes owner for that.
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
            let mut record = match cache.pop() {
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
            // Pooled records own nothing (see the module documentation): nothing leaks.
            record.reset();
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
    if record.owns_heap() {
        record.clear();
    }
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
    /// Keeps `record` for the next batch, emptied of what owns memory (the thread that takes
    /// it overwrites the rest; see the module documentation).
    pub(crate) fn recycle(&mut self, mut record: Recycled) {
        if record.attrs.capacity() > MAX_KEPT_ATTRS {
            return;
        }
        if record.owns_heap() {
            record.clear();
        }
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

    /// What a record owns is freed before it is pooled; the rest is overwritten when taken.
    #[test]
    fn pooled_records_own_nothing_and_are_taken_empty() {
        const LONG: &str = "a string too long to be stored inline in the value";
        let owning: [fn(&mut SpanRecord); 5] = [
            |r| r.name = Cow::Owned("owned".into()),
            |r| r.push_attr(Cow::Owned("key".into()), AttrValue::I64(1), 8),
            |r| r.push_attr(Cow::Borrowed("k"), AttrValue::owned(LONG.repeat(2)), 8),
            |r| r.trace_state = crate::w3c::TraceState::from_header("a=1").unwrap(),
            |r| r.set_error("failed"),
        ];
        for own in owning {
            let mut record = SpanRecord::empty();
            record.push_attr(Cow::Borrowed("inline"), AttrValue::text("short"), 8);
            assert!(!record.owns_heap());
            own(&mut record);
            assert!(record.owns_heap(), "{record:?}");
        }
        // Fewer than a batch, so that they stay in the recycler (the shared pool is shared with
        // the other tests).
        let mut recycler = Recycler::default();
        for i in 0..BATCH - 1 {
            let mut record = Box::new(SpanRecord::empty());
            record.name = Cow::Borrowed("borrowed");
            record.code = Some(&CODE);
            record.dropped_attrs = 3;
            record.parent_span_id = 7;
            record.push_attr(Cow::Borrowed("inline"), AttrValue::text("short"), 8);
            if i % 2 == 0 {
                record.push_attr(Cow::Borrowed("k"), AttrValue::owned(LONG.repeat(2)), 8);
                record.trace_state = crate::w3c::TraceState::from_header("a=1").unwrap();
            }
            recycler.recycle(record);
        }
        let batch = std::mem::take(&mut recycler.batch);
        assert_eq!(batch.len(), BATCH - 1);
        assert!(batch.iter().all(|record| !record.owns_heap()));
        // Taken from a thread's cache, each comes out empty.
        std::thread::spawn(move || {
            CACHE.with(|cache| *cache.borrow_mut() = batch);
            for _ in 0..BATCH - 1 {
                let record = take();
                assert_eq!(*record, SpanRecord::empty());
            }
        })
        .join()
        .unwrap();
    }

    static CODE: crate::engine::CodeLocation = crate::engine::CodeLocation {
        function: "f",
        file: "f.rs",
        line: 1,
    };

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
