//! What a receiver decoded, made easy to assert on: spans flattened with their resource and
//! scope, attribute values as a small enum, ids as the lowercase hex the logs use.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};

/// An attribute value as OTLP carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `string_value`.
    Str(String),
    /// `int_value`.
    Int(i64),
    /// `bool_value`.
    Bool(bool),
    /// `double_value`.
    Double(f64),
    /// `bytes_value`.
    Bytes(Vec<u8>),
    /// `array_value`.
    Array(Vec<AttrValue>),
    /// `kvlist_value`.
    Map(BTreeMap<String, AttrValue>),
    /// No value set (or one meant for another signal).
    Empty,
}

impl AttrValue {
    /// The string, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an `Int`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// As JSON: strings, numbers, booleans, arrays and objects; bytes as an array of numbers.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            AttrValue::Str(s) => J::from(s.as_str()),
            AttrValue::Int(i) => J::from(*i),
            AttrValue::Bool(b) => J::from(*b),
            AttrValue::Double(d) => J::from(*d),
            AttrValue::Bytes(b) => J::from(b.clone()),
            AttrValue::Array(items) => J::Array(items.iter().map(AttrValue::to_json).collect()),
            AttrValue::Map(map) => {
                J::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            AttrValue::Empty => J::Null,
        }
    }
}

impl From<&AnyValue> for AttrValue {
    fn from(value: &AnyValue) -> AttrValue {
        use any_value::Value as V;
        match &value.value {
            Some(V::StringValue(s)) => AttrValue::Str(s.clone()),
            Some(V::IntValue(i)) => AttrValue::Int(*i),
            Some(V::BoolValue(b)) => AttrValue::Bool(*b),
            Some(V::DoubleValue(d)) => AttrValue::Double(*d),
            Some(V::BytesValue(b)) => AttrValue::Bytes(b.clone()),
            Some(V::ArrayValue(a)) => AttrValue::Array(a.values.iter().map(Into::into).collect()),
            Some(V::KvlistValue(kv)) => AttrValue::Map(attributes(&kv.values)),
            Some(V::StringValueStrindex(_)) | None => AttrValue::Empty,
        }
    }
}

/// Key/value pairs as a map (a duplicated key keeps its last value).
pub fn attributes(pairs: &[KeyValue]) -> BTreeMap<String, AttrValue> {
    pairs
        .iter()
        .map(|kv| {
            let value = kv.value.as_ref().map_or(AttrValue::Empty, AttrValue::from);
            (kv.key.clone(), value)
        })
        .collect()
}

/// Lowercase hex of an id as the proto carries it (empty for an empty id).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One exported span with the resource and instrumentation scope it was sent under.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    /// The resource attributes (`service.name`, `service.version`, …).
    pub resource: BTreeMap<String, AttrValue>,
    /// The instrumentation scope's name.
    pub scope_name: String,
    /// The instrumentation scope's version.
    pub scope_version: String,
    /// The span as decoded.
    pub span: Span,
}

impl ReceivedSpan {
    /// The span's name.
    pub fn name(&self) -> &str {
        &self.span.name
    }

    /// The span's kind (`Unspecified` for an unknown number).
    pub fn kind(&self) -> SpanKind {
        SpanKind::try_from(self.span.kind).unwrap_or(SpanKind::Unspecified)
    }

    /// The trace id, 32 lowercase hex.
    pub fn trace_id(&self) -> String {
        hex(&self.span.trace_id)
    }

    /// The span id, 16 lowercase hex.
    pub fn span_id(&self) -> String {
        hex(&self.span.span_id)
    }

    /// The parent span id in hex, empty for a root.
    pub fn parent_span_id(&self) -> String {
        hex(&self.span.parent_span_id)
    }

    /// The span's attributes.
    pub fn attrs(&self) -> BTreeMap<String, AttrValue> {
        attributes(&self.span.attributes)
    }

    /// One attribute of the span.
    pub fn attr(&self, key: &str) -> Option<AttrValue> {
        self.span
            .attributes
            .iter()
            .rev()
            .find(|kv| kv.key == key)
            .map(|kv| kv.value.as_ref().map_or(AttrValue::Empty, AttrValue::from))
    }

    /// One resource attribute.
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        self.resource.get(key)
    }

    /// The resource's `service.name`, if it is a string.
    pub fn service_name(&self) -> Option<&str> {
        self.resource_attr("service.name")
            .and_then(AttrValue::as_str)
    }

    /// The span's status, if set.
    pub fn status(&self) -> Option<&Status> {
        self.span.status.as_ref()
    }
}

/// Flattens a request into its spans, each with its resource and scope.
pub fn flatten(request: &ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut out = Vec::new();
    for rs in &request.resource_spans {
        let resource = rs
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        for ss in &rs.scope_spans {
            let (scope_name, scope_version) = ss
                .scope
                .as_ref()
                .map(|s| (s.name.clone(), s.version.clone()))
                .unwrap_or_default();
            out.extend(ss.spans.iter().map(|span| ReceivedSpan {
                resource: resource.clone(),
                scope_name: scope_name.clone(),
                scope_version: scope_version.clone(),
                span: span.clone(),
            }));
        }
    }
    out
}
