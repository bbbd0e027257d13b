//! What a traced fn's outcome does to its span (README, Span attributes): a returned `Err(e)` of
//! any `Result` (aliases included) sets status Error with `e`'s Display and adds one `exception`
//! event; `Ok` leaves the status unset; a panic through the span marks it Error too, keeps
//! unwinding, still ends and exports the span, and the program keeps working afterwards.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use traced::testing::{CapturedSpan, Status, Value, capture};
use traced::{child_span, root_span};
use traced_tests::captured::{capture_async, exception_count};

/// An error type with a Display distinct from its Debug.
#[derive(Debug)]
struct AppError {
    code: u32,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "app error {}", self.code)
    }
}

impl std::error::Error for AppError {}

type AppResult<T> = Result<T, AppError>;

/// Asserts status Error with `message` and no `exception` event: a span an error or a panic
/// went through after the span that recorded it.
#[track_caller]
fn assert_failed_only(span: &CapturedSpan, message: &str) {
    assert_eq!(
        span.status,
        Status::Error(message.to_owned()),
        "{}: {span:#?}",
        span.name
    );
    assert_eq!(
        exception_count(span),
        0,
        "{}: {:#?}",
        span.name,
        span.events
    );
}

/// Asserts status Error with `message` and exactly one `exception` event whose type names
/// `type_name` (the full path `std::any::type_name` gives, or its last segment) and whose
/// message is `message`.
#[track_caller]
fn assert_error(span: &CapturedSpan, type_name: &str, message: &str) {
    assert_eq!(
        span.status,
        Status::Error(message.to_owned()),
        "{}: {span:#?}",
        span.name
    );
    assert_eq!(
        exception_count(span),
        1,
        "{}: {:#?}",
        span.name,
        span.events
    );
    let event = span.event("exception").expect("an exception event");
    let Some(Value::String(ty)) = event.attr("exception.type") else {
        panic!("{}: exception.type is not a string: {event:#?}", span.name);
    };
    let last = type_name.rsplit("::").next().unwrap_or(type_name);
    assert!(
        ty == type_name || ty == last,
        "{}: exception.type {ty:?}, expected {type_name:?} (or {last:?})",
        span.name
    );
    assert_eq!(
        event.attr("exception.message"),
        Some(&Value::String(message.to_owned())),
        "{}: {event:#?}",
        span.name
    );
}

#[track_caller]
fn assert_ok(span: &CapturedSpan) {
    assert_eq!(span.status, Status::Unset, "{}", span.name);
    assert!(span.events.is_empty(), "{}: {:#?}", span.name, span.events);
}

// ---------------------------------------------------------------------------------------------
// Returned errors

#[child_span]
fn plain_result(fail: bool) -> Result<u32, AppError> {
    if fail {
        Err(AppError { code: 7 })
    } else {
        Ok(1)
    }
}

#[child_span]
fn io_result(fail: bool) -> std::io::Result<u32> {
    if fail {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file: orders.csv",
        ));
    }
    Ok(2)
}

#[child_span]
fn anyhow_result(fail: bool) -> anyhow::Result<u32> {
    anyhow::ensure!(!fail, "anyhow says no");
    Ok(3)
}

#[child_span]
fn alias_result(fail: bool) -> AppResult<u32> {
    if fail {
        Err(AppError { code: 42 })?;
    }
    Ok(4)
}

#[child_span]
fn boxed_result(fail: bool) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    if fail {
        return Err("boxed failure".into());
    }
    Ok(5)
}

#[child_span]
fn string_error(fail: bool) -> Result<u32, String> {
    if fail {
        return Err("a plain string".to_owned());
    }
    Ok(6)
}

#[child_span]
fn question_mark(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(n)
}

