//! Every fn shape the README promises (Span attributes), run: methods with `self`, `&self`,
//! `&mut self` and `self: Box<Self>`, generics and `where` clauses, `impl Trait` arguments and
//! returns, fns returning `impl Future`, async-trait methods, native async fns in traits,
//! default methods in traits, `unsafe fn` and `extern "C" fn`. Each must produce its span, in
//! the right place, with its arguments, and behave as written.

use std::fmt;
use std::future::Future;

use async_trait::async_trait;
use traced::testing::{CapturedSpan, CapturedSpans, Value, capture};
use traced::{SpanId, child_span, root_span};
use traced_tests::captured::{capture_async, user_attrs};

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// The one span named `name`, a child of `parent`, in its trace.
#[track_caller]
fn child_of<'a>(spans: &'a CapturedSpans, name: &str, parent: &CapturedSpan) -> &'a CapturedSpan {
    let span = spans.named(name);
    assert_eq!(span.parent_span_id, Some(parent.span_id), "{name}");
    assert_eq!(span.trace_id, parent.trace_id, "{name}");
    span
}

// ---------------------------------------------------------------------------------------------
// Methods

#[derive(Debug)]
struct Counter {
    count: u64,
    label: String,
}

impl Counter {
    #[child_span]
    fn new(label: &str, start: u64) -> Self {
        Counter {
            count: start,
            label: label.to_owned(),
        }
    }

    #[child_span]
    fn get(&self) -> u64 {
        self.count
    }

    #[child_span]
    fn add(&mut self, by: u64) -> u64 {
        self.count += by;
        self.count
    }

    #[child_span]
    fn label_mut(&mut self) -> &mut String {
        &mut self.label
    }

    #[child_span]
    fn into_label(self) -> String {
        self.label
    }

    #[child_span]
    fn boxed(self: Box<Self>, extra: u64) -> u64 {
        self.count + extra
    }

    #[child_span]
    async fn get_async(&self) -> u64 {
        tokio::task::yield_now().await;
        self.count
    }

    #[child_span]
    async fn add_async(&mut self, by: u64) -> u64 {
        tokio::task::yield_now().await;
        self.count += by;
        self.count
    }

    #[child_span]
    async fn consume_async(self, suffix: &str) -> String {
        tokio::task::yield_now().await;
        format!("{}{suffix}", self.label)
    }
}

#[root_span]
fn use_methods() -> (u64, String, u64) {
    let mut counter = Counter::new("clicks", 1);
    assert_eq!(counter.get(), 1);
    assert_eq!(counter.add(2), 3);
    counter.label_mut().push('!');
    let boxed = Box::new(Counter::new("boxed", 10)).boxed(5);
    (counter.get(), counter.into_label(), boxed)
}

#[test]
fn methods_with_every_receiver_are_traced_and_self_is_not_recorded() {
    let ((get, label, boxed), spans) = capture(use_methods);
    assert_eq!((get, label.as_str(), boxed), (3, "clicks!", 15));
    let root = spans.named("use_methods");
    let news: Vec<_> = spans.all_named("new").collect();
    assert_eq!(news.len(), 2);
    for span in &news {
        assert_eq!(span.parent_span_id, Some(root.span_id));
    }
    assert!(news.iter().any(|span| user_attrs(span)
        == vec![
            ("label".to_owned(), s("clicks")),
            ("start".to_owned(), Value::I64(1))
        ]));
    assert_eq!(spans.all_named("get").count(), 2);
    for span in spans.all_named("get") {
        assert_eq!(span.parent_span_id, Some(root.span_id));
        assert_eq!(user_attrs(span), vec![]);
    }
    assert_eq!(
        user_attrs(child_of(&spans, "add", root)),
        vec![("by".to_owned(), Value::I64(2))]
    );
    assert_eq!(user_attrs(child_of(&spans, "label_mut", root)), vec![]);
    assert_eq!(user_attrs(child_of(&spans, "into_label", root)), vec![]);
    assert_eq!(
        user_attrs(child_of(&spans, "boxed", root)),
        vec![("extra".to_owned(), Value::I64(5))]
    );
    for span in spans.all() {
        assert_eq!(span.attr("self"), None, "{}", span.name);
    }
    let function = spans.named("add").attr("code.function.name").cloned();
    let Some(Value::String(function)) = function else {
        panic!("no code.function.name");
    };
    assert!(
        function.starts_with(module_path!()) && function.ends_with("::add"),
        "{function}"
    );
}

#[root_span]
async fn use_async_methods() -> (u64, u64, String) {
    let mut counter = Counter {
        count: 1,
        label: "async".to_owned(),
    };
    let got = counter.get_async().await;
    let added = counter.add_async(4).await;
    (got, added, counter.consume_async("-done").await)
}

