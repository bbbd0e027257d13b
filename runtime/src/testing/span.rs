//! Captured spans and the helpers tests assert with.

use std::fmt;

use opentelemetry::trace::{SpanId as OtelSpanId, Status as OtelStatus};
use opentelemetry::{Array, KeyValue, Value as OtelValue};
use opentelemetry_sdk::trace::SpanData;

use crate::engine::{SpanId, SpanKind, TraceId};

/// A typed attribute value, as exported.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No status set (the default, and what `Ok` leaves).
    Unset,
    /// An error, with its description.
    Error(String),
}

/// A span event (for example `exception`).
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// The event name.
    pub name: String,
    /// Its attributes, in order.
    pub attributes: Vec<(String, Value)>,
}

impl CapturedEvent {
    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }
}

/// A link to another span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapturedLink {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
}

/// One finished span.
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
    pub fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    /// The first event named `name`.
    pub fn event(&self, name: &str) -> Option<&CapturedEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Whether the status is Error.
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
#[derive(Clone, PartialEq)]
pub struct CapturedSpans(Vec<CapturedSpan>);

impl CapturedSpans {
    pub(crate) fn new(spans: Vec<CapturedSpan>) -> CapturedSpans {
        CapturedSpans(spans)
    }

    /// How many spans were captured.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All of them.
    pub fn all(&self) -> &[CapturedSpan] {
        &self.0
    }

    /// The only span named `name`.
    ///
    /// # Panics
    /// When there is none or more than one, listing the names captured.
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
    pub fn all_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a CapturedSpan> + 'a {
        self.0.iter().filter(move |s| s.name == name)
    }

    /// The children of `parent`.
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
