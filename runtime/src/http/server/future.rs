//! The response future: the span current on every poll, the outcome recorded on it when the
//! inner service answers, and the span (or the incoming context) current during the inner
//! `call` too.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Response};

use crate::engine::panic::{GENERIC, payload_text};
use crate::engine::{InSpan, Started, record, set_current_error};

pin_project_lite::pin_project! {
    /// The future of a [`ServerService`](super::ServerService) call: the inner service's
    /// future with the request's server span current on each of its polls. The span ends when
    /// the response head is ready (status and headers; streaming the body is not included) or
    /// when the future is dropped.
    ///
    /// You rarely name it; it is the `Future` of the service:
    ///
    /// ```
    /// use axum::{Router, body::Body};
    /// use tower_service::Service;
    /// use traced::http::{ServerFuture, ServerService};
    ///
    /// type RouterFuture = <Router as Service<http::Request<Body>>>::Future;
    ///
    /// fn call(service: &mut ServerService<Router>, req: http::Request<Body>) -> ServerFuture<RouterFuture> {
    ///     service.call(req)
    /// }
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct ServerFuture<F> {
        #[pin]
        inner: InSpan<Outcome<F>>,
    }
}

impl<F> ServerFuture<F> {
    /// Calls the inner service with `span` current and wraps its future. `span` is the server
    /// span (`recorded`), or the caller's context standing in when no span is made (excluded
    /// path, tracing off), or nothing.
    ///
    /// tower-http's `TraceLayer` enters its span around `call` too: services that do work
    /// there, such as hyper's `service_fn`, are inside it. If `call` panics, the span ends,
    /// marked by the unwinding.
    pub(super) fn new(
        mut span: Option<Started>,
        recorded: bool,
        echo: bool,
        call: impl FnOnce() -> F,
    ) -> ServerFuture<F> {
        // Without a span of ours, "current" is whatever encloses the caller: record nothing.
        let recorded = recorded && span.is_some();
        let inner = match &mut span {
            Some(span) => span.in_scope(call),
            None => call(),
        };
        let outcome = Outcome {
            inner,
            recorded,
            echo: echo && recorded,
        };
        ServerFuture {
            inner: Started::wrap(span, outcome),
        }
    }
}

impl<F> fmt::Debug for ServerFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}

pin_project_lite::pin_project! {
    /// The inner future; records the response on the span that is current while it is polled.
    struct Outcome<F> {
        #[pin]
        inner: F,
        // Whether the current frame is our server span (not a caller's context).
        recorded: bool,
        echo: bool,
    }
}

impl<F, B, E> Future for Outcome<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if !*this.recorded {
            return this.inner.poll(cx);
        }
        let inner = this.inner;
        // Caught to be recorded on the span while it is still current, then re-raised: the span
        // is marked even when whatever catches the panic further up (tower-http's `CatchPanic`
        // outside this layer) drops the future later, outside the unwinding.
        let mut result = match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(result)) => result,
            Err(payload) => {
                record("error.type", "panic");
                // One exception, one record: the hook's line is the panic's record and its span
                // event is on the span where it started; this span only fails.
                set_current_error(payload_text(&*payload).unwrap_or(GENERIC));
                resume_unwind(payload)
            }
        };
        match &mut result {
            Ok(response) => record_response(response, *this.echo),
            Err(_) => {
                // No `Display` bound on the error: its type is the low-cardinality identifier
                // semconv asks for, and no message (which may hold data) is recorded.
                let error_type = std::any::type_name::<E>();
                record("error.type", error_type);
                set_current_error(error_type);
            }
        }
        Poll::Ready(result)
    }
}

fn record_response<B>(response: &mut Response<B>, echo: bool) {
    let status = response.status();
    record("http.response.status_code", status.as_u16());
    // Semconv: 5xx (and anything above, which no client can interpret) is an error on a server
    // span; 4xx is the client's error and leaves the status unset.
    if status.as_u16() >= 500 {
        record("error.type", status.as_str());
        set_current_error(status.canonical_reason().unwrap_or(status.as_str()));
    }
    if echo
        && let Some(traceparent) = crate::context::current_traceparent()
        && let Ok(value) = HeaderValue::from_str(&traceparent)
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static("traceparent"), value);
    }
}
