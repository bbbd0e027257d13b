//! Async fns under `#[root_span]` / `#[child_span]` (README, Span attributes): the span covers the
//! whole future across `.await`s and threads, is current on every poll (and only then), ends when
//! the future completes or is dropped; 1 000 concurrent tasks keep their parents; `traced::spawn`
//! and `FutureExt::in_current_span` / `in_span` carry a traced fn's span into spawned work.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use tokio::sync::oneshot;
use traced::testing::{Capture, Status, Value};
use traced::{FutureExt as _, SpanId, child_span, root_span};
use traced_tests::captured::{capture_async, capture_local};

type Seen = Vec<(ThreadId, Option<SpanId>)>;

fn here() -> (ThreadId, Option<SpanId>) {
    (thread::current().id(), traced::current_span_id())
}

/// Polls once with a waker that does nothing.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

// ---------------------------------------------------------------------------------------------
// Across .awaits and threads, current on every poll

#[root_span]
async fn hops(go: oneshot::Receiver<()>) -> Seen {
    let mut seen = vec![here()];
    go.await.expect("the go signal");
    seen.push(here());
    tokio::task::yield_now().await;
    seen.push(here());
    tokio::time::sleep(Duration::from_millis(2)).await;
    seen.push(here());
    after_awaits().await;
    seen.push(here());
    drop(traced::Span::child("last inside").enter());
    seen
}

#[child_span]
async fn after_awaits() {
    tokio::task::yield_now().await;
}

#[test]
fn an_async_span_covers_the_whole_future_across_awaits_and_threads() {
    let capture = Capture::start();
    let (go, wait) = oneshot::channel();
    let mut future = Box::pin(hops(wait));
    let first_thread = thread::current().id();

    // First poll here: the body runs up to `go.await`.
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(
        traced::current_span_id(),
        None,
        "the span is current only while the future is polled"
    );
    go.send(()).unwrap();

    // The rest on another thread, in a runtime there.
    let (seen, second_thread) = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (runtime.block_on(future), thread::current().id())
    })
    .join()
    .unwrap();
    let spans = capture.finish();

    let span = spans.named("hops");
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].0, first_thread);
    for (thread, _) in &seen[1..] {
        assert_eq!(*thread, second_thread);
    }
    for (i, (_, id)) in seen.iter().enumerate() {
        assert_eq!(*id, Some(span.span_id), "current at step {i}");
    }
    let after = spans.named("after_awaits");
    let last = spans.named("last inside");
    assert_eq!(after.parent_span_id, Some(span.span_id));
    assert_eq!(last.parent_span_id, Some(span.span_id));
    assert_eq!(after.trace_id, span.trace_id);
    // Spans are captured in the order they end: the fn's span ends after everything its
    // future did, i.e. when the future completes.
    let order: Vec<_> = spans.all().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(order, ["after_awaits", "last inside", "hops"]);
    assert_eq!(span.status, Status::Unset);
}

#[child_span]
async fn polled_by_many(round: u32) -> Seen {
    let mut seen = vec![here()];
    for _ in 0..round {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
        seen.push(here());
    }
    seen
}

#[root_span]
async fn polled_parent() -> Vec<Seen> {
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(polled_by_many(20).in_current_span()))
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.unwrap());
    }
    all
}

#[test]
fn an_async_span_is_current_on_every_poll_on_a_multi_thread_runtime() {
    let (all, spans) = capture_async(2, polled_parent());
    let parent = spans.named("polled_parent");
    let children: Vec<_> = spans.all_named("polled_by_many").collect();
    assert_eq!(children.len(), 8);
    let ids: HashSet<_> = children.iter().map(|s| Some(s.span_id)).collect();
    for child in &children {
        assert_eq!(child.parent_span_id, Some(parent.span_id));
    }
    for seen in &all {
        assert_eq!(seen.len(), 21);
        let first = seen[0].1;
        assert!(ids.contains(&first), "{first:?}");
        for (_, id) in seen {
            assert_eq!(*id, first, "the same span on every poll");
        }
    }
    // Each task reported its own span.
    let reported: HashSet<_> = all.iter().map(|seen| seen[0].1).collect();
    assert_eq!(reported.len(), 8);
}

