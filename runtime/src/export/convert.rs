//! Span records to OpenTelemetry `SpanData`, on the export thread.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use compact_str::CompactString;
use opentelemetry::trace::{self as otel, SpanContext, TraceFlags, TraceState};
use opentelemetry::{InstrumentationScope, KeyValue, StringValue, Value as OtelValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::engine::AttrValue;
use crate::engine::SpanKind;
use crate::engine::clock::Anchor;
use crate::engine::record::{Attr, Extra, SpanRecord, Status};

/// Converts `record`, leaving it empty for reuse. Ticks become Unix time through `anchor`.
pub(crate) fn span_data(
    record: &mut SpanRecord,
    scope: &InstrumentationScope,
    anchor: &Anchor,
    strings: &mut Strings,
) -> SpanData {
    let mut attributes: Vec<KeyValue> =
        Vec::with_capacity(record.attrs.len() + if record.code.is_some() { 3 } else { 0 });
    if let Some(code) = record.code {
        attributes.push(KeyValue::new("code.function.name", code.function));
        attributes.push(KeyValue::new("code.file.path", code.file));
        attributes.push(KeyValue::new("code.line.number", i64::from(code.line)));
    }
    attributes.extend(record.attrs.drain(..).map(|attr| key_value(attr, strings)));
    let Extra {
        events,
        links,
        status,
        ..
    } = record.extra.take().map(|extra| *extra).unwrap_or_default();
    let events = events
        .into_iter()
        .map(|event| {
            otel::Event::new(
                event.name,
                time(anchor.unix_nanos(event.time)),
                event
                    .attrs
                    .into_iter()
                    .map(|attr| key_value(attr, strings))
                    .collect(),
                0,
            )
        })
        .collect();
    let links = links
        .into_iter()
        .map(|link| {
            let context = SpanContext::new(
                otel::TraceId::from(link.trace_id),
                otel::SpanId::from(link.span_id),
                TraceFlags::new(link.flags),
                link.remote,
                TraceState::NONE,
            );
            otel::Link::new(context, Vec::new(), 0)
        })
        .collect();
    SpanData {
        span_context: SpanContext::new(
            otel::TraceId::from(record.trace_id),
            otel::SpanId::from(record.span_id),
            TraceFlags::new(record.flags),
            false,
            trace_state(&record.trace_state),
        ),
        parent_span_id: otel::SpanId::from(record.parent_span_id),
        parent_span_is_remote: record.parent_is_remote,
        span_kind: span_kind(record.kind),
        name: std::mem::take(&mut record.name),
        start_time: time(anchor.unix_nanos(record.start)),
        end_time: time(anchor.unix_nanos(record.end)),
        attributes,
        dropped_attributes_count: record.dropped_attrs,
        events: span_events(events),
        links: span_links(links),
        status: match status {
            Status::Unset => otel::Status::Unset,
            Status::Error(description) => otel::Status::Error { description },
        },
        instrumentation_scope: scope.clone(),
    }
}

// Ours is validated against the W3C grammar already; the SDK's parser re-checks it.
fn trace_state(state: &crate::w3c::TraceState) -> TraceState {
    state
        .header()
        .and_then(|header| header.parse().ok())
        .unwrap_or(TraceState::NONE)
}

// Both are `#[non_exhaustive]`, so they cannot be built with a struct expression.
fn span_events(events: Vec<otel::Event>) -> SpanEvents {
    let mut out = SpanEvents::default();
    out.events = events;
    out
}

fn span_links(links: Vec<otel::Link>) -> SpanLinks {
    let mut out = SpanLinks::default();
    out.links = links;
    out
}

fn time(unix_nanos: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(unix_nanos)
}

fn key_value((key, value): Attr, strings: &mut Strings) -> KeyValue {
    let value = match value {
        AttrValue::Bool(b) => OtelValue::Bool(b),
        AttrValue::I64(i) => OtelValue::I64(i),
        AttrValue::F64(f) => OtelValue::F64(f),
        AttrValue::Str(s) => strings.value(s),
    };
    KeyValue::new(key, value)
}

pub(crate) fn span_kind(kind: SpanKind) -> otel::SpanKind {
    match kind {
        SpanKind::Internal => otel::SpanKind::Internal,
        SpanKind::Server => otel::SpanKind::Server,
        SpanKind::Client => otel::SpanKind::Client,
        SpanKind::Producer => otel::SpanKind::Producer,
        SpanKind::Consumer => otel::SpanKind::Consumer,
    }
}

/// String values seen recently, shared instead of copied: a value that repeats from span to
/// span (a route, a queue name, a method) costs the export thread a reference count instead of
/// an allocation and a free. Direct-mapped and small, so a value that does not repeat costs a
/// short hash more than before; values longer than [`Strings::MAX_LEN`] are not kept.
#[derive(Debug)]
pub(crate) struct Strings {
    slots: Vec<Option<Arc<str>>>,
}

impl Default for Strings {
    fn default() -> Strings {
        Strings {
            slots: vec![None; Strings::SLOTS],
        }
    }
}

impl Strings {
    const SLOTS: usize = 256;
    const MAX_LEN: usize = 64;

    fn value(&mut self, s: CompactString) -> OtelValue {
        if s.len() > Strings::MAX_LEN {
            return OtelValue::from(s.into_string());
        }
        // FNV-1a: short inputs, no seed needed (the table only decides what is shared).
        let hash = s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let slot = &mut self.slots[(hash as usize) % Strings::SLOTS];
        if let Some(shared) = slot
            && **shared == *s
        {
            return OtelValue::String(StringValue::from(Arc::clone(shared)));
        }
        let shared: Arc<str> = Arc::from(s.as_str());
        *slot = Some(Arc::clone(&shared));
        OtelValue::String(StringValue::from(shared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_values_are_shared_and_equal() {
        let mut strings = Strings::default();
        let a = strings.value(CompactString::new("checkout"));
        let b = strings.value(CompactString::new("checkout"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "checkout");
        let (OtelValue::String(a), OtelValue::String(b)) = (&a, &b) else {
            panic!("strings");
        };
        assert!(std::ptr::eq(a.as_str().as_ptr(), b.as_str().as_ptr()));
    }

    #[test]
    fn colliding_and_long_values_keep_their_own_text() {
        let mut strings = Strings::default();
        for i in 0..2_000 {
            let text = format!("value-{i}");
            assert_eq!(strings.value(CompactString::new(&text)).as_str(), text);
        }
        let long = "x".repeat(500);
        assert_eq!(strings.value(CompactString::new(&long)).as_str(), long);
    }
}
