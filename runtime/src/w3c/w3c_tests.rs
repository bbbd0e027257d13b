//! The W3C trace-context test suite (`test/test.py` in the `w3c/trace-context` repository, run at
//! `SPEC_LEVEL=2`), restated case by case, test names in comments; the `tracestate` cases are in
//! `w3c_tracestate_tests.rs`. "Keep" is a context with the input trace id; "restart" is no
//! context, from which the engine starts a new trace. Cases the suite lacks are marked as ours.

use std::collections::HashMap;

use http::{HeaderMap, HeaderName, HeaderValue};

use super::*;

const TRACE: u128 = 0x1234_5678_9012_3456_7890_1234_5678_9012;
const TP: &str = "00-12345678901234567890123456789012-1234567890123456-01";
const TP00: &str = "00-12345678901234567890123456789012-1234567890123456-00";

pub(super) fn run(headers: &[(&str, &str)]) -> Extracted {
    extract_with(headers, Propagators::default())
}

fn keeps(headers: &[(&str, &str)]) -> bool {
    run(headers).context.map(|c| c.trace_id()) == Some(TRACE)
}

fn restarts(traceparent: &str) -> bool {
    run(&[("traceparent", traceparent)]).context.is_none()
}

/// The tracestate that would be propagated with `lines` after a valid `traceparent`.
pub(super) fn state(lines: &[&str]) -> TraceState {
    let mut headers = vec![("traceparent", TP00)];
    headers.extend(lines.iter().map(|l| ("tracestate", *l)));
    let extracted = run(&headers);
    assert_eq!(
        extracted.context.as_ref().map(SpanContext::trace_id),
        Some(TRACE)
    );
    extracted.context.unwrap().trace_state().clone()
}

#[test]
fn missing_headers() {
    // test_both_traceparent_and_tracestate_missing: nothing to continue.
    assert_eq!(run(&[]), Extracted::default());
    // test_traceparent_included_tracestate_missing: keep; the new parent id is the engine's.
    let ctx = run(&[("traceparent", TP)]).context.unwrap();
    assert_eq!(
        (ctx.trace_id(), ctx.span_id()),
        (TRACE, 0x1234_5678_9012_3456)
    );
    assert!(ctx.trace_state().is_empty());
}

#[test]
fn header_name_variants_are_other_headers() {
    assert!(!keeps(&[("trace-parent", TP)]));
    assert!(!keeps(&[("trace.parent", TP)]));
    assert!(state(&[]).is_empty());
    let ts = run(&[
        ("traceparent", TP00),
        ("trace-state", "foo=1"),
        ("trace.state", "foo=1"),
    ]);
    assert!(ts.context.unwrap().trace_state().is_empty());
}

#[test]
fn header_names_are_case_insensitive_in_every_carrier() {
    for name in ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        assert!(keeps(&[(name, TP)]), "{name}");
        let map = HashMap::from([(name.to_string(), TP.to_string())]);
        assert!(
            extract_with(&map, Propagators::default()).context.is_some(),
            "{name}"
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_static(TP),
        );
        assert!(
            extract_with(&headers, Propagators::default())
                .context
                .is_some(),
            "{name}"
        );
    }
    for name in ["TraceState", "TrAcEsTaTe", "TRACESTATE"] {
        let ctx = run(&[("traceparent", TP00), (name, "foo=1")])
            .context
            .unwrap();
        assert_eq!(ctx.trace_state().get("foo"), Some("1"), "{name}");
        let map = HashMap::from([
            ("traceparent".to_string(), TP00.to_string()),
            (name.to_string(), "foo=1".to_string()),
        ]);
        let ctx = extract_with(&map, Propagators::default()).context.unwrap();
        assert_eq!(ctx.trace_state().get("foo"), Some("1"), "{name}");
    }
}

#[test]
fn duplicated_traceparent_restarts() {
    let other = "00-12345678901234567890123456789011-1234567890123456-01";
    assert!(
        run(&[("traceparent", other), ("traceparent", TP)])
            .context
            .is_none()
    );
    // The same through a HeaderMap (two lines) and a map holding two case variants.
    let mut headers = HeaderMap::new();
    headers.append("traceparent", HeaderValue::from_static(other));
    headers.append("traceparent", HeaderValue::from_static(TP));
    assert!(
        extract_with(&headers, Propagators::default())
            .context
            .is_none()
    );
    let map = HashMap::from([
        ("traceparent".to_string(), TP.to_string()),
        ("TraceParent".to_string(), TP.to_string()),
    ]);
    assert!(extract_with(&map, Propagators::default()).context.is_none());
    // Two values joined on one line (RFC 7230 §3.2.2), and an unreadable second line.
    assert!(restarts(&format!("{TP},{TP}")));
    assert!(restarts(&format!("{TP}, cc{}", &TP[2..])));
    // A future version first: only the comma tells the two values apart.
    assert!(restarts(&format!("cc{}-x,{TP}", &TP[2..])));
    headers.remove("traceparent");
    headers.append("traceparent", HeaderValue::from_static(TP));
    headers.append("traceparent", HeaderValue::from_bytes(b"\xff").unwrap());
    assert!(
        extract_with(&headers, Propagators::default())
            .context
            .is_none()
    );
}

