//! A stackful coroutine suspended inside traced and never resumed, for `integrity.rs` and
//! `memcheck.rs`: its `SpanValue` suspends the coroutine inside `traced::record`, during the
//! poll of an `InSpan`, so the thread's span stack is in use when control leaves the coroutine.

use std::pin::pin;
use std::task::{Context, Waker};

use corosensei::{Coroutine, CoroutineResult, Yielder};
use traced::{Span, SpanValue, Value};

/// A value whose conversion suspends the coroutine it runs on.
struct Suspends<'a>(&'a Yielder<(), ()>);

impl SpanValue for Suspends<'_> {
    fn span_value(&self) -> Option<Value<'_>> {
        self.0.suspend(());
        Some(Value::I64(1))
    }
}

/// A coroutine suspended inside `traced::record`, inside the poll of an `InSpan`.
pub(crate) fn suspended() -> Coroutine<(), (), ()> {
    let mut coroutine = Coroutine::new(|yielder: &Yielder<(), ()>, ()| {
        let future = pin!(Span::root("in the coroutine").in_span(async {
            traced::record("k", Suspends(yielder));
        }));
        let _ = future.poll(&mut Context::from_waker(Waker::noop()));
    });
    assert!(matches!(coroutine.resume(()), CoroutineResult::Yield(())));
    coroutine
}

/// Uses traced on this thread after a coroutine was abandoned (`how`): a root with a child and
/// an attribute, named after `how`. Returns what did not behave.
///
/// A coroutine dropped while suspended is unwound, which takes its span off the thread. One
/// forgotten (`mem::forget`) is still inside its poll, on a stack that is leaked and never
/// freed: its span stays current on the thread, as a leaked span guard's does (documented on
/// `SpanGuard`), and what matters is that everything after behaves and is memory-safe.
pub(crate) fn check_later_calls(how: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if how != "forgotten"
        && let Some(id) = traced::current_span_id()
    {
        problems.push(format!(
            "{how}: the coroutine's span {id} is still current on the thread"
        ));
    }
    let root = Span::root(format!("after ({how})")).enter();
    if traced::current_span_id() != root.span_id() || root.span_id().is_none() {
        problems.push(format!(
            "{how}: a span entered afterwards is not current (current: {:?}, entered: {:?})",
            traced::current_span_id(),
            root.span_id()
        ));
    }
    traced::record("recorded after", 2_i64);
    drop(Span::child(format!("child after ({how})")).enter());
    drop(root);
    problems
}

/// Pending until resumed: suspends the coroutine from inside the poll.
struct SuspendInPoll<'a>(&'a Yielder<(), ()>);

impl std::future::Future for SuspendInPoll<'_> {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut Context<'_>) -> std::task::Poll<()> {
        self.0.suspend(());
        std::task::Poll::Ready(())
    }
}

/// A coroutine suspended during the poll of an `InSpan` whose future lives on the coroutine's
/// stack, outside any call into traced: the span is in place on the thread's stack, pointing
/// into the coroutine's stack, when control leaves the coroutine.
pub(crate) fn suspended_in_poll() -> Coroutine<(), (), ()> {
    let mut coroutine = Coroutine::new(|yielder: &Yielder<(), ()>, ()| {
        let future = pin!(Span::root("suspended in a poll").in_span(async {
            drop(Span::child("before the suspension").enter());
            SuspendInPoll(yielder).await;
        }));
        let _ = future.poll(&mut Context::from_waker(Waker::noop()));
    });
    assert!(matches!(coroutine.resume(()), CoroutineResult::Yield(())));
    coroutine
}
