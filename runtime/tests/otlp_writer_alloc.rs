//! The OTLP writers allocate nothing per span or log record once their buffers have grown to
//! the usual request: a global allocator that counts, per thread, the allocations of the thread
//! that encodes (the test harness's own threads do not disturb the count).
//!
//! A file of its own: a `#[global_allocator]` replaces the allocator of the whole test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use traced::__private::{OtlpLogWriterFixture, OtlpWriterFixture};

thread_local! {
    // Const-initialised and without `Drop`: reading it never allocates, and it is never torn
    // down, so the allocator can use it at any time.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// `System`, counting allocations and reallocations.
struct Counting;

// SAFETY: every method passes its arguments to the same method of `System` unchanged and
// returns its result, so the memory handed out is `System`'s under `System`'s guarantees;
// counting touches only a thread-local `Cell`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller keeps `GlobalAlloc::alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` was allocated by this allocator, hence by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, hence by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_allocation_per_span_once_the_buffer_has_grown() {
    // A 64 KiB cap, so requests turn over every few hundred spans: finishing a request and
    // starting the next are part of the steady state measured.
    let shapes = [
        ("benchmark shape", OtlpWriterFixture::benchmark(64 << 10)),
        ("every field", OtlpWriterFixture::everything(64 << 10)),
    ];
    for (shape, mut fixture) in shapes {
        let start = allocations();
        let mut warm_up = 0;
        for _ in 0..2_000 {
            warm_up += fixture.encode(|_| {}).requests;
        }
        assert!(warm_up >= 3, "{shape}: {warm_up} requests to warm up");
        // The count works: growing the buffer allocated.
        assert!(allocations() > start, "{shape}");

        let before = allocations();
        let (mut requests, mut spans, mut bytes) = (0, 0, 0);
        for round in 1..=20_000_u32 {
            let encoded = fixture.encode(|_| {});
            assert_eq!(encoded.too_large, 0);
            requests += encoded.requests;
            spans += encoded.records;
            bytes += encoded.bytes;
            // Now and then a request finished before it is full, as after an export interval.
            if round.is_multiple_of(1_000) {
                bytes += fixture.finish(|_| {});
                requests += 1;
            }
        }
        let allocated = allocations() - before;
        assert!(requests >= 20 && spans > 0 && bytes > 0, "{shape}");
        assert_eq!(
            allocated, 0,
            "{shape}: {allocated} allocations for 40 000 spans in {requests} requests"
        );
    }
}

#[test]
fn no_allocation_per_log_record_once_the_buffers_have_grown() {
    // As for spans: requests turn over every few hundred records. The benchmark's records
    // come from three targets in turn, the other shape's from a `String` target among others,
    // so finding a record's scope is part of what is measured.
    let shapes = [
        ("benchmark shape", OtlpLogWriterFixture::benchmark(64 << 10)),
        ("every field", OtlpLogWriterFixture::everything(64 << 10)),
    ];
    for (shape, mut fixture) in shapes {
        let start = allocations();
        let mut warm_up = 0;
        for _ in 0..2_000 {
            warm_up += fixture.encode(|_| {}).requests;
        }
        assert!(warm_up >= 3, "{shape}: {warm_up} requests to warm up");
        assert!(allocations() > start, "{shape}");

        let before = allocations();
        let (mut requests, mut records, mut bytes) = (0, 0, 0);
        let rounds = 20_000_u32;
        for round in 1..=rounds {
            let encoded = fixture.encode(|_| {});
            assert_eq!(encoded.too_large, 0);
            requests += encoded.requests;
            records += encoded.records;
            bytes += encoded.bytes;
            if round.is_multiple_of(1_000) {
                bytes += fixture.finish(|_| {});
                requests += 1;
            }
        }
        let allocated = allocations() - before;
        let pushed = rounds as usize * fixture.records_per_round();
        assert!(requests >= 20 && records > 0 && bytes > 0, "{shape}");
        assert_eq!(
            allocated, 0,
            "{shape}: {allocated} allocations for {pushed} log records in {requests} requests"
        );
    }
}