#[test]
fn version() {
    // test_traceparent_version_0x00: extra trailing characters.
    assert!(restarts(&format!("{TP}.")));
    assert!(restarts(&format!("{TP}-what-the-future-will-be-like")));
    // test_traceparent_version_0xcc: a future version keeps, if the 56th character is `-`.
    let cc = format!("cc{}", &TP[2..]);
    assert!(keeps(&[("traceparent", &cc)]));
    assert!(keeps(&[(
        "traceparent",
        &format!("{cc}-what-the-future-will-be-like")
    )]));
    assert!(restarts(&format!("{cc}.what-the-future-will-be-like")));
    // test_traceparent_version_0xff, _illegal_characters, _too_long, _too_short.
    for version in ["ff", ".0", "0.", "000", "0000", "0"] {
        assert!(restarts(&format!("{version}{}", &TP[2..])), "{version}");
    }
    // W3C Trace Context §3.2.4: shorter than 55 characters restarts, whatever the version.
    assert!(restarts(&cc[..54]));
}

#[test]
fn trace_id() {
    assert!(restarts(
        "00-00000000000000000000000000000000-1234567890123456-01"
    ));
    assert!(restarts(
        "00-.2345678901234567890123456789012-1234567890123456-01"
    ));
    assert!(restarts(
        "00-1234567890123456789012345678901.-1234567890123456-01"
    ));
    assert!(restarts(
        "00-123456789012345678901234567890123-1234567890123456-01"
    ));
    assert!(restarts(
        "00-1234567890123456789012345678901-1234567890123456-01"
    ));
}

#[test]
fn parent_id() {
    assert!(restarts(
        "00-12345678901234567890123456789012-0000000000000000-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-.234567890123456-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-123456789012345.-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-12345678901234567-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-123456789012345-01"
    ));
}

#[test]
fn flags() {
    for flags in [".0", "0.", "001", "1"] {
        assert!(restarts(&format!("{}{flags}", &TP[..53])), "{flags}");
    }
}

#[test]
fn uppercase_hex_inbound_restarts() {
    // Ours, not in the suite: HEXDIGLC is lowercase only (W3C Trace Context §3.2.2).
    assert!(restarts(
        "00-1234567890ABCDEF1234567890123456-1234567890123456-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-1234567890ABCDEF-01"
    ));
    assert!(restarts(
        "00-12345678901234567890123456789012-1234567890123456-0A"
    ));
    assert!(restarts(&format!("CC{}", &TP[2..])));
}

#[test]
fn ows_around_traceparent_keeps() {
    for v in [
        format!(" {TP}"),
        format!("\t{TP}"),
        format!("{TP} "),
        format!("{TP}\t"),
        format!("\t {TP} \t"),
    ] {
        assert!(keeps(&[("traceparent", &v)]), "{v:?}");
    }
    // Only spaces and tabs are OWS.
    assert!(restarts(&format!("{TP}\n")));
}

#[test]
fn advanced_three_calls_share_the_trace_with_distinct_parents() {
    // The engine gives each outgoing call its own span; here three span ids stand for them.
    let ctx = run(&[("traceparent", TP)]).context.unwrap();
    let mut parents = std::collections::HashSet::new();
    for span_id in [11, 22, 33] {
        let child = SpanContext::new(ctx.trace_id(), span_id, ctx.flags()).unwrap();
        let mut headers = HeaderMap::new();
        inject_with(
            Some(&child),
            &Baggage::new(),
            &mut headers,
            Propagators::default(),
        );
        let out = headers["traceparent"].to_str().unwrap();
        let back = SpanContext::from_traceparent(out).unwrap();
        assert_eq!(back.trace_id(), TRACE);
        parents.insert(back.span_id());
    }
    assert_eq!(parents.len(), 3);
    // Without a valid traceparent (zero trace id) there is nothing to continue.
    assert!(restarts(
        "00-00000000000000000000000000000000-1234567890123456-01"
    ));
}

#[test]
fn level_2_random_flag_is_kept() {
    let ctx = run(&[("traceparent", &format!("{}02", &TP[..53]))])
        .context
        .unwrap();
    assert!(ctx.is_random() && !ctx.is_sampled());
    let mut headers = HashMap::new();
    inject_with(
        Some(&ctx),
        &Baggage::new(),
        &mut headers,
        Propagators::default(),
    );
    assert!(headers["traceparent"].ends_with("-02"), "{headers:?}");
    assert!(headers["traceparent"].starts_with("00-12345678901234567890123456789012-"));
}

#[test]
fn propagators_can_be_turned_off() {
    let headers = [("traceparent", TP), ("baggage", "k=v")];
    let none = Propagators {
        tracecontext: false,
        baggage: false,
    };
    assert_eq!(extract_with(&headers, none), Extracted::default());
    let trace_only = Propagators {
        tracecontext: true,
        baggage: false,
    };
    let extracted = extract_with(&headers, trace_only);
    assert!(extracted.context.is_some() && extracted.baggage.is_empty());
    let mut out = HashMap::new();
    inject_with(
        extracted.context.as_ref(),
        &Baggage::from_header("k=v"),
        &mut out,
        none,
    );
    assert!(out.is_empty());
}
