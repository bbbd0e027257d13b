//! A global allocator that counts allocations per thread, so a benchmark can tell the export
//! thread's allocations from the application thread's (`otlp_cpu`).
//!
//! Each thread takes a slot of a fixed table on its first allocation and records its id there;
//! [`snapshot`] reads every slot from any thread. Nothing here allocates: the slot index is a
//! `const` thread-local without a destructor (no registration on first use), the table is
//! static, and the thread id comes from `gettid`. Threads past the table's size share its last
//! slot, which is then not one thread's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};

const SLOTS: usize = 256;
const UNSET: usize = usize::MAX;

/// The system allocator, counting each thread's allocations (`alloc`, `alloc_zeroed` and
/// `realloc`; frees are not counted).
#[derive(Debug)]
pub struct CountingAllocator;

struct Slot {
    tid: AtomicI32,
    allocations: AtomicU64,
}

#[allow(
    clippy::declare_interior_mutable_const,
    reason = "an initialiser for each slot"
)]
const EMPTY: Slot = Slot {
    tid: AtomicI32::new(0),
    allocations: AtomicU64::new(0),
};

static TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];
static TAKEN: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SLOT: Cell<usize> = const { Cell::new(UNSET) };
}

#[inline]
fn count() {
    // During the thread's teardown the slot may be gone: that allocation is not counted.
    let _ = SLOT.try_with(|slot| {
        let mut index = slot.get();
        if index == UNSET {
            index = TAKEN.fetch_add(1, Ordering::Relaxed).min(SLOTS - 1);
            TABLE[index]
                .tid
                .store(crate::cpu::thread_id(), Ordering::Relaxed);
            slot.set(index);
        }
        TABLE[index].allocations.fetch_add(1, Ordering::Relaxed);
    });
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counting beside it does not allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's guarantees for `layout` are `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with
        // `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `dealloc`, and `new_size` is the caller's to keep valid.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations so far by thread id, for every thread that allocated since the process began.
pub fn snapshot() -> Vec<(i32, u64)> {
    let taken = TAKEN.load(Ordering::Relaxed).min(SLOTS);
    TABLE[..taken]
        .iter()
        .map(|slot| {
            (
                slot.tid.load(Ordering::Relaxed),
                slot.allocations.load(Ordering::Relaxed),
            )
        })
        .collect()
}
