//! The OTLP trace writer allocates nothing per span once its buffer has grown to the usual
//! request: a global allocator that counts, per thread, the allocations of the thread that
//! encodes (the test harness's own threads do not disturb the count).
//!
//! A file of its own: a `#[global_allocator]` replaces the allocator of the whole test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use traced::__private::OtlpWriterFixture;

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
