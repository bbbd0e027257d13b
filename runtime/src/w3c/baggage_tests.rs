//! W3C Baggage: limits, encoding, properties, round trips and header injection, plus the
//! carriers that are not exercised by the W3C trace-context test suite (`w3c_tests.rs`).

use std::collections::{BTreeMap, HashMap};

use http::{HeaderMap, HeaderValue};

use super::baggage::{MAX_BYTES, MAX_MEMBERS};
use super::*;

fn both() -> Propagators {
    Propagators::default()
}

#[test]
fn members_values_and_properties() {
    let b = Baggage::from_header(
        " userId = alice ; ttl = 60 ;secret, serverNode=DF%2028,isProduction=false ",
    );
    let entries: Vec<_> = b
        .iter()
        .map(|e| (e.key(), e.value(), e.properties()))
        .collect();
    assert_eq!(
        entries,
        [
            ("userId", "alice", Some("ttl=60;secret")),
            ("serverNode", "DF 28", None),
            ("isProduction", "false", None),
        ]
    );
    assert_eq!(
        b.header().as_deref(),
        Some("userId=alice;ttl=60;secret,serverNode=DF%2028,isProduction=false")
    );
}

#[test]
fn invalid_members_are_skipped_one_by_one() {
    let b = Baggage::from_header("a=1,no-equals,b c=2,c=\"q\",d=x y,e=1;,f=1;p q,g=ok,=empty,h=");
    let keys: Vec<_> = b.iter().map(BaggageEntry::key).collect();
    assert_eq!(keys, ["a", "g", "h"]);
    assert_eq!(b.get("h"), Some(""));
}

#[test]
fn keys_are_case_sensitive_and_newest_value_wins() {
    let b = Baggage::from_header("k=1,K=2,k=3");
    assert_eq!((b.get("k"), b.get("K"), b.len()), (Some("3"), Some("2"), 2));
    // Lines combine in order, later lines win too.
    let lines = [("baggage", "k=1"), ("Baggage", "k=2")];
    assert_eq!(extract_with(&lines, both()).baggage.get("k"), Some("2"));
}

#[test]
fn percent_decoding_is_lossy_for_invalid_utf8() {
    let b = Baggage::from_header("a=%E2%9C%93,b=%FF,c=100%,d=%zz");
    assert_eq!(b.get("a"), Some("✓"));
    assert_eq!(b.get("b"), Some("\u{FFFD}"));
    assert_eq!(b.get("c"), Some("100%"));
    assert_eq!(b.get("d"), Some("%zz"));
    // Re-encoded, `%` itself is always escaped.
    assert_eq!(
        Baggage::from_header("c=100%").header().as_deref(),
        Some("c=100%25")
    );
}

#[test]
fn values_round_trip_through_the_header() {
    let mut b = Baggage::new();
    let nasty = "a\r\nX-Evil: 1; \"q\" \\ , = % é \u{0} \u{7f} \t ✓";
    b.insert("k", nasty).unwrap();
    b.insert_with_properties("p", "v", " ttl = 60 ; flag ")
        .unwrap();
    let header = b.header().unwrap();
    assert!(header.bytes().all(|c| c.is_ascii_graphic()), "{header:?}");
    assert_eq!(Baggage::from_header(&header), b);
}

#[test]
fn header_injection_never_reaches_the_wire() {
    // A value with CR/LF is percent-encoded, so the peer sees one `baggage` header and no
    // `X-Evil` header.
    let mut b = Baggage::new();
    b.insert("k", "a\r\nX-Evil: 1").unwrap();
    let mut headers = HeaderMap::new();
    inject_with(None, &b, &mut headers, both());
    assert_eq!(headers.len(), 1);
    assert!(headers.get("x-evil").is_none());
    let value = headers["baggage"].as_bytes();
    assert!(!value.contains(&b'\r') && !value.contains(&b'\n'));
    assert_eq!(
        extract_with(&headers, both()).baggage.get("k"),
        Some("a\r\nX-Evil: 1")
    );
}

#[test]
fn insert_validates_keys_and_properties() {
    let mut b = Baggage::new();
    assert_eq!(b.insert("", "v"), Err(BaggageError::InvalidKey));
    assert_eq!(b.insert("a\r\nb", "v"), Err(BaggageError::InvalidKey));
    assert_eq!(b.insert("k=v", "v"), Err(BaggageError::InvalidKey));
    assert_eq!(
        b.insert_with_properties("k", "v", "a\r\n"),
        Err(BaggageError::InvalidProperties)
    );
    assert_eq!(
        b.insert_with_properties("k", "v", "a;;b"),
        Err(BaggageError::InvalidProperties)
    );
    assert_eq!(
        b.insert_with_properties("k", "v", "x=a,b"),
        Err(BaggageError::InvalidProperties)
    );
    assert!(b.is_empty());
    assert!(BaggageError::TooLarge.to_string().contains("8192"));
}