#[test]
fn nothing_is_left_current_on_a_worker_thread_between_polls() {
    let ((), spans) = capture_async(1, async {
        let traced = tokio::spawn(polled_by_many(3));
        // Runs on the same single worker thread, interleaved with the traced task.
        let untraced = tokio::spawn(async {
            let mut seen = Vec::new();
            for _ in 0..20 {
                seen.push(traced::current_span_id());
                tokio::task::yield_now().await;
            }
            seen
        });
        traced.await.unwrap();
        for id in untraced.await.unwrap() {
            assert_eq!(id, None, "another task's span leaked into this one");
        }
    });
    assert_eq!(spans.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// A future dropped before completion

#[root_span]
async fn never_finishes(id: u64) {
    tokio::task::yield_now().await;
    stuck_child(id).await;
}

#[child_span]
async fn stuck_child(id: u64) {
    std::future::pending::<()>().await;
    let _ = id;
}

#[test]
fn a_future_dropped_before_completion_still_ends_its_span() {
    let capture = Capture::start();
    {
        let mut future = Box::pin(never_finishes(1));
        assert!(poll_once(future.as_mut()).is_pending());
        assert!(poll_once(future.as_mut()).is_pending());
        assert!(poll_once(future.as_mut()).is_pending());
        // Dropped here, mid-await.
    }
    assert_eq!(traced::current_span_id(), None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let timed_out = tokio::time::timeout(Duration::from_millis(5), never_finishes(2)).await;
        assert!(timed_out.is_err());
        let task = tokio::spawn(never_finishes(3));
        tokio::time::sleep(Duration::from_millis(5)).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    drop(runtime);
    let spans = capture.finish();

    for id in 1..=3 {
        let root = spans
            .all_named("never_finishes")
            .find(|s| s.attr("id") == Some(&Value::I64(id)))
            .unwrap_or_else(|| panic!("never_finishes({id}) not exported: {spans:?}"));
        let child = spans
            .all_named("stuck_child")
            .find(|s| s.attr("id") == Some(&Value::I64(id)))
            .unwrap_or_else(|| panic!("stuck_child({id}) not exported: {spans:?}"));
        assert_eq!(child.parent_span_id, Some(root.span_id), "{id}");
        assert_eq!(child.trace_id, root.trace_id, "{id}");
        // Dropping is not an error.
        assert_eq!(root.status, Status::Unset, "{id}");
        assert_eq!(child.status, Status::Unset, "{id}");
    }
    assert_eq!(spans.len(), 6, "{spans:?}");
}

// ---------------------------------------------------------------------------------------------
// 1 000 concurrent tasks

#[root_span]
async fn task_root(task: u64) {
    tokio::task::yield_now().await;
    task_child(task).await;
    tokio::time::sleep(Duration::from_micros(100)).await;
}

#[child_span]
async fn task_child(task: u64) {
    tokio::time::sleep(Duration::from_millis(1)).await;
    task_grandchild(task).await;
    tokio::task::yield_now().await;
}

#[child_span]
async fn task_grandchild(task: u64) {
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_micros(500)).await;
    assert!(traced::current_span_id().is_some());
}

#[test]
fn a_thousand_concurrent_tasks_keep_their_parents_and_traces() {
    const TASKS: u64 = 1000;
    let ((), spans) = capture_async(2, async {
        let tasks: Vec<_> = (0..TASKS).map(|i| tokio::spawn(task_root(i))).collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(spans.len(), 3 * TASKS as usize, "none lost");
    let by_id: HashMap<_, _> = spans.all().iter().map(|s| (s.span_id, s)).collect();
    assert_eq!(by_id.len(), spans.len(), "span ids are unique");
    let mut traces = HashSet::new();
    for span in spans.all() {
        let task = span.attr("task").cloned().expect("task recorded");
        match span.name.as_str() {
            "task_root" => {
                assert_eq!(span.parent_span_id, None);
                assert!(traces.insert(span.trace_id), "one trace per root");
            }
            name => {
                let parent = by_id[&span.parent_span_id.expect("a parent")];
                let expected = match name {
                    "task_child" => "task_root",
                    "task_grandchild" => "task_child",
                    other => panic!("unexpected span {other}"),
                };
                assert_eq!(parent.name, expected);
                assert_eq!(parent.attr("task"), Some(&task), "same task");
                assert_eq!(parent.trace_id, span.trace_id);
            }
        }
    }
    assert_eq!(traces.len(), TASKS as usize);
    for name in ["task_root", "task_child", "task_grandchild"] {
        assert_eq!(spans.all_named(name).count(), TASKS as usize, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// traced::spawn, in_current_span, in_span

#[child_span]
async fn spawned_work(label: &'static str) -> Option<SpanId> {
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_micros(200)).await;
    traced::current_span_id()
}

#[root_span]
async fn spawner() -> Option<SpanId> {
    let own = traced::current_span_id();
    let a = traced::spawn(spawned_work("traced::spawn"));
    let b = tokio::spawn(spawned_work("in_current_span").in_current_span());
    let c = tokio::spawn(spawned_work("plain tokio::spawn"));
    let d = tokio::spawn(spawned_work("in_span").in_span(traced::Span::child("manual in_span")));
    let e = traced::spawn(async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        spawned_work("nested async block").await
    });
    for task in [a, b, c, d, e] {
        task.await.unwrap();
    }
    own
}

#[test]
fn spawn_and_in_current_span_carry_the_fns_span_into_spawned_work() {
    let (own, spans) = capture_async(2, spawner());
    let root = spans.named("spawner");
    assert_eq!(own, Some(root.span_id));
    let work = |label: &str| {
        spans
            .all_named("spawned_work")
            .find(|s| s.attr("label") == Some(&Value::String(label.to_owned())))
            .unwrap_or_else(|| panic!("no spawned_work({label:?}): {spans:?}"))
    };
    for label in ["traced::spawn", "in_current_span", "nested async block"] {
        let span = work(label);
        assert_eq!(span.parent_span_id, Some(root.span_id), "{label}");
        assert_eq!(span.trace_id, root.trace_id, "{label}");
    }
    let manual = spans.named("manual in_span");
    assert_eq!(manual.parent_span_id, Some(root.span_id));
    assert_eq!(work("in_span").parent_span_id, Some(manual.span_id));
    // Not carried: a root of its own.
    let plain = work("plain tokio::spawn");
    assert_eq!(plain.parent_span_id, None);
    assert_ne!(plain.trace_id, root.trace_id);
    assert_eq!(spans.len(), 7, "{spans:?}");
}

#[root_span]
fn sync_spawner(
    runtime: &tokio::runtime::Handle,
    go: oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<Option<SpanId>> {
    let _entered = runtime.enter();
    traced::spawn(async move {
        go.await.unwrap();
        spawned_work("after the fn returned").await
    })
}

#[test]
fn spawned_work_outliving_the_fn_stays_in_its_trace() {
    let capture = Capture::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (go, wait) = oneshot::channel();
    let task = sync_spawner(runtime.handle(), wait);
    // The fn has returned and its span has ended; the task has not started its work yet.
    assert_eq!(traced::current_span_id(), None);
    go.send(()).unwrap();
    let seen = runtime.block_on(task).unwrap();
    drop(runtime);
    let spans = capture.finish();
    let root = spans.named("sync_spawner");
    let work = spans.named("spawned_work");
    assert_eq!(work.parent_span_id, Some(root.span_id));
    assert_eq!(work.trace_id, root.trace_id);
    assert_eq!(seen, Some(work.span_id));
    let order: Vec<_> = spans.all().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(order, ["sync_spawner", "spawned_work"]);
}

#[root_span]
async fn current_thread_spawner() {
    let handle = traced::spawn(spawned_work("current thread"));
    tokio::task::yield_now().await;
    handle.await.unwrap();
}

#[test]
fn spawn_carries_the_span_on_a_current_thread_runtime_too() {
    let ((), spans) = capture_local(current_thread_spawner());
    let root = spans.named("current_thread_spawner");
    let work = spans.named("spawned_work");
    assert_eq!(work.parent_span_id, Some(root.span_id));
    assert_eq!(work.trace_id, root.trace_id);
}
