//! Every field of every log record shape, and the grouping of records by scope, decoded with
//! `opentelemetry-proto`.

use std::borrow::Cow;

use compact_str::CompactString;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord as ProtoLogRecord, SeverityNumber};

use super::test_support::{attr, kv, log, logged, scope_logs, write_logs};
use crate::engine::AttrValue;
use crate::engine::clock::Anchor;
use crate::engine::log_record::Severity;

fn string(s: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(Value::StringValue(s.to_owned())),
    })
}

#[test]
fn every_field() {
    let anchor = Anchor::now();
    let mut r = log("app::db", "connection to 10.0.0.7:5432 refused");
    r.severity = Severity::WARN;
    r.attrs.push(attr("b", AttrValue::Bool(false)));
    r.attrs.push(attr("i", AttrValue::I64(i64::MIN)));
    r.attrs.push(attr("f", AttrValue::F64(-1.5)));
    r.attrs.push(attr("s", AttrValue::text("héllo")));
    r.attrs.push(attr("", AttrValue::text("")));
    r.dropped_attrs = 3;
    r.event_name = Some("exception");
    let expected = ProtoLogRecord {
        time_unix_nano: anchor.unix_nanos(1_000),
        observed_time_unix_nano: anchor.unix_nanos(2_000),
        severity_number: SeverityNumber::Warn as i32,
        severity_text: "WARN".to_owned(),
        body: string("connection to 10.0.0.7:5432 refused"),
        attributes: vec![
            kv("b", Value::BoolValue(false)),
            kv("i", Value::IntValue(i64::MIN)),
            kv("f", Value::DoubleValue(-1.5)),
            kv("s", Value::StringValue("héllo".into())),
            kv("", Value::StringValue(String::new())),
        ],
        dropped_attributes_count: 3,
        flags: 1,
        trace_id: 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c_u128
            .to_be_bytes()
            .to_vec(),
        span_id: 0xb7ad_6b71_6920_3331_u64.to_be_bytes().to_vec(),
        event_name: "exception".to_owned(),
    };
    assert_eq!(logged(&r, &anchor), expected);
    r.dropped_attrs = u32::MAX;
    assert_eq!(logged(&r, &anchor).dropped_attributes_count, u32::MAX);
}

#[test]
fn every_severity_number_and_its_text() {
    let anchor = Anchor::now();
    for number in 1..=24 {
        let name = SeverityNumber::try_from(number).unwrap().as_str_name();
        let text = &name["SEVERITY_NUMBER_".len()..];
        let mut r = log("s", "m");
        r.severity = Severity {
            number: number as u8,
            text,
        };
        let logged = logged(&r, &anchor);
        assert_eq!(
            (logged.severity_number, logged.severity_text.as_str()),
            (number, text)
        );
    }
    // Unspecified and without text: both fields omitted.
    let mut r = log("s", "m");
    r.severity = Severity {
        number: 0,
        text: "",
    };
    let logged = logged(&r, &anchor);
    assert_eq!(
        (logged.severity_number, logged.severity_text.as_str()),
        (0, "")
    );
}

#[test]
fn outside_a_span_there_are_no_ids_nor_flags() {
    let anchor = Anchor::now();
    let mut r = log("app", "starting");
    (r.trace_id, r.span_id, r.flags) = (0, 0, 0);
    let outside = logged(&r, &anchor);
    assert!(outside.trace_id.is_empty() && outside.span_id.is_empty());
    assert_eq!(outside.flags, 0);
    // Trace flags without a trace id are not sent either.
    r.flags = 1;
    assert_eq!(logged(&r, &anchor), outside);
    // In an unsampled span: the ids, and flags of zero, which proto3 omits.
    let mut r = log("app", "m");
    r.flags = 0;
    let unsampled = logged(&r, &anchor);
    assert_eq!(unsampled.flags, 0);
    assert_eq!(unsampled.trace_id.len(), 16);
    assert_eq!(unsampled.span_id.len(), 8);
    // Every trace flag is in the low byte.
    for flags in [1_u8, 2, 0x80, 0xff] {
        let mut r = log("app", "m");
        r.flags = flags;
        assert_eq!(logged(&r, &anchor).flags, u32::from(flags));
    }
}