#[test]
fn a_returned_err_sets_status_error_and_one_exception_event() {
    let ((), spans) = capture(|| {
        assert!(plain_result(true).is_err());
        assert!(io_result(true).is_err());
        assert!(anyhow_result(true).is_err());
        assert!(alias_result(true).is_err());
        assert!(boxed_result(true).is_err());
        assert!(string_error(true).is_err());
        assert!(question_mark("x").is_err());
    });
    assert_error(
        spans.named("plain_result"),
        std::any::type_name::<AppError>(),
        "app error 7",
    );
    assert_error(
        spans.named("io_result"),
        std::any::type_name::<std::io::Error>(),
        "no such file: orders.csv",
    );
    assert_error(
        spans.named("anyhow_result"),
        std::any::type_name::<anyhow::Error>(),
        "anyhow says no",
    );
    assert_error(
        spans.named("alias_result"),
        std::any::type_name::<AppError>(),
        "app error 42",
    );
    assert_error(
        spans.named("boxed_result"),
        std::any::type_name::<Box<dyn std::error::Error + Send + Sync>>(),
        "boxed failure",
    );
    assert_error(
        spans.named("string_error"),
        std::any::type_name::<String>(),
        "a plain string",
    );
    let parse_error = "x".parse::<u32>().unwrap_err().to_string();
    assert_error(
        spans.named("question_mark"),
        std::any::type_name::<std::num::ParseIntError>(),
        &parse_error,
    );
}

#[test]
fn ok_leaves_the_status_unset() {
    let ((), spans) = capture(|| {
        assert_eq!(plain_result(false).unwrap(), 1);
        assert_eq!(io_result(false).unwrap(), 2);
        assert_eq!(anyhow_result(false).unwrap(), 3);
        assert_eq!(alias_result(false).unwrap(), 4);
        assert_eq!(boxed_result(false).unwrap(), 5);
        assert_eq!(string_error(false).unwrap(), 6);
        assert_eq!(question_mark("12").unwrap(), 12);
    });
    assert_eq!(spans.len(), 7);
    for span in spans.all() {
        assert_ok(span);
    }
}

/// Not a `Result`: never an error, whatever it holds.
#[child_span]
fn returns_an_option() -> Option<u32> {
    None
}

#[child_span]
fn returns_a_nested_result() -> Option<Result<u32, AppError>> {
    Some(Err(AppError { code: 1 }))
}

#[test]
fn values_that_are_not_results_leave_the_status_unset() {
    let ((), spans) = capture(|| {
        assert_eq!(returns_an_option(), None);
        assert!(returns_a_nested_result().is_some());
    });
    assert_ok(spans.named("returns_an_option"));
    assert_ok(spans.named("returns_a_nested_result"));
}

#[root_span]
fn recovers() -> Result<u32, AppError> {
    // The inner error is handled: only the inner span records it.
    let recovered = plain_result(true).unwrap_or(0);
    Ok(recovered + 1)
}

#[root_span]
fn propagates() -> anyhow::Result<u32> {
    let n = alias_result(true)?;
    Ok(n)
}

#[test]
fn an_error_is_recorded_on_the_span_that_returned_it() {
    let ((), spans) = capture(|| {
        assert_eq!(recovers().unwrap(), 1);
        assert!(propagates().is_err());
    });
    let recovers = spans.named("recovers");
    let inner = spans.named("plain_result");
    assert_eq!(inner.parent_span_id, Some(recovers.span_id));
    assert_error(inner, std::any::type_name::<AppError>(), "app error 7");
    assert_ok(recovers);

    // `?` converts AppError into anyhow::Error: both spans are errors, and the error is one
    // exception, recorded by the span that returned it first (semantic conventions, "Recording
    // errors"); the span it propagates through only sets its status.
    let propagates = spans.named("propagates");
    let alias = spans.named("alias_result");
    assert_eq!(alias.parent_span_id, Some(propagates.span_id));
    assert_error(alias, std::any::type_name::<AppError>(), "app error 42");
    assert_failed_only(propagates, "app error 42");
}

#[child_span]
async fn async_error(fail: bool) -> Result<u32, AppError> {
    tokio::task::yield_now().await;
    if fail {
        return Err(AppError { code: 9 });
    }
    tokio::task::yield_now().await;
    Ok(9)
}

#[child_span]
async fn async_anyhow() -> anyhow::Result<()> {
    tokio::task::yield_now().await;
    Err(anyhow::anyhow!("async anyhow"))
}

