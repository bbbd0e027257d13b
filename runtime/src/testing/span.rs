//! Captured spans and the helpers tests assert with.

use std::fmt;

use opentelemetry::trace::{SpanId as OtelSpanId, Status as OtelStatus};
use opentelemetry::{Array, KeyValue, Value as OtelValue};
use opentelemetry_sdk::trace::SpanData;

use crate::engine::{SpanId, SpanKind, TraceId};

/// A typed attribute value, as exported.
///
/// ```
/// use traced::testing::{Value, capture};
///
/// let ((), spans) = capture(|| {
///     let span = traced::Span::root("resize")
///         .attr("width", 640_u32)
///         .attr("ratio", 1.5)
///         .attr("crop", true)
///         .attr("format", "png")
///         .attr("checksum", u64::MAX); // above i64::MAX: a decimal string
///     drop(span.enter());
/// });
/// let resize = spans.named("resize");
/// assert_eq!(resize.attr("width"), Some(&Value::I64(640)));
/// assert_eq!(resize.attr("ratio"), Some(&Value::F64(1.5)));
/// assert_eq!(resize.attr("crop"), Some(&Value::Bool(true)));
/// assert_eq!(resize.attr("format"), Some(&Value::from("png")));
/// assert_eq!(resize.attr("checksum"), Some(&Value::String(u64::MAX.to_string())));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    I64(i64),
    /// A double.
    F64(f64),
    /// A string.
    String(String),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::I64(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::F64(f)
    }
}

/// A span's status.
///
/// ```
/// use traced::testing::{Status, capture};
///
/// #[traced::child_span]
/// fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
///     input.parse()
/// }
///
/// let (_, spans) = capture(|| (parse("12"), parse("twelve")));
/// let statuses: Vec<&Status> = spans.all_named("parse").map(|span| &span.status).collect();
/// let error = Status::Error("invalid digit found in string".to_owned());
/// assert_eq!(statuses, [&Status::Unset, &error]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No status set (the default, and what `Ok` leaves).
    Unset,
    /// An error, with its description.
    Error(String),
}

/// A span event (for example `exception`).
///
/// ```
/// use traced::testing::capture;
///
/// #[traced::child_span]
/// fn charge(cents: u32) -> Result<(), String> {
///     Err(format!("card declined for {cents} cents"))
/// }
///
/// let (_, spans) = capture(|| charge(1250));
/// let events = &spans.named("charge").events;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].name, "exception");
/// let keys: Vec<&str> = events[0].attributes.iter().map(|(key, _)| key.as_str()).collect();
/// assert_eq!(keys, ["exception.type", "exception.message"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// The event name.
    pub name: String,
    /// Its attributes, in order.
    pub attributes: Vec<(String, Value)>,
}

impl CapturedEvent {
    /// The value of attribute `key`.
    ///
    /// ```
    /// use traced::testing::{Value, capture};
    ///
    /// #[traced::child_span]
    /// fn charge(cents: u32) -> Result<(), String> {
    ///     Err(format!("card declined for {cents} cents"))
    /// }
    ///
    /// let (_, spans) = capture(|| charge(1250));
    /// let exception = spans.named("charge").event("exception").expect("an exception event");
    /// let message = Value::from("card declined for 1250 cents");
    /// assert_eq!(exception.attr("exception.message"), Some(&message));
    /// assert_eq!(exception.attr("exception.stacktrace"), None);
    /// ```
    pub fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }
}

/// A link to another span.
///
/// ```
/// use traced::testing::capture;
///
/// let message = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// let ((), spans) = capture(|| drop(traced::Span::root("process batch").link(message).enter()));
/// let batch = spans.named("process batch");
/// let [link] = batch.links.as_slice() else {
///     panic!("one link expected: {:?}", batch.links);
/// };
/// assert_eq!(link.trace_id.to_u128(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
/// assert_eq!(link.span_id.to_u64(), 0x00f067aa0ba902b7);
/// assert_ne!(batch.trace_id, link.trace_id); // a trace of its own, linked to the message's
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapturedLink {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
}

