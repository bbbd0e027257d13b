use super::*;
use crate::engine::value::Value;
use std::net::{IpAddr, Ipv6Addr};

/// Every kind of value, written in place, reads back as `AttrValue::from_value` builds it.
#[test]
fn values_written_in_place_equal_built_ones() {
    let long = "a string that does not fit inline, so it lives on the heap";
    let values = [
        Value::Bool(true),
        Value::I64(-7),
        Value::U64(42),
        Value::U64(u64::MAX),
        Value::F64(1.5),
        Value::Char('é'),
        Value::Str(""),
        Value::Str("short"),
        // 24 bytes: the longest string kept inline.
        Value::Str("exactly twenty-four byte"),
        Value::Str("twenty-five bytes, heaped"),
        Value::Str(long),
        Value::Str("ünïcödé text cut at a char boundary"),
        Value::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        Value::I128(i128::MIN),
        Value::U128(u128::MAX),
    ];
    for max_chars in [usize::MAX, 30, 5, 0] {
        let mut record = SpanRecord::empty();
        for value in values {
            record.push_new_value("k", usize::MAX, value, max_chars);
        }
        let expected: Vec<AttrValue> = values
            .iter()
            .map(|value| AttrValue::from_value(*value, max_chars))
            .collect();
        let written: Vec<AttrValue> = record.attrs.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(written, expected, "max_chars {max_chars}");
        assert!(record.attrs.iter().all(|(k, _)| k == "k"));
        assert_eq!(record.dropped_attrs, 0);
    }
}

/// Past the count limit a value is counted as dropped and not written.
#[test]
fn values_past_the_limit_are_counted() {
    let mut record = SpanRecord::empty();
    for i in 0..6 {
        record.push_new_value("k", 4, Value::I64(i), 10);
    }
    assert_eq!(record.attrs.len(), 4);
    assert_eq!(record.dropped_attrs, 2);
    assert_eq!(record.attrs[3].1, AttrValue::I64(3));
}

/// A recycled record (its attributes spilled to the heap, then cleared) takes values again.
#[test]
fn values_are_written_into_a_spilled_buffer() {
    let mut record = SpanRecord::empty();
    for i in 0..10 {
        record.push_new_value("k", 64, Value::Str(&"x".repeat(i * 5)), 100);
    }
    record.clear();
    record.push_new_value("k", 64, Value::Str("again"), 100);
    assert_eq!(record.attrs.len(), 1);
    assert_eq!(record.attrs[0].1.as_str(), Some("again"));
}
