//! The same user code with no instrumentation at all: the floor every candidate's number
//! includes (two calls that cannot be inlined, the arguments kept opaque).

/// The root function.
#[inline(never)]
pub fn root_fn(id: u64, label: &str, flag: bool) {
    child_fn(id, label, flag);
}

/// The child function.
#[inline(never)]
pub fn child_fn(id: u64, label: &str, flag: bool) {
    std::hint::black_box((id, label, flag));
}

/// W2's floor: the async twin without instrumentation (the child awaits a future that yields
/// once).
#[inline(never)]
pub async fn root_async(id: u64, label: &str, flag: bool) {
    child_async(id, label, flag).await;
}

/// The async child.
#[inline(never)]
pub async fn child_async(id: u64, label: &str, flag: bool) {
    tokio::task::yield_now().await;
    std::hint::black_box((id, label, flag));
}
