//! The `baggage` value encoding (W3C Baggage §3.2): percent-encoding outbound values, and the
//! grammar of member properties.

use super::grammar::{is_baggage_octet, is_token, trim_ows};

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