#[test]
fn member_limit() {
    let mut b = Baggage::new();
    for i in 0..MAX_MEMBERS {
        b.insert(format!("k{i}"), "v").unwrap();
    }
    assert_eq!(b.insert("one-more", "v"), Err(BaggageError::TooManyMembers));
    // Replacing an existing key is still allowed.
    b.insert("k0", "w").unwrap();
    // Parsing keeps the first 64 members and drops the rest (§3.3.3).
    let header: Vec<String> = (0..100).map(|i| format!("k{i}=v")).collect();
    let parsed = Baggage::from_header(&header.join(","));
    assert_eq!(parsed.len(), MAX_MEMBERS);
    assert_eq!(parsed.iter().last().map(BaggageEntry::key), Some("k63"));
}

#[test]
fn byte_limit() {
    let mut b = Baggage::new();
    b.insert("a", "x".repeat(MAX_BYTES - 2)).unwrap();
    assert_eq!(b.header().unwrap().len(), MAX_BYTES);
    assert_eq!(b.insert("b", ""), Err(BaggageError::TooLarge));
    // Encoding counts: one byte more than the cap once `%` becomes `%25`.
    let mut b = Baggage::new();
    assert_eq!(
        b.insert("a", format!("%{}", "x".repeat(MAX_BYTES - 4))),
        Err(BaggageError::TooLarge)
    );
    b.insert("a", format!("%{}", "x".repeat(MAX_BYTES - 5)))
        .unwrap();
    assert_eq!(b.header().unwrap().len(), MAX_BYTES);
    // Inbound over 8192 bytes in total (lines and separators): ignored whole.
    let half = format!("a={}", "x".repeat(MAX_BYTES / 2));
    assert_eq!(
        extract_with(&[("baggage", &half), ("baggage", &half)], both()).baggage,
        Baggage::new()
    );
    assert_eq!(Baggage::from_header(&format!("{half}{half}")).len(), 0);
}

#[test]
fn inbound_members_that_grow_past_the_cap_are_dropped() {
    // `%FF` decodes to U+FFFD, re-encoded as 9 bytes: the second member no longer fits.
    let big = format!("a={}", "%FF".repeat(900));
    let b = Baggage::from_header(&format!("{big},b={}", "%FF".repeat(900)));
    assert_eq!(b.len(), 1);
    assert!(b.header().unwrap().len() <= MAX_BYTES);
}

#[test]
fn remove_and_clear() {
    let mut b = Baggage::from_header("a=1,b=2,c=3");
    assert_eq!(b.remove("b").as_deref(), Some("2"));
    assert_eq!(b.remove("b"), None);
    assert_eq!(b.header().as_deref(), Some("a=1,c=3"));
    // The size bookkeeping follows removals: the freed bytes can be used again.
    b.insert("d", "x".repeat(MAX_BYTES - 10)).unwrap();
    assert_eq!(b.header().unwrap().len(), MAX_BYTES);
    b.clear();
    assert!(b.is_empty());
    let mut out = HashMap::new();
    inject_with(None, &b, &mut out, both());
    assert!(out.is_empty(), "cleared baggage sends nothing");
}

#[test]
fn bare_strings_and_options_only_answer_traceparent() {
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let mut seen = 0;
    tp.visit("tracestate", &mut |_| seen += 1);
    tp.visit("baggage", &mut |_| seen += 1);
    assert_eq!(seen, 0);
    assert!(
        extract_with(&Some(tp.to_string()), both())
            .context
            .is_some()
    );
    assert!(extract_with(&None::<&str>, both()).context.is_none());
    assert!(extract_with(&Box::new(tp), both()).context.is_some());
    let tree = BTreeMap::from([("TraceParent".to_string(), tp.to_string())]);
    assert!(extract_with(&tree, both()).context.is_some());
}

#[test]
fn unreadable_header_values_count_as_malformed() {
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let mut headers = HeaderMap::new();
    headers.insert("traceparent", HeaderValue::from_static(tp));
    headers.append("tracestate", HeaderValue::from_static("a=1"));
    headers.append(
        "tracestate",
        HeaderValue::from_bytes("b=é".as_bytes()).unwrap(),
    );
    headers.append(
        "baggage",
        HeaderValue::from_bytes("k=é".as_bytes()).unwrap(),
    );
    headers.append("baggage", HeaderValue::from_static("ok=1"));
    let extracted = extract_with(&headers, both());
    assert!(extracted.context.unwrap().trace_state().is_empty());
    assert_eq!(extracted.baggage.header().as_deref(), Some("ok=1"));
}

#[cfg(feature = "json")]
#[test]
fn json_objects_are_carriers_and_injectors() {
    use serde_json::json;
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let msg = json!({ "TraceParent": tp, "tracestate": ["a=1", "b=2"], "baggage": "k=v" });
    let extracted = extract_with(&msg, both());
    let ctx = extracted.context.unwrap();
    assert_eq!(ctx.trace_state().header(), Some("a=1,b=2"));
    assert_eq!(extracted.baggage.get("k"), Some("v"));
    assert!(
        extract_with(&json!({ "traceparent": 5 }), both())
            .context
            .is_none()
    );
    assert!(extract_with(&json!([tp]), both()).context.is_none());
    let mut out = serde_json::Map::new();
    inject_with(Some(&ctx), &extracted.baggage, &mut out, both());
    assert_eq!(out["traceparent"], tp);
    assert_eq!(out["tracestate"], "a=1,b=2");
}
