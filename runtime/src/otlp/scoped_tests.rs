//! The log writer's requests: the cap with scopes in it, the hand-over of finished requests,
//! the buffers' size over time and the number of scopes kept.

use std::borrow::Cow;

use compact_str::CompactString;

use super::logs::LogWriter;
use super::scopes::MAX_SCOPES;
use super::test_support::{attr, decode_logs, log, resource, scope_logs};
use super::{DEFAULT_MAX_BODY, MAX_BODY_LIMIT, Push};
use crate::engine::AttrValue;
use crate::engine::clock::Anchor;
use crate::engine::log_record::LogRecord;

const TARGETS: [&str; 5] = ["app::orders", "app::db", "", "hyper::client", "app::ü"];

/// A record of `target` whose string attribute is `size` bytes long.
fn sized(target: &'static str, size: usize) -> LogRecord {
    let mut r = log(target, "sized");
    r.attrs.push(attr(
        "blob",
        AttrValue::Str(CompactString::new("x".repeat(size))),
    ));
    r
}

/// Pushes `records`, finishing requests as they fill; the bodies and the records too large.
fn write_all(writer: &mut LogWriter, records: &[LogRecord]) -> (Vec<Vec<u8>>, usize) {
    let anchor = Anchor::now();
    let mut bodies = Vec::new();
    let mut too_large = 0;
    for record in records {
        match writer.push(record, &anchor) {
            Push::Appended => {}
            Push::TooLarge => too_large += 1,
            Push::Full => {
                let request = writer.finish().expect("a full request has records");
                bodies.push(request.body().to_vec());
                drop(request);
                assert_eq!(writer.records(), 0);
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
    let mut writer = LogWriter::new(&resource(), DEFAULT_MAX_BODY);
    assert!(writer.finish().is_none());
    assert_eq!(writer.push(&log("a", "m"), &Anchor::now()), Push::Appended);
    assert_eq!(writer.records(), 1);
    assert!(writer.finish().is_some());
    assert!(writer.finish().is_none(), "the next request starts empty");
}

#[test]
fn requests_never_exceed_the_cap_and_every_record_arrives_once_in_order() {
    for max_body in [300, 1_000, 4_096, 65_536] {
        let mut writer = LogWriter::new(&resource(), max_body);
        // Sizes up to the cap, targets in turn: some records fit several to a request, some
        // alone, some never.
        let records: Vec<_> = (0..300_u64)
            .map(|i| {
                let size = if i % 50 == 49 {
                    max_body
                } else {
                    (i as usize * 7_919) % max_body
                };
                let target = TARGETS[(i * i % 7 % 5) as usize];
                let mut r = sized(target, size);
                r.span_id = i + 1;
                r
            })
            .collect();
        let (bodies, too_large) = write_all(&mut writer, &records);
        let mut arrived = Vec::new();
        for body in &bodies {
            assert!(body.len() <= max_body, "{} > {max_body}", body.len());
            let scopes = scope_logs(decode_logs(body));
            let mut names: Vec<_> = scopes.iter().map(|(name, _)| name.clone()).collect();
            names.dedup();
            assert_eq!(names.len(), scopes.len(), "one scope per target");
            for (name, logged) in scopes {
                assert!(!logged.is_empty());
                for record in logged {
                    let id = u64::from_be_bytes(record.span_id.try_into().unwrap());
                    arrived.push((name.clone(), id));
                }
            }
        }
        assert!(too_large > 0, "{max_body}: some records cannot fit");
        assert_eq!(arrived.len() + too_large, records.len());
        // Per target, records arrive once each, in push order (ids grow with it), in the
        // scope of their target.
        for target in TARGETS {
            let ids: Vec<u64> = arrived
                .iter()
                .filter(|(name, _)| name == target)
                .map(|(_, id)| *id)
                .collect();
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "{max_body} {target:?}: {ids:?}"
            );
            assert!(
                ids.iter()
                    .all(|id| records[*id as usize - 1].target == target)
            );
        }
    }
}

#[test]
fn a_record_exactly_at_the_cap_fits_and_one_byte_more_does_not() {
    let max_body = 2_000;
    let anchor = Anchor::now();
    // The largest record that fits alone, found by search as the trace writer's.
    let mut fits = 0;
    for size in (1_700..2_000).rev() {
        let mut writer = LogWriter::new(&resource(), max_body);
        if writer.push(&sized("app::db", size), &anchor) == Push::Appended {
            fits = size;
            let request = writer.finish().unwrap();
            assert_eq!(request.body().len(), max_body, "the request fills the cap");
            break;
        }
    }
    assert!(fits > 0);
    let mut writer = LogWriter::new(&resource(), max_body);
    assert_eq!(
        writer.push(&sized("app::db", fits + 1), &anchor),
        Push::TooLarge
    );
    // The scope's name counts: a longer target makes the same record too large.
    assert_eq!(
        writer.push(&sized("app::dbx", fits), &anchor),
        Push::TooLarge
    );
    assert_eq!(writer.records(), 0);
    // Not full afterwards either: a small record still goes in, of any scope.
    assert_eq!(
        writer.push(&log("app::db", "small"), &anchor),
        Push::Appended
    );
    // Beside it, the largest record that fits alone makes the request full, in its scope or
    // in another.
    assert_eq!(writer.push(&sized("app::db", fits), &anchor), Push::Full);
    assert_eq!(writer.push(&sized("app::x", fits - 5), &anchor), Push::Full);
    let request = writer.finish().unwrap();
    assert_eq!(request.records(), 1);
}

#[test]
fn a_full_request_is_filled_to_the_byte_across_scopes() {
    // Records pushed until full: the last one that went in left less room than the next needs.
    let anchor = Anchor::now();
    let max_body = 10_000;
    let mut writer = LogWriter::new(&resource(), max_body);
    let mut i = 0;
    let body = loop {
        let r = sized(TARGETS[i % 5], 7 + i % 13);
        i += 1;
        if writer.push(&r, &anchor) == Push::Full {
            let body = writer.finish().unwrap().body().to_vec();
            // The record that did not fit fits in an empty request.
            assert_eq!(writer.push(&r, &anchor), Push::Appended);
            break body;
        }
    };
    assert!(
        body.len() <= max_body && body.len() > max_body - 100,
        "{}",
        body.len()
    );
    let scopes = scope_logs(decode_logs(&body));
    assert_eq!(scopes.len(), 5);
    assert_eq!(scopes.iter().map(|(_, r)| r.len()).sum::<usize>(), i - 1);
}

#[test]
fn the_cap_is_clamped_to_the_specifications_limit() {
    let mut writer = LogWriter::new(&resource(), usize::MAX);
    let huge = sized("a", MAX_BODY_LIMIT);
    assert_eq!(writer.push(&huge, &Anchor::now()), Push::TooLarge);
    let mut writer = LogWriter::new(&resource(), MAX_BODY_LIMIT);
    let big = sized("a", MAX_BODY_LIMIT - 1_000);
    assert_eq!(writer.push(&big, &Anchor::now()), Push::Appended);
    assert_eq!(writer.push(&sized("b", 1_000), &Anchor::now()), Push::Full);
    let request = writer.finish().unwrap();
    assert!(request.body().len() <= MAX_BODY_LIMIT);
    assert_eq!(scope_logs(decode_logs(request.body())).len(), 1);
}

#[test]
fn the_buffers_shrink_back_after_an_outlier() {
    let anchor = Anchor::now();
    let mut writer = LogWriter::new(&resource(), DEFAULT_MAX_BODY);
    let request = |writer: &mut LogWriter, size: usize, records: usize| {
        for i in 0..records {
            let record = sized(TARGETS[i % 5], size);
            assert_eq!(writer.push(&record, &anchor), Push::Appended);
        }
        writer.finish().unwrap().body().len()
    };
    // Usual requests of ~40 KB.
    for _ in 0..10 {
        request(&mut writer, 100, 200);
    }
    let (staged, body) = writer.capacity();
    assert!(staged < 256 << 10 && body < 256 << 10, "{staged} {body}");
    // One of ~6 MB: both buffers grow to hold it, and are shrunk as soon as it is handed over
    // (the staging buffer when the request is finished, its own when it is dropped).
    let outlier = request(&mut writer, 60_000, 100);
    assert!(outlier > 6_000_000);
    let (staged, body) = writer.capacity();
    assert!(
        staged < outlier / 2 && body < outlier / 2,
        "{staged} {body}"
    );
    for _ in 0..40 {
        request(&mut writer, 100, 200);
    }
    let (staged, body) = writer.capacity();
    assert!(staged <= 256 << 10 && body <= 256 << 10, "{staged} {body}");
    // And they stay there: usual requests no longer reallocate.
    let settled = writer.capacity();
    for _ in 0..20 {
        request(&mut writer, 100, 200);
    }
    assert_eq!(writer.capacity(), settled);
}

#[test]
fn scopes_are_kept_up_to_a_limit() {
    let anchor = Anchor::now();
    let mut writer = LogWriter::new(&resource(), DEFAULT_MAX_BODY);
    let record = |i: usize| {
        let mut r = log("", "m");
        r.target = Cow::Owned(format!("generated::m{i}"));
        r
    };
    // A request with more targets than kept: every one is its own scope.
    for i in 0..MAX_SCOPES + 10 {
        assert_eq!(writer.push(&record(i), &anchor), Push::Appended);
    }
    assert_eq!(writer.scopes(), MAX_SCOPES + 10);
    let request = writer.finish().unwrap();
    let scopes = scope_logs(decode_logs(request.body()));
    drop(request);
    assert_eq!(scopes.len(), MAX_SCOPES + 10);
    assert!(
        scopes
            .iter()
            .enumerate()
            .all(|(i, (name, records))| *name == format!("generated::m{i}") && records.len() == 1)
    );
    // Once finished, the table starts again.
    assert_eq!(writer.scopes(), 0);
    writer.push(&record(3), &anchor);
    writer.push(&log("app", "m"), &anchor);
    writer.push(&record(3), &anchor);
    let request = writer.finish().unwrap();
    let scopes = scope_logs(decode_logs(request.body()));
    assert_eq!(scopes.len(), 2);
    assert_eq!(
        (scopes[0].0.as_str(), scopes[0].1.len()),
        ("generated::m3", 2)
    );
}

#[test]
fn finished_requests_are_independent() {
    let anchor = Anchor::now();
    let mut writer = LogWriter::new(&resource(), DEFAULT_MAX_BODY);
    writer.push(&log("a", "1"), &anchor);
    writer.push(&log("b", "2"), &anchor);
    writer.push(&log("a", "3"), &anchor);
    let one = writer.finish().unwrap().body().to_vec();
    writer.push(&log("b", "4"), &anchor);
    writer.push(&log("c", "5"), &anchor);
    let two = writer.finish().unwrap().body().to_vec();
    let names = |body: &[u8]| -> Vec<(String, usize)> {
        scope_logs(decode_logs(body))
            .into_iter()
            .map(|(name, records)| (name, records.len()))
            .collect()
    };
    assert_eq!(names(&one), [("a".into(), 2), ("b".into(), 1)]);
    assert_eq!(names(&two), [("b".into(), 1), ("c".into(), 1)]);
}
