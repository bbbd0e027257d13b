//! Exceptions as log records (semantic conventions, "Exceptions in logs"): an `Err` returned
//! through nested traced spans is one record, in the innermost span that returned it, at WARN
//! when a traced caller handles it and at ERROR when it leaves a root; the enclosing spans only
//! set status Error; the `exception` span event follows `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`.
//!
//! The records are read with a subscriber of the test's own, which asks traced for the ids of
//! the current span as each event arrives (as any subscriber that correlates would).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

use traced::testing::{Capture, CapturedSpans, Status};
use traced::{ExceptionSignal, SpanId, TraceId, child_span, root_span};

/// An exception record as a subscriber sees it.
#[derive(Debug, Clone)]
struct Record {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
    trace_id: Option<TraceId>,
    span_id: Option<SpanId>,
}

thread_local! {
    /// Records of this test's thread (tests run in parallel, each on a thread of its own).
    static RECORDS: RefCell<Vec<Record>> = const { RefCell::new(Vec::new()) };
}

struct Records;

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Records {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let target = event.metadata().target();
        if !target.starts_with("traced::") {
            return;
        }
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let record = Record {
            level: *event.metadata().level(),
            target: target.to_owned(),
            fields,
            trace_id: traced::current_trace_id(),
            span_id: traced::current_span_id(),
        };
        RECORDS.with(|records| records.borrow_mut().push(record));
    }
}

/// Runs `f` in a capture with `signal`, and returns the spans and the exception records.
fn run(signal: ExceptionSignal, f: impl FnOnce()) -> (CapturedSpans, Vec<Record>) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // The bridge too: `tracing` spans between traced ones (see the bridged tests).
        let subscriber = tracing_subscriber::registry()
            .with(traced::BridgeLayer::new())
            .with(Records);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    RECORDS.with(|records| records.borrow_mut().clear());
    let capture = Capture::with_exception_signal(signal);
    f();
    let spans = capture.finish();
    let records = RECORDS.with(|records| records.take());
    let records = records
        .into_iter()
        .filter(|r| r.target == "traced::exception")
        .collect();
    (spans, records)
}

#[derive(Debug)]
struct NotFound(u32);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order {} not found", self.0)
    }
}

#[child_span]
fn find(order: u32) -> Result<u32, NotFound> {
    Err(NotFound(order))
}

#[child_span]
fn load(order: u32) -> Result<u32, NotFound> {
    let found = find(order)?;
    Ok(found)
}

#[child_span]
fn load_or_default(order: u32) -> Result<u32, NotFound> {
    Ok(load(order).unwrap_or(0))
}

#[root_span]
fn handle(order: u32) -> Result<u32, NotFound> {
    load_or_default(order)
}

#[root_span]
fn handle_failing(order: u32) -> Result<u32, NotFound> {
    load(order)
}

fn exception_events(spans: &CapturedSpans, name: &str) -> usize {
    spans
        .named(name)
        .events
        .iter()
        .filter(|e| e.name == "exception")
        .count()
}

#[test]
fn an_error_handled_by_a_traced_caller_is_one_warn_record_in_the_innermost_span() {
    let (spans, records) = run(ExceptionSignal::LogsAndSpanEvent, || {
        assert_eq!(handle(17).unwrap(), 0);
    });
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.level, Level::WARN);
    let find = spans.named("find");
    assert_eq!(record.trace_id, Some(find.trace_id));
    assert_eq!(record.span_id, Some(find.span_id));
    assert_eq!(record.fields["exception.message"], "order 17 not found");
    assert!(
        record.fields["exception.type"].ends_with("NotFound"),
        "{record:?}"
    );
    assert_eq!(record.fields["message"], "order 17 not found");
    // Status Error on the spans the error went through, up to the handler.
    let error = Status::Error("order 17 not found".to_owned());
    assert_eq!(find.status, error);
    assert_eq!(spans.named("load").status, error);
    assert_eq!(spans.named("load_or_default").status, Status::Unset);
    assert_eq!(spans.named("handle").status, Status::Unset);
    // One span event, on the innermost span.
    assert_eq!(exception_events(&spans, "find"), 1);
    assert_eq!(exception_events(&spans, "load"), 0);
}

#[test]
fn an_error_through_three_spans_leaving_a_root_is_one_error_record() {
    let (spans, records) = run(ExceptionSignal::LogsAndSpanEvent, || {
        assert!(handle_failing(3).is_err());
    });
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].level, Level::ERROR);
    let find = spans.named("find");
    assert_eq!(records[0].span_id, Some(find.span_id));
    assert_eq!(records[0].trace_id, Some(find.trace_id));
    for name in ["find", "load", "handle_failing"] {
        assert!(spans.named(name).is_error(), "{name}");
    }
    let events: usize = ["find", "load", "handle_failing"]
        .iter()
        .map(|name| exception_events(&spans, name))
        .sum();
    assert_eq!(events, 1);
    assert_eq!(exception_events(&spans, "find"), 1);
}