#[test]
fn async_fns_record_their_outcome_too() {
    let ((), spans) = capture_async(2, async {
        assert!(async_error(true).await.is_err());
        assert!(async_error(false).await.is_ok());
        assert!(async_anyhow().await.is_err());
    });
    let mut errors = spans.all_named("async_error").filter(|s| s.is_error());
    let failed = errors.next().expect("the failed call");
    assert!(errors.next().is_none());
    assert_error(failed, std::any::type_name::<AppError>(), "app error 9");
    let ok = spans
        .all_named("async_error")
        .find(|s| !s.is_error())
        .expect("the successful call");
    assert_ok(ok);
    assert_error(
        spans.named("async_anyhow"),
        std::any::type_name::<anyhow::Error>(),
        "async anyhow",
    );
}

// ---------------------------------------------------------------------------------------------
// Panics

#[root_span]
fn panicking_root(n: u32) -> u32 {
    panicking_child(n)
}

#[child_span]
fn panicking_child(n: u32) -> u32 {
    if n > 0 {
        panic!("kaboom {n}");
    }
    n
}

#[child_span]
fn after_the_panic() -> Result<u32, AppError> {
    Ok(1)
}

/// A payload that is neither `&str` nor `String`.
#[child_span]
fn panics_with_any_payload() {
    std::panic::panic_any(17_u32);
}

/// Status Error and exactly one `exception` event with a string `exception.type` and
/// `exception.message`: what a panic through a span must leave, whatever its message.
#[track_caller]
fn assert_panicked(span: &CapturedSpan) {
    assert!(
        span.is_error(),
        "{}: status {:?}, expected Error",
        span.name,
        span.status
    );
    assert_eq!(
        exception_count(span),
        1,
        "{}: {:#?}",
        span.name,
        span.events
    );
    let event = span.event("exception").expect("an exception event");
    for key in ["exception.type", "exception.message"] {
        let Some(Value::String(text)) = event.attr(key) else {
            panic!("{}: no string {key}: {event:#?}", span.name);
        };
        assert!(!text.is_empty(), "{}: empty {key}", span.name);
    }
}

/// "A panic through the span does the same" as an `Err(e)`: the status description and
/// `exception.message` carry the panic's message, as they carry `e`'s Display.
#[track_caller]
fn assert_panic_message(span: &CapturedSpan, message: &str) {
    assert_panicked(span);
    let event = span.event("exception").expect("an exception event");
    assert_eq!(
        (&span.status, event.attr("exception.message")),
        (
            &Status::Error(message.to_owned()),
            Some(&Value::String(message.to_owned()))
        ),
        "{}: the panic message is not recorded (status, exception.message)",
        span.name
    );
}

#[test]
fn a_panic_marks_every_span_it_crosses_keeps_unwinding_and_the_program_goes_on() {
    let ((), spans) = capture(|| {
        let caught = catch_unwind(|| panicking_root(3));
        // Unwinding continued up to here, with the original payload.
        let payload = caught.expect_err("the panic reached catch_unwind");
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("kaboom 3")
        );
        // Nothing is left current by the unwound spans.
        assert_eq!(traced::current_span_id(), None);
        assert_eq!(traced::current_trace_id(), None);
        // The program keeps working: a later span is a root of its own, exported normally.
        assert_eq!(after_the_panic().unwrap(), 1);
        assert_eq!(panicking_root(0), 0);
    });
    let child = spans
        .all_named("panicking_child")
        .find(|s| s.is_error())
        .expect("the panicking child was exported");
    let root = spans
        .all_named("panicking_root")
        .find(|s| s.is_error())
        .expect("the root the panic went through was exported");
    assert_eq!(child.parent_span_id, Some(root.span_id));
    assert_eq!(child.trace_id, root.trace_id);
    // One exception: its event is on the span where the panic started; the root only fails.
    assert_panicked(child);
    assert_failed_only(root, "kaboom 3");

    let after = spans.named("after_the_panic");
    assert_ok(after);
    assert_eq!(after.parent_span_id, None, "not a child of an unwound span");
    assert_ne!(after.trace_id, root.trace_id);
    // And the same fns work normally once more.
    let ok_root = spans
        .all_named("panicking_root")
        .find(|s| !s.is_error())
        .expect("the second call");
    assert_ok(ok_root);
    assert_eq!(spans.len(), 5, "{spans:?}");
}

