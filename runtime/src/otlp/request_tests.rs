//! The request cap, the hand-over of finished requests and the buffer's size over time.

use std::borrow::Cow;

use compact_str::CompactString;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

use super::test_support::{attr, decode, record, resource, spans};
use super::traces::TraceWriter;
use super::{DEFAULT_MAX_BODY, MAX_BODY_LIMIT, Push};
use crate::engine::AttrValue;
use crate::engine::clock::Anchor;
use crate::engine::record::SpanRecord;

/// A span whose string attribute is `size` bytes long.
fn sized(size: usize) -> SpanRecord {
    let mut r = record("sized");
    r.attrs.push(attr(
        "blob",
        AttrValue::Str(CompactString::new("x".repeat(size))),
    ));
    r
}

/// Pushes `records`, finishing requests as they fill; the bodies and the spans too large.
fn write_all(writer: &mut TraceWriter, records: &[SpanRecord]) -> (Vec<Vec<u8>>, usize) {
    let anchor = Anchor::now();
    let mut bodies = Vec::new();
    let mut too_large = 0;
    for record in records {
        match writer.push(record, &anchor) {
            Push::Appended => {}
            Push::TooLarge => too_large += 1,
            Push::Full => {
                let request = writer.finish().expect("a full request has spans");
                bodies.push(request.body().to_vec());
                drop(request);
                assert_eq!(writer.spans(), 0);
                assert_eq!(writer.push(record, &anchor), Push::Appended);
            }
        }
    }
    if let Some(request) = writer.finish() {
        bodies.push(request.body().to_vec());
    }
    (bodies, too_large)
}

#[test]
fn an_empty_request_is_not_made() {
    let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
    assert!(writer.finish().is_none());
    assert_eq!(writer.push(&record("a"), &Anchor::now()), Push::Appended);
    assert_eq!(writer.spans(), 1);
    assert!(writer.finish().is_some());
    assert!(writer.finish().is_none(), "the next request starts empty");
}

#[test]
fn requests_never_exceed_the_cap_and_every_span_arrives_once() {
    for max_body in [300, 1_000, 4_096, 65_536] {
        let mut writer = TraceWriter::new(&resource(), max_body);
        // Sizes up to the cap: some spans fit several to a request, some alone, some never.
        let records: Vec<_> = (0..200)
            .map(|i| {
                let size = if i % 50 == 49 {
                    max_body
                } else {
                    (i * 7_919) % max_body
                };
                let mut r = sized(size);
                r.span_id = i as u64 + 1;
                r
            })
            .collect();
        let (bodies, too_large) = write_all(&mut writer, &records);
        let mut arrived = Vec::new();
        for body in &bodies {
            assert!(body.len() <= max_body, "{} > {max_body}", body.len());
            arrived.extend(spans(decode(body)).into_iter().map(|s| s.span_id));
        }
        assert!(too_large > 0, "{max_body}: some spans cannot fit");
        assert_eq!(arrived.len() + too_large, records.len());
        let mut expected = records
            .iter()
            .map(|r| r.span_id.to_be_bytes().to_vec())
            .filter(|id| arrived.contains(id));
        assert!(
            arrived
                .iter()
                .all(|id| expected.next().as_ref() == Some(id))
        );
    }
}

#[test]
fn a_span_exactly_at_the_cap_fits_and_one_byte_more_does_not() {
    let max_body = 2_000;
    let anchor = Anchor::now();
    // Find the largest span that fits: request size grows by one byte per attribute byte,
    // except where a varint gets longer, so search rather than compute.
    let mut fits = 0;
    for size in (1_700..2_000).rev() {
        let mut writer = TraceWriter::new(&resource(), max_body);
        if writer.push(&sized(size), &anchor) == Push::Appended {
            fits = size;
            let request = writer.finish().unwrap();
            assert_eq!(request.body().len(), max_body, "the request fills the cap");
            break;
        }
    }
    assert!(fits > 0);
    let mut writer = TraceWriter::new(&resource(), max_body);
    assert_eq!(writer.push(&sized(fits + 1), &anchor), Push::TooLarge);
    assert_eq!(writer.spans(), 0);
    // Not full afterwards either: a small span still goes in.
    assert_eq!(writer.push(&record("small"), &anchor), Push::Appended);
    // Beside it, the largest span that fits alone makes the request full.
    assert_eq!(writer.push(&sized(fits), &anchor), Push::Full);
}

#[test]
fn the_cap_is_clamped_to_the_specifications_limit() {
    let mut writer = TraceWriter::new(&resource(), usize::MAX);
    let huge = sized(MAX_BODY_LIMIT);
    assert_eq!(writer.push(&huge, &Anchor::now()), Push::TooLarge);
    let mut writer = TraceWriter::new(&resource(), MAX_BODY_LIMIT);
    let big = sized(MAX_BODY_LIMIT - 1_000);
    assert_eq!(writer.push(&big, &Anchor::now()), Push::Appended);
    let request = writer.finish().unwrap();
    assert!(request.body().len() <= MAX_BODY_LIMIT);
    assert_eq!(spans(decode(request.body())).len(), 1);
}

