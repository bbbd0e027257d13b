//! The writer against the path it replaces: random span records, written by the writer and
//! decoded, equal the request opentelemetry-otlp builds from the same records through
//! `SpanData` (`export/convert.rs`, then opentelemetry-proto's `transform`).
//!
//! Allowed differences, normalised before comparing:
//! - an unset status: the SDK path sends `Status { code: UNSET, message: "" }`, the writer
//!   omits the field; both decode as unset (trace.proto, `Span.status`);
//! - the resource's attribute order: the SDK's `Resource` keeps them in a hash map, so they are
//!   compared sorted by key.
//!
//! Not generated, because the two paths are not meant to agree there: NaN doubles (equal on
//! the wire, unequal as `f64`), and `tracestate` values the SDK's parser rejects (ours follows
//! the current W3C key grammar; the SDK path then sends none).
//!
//! A seeded generator of our own rather than `proptest`: shrinking would add little to a
//! comparison whose failures print both messages, and it would be the crate's largest test
//! dependency.

use std::borrow::Cow;

use opentelemetry::{Array, InstrumentationScope, KeyValue as OtelKeyValue, StringValue, Value};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Status;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;

use super::test_support::write_with;
use crate::engine::AttrValue;
use crate::engine::clock::Anchor;
use crate::engine::record::{Attr, EventRecord, LinkRecord, SpanRecord, Status as RecordStatus};
use crate::engine::{CodeLocation, SpanKind};
use crate::resource::{Resource, ResourceValue};
use crate::w3c::TraceState;

// The conversion the export thread uses today is private to `export`, which this module must
// not depend on; its file is compiled in again here, unchanged, as the reference.
#[path = "../export/convert.rs"]
#[allow(dead_code, reason = "only `span_data` and `Strings` are the reference")]
#[allow(
    clippy::duplicate_mod,
    reason = "a second, test-only copy is the point"
)]
mod sdk_convert;

static CODE: CodeLocation = CodeLocation {
    function: "app::orders::handle",
    file: "src/orders.rs",
    line: 7,
};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 7] = ["", "a", "checkout", "é", "漢字", "🦀", " /orders/{id} "];
        let mut s = String::new();
        for _ in 0..self.below(4) {
            let piece = self.pick(&PIECES[..]);
            s.push_str(piece);
        }
        if self.chance(20) {
            s.push_str(&"ü".repeat(self.below(9_000) as usize));
        }
        s
    }

    fn value(&mut self) -> AttrValue {
        match self.below(4) {
            0 => AttrValue::Bool(self.chance(2)),
            1 => {
                let any = self.next() as i64;
                AttrValue::I64(*self.pick(&[0, 1, -1, i64::MIN, i64::MAX, any]))
            }
            2 => {
                let f = f64::from_bits(self.next());
                AttrValue::F64(if f.is_nan() { 0.25 } else { f })
            }
            _ => AttrValue::owned(self.text()),
        }
    }

    fn attrs(&mut self, most: u64) -> Vec<Attr> {
        (0..self.below(most + 1))
            .map(|_| (Cow::Owned(self.text()), self.value()))
            .collect()
    }

    fn record(&mut self) -> SpanRecord {
        let mut r = SpanRecord::empty();
        r.trace_id = u128::from(self.next()) << 64 | u128::from(self.next() | 1);
        r.span_id = self.next() | 1;
        if self.chance(2) {
            r.parent_span_id = self.next() | 1;
            r.parent_is_remote = self.chance(3);
        }
        r.flags = self.next() as u8;
        r.kind = *self.pick(&[
            SpanKind::Internal,
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Producer,
            SpanKind::Consumer,
        ]);
        r.name = Cow::Owned(self.text());
        r.start = self.next() >> 4;
        r.end = r.start + self.below(1 << 40);
        let most = if self.chance(10) { 40 } else { 5 };
        r.attrs = self.attrs(most).into();
        let any = self.next() as u32;
        r.dropped_attrs = *self.pick(&[0, 0, 1, u32::MAX, any]);
        if self.chance(2) {
            r.code = Some(&CODE);
        }
        if self.chance(4) {
            let header = *self.pick(&["rojo=00f067aa0ba902b7", "congo=t61,rojo=1", "a@b=c d"]);
            r.trace_state = TraceState::from_header(header).unwrap();
        }
        if self.chance(3) {
            let events = (0..self.below(4))
                .map(|_| EventRecord {
                    name: Cow::Owned(self.text()),
                    time: self.next() >> 4,
                    attrs: self.attrs(3),
                })
                .collect();
            let links = (0..self.below(4))
                .map(|_| LinkRecord {
                    trace_id: u128::from(self.next()) << 64 | 1,
                    span_id: self.next() | 1,
                    flags: self.next() as u8,
                    remote: self.chance(2),
                })
                .collect();
            let extra = r.extra();
            extra.events = events;
            extra.links = links;
            if self.chance(2) {
                extra.status = RecordStatus::Error(Cow::Owned(self.text()));
            }
        }
        r
    }
}

