//! The `baggage` wire format (W3C Baggage §3.2): parsing inbound headers, bounded before anything
//! is allocated, and percent-encoding outbound values.

use percent_encoding::percent_decode_str;

use super::baggage::{Baggage, BaggageEntry, MAX_BYTES, MAX_MEMBERS};
use super::grammar::{is_baggage_octet, is_token, trim_ows};

/// Parses the `baggage` lines `visit` yields, in carrier order, as one combined header.
///
/// - S2: the lines are measured first (plus one separator between lines); over 8192 bytes, the
///   whole header is ignored and nothing is allocated. `visit` is then called a second time.
/// - `list-member = key OWS "=" OWS value *( OWS ";" OWS property )` (§3.2.1): a member that does
///   not match (no `=`, a key that is not a token, a value byte that is not a baggage octet, a
///   malformed property) is skipped, and the others are kept.
/// - Values are percent-decoded; sequences that are not UTF-8 become U+FFFD (§3.2.1.1).
/// - Empty members are ignored; a repeated key replaces the earlier value (P6, newest wins).
/// - Members past 64, or that would make the header longer than 8192 bytes once re-encoded, are
///   dropped: the spec lets a platform discard members to meet the limits (§3.3.3).
pub(super) fn parse_lines(visit: impl Fn(&mut dyn FnMut(&str))) -> Baggage {
    let mut combined = 0usize;
    let mut lines = 0usize;
    visit(&mut |line| {
        combined = combined.saturating_add(line.len());
        lines += 1;
    });
    if combined.saturating_add(lines.saturating_sub(1)) > MAX_BYTES {
        return Baggage::default();
    }
    let mut baggage = Baggage::default();
    // A carrier that yields more on the second pass than on the first is cut off at the cap.
    let mut budget = MAX_BYTES + 1;
    visit(&mut |line| {
        let Some(rest) = budget.checked_sub(line.len() + 1) else {
            budget = 0;
            return;
        };
        budget = rest;
        for member in line.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
            if let Some(entry) = parse_member(member, &baggage) {
                // Over the limits: dropped, as §3.3.3 allows.
                let _ = baggage.put(entry);
            }
        }
    });
    baggage
}

/// One trimmed, non-empty member, validated before anything is allocated for it.
fn parse_member(member: &str, so_far: &Baggage) -> Option<BaggageEntry> {
    let (pair, properties) = match member.split_once(';') {
        Some((pair, properties)) => (pair, Some(properties)),
        None => (member, None),
    };
    let (key, value) = pair.split_once('=')?;
    let (key, value) = (trim_ows(key), trim_ows(value));
    if !is_token(key) || !value.bytes().all(is_baggage_octet) {
        return None;
    }
    // `k=v;` has an empty property, which the grammar does not allow: `valid_properties("")`
    // is false.
    if properties.is_some_and(|p| !valid_properties(p)) {
        return None;
    }
    // Cheap early exit: a new key cannot fit once 64 members are kept.
    if so_far.len() >= MAX_MEMBERS && so_far.entry(key).is_none() {
        return None;
    }
    let value = percent_decode_str(value).decode_utf8_lossy().into_owned();
    let properties = match properties {
        Some(p) => normalize_properties(p)?,
        None => String::new(),
    };
    Some(BaggageEntry::new(key.to_owned(), value, properties))
}

/// W3C Baggage §3.2.1.1: "Any code points outside of the baggage-octet range MUST be
/// percent-encoded. The percent code point (U+0025) MUST be percent-encoded."
fn needs_encoding(b: u8) -> bool {
    b == b'%' || !is_baggage_octet(b)
}

pub(super) fn encoded_value_len(value: &str) -> usize {
    value
        .bytes()
        .map(|b| if needs_encoding(b) { 3 } else { 1 })
        .sum()
}

pub(super) fn encode_value(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if needs_encoding(b) {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            out.push(char::from(b));
        }
    }
}

/// `*( OWS ";" OWS property )`, `property = key OWS "=" OWS value / key OWS`, with `key` a token
/// and `value` baggage octets: validated, OWS removed. `""` stays `""`; an empty property (as in
/// `p1;;p2` or a trailing `;`) is not in the grammar, so it is invalid.
pub(super) fn normalize_properties(properties: &str) -> Option<String> {
    if trim_ows(properties).is_empty() {
        return Some(String::new());
    }
    if !valid_properties(properties) {
        return None;
    }
    let mut out = String::with_capacity(properties.len());
    for (i, property) in properties.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        match property.split_once('=') {
            Some((key, value)) => {
                out.push_str(trim_ows(key));
                out.push('=');
                out.push_str(trim_ows(value));
            }
            None => out.push_str(trim_ows(property)),
        }
    }
    Some(out)
}

/// Checks [`normalize_properties`]'s grammar without allocating.
pub(super) fn valid_properties(properties: &str) -> bool {
    properties
        .split(';')
        .all(|property| match property.split_once('=') {
            Some((key, value)) => {
                is_token(trim_ows(key)) && trim_ows(value).bytes().all(is_baggage_octet)
            }
            None => is_token(trim_ows(property)),
        })
}
