//! Small runs of the engine's unsafe paths, meant for valgrind:
//!
//! ```text
//! cargo test -p traced --test memcheck --no-run
//! valgrind --tool=memcheck --error-exitcode=1 target/debug/deps/memcheck-<hash>
//! ```
//!
//! The thread's span stack (frames moved in and out, ended out of order), frames left in place
//! in futures during their polls (nested, moved between threads, dropped mid-way, a guard kept
//! across polls), bridged `tracing` spans entered, recorded and closed on several threads,
//! panics through all of these, and a coroutine suspended inside traced and never resumed.
//! Iteration counts are small: valgrind runs the whole file in well under a minute. Each test
//! checks little beyond the spans arriving; the point is what valgrind sees.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use opentelemetry::Value as OtelValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use traced::{Config, FutureExt as _, Span};
use tracing_subscriber::layer::SubscriberExt as _;

#[path = "support/coroutine.rs"]
mod coroutine;

#[derive(Debug, Clone, Default)]
struct Sink(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Sink {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(batch);
        Ok(())
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` under a fresh pipeline and returns every span exported.
fn capture(f: impl FnOnce()) -> Vec<SpanData> {
    let _serial = serial();
    let sink = Sink::default();
    let mut guard = traced::init(
        Config::new()
            .with_exporter(sink.clone())
            .schedule_delay(Duration::from_millis(10))
            // Room for every span of a test: under valgrind the export thread is slow.
            .max_queue_size(1 << 15)
            .install_logging(false)
            .install_panic_hook(false),
    );
    f();
    guard.shutdown();
    sink.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn count(spans: &[SpanData], name: &str) -> usize {
    spans.iter().filter(|s| s.name == name).count()
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Pending on its first poll, ready on the next.
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

fn bridged() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(traced::BridgeLayer::new())
}

const ROUNDS: usize = 20;

#[test]
fn the_span_stack_survives_nesting_records_and_out_of_order_ends() {
    let spans = capture(|| {
        for i in 0..ROUNDS {
            let a = Span::root("a").attr("i", i).enter();
            let b = Span::child("b").attr("text", "x".repeat(i)).enter();
            let c = Span::child("c").enter();
            traced::record("on c", i);
            a.record("on a", i);
            // Ends in every order, by round.
            match i % 3 {
                0 => drop((c, b, a)),
                1 => {
                    drop(a);
                    drop(c);
                    drop(b);
                }
                _ => {
                    drop(b);
                    drop(a);
                    drop(c);
                }
            }
            assert_eq!(traced::current_span_id(), None);
        }
        // Many frames on the stack at once, so it grows and shrinks.
        let guards: Vec<_> = (0..100).map(|_| Span::child("deep").enter()).collect();
        drop(guards);
    });
    for name in ["a", "b", "c"] {
        assert_eq!(count(&spans, name), ROUNDS, "{name}");
    }
    assert_eq!(count(&spans, "deep"), 100);
}

#[test]
fn frames_in_place_nest_move_between_threads_and_drop_mid_poll() {
    let spans = capture(|| {
        for _ in 0..ROUNDS {
            // Nested futures, moved to another thread between polls.
            let mut future = Box::pin(Span::root("outer").in_span(async {
                Span::child("inner")
                    .in_span(async {
                        traced::record("inner", 1_i64);
                        YieldOnce::default().await;
                        drop(Span::child("in inner").enter());
                    })
                    .await;
                async { traced::record("carried", true) }
                    .in_current_span()
                    .await;
            }));
            assert!(poll_once(future.as_mut()).is_pending());
            thread::spawn(move || while poll_once(future.as_mut()).is_pending() {})
                .join()
                .unwrap();
            // A guard kept across a poll.
            let mut keeps = Box::pin(Span::root("keeps a guard").in_span(async {
                let guard = Span::child("kept across polls").enter();
                YieldOnce::default().await;
                drop(guard);
            }));
            while poll_once(keeps.as_mut()).is_pending() {}
            // Dropped after one poll, mid-await, with a frame in place inside it.
            let mut dropped = Box::pin(Span::root("dropped").in_span(async {
                Span::child("dropped inner")
                    .in_span(std::future::pending::<()>())
                    .await;
            }));
            assert!(poll_once(dropped.as_mut()).is_pending());
            drop(dropped);
        }
    });
    for name in [
        "outer",
        "inner",
        "in inner",
        "kept across polls",
        "dropped",
        "dropped inner",
    ] {
        assert_eq!(count(&spans, name), ROUNDS, "{name}");
    }
}

#[test]
fn bridged_spans_enter_record_and_close_across_threads() {
    let spans = capture(|| {
        let _default = tracing::subscriber::set_default(bridged());
        for i in 0..ROUNDS {
            let span = tracing::info_span!("bridged", i, late = tracing::field::Empty);
            let barrier = Barrier::new(3);
            thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        span.in_scope(|| {
                            barrier.wait();
                            drop(Span::child("under bridged").enter());
                            span.record("late", "from a scope");
                        });
                        barrier.wait();
                    });
                }
                s.spawn(|| {
                    barrier.wait();
                    span.record("late", i);
                    barrier.wait();
                });
            });
            // Entered here while a clone is used and dropped on another thread, then closed
            // on a third one.
            let entered = span.clone().entered();
            let clone = span.clone();
            let dispatch = tracing::dispatcher::get_default(Clone::clone);
            thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    let _inner = tracing::info_span!(parent: &clone, "nested").entered();
                    clone.record("late", "from another thread");
                    drop(clone);
                });
            })
            .join()
            .unwrap();
            drop(entered);
            thread::spawn(move || drop(span)).join().unwrap();
        }
    });
    assert_eq!(count(&spans, "bridged"), ROUNDS);
    assert_eq!(count(&spans, "under bridged"), ROUNDS * 2);
    assert_eq!(count(&spans, "nested"), ROUNDS);
}

struct PanickingValue;

impl traced::SpanValue for PanickingValue {
    fn span_value(&self) -> Option<traced::Value<'_>> {
        panic!("span_value panicked");
    }
}

#[test]
fn panics_through_guards_futures_and_bridged_spans_leave_the_stack_usable() {
    let spans = capture(|| {
        let _default = tracing::subscriber::set_default(bridged());
        for _ in 0..ROUNDS {
            let _outer = Span::root("outer").enter();
            let caught = catch_unwind(|| {
                let _guard = Span::child("guard").enter();
                panic!("through a guard");
            });
            assert!(caught.is_err());
            let caught = catch_unwind(AssertUnwindSafe(|| {
                futures_executor::block_on(Span::child("future").in_span(async {
                    Span::child("inner future")
                        .in_span(async { panic!("through futures") })
                        .await;
                }))
            }));
            assert!(caught.is_err());
            let caught = catch_unwind(|| {
                tracing::info_span!("bridged").in_scope(|| panic!("through a bridged span"));
            });
            assert!(caught.is_err());
            let caught = catch_unwind(|| traced::record("v", PanickingValue));
            assert!(caught.is_err());
            drop(Span::child("after").enter());
        }
    });
    for name in [
        "outer",
        "guard",
        "future",
        "inner future",
        "bridged",
        "after",
    ] {
        assert_eq!(count(&spans, name), ROUNDS, "{name}");
    }
}

#[test]
fn a_coroutine_dropped_while_suspended_in_a_poll_leaves_no_frame_behind() {
    let spans = capture(|| {
        thread::spawn(|| {
            for _ in 0..ROUNDS {
                let suspended = coroutine::suspended_in_poll();
                // Dropping unwinds the coroutine's stack, which takes its span off this
                // thread's stack before the coroutine's stack is freed.
                drop(suspended);
                assert_eq!(traced::current_span_id(), None);
                drop(Span::root("after the coroutine").enter());
            }
        })
        .join()
        .unwrap();
    });
    assert_eq!(count(&spans, "suspended in a poll"), ROUNDS);
    assert_eq!(count(&spans, "after the coroutine"), ROUNDS);
}

#[test]
fn traced_is_memory_safe_after_a_coroutine_suspended_inside_it_is_abandoned() {
    let mut problems = Vec::new();
    let spans = capture(|| {
        for how in ["dropped", "forgotten"] {
            problems.extend(
                thread::spawn(move || {
                    let suspended = coroutine::suspended();
                    if how == "dropped" {
                        drop(suspended);
                    } else {
                        std::mem::forget(suspended);
                    }
                    coroutine::check_later_calls(how)
                })
                .join()
                .unwrap(),
            );
        }
    });
    for how in ["dropped", "forgotten"] {
        let root = format!("after ({how})");
        match spans.iter().find(|s| s.name == root) {
            None => problems.push(format!("{how}: {root:?} was not exported")),
            Some(span) => {
                let recorded = span
                    .attributes
                    .iter()
                    .any(|kv| kv.key.as_str() == "recorded after" && kv.value == OtelValue::I64(2));
                if !recorded {
                    problems.push(format!("{how}: traced::record afterwards was lost"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_full_stack_ends_its_oldest_spans_and_stays_usable() {
    // Past 4096 current spans, the oldest half is ended: leaked guards, then frames in place
    // and guards that end normally on top of them.
    const LEAKED: usize = 5_000;
    let spans = capture(|| {
        thread::spawn(|| {
            for _ in 0..LEAKED {
                std::mem::forget(Span::root("leaked").enter());
            }
            let mut future = Box::pin(Span::root("in place").in_span(async {
                YieldOnce::default().await;
                drop(Span::child("inside").enter());
            }));
            assert!(poll_once(future.as_mut()).is_pending());
            drop(Span::root("after").enter());
            assert!(poll_once(future.as_mut()).is_ready());
        })
        .join()
        .unwrap();
    });
    assert_eq!(count(&spans, "after"), 1);
    assert_eq!(count(&spans, "inside"), 1);
    assert_eq!(count(&spans, "in place"), 1);
}

#[test]
fn spans_left_in_thread_locals_end_with_the_thread() {
    thread_local! {
        static GUARD: std::cell::RefCell<Option<traced::SpanGuard>> =
            const { std::cell::RefCell::new(None) };
        static FUTURE: std::cell::RefCell<Option<Pin<Box<dyn Future<Output = ()>>>>> =
            const { std::cell::RefCell::new(None) };
    }
    let spans = capture(|| {
        thread::spawn(|| {
            // First use of the thread-locals before any span, so they are destroyed after the
            // thread's span stack.
            GUARD.with(|g| g.borrow_mut().take());
            FUTURE.with(|f| f.borrow_mut().take());
            let guard = Span::root("guard in a thread-local").enter();
            GUARD.with(|g| *g.borrow_mut() = Some(guard));
            let mut future = Box::pin(Span::root("future in a thread-local").in_span(async {
                YieldOnce::default().await;
            }));
            assert!(poll_once(future.as_mut()).is_pending());
            FUTURE.with(|f| *f.borrow_mut() = Some(future));
        })
        .join()
        .unwrap();
    });
    assert_eq!(count(&spans, "guard in a thread-local"), 1);
    assert_eq!(count(&spans, "future in a thread-local"), 1);
}