#[test]
fn a_panic_with_any_payload_is_recorded() {
    let ((), spans) = capture(|| {
        let caught = catch_unwind(panics_with_any_payload);
        assert_eq!(caught.unwrap_err().downcast_ref::<u32>(), Some(&17));
    });
    let span = spans.named("panics_with_any_payload");
    assert!(span.is_error(), "{span:#?}");
    assert_eq!(exception_count(span), 1, "{:#?}", span.events);
}

#[root_span]
fn catches_inside() -> bool {
    catch_unwind(|| panicking_child(1)).is_err()
}

#[test]
fn a_panic_caught_inside_a_span_does_not_mark_it() {
    let (caught, spans) = capture(catches_inside);
    assert!(caught);
    let outer = spans.named("catches_inside");
    let inner = spans.named("panicking_child");
    assert_eq!(inner.parent_span_id, Some(outer.span_id));
    assert_panicked(inner);
    assert_ok(outer);
}

#[child_span]
async fn async_panics(n: u32) -> u32 {
    tokio::task::yield_now().await;
    if n > 0 {
        panic!("async kaboom {n}");
    }
    n
}

#[root_span]
async fn async_panicking_root(n: u32) -> u32 {
    tokio::task::yield_now().await;
    async_panics(n).await
}

#[test]
fn a_panic_in_an_async_fn_is_recorded_and_the_runtime_keeps_working() {
    let ((), spans) = capture_async(2, async {
        let joined = tokio::spawn(async_panicking_root(5)).await;
        let error = joined.expect_err("the task panicked");
        assert!(error.is_panic());
        // Other tasks still run and are traced normally.
        assert_eq!(tokio::spawn(async_panicking_root(0)).await.unwrap(), 0);
        let caught = AssertUnwindSafe(async_panics(2));
        let caught = futures_catch_unwind(caught).await;
        assert!(caught.is_err());
    });
    let root = spans
        .all_named("async_panicking_root")
        .find(|s| s.is_error())
        .expect("the panicked root was exported");
    let child = spans
        .children_of(root)
        .next()
        .expect("its child was exported");
    assert_eq!(child.name, "async_panics");
    assert_panicked(child);
    assert_failed_only(root, "async kaboom 5");
    let ok_root = spans
        .all_named("async_panicking_root")
        .find(|s| !s.is_error())
        .expect("the second task");
    assert_ok(ok_root);
    let ok_child = spans.children_of(ok_root).next().expect("its child");
    assert_ok(ok_child);
    let lone = spans
        .all_named("async_panics")
        .find(|s| s.parent_span_id.is_none())
        .expect("the future caught in place");
    assert_panicked(lone);
    assert_eq!(spans.len(), 5, "{spans:?}");
}

/// `catch_unwind` for a future, polled in place (no `futures` dependency needed).
async fn futures_catch_unwind<F: std::future::Future + std::panic::UnwindSafe>(
    future: F,
) -> std::thread::Result<F::Output> {
    let mut future = Box::pin(future);
    std::future::poll_fn(move |cx| {
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// The message itself, in a process where only `traced::testing` is set up (as in users' own
/// tests): no `#[traced_service]`, so no panic hook of ours. (`macros_logs.rs` checks the same
/// in a service, where the hook is installed.)
#[test]
fn a_panic_records_its_message_like_an_error_records_its_display() {
    let ((), spans) = capture(|| {
        assert!(catch_unwind(|| panicking_root(4)).is_err());
    });
    assert_panic_message(spans.named("panicking_child"), "kaboom 4");
    assert_failed_only(spans.named("panicking_root"), "kaboom 4");

    let ((), spans) = capture_async(1, async {
        assert!(tokio::spawn(async_panics(6)).await.unwrap_err().is_panic());
    });
    assert_panic_message(spans.named("async_panics"), "async kaboom 6");
}
