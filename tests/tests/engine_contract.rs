//! What the span engine promises through the public API when code does not nest its spans
//! tidily: guards dropped out of order, a guard kept in a future's state across polls, a future
//! moved to another thread between polls, and a panic while an attribute is computed. These
//! pin behaviour that holds today, so a rewrite of the engine keeps it.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread;

use traced::testing::{CapturedSpan, CapturedSpans, capture};
use traced::{Span, SpanValue, Value, child_span};

/// Polls once with a waker that does nothing.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Pending on its first poll, ready on the next: an `.await` that hands control back once.
#[derive(Debug, Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[track_caller]
fn child_of<'a>(spans: &'a CapturedSpans, name: &str, parent: &CapturedSpan) -> &'a CapturedSpan {
    let span = spans.named(name);
    assert_eq!(
        span.parent_span_id,
        Some(parent.span_id),
        "{name} should be a child of {}: {spans:?}",
        parent.name
    );
    assert_eq!(span.trace_id, parent.trace_id, "{name}");
    span
}

// ---------------------------------------------------------------------------------------------
// Guards dropped out of order

#[test]
fn an_outer_guard_dropped_before_the_inner_one_leaves_the_inner_span_current() {
    let ((), spans) = capture(|| {
        let outer = Span::root("outer").enter();
        let inner = Span::child("inner").enter();
        let inner_id = inner.span_id();
        assert!(inner_id.is_some());
        drop(outer);
        assert_eq!(
            traced::current_span_id(),
            inner_id,
            "ending the outer span must not end or hide the inner one"
        );
        let later = Span::child("later").enter();
        drop(later);
        assert_eq!(traced::current_span_id(), inner_id);
        drop(inner);
        assert_eq!(traced::current_span_id(), None, "nothing is left current");
        drop(Span::child("after both").enter());
    });
    let outer = spans.named("outer");
    assert_eq!(outer.parent_span_id, None);
    let inner = child_of(&spans, "inner", outer);
    // What is really current when it starts is the inner span: the outer one has ended.
    child_of(&spans, "later", inner);
    assert_eq!(spans.named("after both").parent_span_id, None);
    assert_ne!(spans.named("after both").trace_id, outer.trace_id);
    assert_eq!(spans.len(), 4, "each span ends once: {spans:?}");
    // Spans are captured in the order they end.
    let order: Vec<_> = spans.all().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(order, ["outer", "later", "inner", "after both"]);
}

#[test]
fn a_middle_guard_dropped_first_keeps_its_child_and_its_parent_in_place() {
    let ((), spans) = capture(|| {
        let a = Span::root("a").enter();
        let b = Span::child("b").enter();
        let c = Span::child("c").enter();
        drop(b);
        assert_eq!(traced::current_span_id(), c.span_id());
        drop(c);
        // `b` has ended: the span current now is `a`, not `b`.
        assert_eq!(traced::current_span_id(), a.span_id());
        drop(Span::child("d").enter());
        drop(a);
    });
    let a = spans.named("a");
    let b = child_of(&spans, "b", a);
    child_of(&spans, "c", b);
    child_of(&spans, "d", a);
    assert_eq!(spans.len(), 4, "{spans:?}");
}

// ---------------------------------------------------------------------------------------------
// A guard kept in a future's state across polls

#[test]
fn a_guard_kept_across_polls_of_an_in_span_future_ends_with_the_right_parents() {
    let ((), spans) = capture(|| {
        let mut future = Box::pin(Span::root("task").in_span(async {
            let guard = Span::child("escaped").enter();
            YieldOnce::default().await;
            // Still inside the future's span on the second poll.
            drop(Span::child("while escaped").enter());
            drop(guard);
            drop(Span::child("after escaped").enter());
        }));
        assert!(poll_once(future.as_mut()).is_pending());
        assert!(poll_once(future.as_mut()).is_ready());
        drop(future);
        assert_eq!(
            traced::current_span_id(),
            None,
            "nothing is left current once the future and its guard are gone"
        );
        drop(Span::child("outside").enter());
    });
    let task = spans.named("task");
    child_of(&spans, "escaped", task);
    child_of(&spans, "after escaped", task);
    let while_escaped = spans.named("while escaped");
    assert_eq!(while_escaped.trace_id, task.trace_id);
    assert_eq!(spans.named("outside").parent_span_id, None);
    assert_eq!(spans.len(), 5, "each span ends once: {spans:?}");
}