/// One finished span.
///
/// ```
/// use traced::SpanKind;
/// use traced::testing::{Status, capture};
///
/// let ((), spans) = capture(|| {
///     drop(traced::Span::root("GET /orders").kind(SpanKind::Server).enter());
/// });
/// let span = spans.named("GET /orders");
/// assert_eq!(span.kind, SpanKind::Server);
/// assert_eq!(span.parent_span_id, None);
/// assert_eq!(span.flags & 0x01, 0x01); // sampled
/// assert_eq!(span.status, Status::Unset);
/// assert!(span.events.is_empty() && span.links.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CapturedSpan {
    /// The span name.
    pub name: String,
    /// The span kind.
    pub kind: SpanKind,
    /// The trace it belongs to.
    pub trace_id: TraceId,
    /// Its id.
    pub span_id: SpanId,
    /// Its parent, `None` for a root.
    pub parent_span_id: Option<SpanId>,
    /// Whether the parent came from another process.
    pub parent_is_remote: bool,
    /// W3C trace flags (`0x01` sampled, `0x02` random).
    pub flags: u8,
    /// Attributes, in recording order (`code.*` first).
    pub attributes: Vec<(String, Value)>,
    /// Attributes dropped by the count limit.
    pub dropped_attributes: u32,
    /// Events, in order.
    pub events: Vec<CapturedEvent>,
    /// Links.
    pub links: Vec<CapturedLink>,
    /// The status.
    pub status: Status,
}

impl CapturedSpan {
    /// The value of attribute `key`.
    ///
    /// ```
    /// use traced::testing::{Value, capture};
    ///
    /// let ((), spans) = capture(|| drop(traced::Span::root("job").attr("rows", 3_u8).enter()));
    /// let job = spans.named("job");
    /// assert_eq!(job.attr("rows"), Some(&Value::I64(3)));
    /// assert_eq!(job.attr("columns"), None);
    /// ```
    pub fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    /// The first event named `name`.
    ///
    /// ```
    /// use traced::testing::capture;
    ///
    /// #[traced::child_span]
    /// fn open(path: &str) -> std::io::Result<std::fs::File> {
    ///     std::fs::File::open(path)
    /// }
    ///
    /// let (_, spans) = capture(|| open("/no/such/file"));
    /// let span = spans.named("open");
    /// assert!(span.event("exception").is_some());
    /// assert!(span.event("retry").is_none());
    /// ```
    pub fn event(&self, name: &str) -> Option<&CapturedEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Whether the status is Error.
    ///
    /// ```
    /// use traced::testing::capture;
    ///
    /// #[traced::child_span]
    /// fn withdraw(amount: u32) -> Result<u32, String> {
    ///     100_u32.checked_sub(amount).ok_or_else(|| "insufficient funds".to_owned())
    /// }
    ///
    /// let (_, spans) = capture(|| (withdraw(30), withdraw(300)));
    /// let errors: Vec<bool> = spans.all_named("withdraw").map(|span| span.is_error()).collect();
    /// assert_eq!(errors, [false, true]);
    /// ```
    pub fn is_error(&self) -> bool {
        matches!(self.status, Status::Error(_))
    }
}

fn find<'a>(attributes: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl From<SpanData> for CapturedSpan {
    fn from(span: SpanData) -> CapturedSpan {
        let parent = u64::from_be_bytes(span.parent_span_id.to_bytes());
        CapturedSpan {
            name: span.name.into_owned(),
            kind: match span.span_kind {
                opentelemetry::trace::SpanKind::Server => SpanKind::Server,
                opentelemetry::trace::SpanKind::Client => SpanKind::Client,
                opentelemetry::trace::SpanKind::Producer => SpanKind::Producer,
                opentelemetry::trace::SpanKind::Consumer => SpanKind::Consumer,
                opentelemetry::trace::SpanKind::Internal => SpanKind::Internal,
            },
            trace_id: TraceId(u128::from_be_bytes(span.span_context.trace_id().to_bytes())),
            span_id: SpanId(u64::from_be_bytes(span.span_context.span_id().to_bytes())),
            parent_span_id: (span.parent_span_id != OtelSpanId::INVALID).then_some(SpanId(parent)),
            parent_is_remote: span.parent_span_is_remote,
            flags: span.span_context.trace_flags().to_u8(),
            attributes: span.attributes.into_iter().map(pair).collect(),
            dropped_attributes: span.dropped_attributes_count,
            events: span
                .events
                .events
                .into_iter()
                .map(|e| CapturedEvent {
                    name: e.name.into_owned(),
                    attributes: e.attributes.into_iter().map(pair).collect(),
                })
                .collect(),
            links: span
                .links
                .links
                .into_iter()
                .map(|l| CapturedLink {
                    trace_id: TraceId(u128::from_be_bytes(l.span_context.trace_id().to_bytes())),
                    span_id: SpanId(u64::from_be_bytes(l.span_context.span_id().to_bytes())),
                })
                .collect(),
            status: match span.status {
                OtelStatus::Error { description } => Status::Error(description.into_owned()),
                _ => Status::Unset,
            },
        }
    }
}

