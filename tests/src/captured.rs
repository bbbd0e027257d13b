//! Helpers for the attribute tests (`tests/macros_*.rs`): run async code inside an in-memory
//! capture, and look at a captured span's attributes without the `code.*` ones every traced fn
//! gets.

use std::future::Future;

use traced::testing::{Capture, CapturedSpan, CapturedSpans, Value};

/// Runs `future` to completion on a fresh multi-thread tokio runtime with `workers` worker
/// threads (time enabled), inside a capture; returns its output and the spans that ended.
pub fn capture_async<F: Future>(workers: usize, future: F) -> (F::Output, CapturedSpans) {
    let capture = Capture::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let output = runtime.block_on(future);
    // Tasks still running end (and drop their spans) before the capture is finished.
    drop(runtime);
    (output, capture.finish())
}

/// The same on a current-thread runtime.
pub fn capture_local<F: Future>(future: F) -> (F::Output, CapturedSpans) {
    let capture = Capture::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let output = runtime.block_on(future);
    drop(runtime);
    (output, capture.finish())
}

/// The span's attributes minus `code.*`, in recording order.
pub fn user_attrs(span: &CapturedSpan) -> Vec<(String, Value)> {
    span.attributes
        .iter()
        .filter(|(k, _)| !k.starts_with("code."))
        .cloned()
        .collect()
}

/// The keys of the span's attributes minus `code.*`, in recording order.
pub fn user_keys(span: &CapturedSpan) -> Vec<String> {
    user_attrs(span).into_iter().map(|(k, _)| k).collect()
}

/// How many `exception` events the span has.
pub fn exception_count(span: &CapturedSpan) -> usize {
    span.events.iter().filter(|e| e.name == "exception").count()
}