#[test]
fn async_methods_are_traced() {
    let (result, spans) = capture_async(2, use_async_methods());
    assert_eq!(result, (1, 5, "async-done".to_owned()));
    let root = spans.named("use_async_methods");
    assert_eq!(user_attrs(child_of(&spans, "get_async", root)), vec![]);
    assert_eq!(
        user_attrs(child_of(&spans, "add_async", root)),
        vec![("by".to_owned(), Value::I64(4))]
    );
    assert_eq!(
        user_attrs(child_of(&spans, "consume_async", root)),
        vec![("suffix".to_owned(), s("-done"))]
    );
}

// ---------------------------------------------------------------------------------------------
// Generics, where clauses, lifetimes, const generics

#[child_span]
fn generic_value<T: traced::SpanValue + Copy>(value: T) -> T {
    value
}

#[child_span]
fn generic_where<T>(value: T, count: u8) -> usize
where
    T: AsRef<str>,
{
    value.as_ref().len() * usize::from(count)
}

#[child_span]
fn generic_debug<T: fmt::Debug>(value: T) -> String {
    format!("{value:?}")
}

#[child_span]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[child_span]
fn const_generic<const N: usize>(items: [u8; N], factor: u8) -> usize {
    items.len() * usize::from(factor)
}

#[child_span]
fn impl_value(value: impl traced::SpanValue) -> bool {
    value.span_value().is_some()
}

#[test]
fn generic_fns_are_traced_and_record_span_value_bounded_arguments() {
    let ((), spans) = capture(|| {
        assert_eq!(generic_value(7_u32), 7);
        assert_eq!(generic_where("abc", 2), 6);
        assert_eq!(generic_debug(3_u32), "3");
        assert_eq!(longest("ab", "abc"), "abc");
        assert_eq!(const_generic([1, 2, 3], 2), 6);
        assert!(impl_value("x"));
    });
    assert_eq!(
        user_attrs(spans.named("generic_value")),
        vec![("value".to_owned(), Value::I64(7))]
    );
    // `T: AsRef<str>` and `T: Debug` are not `SpanValue` bounds: not recorded.
    assert_eq!(
        user_attrs(spans.named("generic_where")),
        vec![("count".to_owned(), Value::I64(2))]
    );
    assert_eq!(user_attrs(spans.named("generic_debug")), vec![]);
    assert_eq!(
        user_attrs(spans.named("longest")),
        vec![("a".to_owned(), s("ab")), ("b".to_owned(), s("abc"))]
    );
    assert_eq!(
        user_attrs(spans.named("const_generic")),
        vec![("factor".to_owned(), Value::I64(2))]
    );
    assert_eq!(
        user_attrs(spans.named("impl_value")),
        vec![("value".to_owned(), s("x"))]
    );
}

// ---------------------------------------------------------------------------------------------
// impl Trait arguments and returns

#[child_span]
fn sum(items: impl IntoIterator<Item = u32>, label: &str) -> impl fmt::Display {
    format!("{label}={}", items.into_iter().sum::<u32>())
}

#[child_span]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[child_span]
fn boxed_closure(offset: i64) -> Box<dyn Fn(i64) -> i64> {
    Box::new(move |x| x + offset)
}

#[test]
fn impl_trait_arguments_and_returns_are_traced() {
    let ((), spans) = capture(|| {
        assert_eq!(sum(vec![1, 2, 3], "total").to_string(), "total=6");
        assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
        assert_eq!(boxed_closure(3)(4), 7);
    });
    assert_eq!(
        user_attrs(spans.named("sum")),
        vec![("label".to_owned(), s("total"))]
    );
    assert_eq!(
        user_attrs(spans.named("evens")),
        vec![("limit".to_owned(), Value::I64(7))]
    );
    assert_eq!(
        user_attrs(spans.named("boxed_closure")),
        vec![("offset".to_owned(), Value::I64(3))]
    );
}

// ---------------------------------------------------------------------------------------------
// fns returning impl Future

#[child_span]
fn returns_future(n: u64) -> impl Future<Output = (u64, Option<SpanId>)> + Send + 'static {
    async move {
        tokio::task::yield_now().await;
        inside_future().await;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        (n * 2, traced::current_span_id())
    }
}

#[child_span]
async fn inside_future() {
    tokio::task::yield_now().await;
}

#[child_span]
fn returns_fallible_future(fail: bool) -> impl Future<Output = Result<u8, std::io::Error>> {
    async move {
        tokio::task::yield_now().await;
        if fail {
            Err(std::io::Error::other("future failed"))
        } else {
            Ok(1)
        }
    }
}

