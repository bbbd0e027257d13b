//! Test support: span and log records of every shape, written by the writers and read back
//! with the reference messages of `opentelemetry-proto`.

use std::borrow::Cow;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord as ProtoLogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

use super::logs::LogWriter;
use super::request::Push;
use super::traces::TraceWriter;
use crate::engine::AttrValue;
use crate::engine::clock::Anchor;
use crate::engine::log_record::LogRecord;
use crate::engine::record::{Attr, SpanRecord};
use crate::resource::{Resource, ResourceValue};

pub(super) fn resource() -> Resource {
    Resource {
        attributes: vec![
            ("service.name".into(), ResourceValue::Str("checkout".into())),
            ("process.pid".into(), ResourceValue::I64(4_242)),
        ],
    }
}

/// A sampled root span with distinct ids and times, nothing else.
pub(super) fn record(name: &'static str) -> SpanRecord {
    let mut record = SpanRecord::empty();
    record.trace_id = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
    record.span_id = 0xb7ad_6b71_6920_3331;
    record.flags = 1;
    record.name = Cow::Borrowed(name);
    record.start = 1_000;
    record.end = 5_000;
    record
}

pub(super) fn attr(key: &'static str, value: AttrValue) -> Attr {
    (Cow::Borrowed(key), value)
}

/// The request the writer makes of `records`, after checking that it is canonical: decoded
/// and encoded again by prost, it is the same bytes.
pub(super) fn write(records: &[SpanRecord], anchor: &Anchor) -> ExportTraceServiceRequest {
    write_with(&resource(), records, anchor)
}

pub(super) fn write_with(
    resource: &Resource,
    records: &[SpanRecord],
    anchor: &Anchor,
) -> ExportTraceServiceRequest {
    let mut writer = TraceWriter::new(resource, super::DEFAULT_MAX_BODY);
    for record in records {
        let before = record.clone();
        assert_eq!(writer.push(record, anchor), Push::Appended);
        assert_eq!(*record, before, "the writer only reads records");
    }
    let request = writer.finish().expect("spans were pushed");
    assert_eq!(request.records(), records.len());
    decode(request.body())
}

pub(super) fn decode(body: &[u8]) -> ExportTraceServiceRequest {
    let decoded = ExportTraceServiceRequest::decode(body).expect("a valid request");
    assert_eq!(decoded.encode_to_vec(), body, "canonical encoding");
    decoded
}

/// The spans of a request's only resource and scope.
pub(super) fn spans(request: ExportTraceServiceRequest) -> Vec<Span> {
    let [resource_spans] = <[_; 1]>::try_from(request.resource_spans).expect("one resource");
    let [scope_spans] = <[_; 1]>::try_from(resource_spans.scope_spans).expect("one scope");
    scope_spans.spans
}

/// The one span of `record`, written alone.
pub(super) fn span(record: &SpanRecord, anchor: &Anchor) -> Span {
    let [span] =
        <[_; 1]>::try_from(spans(write(std::slice::from_ref(record), anchor))).expect("one span");
    span
}

pub(super) fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// A log record of `target` logged in a span, with distinct ids and times, an `INFO` message
/// and nothing else.
pub(super) fn log(target: &'static str, message: &str) -> LogRecord {
    let mut record = LogRecord::empty();
    record.time = 1_000;
    record.observed = 2_000;
    record.body = message.to_owned();
    record.trace_id = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
    record.span_id = 0xb7ad_6b71_6920_3331;
    record.flags = 1;
    record.target = Cow::Borrowed(target);
    record
}

/// The logs request the writer makes of `records`, checked canonical as [`write`]'s.
pub(super) fn write_logs(records: &[LogRecord], anchor: &Anchor) -> ExportLogsServiceRequest {
    let mut writer = LogWriter::new(&resource(), super::DEFAULT_MAX_BODY);
    for record in records {
        let before = record.clone();
        assert_eq!(writer.push(record, anchor), Push::Appended);
        assert_eq!(*record, before, "the writer only reads records");
    }
    let request = writer.finish().expect("records were pushed");
    assert_eq!(request.records(), records.len());
    decode_logs(request.body())
}

pub(super) fn decode_logs(body: &[u8]) -> ExportLogsServiceRequest {
    let decoded = ExportLogsServiceRequest::decode(body).expect("a valid request");
    assert_eq!(decoded.encode_to_vec(), body, "canonical encoding");
    decoded
}

/// The scopes of a request's only resource: each scope's name and its records, after checking
/// that the scope has nothing but its name.
pub(super) fn scope_logs(request: ExportLogsServiceRequest) -> Vec<(String, Vec<ProtoLogRecord>)> {
    let [resource_logs] = <[_; 1]>::try_from(request.resource_logs).expect("one resource");
    resource_logs
        .scope_logs
        .into_iter()
        .map(|scope_logs| {
            let scope = scope_logs.scope.expect("a scope");
            assert_eq!((scope.version.as_str(), scope.attributes.len()), ("", 0));
            assert_eq!(scope_logs.schema_url, "");
            (scope.name, scope_logs.log_records)
        })
        .collect()
}

/// The one log record of `record`, written alone.
pub(crate) fn logged(record: &LogRecord, anchor: &Anchor) -> ProtoLogRecord {
    let [(scope, records)] =
        <[_; 1]>::try_from(scope_logs(write_logs(std::slice::from_ref(record), anchor)))
            .expect("one scope");
    assert_eq!(scope, record.target);
    let [logged] = <[_; 1]>::try_from(records).expect("one record");
    logged
}
