//! Keeping a future's span current on each of its polls, and while it is dropped.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::frame::Frame;
use super::stack;

pin_project_lite::pin_project! {
    /// A future with a span current on each of its polls; see
    /// [`Span::in_span`](crate::Span::in_span).
    ///
    /// The span is also current while the future is dropped, so the destructors of what it
    /// holds (a cancelled request's cleanup, say) run inside it, as with `tracing`'s
    /// `Instrumented`. It ends when the future completes or is dropped.
    ///
    /// ```
    /// # async fn fetch() {}
    /// # async fn run() {
    /// let fut: traced::InSpan<_> = traced::Span::child("fetch").in_span(fetch());
    /// fut.await;
    /// # }
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct InSpan<F> {
        // Dropped by hand in `drop`, with the span current.
        #[pin]
        inner: ManuallyDrop<F>,
        frame: Option<Frame>,
    }

    impl<F> PinnedDrop for InSpan<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let _entry = this.frame.as_mut().map(|frame| {
                // SAFETY: the frame is in this future, pinned and being dropped: it stays put
                // and untouched until `_entry` drops, at the end of this function, before
                // the frame itself is dropped with the future's fields.
                unsafe { stack::enter_in_place(NonNull::from(frame)) }
            });
            // SAFETY: `inner` is dropped here only, once (`drop` runs once), and is pinned in
            // place: dropping it where it is keeps the pinning promise, as setting an
            // `Option` field to `None` would.
            unsafe { ManuallyDrop::drop(this.inner.get_unchecked_mut()) }
            // The frame is dropped after this, with the other fields: the span ends.
        }
    }
}

impl<F> InSpan<F> {
    pub(super) fn new(inner: F, frame: Option<Frame>) -> InSpan<F> {
        InSpan {
            inner: ManuallyDrop::new(inner),
            frame,
        }
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // SAFETY: the pinned `ManuallyDrop<F>` projects to a pinned `F` in the same place:
        // `ManuallyDrop` is a transparent wrapper that never moves its content.
        let inner = unsafe { this.inner.map_unchecked_mut(|inner| &mut **inner) };
        let Some(frame) = this.frame.as_mut() else {
            return inner.poll(cx);
        };
        // SAFETY: the frame is in this future, which is pinned and borrowed by this poll, so
        // it neither moves nor is dropped nor touched until `entry` is dropped below (or
        // while unwinding from the inner poll).
        let entry = unsafe { stack::enter_in_place(NonNull::from(frame)) };
        let poll = inner.poll(cx);
        drop(entry);
        if poll.is_ready()
            && let Some(frame) = this.frame.take()
        {
            // The span ends when the future completes.
            frame.end();
        }
        poll
    }
}