#[test]
fn an_empty_record_has_only_its_times_and_severity() {
    let anchor = Anchor::now();
    let mut r = log("", "");
    (r.trace_id, r.span_id, r.flags) = (0, 0, 0);
    let expected = ProtoLogRecord {
        time_unix_nano: anchor.unix_nanos(1_000),
        observed_time_unix_nano: anchor.unix_nanos(2_000),
        severity_number: SeverityNumber::Info as i32,
        severity_text: "INFO".to_owned(),
        ..ProtoLogRecord::default()
    };
    // No message, no body: an `AnyValue` with an empty string would be a message.
    assert_eq!(logged(&r, &anchor), expected);
    r.event_name = Some("");
    assert_eq!(logged(&r, &anchor), expected);
}

#[test]
fn non_ascii_and_long_strings() {
    let anchor = Anchor::now();
    // The default value-length limit is 4096 characters: three bytes each here, so lengths
    // take two-byte varints; a message of 100 000 bytes takes a three-byte one.
    let value = "漢".repeat(4_096);
    for message in [value.clone(), "ñ".repeat(50_000), "🦀 ünïcödé".to_owned()] {
        let mut r = log("app::módulo::漢字", &message);
        r.attrs
            .push(attr("text", AttrValue::Str(CompactString::new(&value))));
        let logged = logged(&r, &anchor);
        assert_eq!(logged.body, string(&message));
        assert_eq!(
            logged.attributes,
            [kv("text", Value::StringValue(value.clone()))]
        );
    }
}

#[test]
fn each_target_is_one_scope_with_its_records_in_push_order() {
    let anchor = Anchor::now();
    let owned = |target: &str, message: &str| {
        let mut r = log("", message);
        r.target = Cow::Owned(target.to_owned());
        r
    };
    let records = [
        log("app::orders", "o1"),
        log("app::db", "d1"),
        log("app::orders", "o2"),
        log("app::orders", "o3"),
        log("hyper::client", "h1"),
        owned("app::db", "d2"),
        log("", "e1"),
        log("app::orders", "o4"),
        owned("app::legacy", "l1"),
        log("app::db", "d3"),
    ];
    let scopes = scope_logs(write_logs(&records, &anchor));
    let got: Vec<(&str, Vec<String>)> = scopes
        .iter()
        .map(|(name, records)| {
            let bodies = records.iter().map(|r| match &r.body {
                Some(AnyValue {
                    value: Some(Value::StringValue(s)),
                }) => s.clone(),
                other => panic!("{other:?}"),
            });
            (name.as_str(), bodies.collect())
        })
        .collect();
    let expected: Vec<(&str, Vec<String>)> = [
        ("app::orders", &["o1", "o2", "o3", "o4"][..]),
        ("app::db", &["d1", "d2", "d3"]),
        ("hyper::client", &["h1"]),
        ("", &["e1"]),
        ("app::legacy", &["l1"]),
    ]
    .into_iter()
    .map(|(name, bodies)| (name, bodies.iter().map(|b| (*b).to_owned()).collect()))
    .collect();
    assert_eq!(got, expected);
}

#[test]
fn the_request_carries_the_resource() {
    let request = write_logs(&[log("a", "m")], &Anchor::now());
    let resource_logs = &request.resource_logs[0];
    assert_eq!(
        resource_logs.resource.as_ref().unwrap().attributes,
        [
            kv("service.name", Value::StringValue("checkout".into())),
            kv("process.pid", Value::IntValue(4_242)),
        ]
    );
    assert_eq!(resource_logs.schema_url, "");
}
