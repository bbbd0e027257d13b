//! The user code instrumented with traced's attributes.

/// The root span.
#[traced::root_span]
#[inline(never)]
pub fn root_fn(id: u64, label: &str, flag: bool) {
    child_fn(id, label, flag);
}

/// The child span.
#[traced::child_span]
#[inline(never)]
pub fn child_fn(id: u64, label: &str, flag: bool) {
    std::hint::black_box((id, label, flag));
}

/// W2: the async twin; the child awaits a future that yields once.
#[traced::root_span]
#[inline(never)]
pub async fn root_async(id: u64, label: &str, flag: bool) {
    child_async(id, label, flag).await;
}

/// The async child span.
#[traced::child_span]
#[inline(never)]
pub async fn child_async(id: u64, label: &str, flag: bool) {
    tokio::task::yield_now().await;
    std::hint::black_box((id, label, flag));
}
