//! Carrying the current span into work that runs elsewhere: spawned tasks, futures polled
//! later, outgoing messages.

use std::future::Future;

use crate::engine::{InSpan, Span, Started};
use crate::w3c::{Baggage, Injector};

/// Extension methods that put futures inside spans.
///
/// ```
/// use traced::FutureExt as _;
///
/// # async fn work() {}
/// # async fn run() {
/// let _guard = traced::Span::root("request").enter();
/// let task = work().in_current_span(); // runs later, still in "request"'s trace
/// drop(_guard);
/// task.await;
/// # }
/// ```
pub trait FutureExt: Future + Sized {
    /// Makes this thread's current span current on every poll of the future, wherever it is
    /// polled: spans started inside are its children and logs carry its ids. The span itself
    /// is not extended: it ends when its own guard or future ends, and `traced::record` inside
    /// the future does not reach it (its guard's [`record`](crate::SpanGuard::record) does,
    /// on the thread that entered it).
    ///
    /// ```
    /// use traced::FutureExt as _;
    /// use traced::testing::capture;
    ///
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let ((), spans) = capture(|| {
    ///     let request = traced::Span::root("request").enter();
    ///     let lookup = async { drop(traced::Span::child("cache lookup").enter()) };
    ///     let task = lookup.in_current_span();
    ///     drop(request); // "request" ends here; the task runs later, in its trace
    ///     runtime.block_on(task);
    /// });
    /// let request = spans.named("request");
    /// assert_eq!(spans.named("cache lookup").parent_span_id, Some(request.span_id));
    /// ```
    fn in_current_span(self) -> InSpan<Self> {
        Started::wrap(Started::stand_in_for_current(), self)
    }

    /// Starts `span` and makes it current on every poll of the future; see [`Span::in_span`].
    ///
    /// ```
    /// use traced::FutureExt as _;
    /// use traced::testing::capture;
    ///
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let (inside, spans) = capture(|| {
    ///     let fetch = async { traced::current_span_id() };
    ///     runtime.block_on(fetch.in_span(traced::Span::root("fetch")))
    /// });
    /// assert_eq!(inside, Some(spans.named("fetch").span_id));
    /// ```
    fn in_span(self, span: Span) -> InSpan<Self> {
        span.in_span(self)
    }
}

impl<F: Future> FutureExt for F {}

/// `tokio::spawn` that carries the current span into the task (see
/// [`FutureExt::in_current_span`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let _guard = traced::Span::root("request").enter();
/// let handle = traced::spawn(async { tracing::info!("in the request's trace") });
/// # drop(_guard);
/// handle.await.unwrap();
/// # }
/// ```
#[cfg(feature = "tokio")]
#[track_caller]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_span())
}

/// Writes the current span's context (`traceparent`, `tracestate`) into `injector`, with the
/// active propagators (`OTEL_PROPAGATORS`). Nothing is written outside a span.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// let _guard = traced::Span::root("publish").enter();
/// traced::propagation::inject(&mut headers);
/// # let _ = headers;
/// ```
pub fn inject(injector: &mut (impl Injector + ?Sized)) {
    let (ctx, baggage) = crate::engine::current_context();
    let empty = Baggage::new();
    crate::w3c::inject_with(
        ctx.as_ref(),
        baggage.as_deref().unwrap_or(&empty),
        injector,
        crate::w3c::active_propagators(),
    );
}

/// The current span's `traceparent` header value, for embedding in a message; `None` outside
/// a span.
///
/// ```
/// let _guard = traced::Span::root("publish").enter();
/// if let Some(traceparent) = traced::propagation::current_traceparent() {
///     assert_eq!(traceparent.len(), 55);
/// }
/// ```
pub fn current_traceparent() -> Option<String> {
    crate::engine::current_context()
        .0
        .map(|ctx| ctx.to_traceparent())
}
