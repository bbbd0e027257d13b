//! Every field of every span shape, decoded with `opentelemetry-proto`.

use std::borrow::Cow;

use compact_str::CompactString;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::{Status, span, status};

use super::test_support::{attr, kv, record, resource, span, spans, write};
use crate::engine::clock::Anchor;
use crate::engine::record::{EventRecord, LinkRecord, Status as RecordStatus};
use crate::engine::{AttrValue, CodeLocation, SpanKind};
use crate::w3c::TraceState;

static CODE: CodeLocation = CodeLocation {
    function: "orders::handle",
    file: "src/orders.rs",
    line: 42,
};

#[test]
fn ids_times_and_name() {
    let anchor = Anchor::now();
    let span = span(&record("GET /orders"), &anchor);
    assert_eq!(
        span.trace_id,
        0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c_u128.to_be_bytes()
    );
    assert_eq!(span.span_id, 0xb7ad_6b71_6920_3331_u64.to_be_bytes());
    assert!(span.parent_span_id.is_empty(), "a root has no parent id");
    assert_eq!(span.name, "GET /orders");
    assert_eq!(span.kind, span::SpanKind::Internal as i32);
    assert_eq!(span.start_time_unix_nano, anchor.unix_nanos(1_000));
    assert_eq!(span.end_time_unix_nano, anchor.unix_nanos(5_000));
    assert_eq!(span.trace_state, "");
    assert_eq!(span.status, None, "unset status is omitted");
    assert!(span.attributes.is_empty() && span.events.is_empty() && span.links.is_empty());
    assert_eq!(span.dropped_attributes_count, 0);
}

#[test]
fn every_kind() {
    let kinds = [
        (SpanKind::Internal, span::SpanKind::Internal),
        (SpanKind::Server, span::SpanKind::Server),
        (SpanKind::Client, span::SpanKind::Client),
        (SpanKind::Producer, span::SpanKind::Producer),
        (SpanKind::Consumer, span::SpanKind::Consumer),
    ];
    let anchor = Anchor::now();
    let records: Vec<_> = kinds
        .iter()
        .map(|(kind, _)| {
            let mut r = record("k");
            r.kind = *kind;
            r
        })
        .collect();
    let spans = spans(write(&records, &anchor));
    for (span, (_, expected)) in spans.iter().zip(kinds) {
        assert_eq!(span.kind, expected as i32);
    }
}

#[test]
fn flags_carry_the_trace_flags_and_whether_the_parent_is_remote() {
    let anchor = Anchor::now();
    for trace_flags in [0_u8, 1, 2, 3, 0x80, 0xff] {
        let mut root = record("root");
        root.flags = trace_flags;
        let mut local = record("local");
        local.flags = trace_flags;
        local.parent_span_id = 0x1122_3344_5566_7788;
        let mut remote = local.clone();
        remote.parent_is_remote = true;
        let spans = spans(write(&[root, local, remote], &anchor));
        let base = u32::from(trace_flags);
        assert_eq!(spans[0].flags, base | 0x100, "{trace_flags}");
        assert_eq!(spans[1].flags, base | 0x100, "{trace_flags}");
        assert_eq!(spans[2].flags, base | 0x300, "{trace_flags}");
        assert_eq!(
            spans[1].parent_span_id,
            0x1122_3344_5566_7788_u64.to_be_bytes()
        );
        assert_eq!(spans[2].parent_span_id, spans[1].parent_span_id);
    }
}