/// `load`, with a `tracing` span (bridged) between it and `find`: tracing cannot tell what
/// the code inside its span returned.
#[child_span]
fn load_through_tracing(order: u32) -> Result<u32, NotFound> {
    let found = tracing::info_span!("query").in_scope(|| find(order))?;
    Ok(found)
}

#[root_span]
fn handle_through_tracing(order: u32, fail: bool) -> Result<u32, NotFound> {
    match load_through_tracing(order) {
        Err(e) if fail => Err(e),
        result => Ok(result.unwrap_or(0)),
    }
}

#[test]
fn an_error_through_a_tracing_span_is_one_record_decided_by_the_traced_callers() {
    for (fail, level) in [(true, Level::ERROR), (false, Level::WARN)] {
        let (spans, records) = run(ExceptionSignal::LogsAndSpanEvent, || {
            assert_eq!(handle_through_tracing(5, fail).is_err(), fail);
        });
        // Not a WARN for the bridged span and then an ERROR for the traced caller.
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].level, level, "fail: {fail}");
        let find = spans.named("find");
        assert_eq!(records[0].span_id, Some(find.span_id));
        assert_eq!(records[0].trace_id, Some(find.trace_id));
        // The bridged span nests where it ran, and the error's status follows the traced
        // spans that returned it.
        let query = spans.named("query");
        assert_eq!(find.parent_span_id, Some(query.span_id));
        assert!(spans.named("load_through_tracing").is_error());
        assert_eq!(spans.named("handle_through_tracing").is_error(), fail);
        assert_eq!(exception_events(&spans, "find"), 1);
        assert_eq!(exception_events(&spans, "load_through_tracing"), 0);
    }
}

#[test]
fn an_error_returned_by_a_root_is_an_error_record() {
    let (spans, records) = run(ExceptionSignal::LogsAndSpanEvent, || {
        assert!(find(9).is_err());
    });
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].level, Level::ERROR);
    assert_eq!(records[0].span_id, Some(spans.named("find").span_id));
    // Emitted after the span ended, and no span is current after it.
    assert_eq!(traced::current_span_id(), None);
}

#[test]
fn logs_only_keeps_the_record_and_the_status_without_span_events() {
    let (spans, records) = run(ExceptionSignal::LogsOnly, || {
        assert!(handle_failing(4).is_err());
        assert_eq!(handle(5).unwrap(), 0);
    });
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0].level, Level::ERROR);
    assert_eq!(records[1].level, Level::WARN);
    for span in spans.all() {
        assert!(span.events.is_empty(), "{span:?}");
    }
    assert!(spans.all_named("find").all(|span| span.is_error()));
    assert!(spans.named("handle_failing").is_error());
}

#[test]
fn a_handled_error_and_then_a_second_one_are_two_records() {
    #[child_span]
    fn twice() -> Result<(), NotFound> {
        let _ = find(1);
        let _ = find(2);
        Ok(())
    }
    #[root_span]
    fn job() {
        let _ = twice();
    }
    let (_spans, records) = run(ExceptionSignal::LogsAndSpanEvent, job);
    let messages: Vec<(&Level, &str)> = records
        .iter()
        .map(|r| (&r.level, r.fields["exception.message"].as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (&Level::WARN, "order 1 not found"),
            (&Level::WARN, "order 2 not found"),
        ]
    );
}

#[test]
fn async_errors_follow_the_same_rules() {
    #[child_span]
    async fn fetch(order: u32) -> Result<u32, NotFound> {
        tokio::task::yield_now().await;
        Err(NotFound(order))
    }
    #[child_span]
    async fn fetch_or_zero(order: u32) -> u32 {
        fetch(order).await.unwrap_or(0)
    }
    #[root_span(kind = server)]
    async fn serve(order: u32) -> Result<u32, NotFound> {
        let zero = fetch_or_zero(order).await;
        fetch(order + zero).await
    }
    let (spans, records) = run(ExceptionSignal::LogsAndSpanEvent, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(runtime.block_on(serve(6)).is_err());
    });
    assert_eq!(records.len(), 2, "{records:?}");
    let fetches: Vec<_> = spans.all_named("fetch").collect();
    assert_eq!(fetches.len(), 2);
    // The handled one: WARN, in the first `fetch`; the one leaving the server span: ERROR.
    let warn = records.iter().find(|r| r.level == Level::WARN).unwrap();
    let error = records.iter().find(|r| r.level == Level::ERROR).unwrap();
    assert_ne!(warn.span_id, error.span_id);
    let ids: Vec<Option<SpanId>> = fetches.iter().map(|s| Some(s.span_id)).collect();
    assert!(ids.contains(&warn.span_id) && ids.contains(&error.span_id));
    let fetch_or_zero = spans.named("fetch_or_zero");
    let handled = fetches
        .iter()
        .find(|s| s.parent_span_id == Some(fetch_or_zero.span_id))
        .unwrap();
    assert_eq!(warn.span_id, Some(handled.span_id));
    assert!(spans.named("serve").is_error());
    assert_eq!(exception_events(&spans, "serve"), 0);
}
