//! The trace writer on fixed span records, for what measures it from outside the crate (the
//! `otlp_writer` benchmark, the allocation test), through `__private`: records and the writer
//! are the crate's own types, so the records are built here.

use std::borrow::Cow;

use super::request::{self, Push, Request};
use super::traces::TraceWriter;
use crate::engine::clock::{self, Anchor};
use crate::engine::record::{EventRecord, FLAG_RANDOM, FLAG_SAMPLED, LinkRecord, SpanRecord};
use crate::engine::{AttrValue, CodeLocation, SpanKind};
use crate::resource::{Resource, ResourceValue};
use crate::w3c::TraceState;

static ROOT_CODE: CodeLocation = CodeLocation {
    function: "traced_benches::traced_code::root_fn",
    file: "benches/src/traced_code.rs",
    line: 5,
};

static CHILD_CODE: CodeLocation = CodeLocation {
    function: "traced_benches::traced_code::child_fn",
    file: "benches/src/traced_code.rs",
    line: 12,
};

/// The writer's default cap on a request body.
pub const DEFAULT_MAX_BODY: usize = request::DEFAULT_MAX_BODY;

/// Not public API: span records and an OTLP trace writer, encoded round after round.
#[derive(Debug)]
pub struct WriterFixture {
    writer: TraceWriter,
    records: Vec<SpanRecord>,
    anchor: Anchor,
    round: u64,
}

/// What one round of [`WriterFixture::encode`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Encoded {
    /// Requests finished because the next span did not fit.
    pub requests: usize,
    /// Their bytes.
    pub bytes: usize,
    /// Their spans (or log records).
    pub records: usize,
    /// Spans (or log records) too large for any request.
    pub too_large: usize,
}

impl WriterFixture {
    /// The benchmark's shape: a root span and its child, each with its code location and three
    /// arguments (an `i64`, a short string, a `bool`).
    pub fn benchmark(max_body: usize) -> WriterFixture {
        let root = benchmark_span(&ROOT_CODE, "root_fn", 0);
        let child = benchmark_span(&CHILD_CODE, "child_fn", 1);
        WriterFixture::new(vec![root, child], max_body)
    }

    /// Two spans with every field: a remote parent and a `tracestate`, ten attributes (more
    /// than a record holds inline), dropped attributes, an exception event and another, two
    /// links and an error status; the second is the first's child.
    pub fn everything(max_body: usize) -> WriterFixture {
        let mut span = benchmark_span(&ROOT_CODE, "GET /orders/{id}", 1);
        span.kind = SpanKind::Server;
        span.parent_is_remote = true;
        span.trace_state =
            TraceState::from_header("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").unwrap_or_default();
        for i in 0..7 {
            span.push_attr(Cow::Owned(format!("extra.{i}")), AttrValue::F64(0.5), 128);
        }
        span.dropped_attrs = 3;
        span.record_exception("std::io::Error", "connection reset by peer", span.end, true);
        span.extra().links = vec![
            LinkRecord {
                trace_id: 7,
                span_id: 8,
                flags: 1,
                remote: true,
            },
            LinkRecord {
                trace_id: 9,
                span_id: 10,
                flags: 0,
                remote: false,
            },
        ];
        let start = span.start;
        span.extra().events.push(EventRecord {
            name: Cow::Borrowed("retry"),
            time: start,
            attrs: Vec::new(),
        });
        let mut child = span.clone();
        child.parent_is_remote = false;
        WriterFixture::new(vec![span, child], max_body)
    }

    fn new(records: Vec<SpanRecord>, max_body: usize) -> WriterFixture {
        let resource = Resource {
            attributes: vec![
                (
                    "service.name".to_owned(),
                    ResourceValue::Str("checkout".to_owned()),
                ),
                ("process.pid".to_owned(), ResourceValue::I64(4242)),
            ],
        };
        WriterFixture {
            writer: TraceWriter::new(&resource, max_body),
            records,
            anchor: Anchor::now(),
            round: 0,
        }
    }

    /// The spans of one round.
    pub fn spans_per_round(&self) -> usize {
        self.records.len()
    }

    /// Encodes the records once more, under new ids; a request that fills up is finished (its
    /// body handed to `sent`) and the span pushed again into the next.
    pub fn encode(&mut self, mut sent: impl FnMut(&[u8])) -> Encoded {
        self.round += 1;
        let mut encoded = Encoded::default();
        let mut parent = None;
        for (i, record) in self.records.iter_mut().enumerate() {
            record.trace_id = u128::from(self.round) << 64 | 1;
            record.span_id = self.round << 8 | (i as u64 + 1);
            if let Some(parent) = parent {
                record.parent_span_id = parent;
            }
            parent = Some(record.span_id);
        }
        for record in &self.records {
            match self.writer.push(record, &self.anchor) {
                Push::Appended => {}
                Push::Full => {
                    if let Some(request) = self.writer.finish() {
                        encoded.requests += 1;
                        encoded.bytes += request.body().len();
                        encoded.records += request.records();
                        sent(request.body());
                    }
                    if self.writer.push(record, &self.anchor) == Push::TooLarge {
                        encoded.too_large += 1;
                    }
                }
                Push::TooLarge => encoded.too_large += 1,
            }
        }
        encoded
    }

    /// The spans in the request under way.
    pub fn pending(&self) -> usize {
        self.writer.spans()
    }

    /// Finishes the request under way, handing its body to `sent`; its byte count, 0 when it
    /// was empty.
    pub fn finish(&mut self, sent: impl FnOnce(&[u8])) -> usize {
        self.writer.finish().map_or(0, |request: Request<'_>| {
            sent(request.body());
            request.body().len()
        })
    }
}

fn benchmark_span(code: &'static CodeLocation, name: &'static str, parent: u64) -> SpanRecord {
    let start = clock::ticks();
    let mut record = SpanRecord::empty();
    record.parent_span_id = parent;
    record.flags = FLAG_SAMPLED | FLAG_RANDOM;
    record.name = Cow::Borrowed(name);
    record.start = start;
    record.end = start + 12_345;
    record.code = Some(code);
    record.attrs.push((Cow::Borrowed("id"), AttrValue::I64(42)));
    record
        .attrs
        .push((Cow::Borrowed("label"), AttrValue::text("checkout")));
    record
        .attrs
        .push((Cow::Borrowed("flag"), AttrValue::Bool(true)));
    record
}