fn resource() -> Resource {
    let attributes = vec![
        (
            "service.name".to_owned(),
            ResourceValue::Str("checkout".to_owned()),
        ),
        ("process.pid".to_owned(), ResourceValue::I64(4_242)),
        ("host.cpu.ratio".to_owned(), ResourceValue::F64(0.75)),
        ("debug".to_owned(), ResourceValue::Bool(true)),
        (
            "aws.log.group.names".to_owned(),
            ResourceValue::StrArray(vec!["a".to_owned(), "ß".to_owned()]),
        ),
    ];
    Resource { attributes }
}

/// The same resource as the SDK's type.
fn sdk_resource(resource: &Resource) -> opentelemetry_sdk::Resource {
    let attributes = resource.attributes.iter().map(|(key, value)| {
        let value = match value {
            ResourceValue::Str(s) => Value::from(s.clone()),
            ResourceValue::I64(i) => Value::I64(*i),
            ResourceValue::F64(f) => Value::F64(*f),
            ResourceValue::Bool(b) => Value::Bool(*b),
            ResourceValue::StrArray(items) => Value::Array(Array::String(
                items.iter().cloned().map(StringValue::from).collect(),
            )),
        };
        OtelKeyValue::new(key.clone(), value)
    });
    opentelemetry_sdk::Resource::builder_empty()
        .with_attributes(attributes)
        .build()
}

/// What opentelemetry-otlp sends for `records`: each record converted to `SpanData` as the
/// export thread does, then to the messages as its HTTP exporter does.
fn sdk_request(
    records: &[SpanRecord],
    resource: &Resource,
    anchor: &Anchor,
) -> ExportTraceServiceRequest {
    let scope = InstrumentationScope::builder("traced")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let mut strings = sdk_convert::Strings::default();
    let spans = records
        .iter()
        .map(|record| sdk_convert::span_data(&mut record.clone(), &scope, anchor, &mut strings))
        .collect();
    let resource = ResourceAttributesWithSchema::from(&sdk_resource(resource));
    ExportTraceServiceRequest {
        resource_spans: group_spans_by_resource_and_scope(spans, &resource),
    }
}

fn normalise(mut request: ExportTraceServiceRequest) -> ExportTraceServiceRequest {
    for resource_spans in &mut request.resource_spans {
        if let Some(resource) = &mut resource_spans.resource {
            resource.attributes.sort_by(|a, b| a.key.cmp(&b.key));
        }
        for span in resource_spans
            .scope_spans
            .iter_mut()
            .flat_map(|scope| &mut scope.spans)
        {
            if span.status == Some(Status::default()) {
                span.status = None;
            }
        }
    }
    request
}

#[test]
fn random_spans_encode_as_the_sdk_path_sends_them() {
    let resource = resource();
    let anchor = Anchor::now();
    let mut rng = Rng(0x005e_ed0f_0071_7e57);
    for round in 0..100 {
        let records: Vec<_> = (0..rng.below(40) + 1).map(|_| rng.record()).collect();
        let ours = normalise(write_with(&resource, &records, &anchor));
        let theirs = normalise(sdk_request(&records, &resource, &anchor));
        if ours != theirs {
            // The first differing span, rather than two whole requests.
            let spans =
                |r: &ExportTraceServiceRequest| r.resource_spans[0].scope_spans[0].spans.clone();
            for (i, (a, b)) in spans(&ours).iter().zip(spans(&theirs)).enumerate() {
                assert_eq!(*a, b, "round {round}, span {i}: {:?}", records[i]);
            }
            assert_eq!(ours, theirs, "round {round}");
        }
    }
}
