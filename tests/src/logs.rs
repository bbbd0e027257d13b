//! Log records a receiver decoded, made easy to assert on: each flattened with its resource
//! and scope, ids as the lowercase hex the JSON lines use.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::logs::v1::LogRecord;

use crate::spans::{AttrValue, attributes, hex};

/// One exported log record with the resource and instrumentation scope it was sent under.
#[derive(Debug, Clone)]
pub struct ReceivedLog {
    /// The resource attributes (`service.name`, …).
    pub resource: BTreeMap<String, AttrValue>,
    /// The instrumentation scope's name (the event's target).
    pub scope_name: String,
    /// The record as decoded.
    pub record: LogRecord,
}

impl ReceivedLog {
    /// The body as a string (empty when it is absent or not a string).
    pub fn body(&self) -> String {
        self.record
            .body
            .as_ref()
            .map(AttrValue::from)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// `severity_text` (`INFO`, `WARN`, …).
    pub fn severity_text(&self) -> &str {
        &self.record.severity_text
    }

    /// `severity_number` (INFO 9, WARN 13, ERROR 17, FATAL 21).
    pub fn severity_number(&self) -> i32 {
        self.record.severity_number
    }

    /// `event_name` (`exception` for an exception record, else empty).
    pub fn event_name(&self) -> &str {
        &self.record.event_name
    }

    /// The trace id, 32 lowercase hex; empty outside a span.
    pub fn trace_id(&self) -> String {
        hex(&self.record.trace_id)
    }

    /// The span id, 16 lowercase hex; empty outside a span.
    pub fn span_id(&self) -> String {
        hex(&self.record.span_id)
    }

    /// The record's attributes.
    pub fn attrs(&self) -> BTreeMap<String, AttrValue> {
        attributes(&self.record.attributes)
    }

    /// One attribute of the record.
    pub fn attr(&self, key: &str) -> Option<AttrValue> {
        self.attrs().remove(key)
    }

    /// One resource attribute.
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        self.resource.get(key)
    }
}

/// Flattens a request into its log records, each with its resource and scope.
pub fn flatten(request: &ExportLogsServiceRequest) -> Vec<ReceivedLog> {
    let mut out = Vec::new();
    for rl in &request.resource_logs {
        let resource = rl
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        for sl in &rl.scope_logs {
            let scope_name = sl
                .scope
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            out.extend(sl.log_records.iter().map(|record| ReceivedLog {
                resource: resource.clone(),
                scope_name: scope_name.clone(),
                record: record.clone(),
            }));
        }
    }
    out
}