#[root_span]
async fn awaits_futures() -> (u64, Option<SpanId>, Option<SpanId>) {
    let (n, seen) = returns_future(21).await;
    // Built here, run on another task: still its own span, a child of this one.
    let (_, spawned_seen) = tokio::spawn(returns_future(1)).await.unwrap();
    assert!(returns_fallible_future(true).await.is_err());
    assert!(returns_fallible_future(false).await.is_ok());
    (n, seen, spawned_seen)
}

#[test]
fn a_fn_returning_impl_future_is_traced_over_its_future() {
    let ((n, seen, spawned_seen), spans) = capture_async(2, awaits_futures());
    assert_eq!(n, 42);
    let root = spans.named("awaits_futures");
    let futures: Vec<_> = spans.all_named("returns_future").collect();
    assert_eq!(futures.len(), 2);
    for span in &futures {
        assert_eq!(span.parent_span_id, Some(root.span_id));
        assert_eq!(span.trace_id, root.trace_id);
        let inner: Vec<_> = spans.children_of(span).collect();
        assert_eq!(inner.len(), 1, "inside_future runs in the fn's span");
        assert_eq!(inner[0].name, "inside_future");
    }
    let ids: Vec<_> = futures.iter().map(|s| Some(s.span_id)).collect();
    assert!(
        ids.contains(&seen),
        "current while the future runs: {seen:?}"
    );
    assert!(ids.contains(&spawned_seen), "also on another task");
    assert_ne!(seen, spawned_seen);
    assert!(futures.iter().any(|s| s.attr("n") == Some(&Value::I64(21))));
    let fallible: Vec<_> = spans.all_named("returns_fallible_future").collect();
    assert_eq!(fallible.len(), 2);
    assert_eq!(
        fallible.iter().filter(|s| s.is_error()).count(),
        1,
        "the Err of the future's output is recorded"
    );
}

// ---------------------------------------------------------------------------------------------
// Traits: async-trait methods, native async fns, default methods

#[async_trait]
trait Handler: Send + Sync {
    async fn handle(&self, id: u64) -> anyhow::Result<u64>;

    #[child_span]
    async fn handle_twice(&self, id: u64) -> u64 {
        let first = self.handle(id).await.unwrap_or(0);
        tokio::task::yield_now().await;
        first + self.handle(id).await.unwrap_or(0)
    }
}

struct Orders {
    factor: u64,
}

#[async_trait]
impl Handler for Orders {
    #[root_span(kind = server, fields(handler = "orders"))]
    async fn handle(&self, id: u64) -> anyhow::Result<u64> {
        tokio::task::yield_now().await;
        step(id).await;
        anyhow::ensure!(id != 0, "no order 0");
        Ok(id * self.factor)
    }
}

#[child_span]
async fn step(id: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    let _ = id;
}

#[test]
fn async_trait_methods_are_traced_over_their_whole_future() {
    let (results, spans) = capture_async(2, async {
        let handler: Box<dyn Handler> = Box::new(Orders { factor: 10 });
        let ok = handler.handle(4).await.unwrap();
        let err = handler.handle(0).await.is_err();
        let boxed: std::sync::Arc<dyn Handler> = std::sync::Arc::new(Orders { factor: 1 });
        let spawned = tokio::spawn(async move { boxed.handle(5).await.unwrap() })
            .await
            .unwrap();
        (ok, err, spawned)
    });
    assert_eq!(results, (40, true, 5));
    let handles: Vec<_> = spans.all_named("handle").collect();
    assert_eq!(handles.len(), 3);
    for span in &handles {
        assert_eq!(span.kind, traced::SpanKind::Server);
        assert_eq!(span.parent_span_id, None);
        assert_eq!(span.attr("handler"), Some(&s("orders")));
        let id = span.attr("id").cloned().expect("id recorded");
        // The awaited child ran inside the method's span, so the span covers the await.
        let steps: Vec<_> = spans.children_of(span).collect();
        assert_eq!(steps.len(), 1, "{:?}", span.attributes);
        assert_eq!(steps[0].name, "step");
        assert_eq!(steps[0].attr("id"), Some(&id));
        assert_eq!(span.is_error(), id == Value::I64(0), "{span:#?}");
    }
}

#[test]
fn default_async_trait_methods_are_traced() {
    let (n, spans) = capture_async(2, async { Orders { factor: 2 }.handle_twice(3).await });
    assert_eq!(n, 12);
    let twice = spans.named("handle_twice");
    assert_eq!(twice.attr("id"), Some(&Value::I64(3)));
    // `handle` is a root span: inside `handle_twice` it still starts new traces.
    let handles: Vec<_> = spans.all_named("handle").collect();
    assert_eq!(handles.len(), 2);
    for span in handles {
        assert_eq!(span.parent_span_id, None);
        assert_ne!(span.trace_id, twice.trace_id);
    }
}