#[test]
fn trace_state_is_the_w3c_header() {
    let mut r = record("s");
    r.trace_state = TraceState::from_header("rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE").unwrap();
    let span = span(&r, &Anchor::now());
    assert_eq!(span.trace_state, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

#[test]
fn error_status_with_and_without_a_message() {
    let anchor = Anchor::now();
    for message in ["boom: connection refused", "", "ошибка"] {
        let mut r = record("e");
        r.extra().status = RecordStatus::Error(Cow::Owned(message.to_owned()));
        let span = span(&r, &anchor);
        assert_eq!(
            span.status,
            Some(Status {
                message: message.to_owned(),
                code: status::StatusCode::Error as i32,
            })
        );
    }
    // Extras without an error: no status at all.
    let mut r = record("u");
    r.extra().links.push(LinkRecord {
        trace_id: 1,
        span_id: 2,
        flags: 0,
        remote: false,
    });
    assert_eq!(span(&r, &anchor).status, None);
}

#[test]
fn code_attributes_come_first_then_the_records_of_every_type() {
    let mut r = record("c");
    r.code = Some(&CODE);
    r.attrs.push(attr("b", AttrValue::Bool(false)));
    r.attrs.push(attr("i", AttrValue::I64(i64::MIN)));
    r.attrs.push(attr("zero", AttrValue::I64(0)));
    r.attrs.push(attr("f", AttrValue::F64(-1.5)));
    r.attrs.push(attr("s", AttrValue::text("héllo wörld")));
    r.attrs.push(attr("empty", AttrValue::text("")));
    r.attrs.push(attr("", AttrValue::text("empty key")));
    r.dropped_attrs = 7;
    let span = span(&r, &Anchor::now());
    let expected = vec![
        kv(
            "code.function.name",
            Value::StringValue("orders::handle".into()),
        ),
        kv("code.file.path", Value::StringValue("src/orders.rs".into())),
        kv("code.line.number", Value::IntValue(42)),
        kv("b", Value::BoolValue(false)),
        kv("i", Value::IntValue(i64::MIN)),
        kv("zero", Value::IntValue(0)),
        kv("f", Value::DoubleValue(-1.5)),
        kv("s", Value::StringValue("héllo wörld".into())),
        kv("empty", Value::StringValue(String::new())),
        kv("", Value::StringValue("empty key".into())),
    ];
    assert_eq!(span.attributes, expected);
    assert_eq!(span.dropped_attributes_count, 7);
}

/// Attributes are written in one of two ways: every length a byte (short keys and values), or
/// the general way. On both sides of each limit, every kind decodes exactly and canonically.
#[test]
fn attributes_on_both_sides_of_the_one_byte_lengths() {
    let key = |n: usize| -> &'static str { "k".repeat(n).leak() };
    let mut r = record("limits");
    let mut expected = Vec::new();
    for k in [1, 0x6f, 0x70, 0x7f, 0x80] {
        for s in [
            0,
            0x77 - k.min(0x77),
            0x78usize.saturating_sub(k),
            0x7e,
            0x7f,
            0x80,
        ] {
            let value = "v".repeat(s);
            r.attrs.push(attr(key(k), AttrValue::text(&value)));
            expected.push(kv(key(k), Value::StringValue(value)));
        }
        for i in [0, 1, 127, 128, -1, i64::MIN, i64::MAX] {
            r.attrs.push(attr(key(k), AttrValue::I64(i)));
            expected.push(kv(key(k), Value::IntValue(i)));
        }
        for b in [false, true] {
            r.attrs.push(attr(key(k), AttrValue::Bool(b)));
            expected.push(kv(key(k), Value::BoolValue(b)));
        }
    }
    // `span` decodes with `opentelemetry-proto` and checks the bytes are canonical.
    assert_eq!(span(&r, &Anchor::now()).attributes, expected);
}

#[test]
fn many_attributes_spill_and_all_arrive() {
    let mut r = record("many");
    for i in 0..128 {
        r.push_attr(Cow::Owned(format!("k{i}")), AttrValue::I64(i), 128);
    }
    r.push_attr(Cow::Borrowed("over"), AttrValue::Bool(true), 128);
    assert!(r.attrs.spilled());
    let span = span(&r, &Anchor::now());
    assert_eq!(span.attributes.len(), 128);
    for (i, kv) in span.attributes.iter().enumerate() {
        assert_eq!(kv.key, format!("k{i}"));
        assert_eq!(
            kv.value.as_ref().unwrap().value,
            Some(Value::IntValue(i as i64))
        );
    }
    assert_eq!(span.dropped_attributes_count, 1);
    let mut r = record("max dropped");
    r.dropped_attrs = u32::MAX;
    assert_eq!(
        super::test_support::span(&r, &Anchor::now()).dropped_attributes_count,
        u32::MAX
    );
}

#[test]
fn long_and_non_ascii_strings() {
    // The default value-length limit is 4096 characters: three bytes each here, so the
    // lengths take two-byte varints, and a name of 100 000 bytes a three-byte one.
    let value = "漢".repeat(4_096);
    let name: &'static str = "ñ".repeat(50_000).leak();
    let mut r = record(name);
    r.attrs
        .push(attr("text", AttrValue::Str(CompactString::new(&value))));
    let span = span(&r, &Anchor::now());
    assert_eq!(span.name, name);
    assert_eq!(span.attributes, [kv("text", Value::StringValue(value))]);
}

#[test]
fn empty_name_and_empty_trace_state() {
    let span = span(&record(""), &Anchor::now());
    assert_eq!(span.name, "");
    assert_eq!(span.trace_state, "");
}

#[test]
fn events_with_time_name_and_attributes() {
    let anchor = Anchor::now();
    let mut r = record("ev");
    r.record_exception("std::io::Error", "reset", 3_000, true);
    r.extra().events.push(EventRecord {
        name: Cow::Borrowed(""),
        time: 4_000,
        attrs: vec![attr("n", AttrValue::F64(2.0))],
    });
    let span = span(&r, &anchor);
    assert_eq!(span.events.len(), 2);
    assert_eq!(span.events[0].name, "exception");
    assert_eq!(span.events[0].time_unix_nano, anchor.unix_nanos(3_000));
    assert_eq!(
        span.events[0].attributes,
        [
            kv(
                "exception.type",
                Value::StringValue("std::io::Error".into())
            ),
            kv("exception.message", Value::StringValue("reset".into())),
        ]
    );
    assert_eq!(span.events[1].name, "");
    assert_eq!(span.events[1].time_unix_nano, anchor.unix_nanos(4_000));
    assert_eq!(
        span.events[1].attributes,
        [kv("n", Value::DoubleValue(2.0))]
    );
    assert!(span.events.iter().all(|e| e.dropped_attributes_count == 0));
    assert_eq!(span.status.unwrap().message, "reset");
}

#[test]
fn links_with_flags_remote_and_local() {
    let mut r = record("links");
    let links = [(1_u8, true), (0, false), (0xff, true)];
    for (i, (flags, remote)) in links.into_iter().enumerate() {
        r.extra().links.push(LinkRecord {
            trace_id: u128::MAX - i as u128,
            span_id: 0x0102_0304_0506_0708 + i as u64,
            flags,
            remote,
        });
    }
    let span = span(&r, &Anchor::now());
    assert_eq!(span.links.len(), 3);
    for (i, (link, (flags, remote))) in span.links.iter().zip(links).enumerate() {
        assert_eq!(link.trace_id, (u128::MAX - i as u128).to_be_bytes());
        assert_eq!(
            link.span_id,
            (0x0102_0304_0506_0708 + i as u64).to_be_bytes()
        );
        let bits = if remote { 0x300 } else { 0x100 };
        assert_eq!(link.flags, u32::from(flags) | bits);
        assert!(link.trace_state.is_empty() && link.attributes.is_empty());
    }
}

#[test]
fn the_request_carries_the_resource_and_the_scope() {
    let request = write(&[record("r")], &Anchor::now());
    let resource_spans = &request.resource_spans[0];
    assert_eq!(
        resource_spans.resource.as_ref().unwrap().attributes,
        [
            kv("service.name", Value::StringValue("checkout".into())),
            kv("process.pid", Value::IntValue(4_242)),
        ]
    );
    assert_eq!(resource_spans.schema_url, "");
    let scope = resource_spans.scope_spans[0].scope.as_ref().unwrap();
    assert_eq!(scope.name, "traced");
    assert_eq!(scope.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(resource().attributes.len(), 2, "all of them");
}

/// The usual span's fields up to its times, and its usual attributes, are written into a
/// window of spare bytes after the cursor; without that room (the end of the buffer) they are
/// written field by field. Both ways give the same bytes, on both sides of every limit of the
/// window (the name's length, a `tracestate`, a parent, each attribute kind and length).
#[test]
fn spans_written_without_spare_room_are_the_same_bytes() {
    use super::span::{Times, put_span, span_len};
    use super::wire::{Out, encode};

    let anchor = Anchor::now();
    let mut records = Vec::new();
    for name_len in [0, 1, 16, 66, 67, 68, 69, 127, 128, 300] {
        let mut r = record("x".repeat(name_len).leak());
        records.push(r.clone());
        r.parent_span_id = 0x1234;
        records.push(r.clone());
        r.trace_state = TraceState::from_header("vendor=value").expect("a valid tracestate");
        records.push(r.clone());
    }
    let mut r = record("attributes");
    for k in [1, 0x6f, 0x70] {
        let key: &'static str = "k".repeat(k).leak();
        for s in [0, 7, 0x77 - k.min(0x77), 0x78usize.saturating_sub(k), 0x80] {
            r.attrs.push(attr(key, AttrValue::text(&"v".repeat(s))));
        }
        for i in [0, 127, 128, -1, i64::MAX] {
            r.attrs.push(attr(key, AttrValue::I64(i)));
        }
        r.attrs.push(attr(key, AttrValue::Bool(true)));
        r.attrs.push(attr(key, AttrValue::F64(0.5)));
        records.push(r.clone());
        r.attrs.clear();
    }
    for record in &records {
        let times = Times::of(record, &anchor);
        let code: &[u8] = &[];
        let len = span_len(record, code);
        let exact = encode(len, |out| put_span(out, record, code, times, &anchor));
        let mut roomy = vec![0; len + 1024];
        let mut out = Out::new(&mut roomy);
        put_span(&mut out, record, code, times, &anchor);
        assert_eq!(out.written(), len, "{:?}", record.name);
        assert_eq!(&roomy[..len], exact, "{:?}", record.name);
    }
    assert_eq!(spans(write(&records, &anchor)).len(), records.len());
}
