//! The log writer on fixed log records, for what measures it from outside the crate (the
//! `otlp_writer` benchmark, the allocation test), through `__private`, as `fixture.rs` does for
//! the trace writer.

use std::borrow::Cow;

use super::fixture::Encoded;
use super::logs::LogWriter;
use super::request::{Push, Request};
use crate::engine::AttrValue;
use crate::engine::clock::{self, Anchor};
use crate::engine::log_record::{LogRecord, Severity};
use crate::engine::record::FLAG_SAMPLED;
use crate::resource::{Resource, ResourceValue};

/// Not public API: log records and an OTLP log writer, encoded round after round.
#[derive(Debug)]
pub struct LogWriterFixture {
    writer: LogWriter,
    records: Vec<LogRecord>,
    anchor: Anchor,
    round: u64,
}

impl LogWriterFixture {
    /// The benchmark's shape: four records logged in a request's span, from three targets in
    /// turn (`orders`, `db`, `orders`, `http`), each an `INFO` message of 40 characters with
    /// three attributes (an `i64`, a short string, a `bool`).
    pub fn benchmark(max_body: usize) -> LogWriterFixture {
        let records = [
            (
                "checkout::orders",
                "order 4242 accepted for customer 17-0042",
            ),
            ("checkout::db", "query orders_by_id took 1.8 ms (3 rows)."),
            (
                "checkout::orders",
                "order 4242 shipped to warehouse eu-west1",
            ),
            ("checkout::http", "POST /payments answered 201 in 12.47 ms."),
        ]
        .map(|(target, message)| benchmark_record(target, message));
        LogWriterFixture::new(records.to_vec(), max_body)
    }

    /// Three records with every field between them: one with all of them (an exception's
    /// event name, non-ASCII text, eight attributes, dropped ones, an unsampled span), one
    /// logged outside any span with no message, one whose target is a `String`.
    pub fn everything(max_body: usize) -> LogWriterFixture {
        let mut full = benchmark_record(
            "checkout::orders",
            "paiement refusé: délai dépassé (30 s) ⚠",
        );
        full.severity = Severity::ERROR;
        full.flags = 0;
        full.event_name = Some("exception");
        full.attrs.extend([
            attr("exception.type", AttrValue::text("std::io::Error")),
            attr("exception.message", AttrValue::text("délai dépassé")),
            attr("retry.ratio", AttrValue::F64(0.25)),
            attr("attempt", AttrValue::I64(-3)),
            attr("", AttrValue::text("")),
        ]);
        full.dropped_attrs = 2;
        let mut outside = benchmark_record("checkout", "");
        outside.severity = Severity::WARN;
        outside.attrs.clear();
        (outside.trace_id, outside.span_id, outside.flags) = (0, 0, 0);
        let mut owned = benchmark_record("", "bridged from the log crate");
        owned.target = Cow::Owned("legacy::module".to_owned());
        owned.severity = Severity::DEBUG;
        LogWriterFixture::new(vec![full, outside, owned], max_body)
    }

    fn new(records: Vec<LogRecord>, max_body: usize) -> LogWriterFixture {
        let resource = Resource {
            attributes: vec![
                (
                    "service.name".to_owned(),
                    ResourceValue::Str("checkout".to_owned()),
                ),
                ("process.pid".to_owned(), ResourceValue::I64(4242)),
            ],
        };
        LogWriterFixture {
            writer: LogWriter::new(&resource, max_body),
            records,
            anchor: Anchor::now(),
            round: 0,
        }
    }

    /// The log records of one round.
    pub fn records_per_round(&self) -> usize {
        self.records.len()
    }

    /// Encodes the records once more, those logged in a span under new ids; a request that
    /// fills up is finished (its body handed to `sent`) and the record pushed again into the
    /// next.
    pub fn encode(&mut self, mut sent: impl FnMut(&[u8])) -> Encoded {
        self.round += 1;
        for record in &mut self.records {
            if record.span_id != 0 {
                record.trace_id = u128::from(self.round) << 64 | 1;
                record.span_id = self.round << 8 | 1;
            }
        }
        let mut encoded = Encoded::default();
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

    /// The log records in the request under way.
    pub fn pending(&self) -> usize {
        self.writer.records()
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

fn attr(key: &'static str, value: AttrValue) -> (Cow<'static, str>, AttrValue) {
    (Cow::Borrowed(key), value)
}

fn benchmark_record(target: &'static str, message: &str) -> LogRecord {
    let time = clock::ticks();
    let mut record = LogRecord::empty();
    record.time = time;
    record.observed = time;
    record.severity = Severity::INFO;
    record.body.clear();
    record.body.push_str(message);
    record.attrs.extend([
        attr("order.id", AttrValue::I64(4242)),
        attr("warehouse", AttrValue::text("eu-west-1")),
        attr("express", AttrValue::Bool(true)),
    ]);
    record.trace_id = 1 << 64 | 1;
    record.span_id = 1 << 8 | 1;
    record.flags = FLAG_SAMPLED;
    record.target = Cow::Borrowed(target);
    record
}
