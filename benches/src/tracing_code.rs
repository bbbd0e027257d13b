//! The user code instrumented with `#[tracing::instrument]` (tracing-opentelemetry, Registry).

/// The root span.
#[tracing::instrument(level = "info")]
#[inline(never)]
pub fn root_fn(id: u64, label: &str, flag: bool) {
    child_fn(id, label, flag);
}

/// The child span.
#[tracing::instrument(level = "info")]
#[inline(never)]
pub fn child_fn(id: u64, label: &str, flag: bool) {
    std::hint::black_box((id, label, flag));
}