#[test]
fn a_guard_kept_across_awaits_on_a_current_thread_runtime_ends_once_under_its_task() {
    let ((), spans) = capture(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(Span::root("task").in_span(async {
            let guard = Span::child("escaped").enter();
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            drop(guard);
            drop(Span::child("after escaped").enter());
        }));
        drop(runtime);
        assert_eq!(traced::current_span_id(), None);
    });
    let task = spans.named("task");
    child_of(&spans, "escaped", task);
    child_of(&spans, "after escaped", task);
    assert_eq!(spans.len(), 3, "{spans:?}");
}

// ---------------------------------------------------------------------------------------------
// A future moved to another thread between polls

#[test]
fn an_in_span_future_polled_on_two_threads_parents_the_spans_of_each_poll_and_ends_once() {
    let ((), spans) = capture(|| {
        let mut future = Box::pin(Span::root("moved").in_span(async {
            drop(Span::child("first poll").enter());
            YieldOnce::default().await;
            drop(Span::child("second poll").enter());
            traced::current_span_id()
        }));
        assert!(poll_once(future.as_mut()).is_pending());
        assert_eq!(
            traced::current_span_id(),
            None,
            "nothing current here between polls"
        );
        let (inside, current_after) = thread::spawn(move || {
            let inside = loop {
                if let Poll::Ready(id) = poll_once(future.as_mut()) {
                    break id;
                }
            };
            drop(future);
            (inside, traced::current_span_id())
        })
        .join()
        .unwrap();
        assert!(
            inside.is_some(),
            "the span is current on the second thread's poll"
        );
        assert_eq!(current_after, None, "nothing current there after the poll");
        assert_eq!(traced::current_span_id(), None);
    });
    let moved = spans.named("moved");
    assert_eq!(moved.parent_span_id, None);
    child_of(&spans, "first poll", moved);
    child_of(&spans, "second poll", moved);
    assert_eq!(spans.len(), 3, "the span ends once: {spans:?}");
}

// ---------------------------------------------------------------------------------------------
// A panic while an attribute is computed

struct PanickingValue;

impl SpanValue for PanickingValue {
    fn span_value(&self) -> Option<Value<'_>> {
        panic!("span_value panicked");
    }
}

struct PanickingDisplay;

impl fmt::Display for PanickingDisplay {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display panicked");
    }
}

#[child_span(fields(shown = %PanickingDisplay))]
fn traced_with_panicking_field() {
    drop(Span::child("never made").enter());
}

#[child_span]
fn traced_with_panicking_argument(value: PanickingValue) {
    let _ = value;
    drop(Span::child("never made").enter());
}

/// Code that panics while it computes an attribute.
type Case<'a> = Box<dyn Fn() + 'a>;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("")
}

#[test]
fn a_panic_while_computing_an_attribute_reaches_the_caller_and_leaves_the_stack_as_it_was() {
    let ((), spans) = capture(|| {
        let outer = Span::root("outer").enter();
        let outer_id = outer.span_id();
        let cases: [(&str, Case<'_>); 5] = [
            (
                "span_value panicked",
                Box::new(|| drop(Span::child("builder").attr("v", PanickingValue))),
            ),
            (
                "span_value panicked",
                Box::new(|| traced::record("v", PanickingValue)),
            ),
            (
                "span_value panicked",
                Box::new(|| outer.record("v", PanickingValue)),
            ),
            ("Display panicked", Box::new(traced_with_panicking_field)),
            (
                "span_value panicked",
                Box::new(|| traced_with_panicking_argument(PanickingValue)),
            ),
        ];
        for (i, (message, case)) in cases.iter().enumerate() {
            let caught = catch_unwind(AssertUnwindSafe(case)).expect_err("the panic propagates");
            assert_eq!(panic_message(&*caught), *message, "case {i}");
            assert_eq!(
                traced::current_span_id(),
                outer_id,
                "case {i}: the enclosing span is current again"
            );
            drop(Span::child(format!("after case {i}")).enter());
        }
        drop(cases);
        traced::record("still recorded", true);
        drop(outer);
        assert_eq!(traced::current_span_id(), None, "no span is left current");
        drop(Span::child("alone").enter());
    });
    let outer = spans.named("outer");
    for i in 0..5 {
        child_of(&spans, &format!("after case {i}"), outer);
    }
    assert_eq!(
        outer.attr("still recorded"),
        Some(&traced::testing::Value::Bool(true))
    );
    assert_eq!(outer.attr("v"), None);
    assert_eq!(spans.all_named("never made").count(), 0);
    assert_eq!(spans.named("alone").parent_span_id, None);
}
