//! The W3C trace-context test suite (see `w3c_tests.rs`), `tracestate` cases (level 2,
//! including the STRICT ones). Helpers are in `w3c_tests.rs`.

use super::w3c_tests::{run, state};
use super::*;

#[test]
fn tracestate_without_traceparent_is_discarded() {
    assert_eq!(run(&[("tracestate", "foo=1")]), Extracted::default());
    assert_eq!(run(&[("tracestate", "foo=1,bar=2")]), Extracted::default());
    // Nor with an invalid one (W3C Trace Context §3.3: never parsed without a valid traceparent).
    assert!(
        run(&[("traceparent", "00-x"), ("tracestate", "foo=1")])
            .context
            .is_none()
    );
}

#[test]
fn tracestate_is_inherited_and_combined_in_order() {
    let ts = state(&["foo=1,bar=2"]);
    assert_eq!((ts.get("foo"), ts.get("bar")), (Some("1"), Some("2")));
    let ts = state(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]);
    assert_eq!(ts.header(), Some("foo=1,bar=2,rojo=1,congo=2,baz=3"));
}

#[test]
fn empty_tracestate_is_ignored() {
    assert_eq!(state(&[""]).header(), None);
    assert_eq!(state(&["foo=1", ""]).header(), Some("foo=1"));
    assert_eq!(state(&["", "foo=1"]).header(), Some("foo=1"));
    assert_eq!(state(&[" , \t,", "foo=1,,"]).header(), Some("foo=1"));
}

#[test]
fn ows_around_tracestate_members() {
    for line in [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
    ] {
        assert_eq!(
            state(&[line]).header(),
            Some("foo=1,bar=2,baz=3"),
            "{line:?}"
        );
    }
    for line in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        assert_eq!(state(&[line]).get("foo"), Some("1"), "{line:?}");
    }
}

#[test]
fn all_legal_tracestate_characters_round_trip() {
    let key: String = ('a'..='z').chain('0'..='9').chain("_-*/".chars()).collect();
    let value: String = (0x20u8..=0x7E)
        .filter(|b| *b != b',' && *b != b'=')
        .map(char::from)
        .collect();
    for key in [key.clone(), format!("{key}@a-z0-9_-*/")] {
        let ts = state(&[&format!("{key}={value}")]);
        assert_eq!(ts.get(&key), Some(value.as_str()));
    }
}

#[test]
fn strict_duplicated_keys_keep_one() {
    for lines in [
        &["foo=1,foo=1"][..],
        &["foo=1,foo=2"],
        &["foo=1", "foo=1"],
        &["foo=1", "foo=2"],
    ] {
        let ts = state(lines);
        assert_eq!((ts.len(), ts.get("foo")), (1, Some("1")), "{lines:?}");
    }
}

#[test]
fn strict_illegal_keys() {
    // "That key absent": here the whole header is dropped, which satisfies it (see tracestate.rs).
    for line in ["foo =1", "FOO=1", "foo.bar=1"] {
        assert!(state(&[line]).is_empty(), "{line:?}");
    }
    // `@foo=1,bar=2`: the whole tracestate is dropped, bar included.
    assert!(state(&["@foo=1,bar=2"]).is_empty());
}

#[test]
fn strict_at_signs_are_key_characters() {
    for key in [
        "foo@",
        "foo@@bar",
        "foo@bar@baz",
        &format!("t@{}", "v".repeat(15)),
    ] {
        let ts = state(&[&format!("{key}=1,bar=2")]);
        assert_eq!(
            (ts.get(key), ts.get("bar")),
            (Some("1"), Some("2")),
            "{key}"
        );
    }
    // Tenant/system lengths of the old grammar no longer matter: 256 characters in all do.
    let long = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    assert_eq!(state(&["foo=1", &format!("{long}=1")]).len(), 2);
    assert_eq!(
        state(&["foo=1", &format!("{}@v=1", "t".repeat(242))]).len(),
        2
    );
}

#[test]
fn strict_member_count_limit() {
    let lines = |n: usize| -> Vec<String> {
        let members: Vec<String> = (1..=n).map(|i| format!("bar{i:02}={i:02}")).collect();
        members.chunks(10).map(|c| c.join(",")).collect()
    };
    let ok = lines(32);
    let ts = state(&ok.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((ts.len(), ts.get("bar01")), (32, Some("01")));
    let over = lines(33);
    assert!(state(&over.iter().map(String::as_str).collect::<Vec<_>>()).is_empty());
}

#[test]
fn strict_key_length_limit() {
    assert_eq!(
        state(&["foo=1", &format!("{}=1", "z".repeat(256))]).get("foo"),
        Some("1")
    );
    assert!(state(&["foo=1", &format!("{}=1", "z".repeat(257))]).is_empty());
}

#[test]
fn strict_illegal_values() {
    assert!(state(&["foo=bar=baz"]).is_empty());
    assert!(state(&["foo=,bar=3"]).is_empty());
    assert_eq!(state(&[&format!("foo={}", "v".repeat(256))]).len(), 1);
    assert!(state(&[&format!("foo={}", "v".repeat(257))]).is_empty());
    assert!(state(&["foo=a\tb"]).is_empty());
}

#[test]
fn tracestate_over_512_characters_is_propagated_whole() {
    // W3C Trace Context §3.3.1.5: "SHOULD propagate at least 512 characters"; under our 8192-byte
    // cap nothing is truncated, so the 128-characters-first truncation order never applies.
    let members: Vec<String> = (0..20)
        .map(|i| format!("k{i}={}", "v".repeat(200)))
        .collect();
    let line = members.join(",");
    assert!(line.len() > 4000);
    assert_eq!(state(&[&line]).header(), Some(line.as_str()));
}
