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

/// The logs benchmark's root span (`logs_cpu`): logs an event, calls the child, and writes
/// down the ids both events were logged in, for the receiver to check.
#[traced::root_span(skip(expected))]
#[inline(never)]
pub fn root_logs(id: u64, label: &str, flag: bool, expected: &mut crate::logs_receiver::Expected) {
    crate::log_events::received(id, label, flag);
    let root = current_ids();
    let child = child_logs(id, label, flag);
    expected.push(root, child);
}

/// The logs benchmark's child span: logs an event; the ids it was logged in.
#[traced::child_span]
#[inline(never)]
pub fn child_logs(id: u64, label: &str, flag: bool) -> (u128, u64) {
    crate::log_events::dispatched(id, label, flag);
    current_ids()
}

/// Trace id and span id of the current span (zeros outside one).
fn current_ids() -> (u128, u64) {
    (
        traced::current_trace_id().map_or(0, traced::TraceId::to_u128),
        traced::current_span_id().map_or(0, traced::SpanId::to_u64),
    )
}