#[test]
fn the_buffer_shrinks_back_after_an_outlier() {
    let anchor = Anchor::now();
    let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
    let small = sized(100);
    let request = |writer: &mut TraceWriter, record: &SpanRecord, spans: usize| {
        for _ in 0..spans {
            assert_eq!(writer.push(record, &anchor), Push::Appended);
        }
        writer.finish().unwrap().body().len()
    };
    // Usual requests of ~40 KB.
    for _ in 0..10 {
        request(&mut writer, &small, 200);
    }
    let usual = writer.capacity();
    assert!(usual < 256 << 10, "{usual}");
    // One of ~6 MB: the buffer grows to hold it, and is shrunk as soon as it is handed over.
    let outlier = request(&mut writer, &sized(60_000), 100);
    assert!(outlier > 6_000_000);
    assert!(writer.capacity() < outlier / 2, "{}", writer.capacity());
    // Usual requests later, it is back under four times the smallest size it keeps (64 KiB).
    for _ in 0..40 {
        request(&mut writer, &small, 200);
    }
    assert!(writer.capacity() <= 256 << 10, "{}", writer.capacity());
    // And it stays there: usual requests no longer reallocate.
    let settled = writer.capacity();
    for _ in 0..20 {
        request(&mut writer, &small, 200);
    }
    assert_eq!(writer.capacity(), settled);
}

#[test]
fn finished_requests_are_independent() {
    let anchor = Anchor::now();
    let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
    let mut first = record("first");
    first.attrs.push((Cow::Borrowed("k"), AttrValue::I64(1)));
    writer.push(&first, &anchor);
    writer.push(&first, &anchor);
    let one = writer.finish().unwrap().body().to_vec();
    writer.push(&record("second"), &anchor);
    let two = writer.finish().unwrap().body().to_vec();
    assert_eq!(spans(decode(&one)).len(), 2);
    let two = spans(decode(&two));
    assert_eq!(two.len(), 1);
    assert_eq!(two[0].name, "second");
}

#[test]
fn a_taken_request_stays_whole_while_the_next_is_written_and_its_bytes_come_back() {
    let anchor = Anchor::now();
    let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
    let names =
        |body: &[u8]| -> Vec<String> { spans(decode(body)).into_iter().map(|s| s.name).collect() };
    writer.push(&record("first"), &anchor);
    writer.push(&record("first"), &anchor);
    let first = writer.finish().unwrap().take();
    assert_eq!(first.records(), 2);
    let copy = first.bytes().to_vec();
    // Written while the first is held (being sent): other bytes.
    writer.push(&sized(5_000), &anchor);
    let second = writer.finish().unwrap().take();
    assert_eq!(first.bytes(), copy);
    assert_eq!(names(first.bytes()), ["first", "first"]);
    assert_eq!(names(second.bytes()), ["sized"]);
    assert_ne!(first.allocation().0, second.allocation().0);
    // Given back, the first's bytes carry the request started when the next is taken: two
    // buffers take turns.
    let reused = first.allocation().0;
    writer.give_back(first);
    writer.push(&record("third"), &anchor);
    let third = writer.finish().unwrap().take();
    assert_ne!(third.allocation().0, reused);
    writer.give_back(second);
    writer.push(&record("fourth"), &anchor);
    let fourth = writer.finish().unwrap().take();
    assert_eq!(fourth.allocation().0, reused);
    assert_eq!(names(third.bytes()), ["third"]);
    assert_eq!(names(fourth.bytes()), ["fourth"]);
    writer.give_back(third);
    writer.give_back(fourth);
    // Untaken requests go on in the same bytes.
    writer.push(&record("fifth"), &anchor);
    assert_eq!(names(writer.finish().unwrap().body()), ["fifth"]);
}

#[test]
fn bytes_given_back_after_an_outlier_are_shrunk() {
    let anchor = Anchor::now();
    let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
    let small = sized(100);
    let take = |writer: &mut TraceWriter, record: &SpanRecord, spans: usize| {
        for _ in 0..spans {
            assert_eq!(writer.push(record, &anchor), Push::Appended);
        }
        writer.finish().unwrap().take()
    };
    for _ in 0..10 {
        let body = take(&mut writer, &small, 200);
        writer.give_back(body);
    }
    let outlier = take(&mut writer, &sized(60_000), 100);
    assert!(outlier.bytes().len() > 6_000_000);
    writer.give_back(outlier);
    // The outlier's bytes, kept for the next request taken, hold no more than four times the
    // smallest size kept (64 KiB).
    let next = take(&mut writer, &small, 200);
    assert!(next.allocation().1 <= 256 << 10, "{}", next.allocation().1);
}

/// A span is written before its length is known, after room for the longest length its bound
/// allows; one whose length takes fewer bytes is moved up to its key. Around each varint
/// boundary of the span's length (1, 2 and 3 bytes), every span decodes whole, in order, and the
/// request is canonical: re-encoded by prost, whose varints are minimal, it is the same bytes.
#[test]
fn spans_written_before_their_length_is_known_are_exact_and_minimal() {
    let anchor = Anchor::now();
    for size in [
        0, 1, 30, 60, 70, 80, 100, 110, 16_250, 16_300, 16_350, 16_400,
    ] {
        let mut writer = TraceWriter::new(&resource(), DEFAULT_MAX_BODY);
        for record in [sized(size), record("a"), sized(size + 1)] {
            assert_eq!(writer.push(&record, &anchor), Push::Appended);
        }
        let body = writer.finish().unwrap().body().to_vec();
        // `decode` checks the encoding is canonical.
        let spans = spans(decode(&body));
        let blob = |i: usize| match &spans[i].attributes[0].value.as_ref().unwrap().value {
            Some(Value::StringValue(s)) => s.len(),
            other => panic!("{other:?}"),
        };
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (blob(0), spans[1].name.as_str(), blob(2)),
            (size, "a", size + 1)
        );
    }
}