fn pair(kv: KeyValue) -> (String, Value) {
    let value = match kv.value {
        OtelValue::Bool(b) => Value::Bool(b),
        OtelValue::I64(i) => Value::I64(i),
        OtelValue::F64(f) => Value::F64(f),
        OtelValue::String(s) => Value::String(s.to_string()),
        OtelValue::Array(Array::String(a)) => Value::String(format!("{a:?}")),
        other => Value::String(other.to_string()),
    };
    (kv.key.to_string(), value)
}

/// Every span a capture caught, in the order they ended.
///
/// `Debug` shows their names only, which keeps failed assertions readable.
///
/// ```
/// use traced::testing::capture;
///
/// let ((), spans) = capture(|| {
///     let _request = traced::Span::root("request").enter();
///     drop(traced::Span::child("load user").enter());
///     drop(traced::Span::child("render").enter());
/// });
/// assert_eq!(format!("{spans:?}"), r#"["load user", "render", "request"]"#);
/// ```
#[derive(Clone, PartialEq)]
pub struct CapturedSpans(Vec<CapturedSpan>);

impl CapturedSpans {
    pub(crate) fn new(spans: Vec<CapturedSpan>) -> CapturedSpans {
        CapturedSpans(spans)
    }

    /// How many spans were captured.
    ///
    /// ```
    /// let ((), spans) = traced::testing::capture(|| {
    ///     for page in 0..3_u32 {
    ///         drop(traced::Span::root("fetch page").attr("page", page).enter());
    ///     }
    /// });
    /// assert_eq!(spans.len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none was.
    ///
    /// ```
    /// let ((), spans) = traced::testing::capture(|| {
    ///     let _never_entered = traced::Span::root("job"); // a span starts when entered
    /// });
    /// assert!(spans.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All of them.
    ///
    /// ```
    /// let ((), spans) = traced::testing::capture(|| {
    ///     let _outer = traced::Span::root("outer").enter();
    ///     let _inner = traced::Span::child("inner").enter();
    /// });
    /// let names: Vec<&str> = spans.all().iter().map(|span| span.name.as_str()).collect();
    /// assert_eq!(names, ["inner", "outer"]); // in the order they ended
    /// ```
    pub fn all(&self) -> &[CapturedSpan] {
        &self.0
    }

    /// The only span named `name`.
    ///
    /// # Panics
    /// When there is none or more than one, listing the names captured.
    ///
    /// ```
    /// let ((), spans) = traced::testing::capture(|| {
    ///     let _request = traced::Span::root("request").enter();
    ///     drop(traced::Span::child("query").enter());
    /// });
    /// let request = spans.named("request");
    /// assert_eq!(spans.named("query").parent_span_id, Some(request.span_id));
    /// ```
    #[track_caller]
    pub fn named(&self, name: &str) -> &CapturedSpan {
        let mut found = self.0.iter().filter(|s| s.name == name);
        match (found.next(), found.next()) {
            (Some(span), None) => span,
            (None, _) => panic!("no span named {name:?}; captured: {self:?}"),
            (Some(_), Some(_)) => panic!("more than one span named {name:?}; captured: {self:?}"),
        }
    }

    /// Every span named `name`.
    ///
    /// ```
    /// use traced::testing::{Value, capture};
    ///
    /// let ((), spans) = capture(|| {
    ///     for attempt in 1..=3_u32 {
    ///         drop(traced::Span::root("connect").attr("attempt", attempt).enter());
    ///     }
    /// });
    /// let attempts: Vec<_> = spans.all_named("connect").map(|s| s.attr("attempt")).collect();
    /// assert_eq!(attempts, [Some(&Value::I64(1)), Some(&Value::I64(2)), Some(&Value::I64(3))]);
    /// ```
    pub fn all_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a CapturedSpan> + 'a {
        self.0.iter().filter(move |s| s.name == name)
    }

    /// The children of `parent`.
    ///
    /// ```
    /// let ((), spans) = traced::testing::capture(|| {
    ///     let _request = traced::Span::root("request").enter();
    ///     {
    ///         let _load = traced::Span::child("load user").enter();
    ///         drop(traced::Span::child("query").enter()); // a grandchild
    ///     }
    ///     drop(traced::Span::child("render").enter());
    /// });
    /// let request = spans.named("request");
    /// let children: Vec<&str> = spans.children_of(request).map(|s| s.name.as_str()).collect();
    /// assert_eq!(children, ["load user", "render"]);
    /// ```
    pub fn children_of<'a>(
        &'a self,
        parent: &'a CapturedSpan,
    ) -> impl Iterator<Item = &'a CapturedSpan> + 'a {
        self.0
            .iter()
            .filter(move |s| s.parent_span_id == Some(parent.span_id))
    }
}

impl fmt::Debug for CapturedSpans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| &s.name))
            .finish()
    }
}