trait Greeter {
    fn name(&self) -> &str;

    #[child_span]
    fn greet(&self, greeting: &str) -> String {
        format!("{greeting}, {}", self.name())
    }

    #[child_span]
    async fn greet_later(&self, greeting: &str) -> String {
        tokio::task::yield_now().await;
        self.greet(greeting)
    }
}

struct English;

impl Greeter for English {
    fn name(&self) -> &str {
        "world"
    }
}

trait Native {
    async fn run(&self, n: u32) -> u32;
}

impl Native for English {
    #[child_span(name = "native.run")]
    async fn run(&self, n: u32) -> u32 {
        tokio::task::yield_now().await;
        n + 1
    }
}

#[test]
fn default_trait_methods_and_native_async_trait_fns_are_traced() {
    let ((hello, later, run), spans) = capture_async(2, async {
        (
            English.greet("hello"),
            English.greet_later("hi").await,
            English.run(1).await,
        )
    });
    assert_eq!(hello, "hello, world");
    assert_eq!(later, "hi, world");
    assert_eq!(run, 2);
    let greets: Vec<_> = spans.all_named("greet").collect();
    assert_eq!(greets.len(), 2);
    let later = spans.named("greet_later");
    assert_eq!(later.attr("greeting"), Some(&s("hi")));
    let nested: Vec<_> = spans.children_of(later).collect();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0].name, "greet");
    assert_eq!(nested[0].attr("greeting"), Some(&s("hi")));
    assert!(
        greets
            .iter()
            .any(|g| g.attr("greeting") == Some(&s("hello")))
    );
    assert_eq!(spans.named("native.run").attr("n"), Some(&Value::I64(1)));
}

// ---------------------------------------------------------------------------------------------
// unsafe fn, extern "C" fn

/// # Safety
/// `ptr` must point to a live `u64`.
#[child_span]
unsafe fn read_raw(ptr: *const u64, scale: u64) -> u64 {
    // SAFETY: the caller guarantees `ptr` is valid.
    unsafe { *ptr * scale }
}

struct Raw;

impl Raw {
    /// # Safety
    /// `ptr` must point to a live `u64`.
    #[child_span]
    unsafe fn write_raw(&self, ptr: *mut u64, value: u64) {
        // SAFETY: the caller guarantees `ptr` is valid.
        unsafe { *ptr = value }
    }
}

#[child_span]
extern "C" fn c_abi(x: u32) -> u32 {
    x * 3
}

#[test]
fn unsafe_and_extern_fns_are_traced() {
    let mut value = 5_u64;
    let ((), spans) = capture(|| {
        // SAFETY: `value` is a live u64.
        assert_eq!(unsafe { read_raw(&value, 2) }, 10);
        // SAFETY: `value` is a live u64, not otherwise borrowed.
        unsafe { Raw.write_raw(&mut value, 8) };
        assert_eq!(c_abi(2), 6);
    });
    assert_eq!(value, 8);
    // A raw pointer is not a SpanValue.
    assert_eq!(
        user_attrs(spans.named("read_raw")),
        vec![("scale".to_owned(), Value::I64(2))]
    );
    assert_eq!(
        user_attrs(spans.named("write_raw")),
        vec![("value".to_owned(), Value::I64(8))]
    );
    assert_eq!(
        user_attrs(spans.named("c_abi")),
        vec![("x".to_owned(), Value::I64(2))]
    );
}

// ---------------------------------------------------------------------------------------------
// Control flow stays as written

#[child_span]
fn early_return(n: i32) -> i32 {
    if n < 0 {
        return -1;
    }
    for i in 0.. {
        if i * i >= n {
            return i;
        }
    }
    unreachable!()
}

#[child_span]
fn with_question_mark(input: Option<&str>) -> Option<usize> {
    let text = input?;
    Some(text.len())
}

#[test]
fn return_and_question_mark_behave_as_written_and_end_the_span() {
    let ((), spans) = capture(|| {
        assert_eq!(early_return(-5), -1);
        assert_eq!(early_return(10), 4);
        assert_eq!(with_question_mark(None), None);
        assert_eq!(with_question_mark(Some("abc")), Some(3));
        assert_eq!(traced::current_span_id(), None);
    });
    assert_eq!(spans.all_named("early_return").count(), 2);
    assert_eq!(spans.all_named("with_question_mark").count(), 2);
    for span in spans.all() {
        assert!(!span.is_error(), "{}", span.name);
    }
}
