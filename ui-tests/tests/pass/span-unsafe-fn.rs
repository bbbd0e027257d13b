//! `unsafe fn`, `extern "C" fn` and `unsafe` methods keep their qualifiers.

use traced::child_span;

/// # Safety
/// `ptr` must be valid for reads.
#[child_span]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller guarantees `ptr` is valid.
    unsafe { *ptr }
}

#[child_span]
extern "C" fn add(a: i32, b: i32) -> i32 {
    a + b
}

struct Buffer(Vec<u8>);

impl Buffer {
    /// # Safety
    /// `i` must be in bounds.
    #[child_span]
    unsafe fn get_unchecked(&self, i: usize) -> u8 {
        // SAFETY: the caller guarantees `i` is in bounds.
        unsafe { *self.0.get_unchecked(i) }
    }

    /// # Safety
    /// Nothing to uphold; async and unsafe together.
    #[child_span]
    async unsafe fn len(&self) -> usize {
        self.0.len()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let value = 7;
    // SAFETY: `&value` is valid.
    assert_eq!(unsafe { read(&value) }, 7);
    assert_eq!(add(1, 2), 3);
    let buffer = Buffer(vec![4]);
    // SAFETY: index 0 exists.
    assert_eq!(unsafe { buffer.get_unchecked(0) }, 4);
    // SAFETY: nothing to uphold.
    assert_eq!(unsafe { buffer.len() }.await, 1);
}
