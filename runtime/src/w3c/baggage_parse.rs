//! Parsing inbound `baggage` headers (W3C Baggage §3.2), bounded before anything is allocated.

use percent_encoding::percent_decode_str;

use super::baggage::{Baggage, BaggageEntry, MAX_BYTES, MAX_MEMBERS};
use super::baggage_codec::{normalize_properties, valid_properties};
use super::grammar::{is_baggage_octet, is_token, trim_ows};

impl Baggage {
    /// Parses one `baggage` header value. Invalid members are skipped (not the whole header);
    /// members past the limits are dropped; a value over 8192 bytes gives empty baggage.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let baggage = Baggage::from_header("a=1, bad key=2, b=%3D");
    /// assert_eq!(baggage.iter().map(|e| e.key()).collect::<Vec<_>>(), ["a", "b"]);
    /// assert_eq!(baggage.get("b"), Some("="));
    /// ```
    pub fn from_header(value: &str) -> Self {
        parse_lines(|f| f(value))
    }
}

/// Parses the `baggage` lines `visit` yields, in carrier order, as one combined header.
///
/// - Sizes first (see the rules in `traced::propagation`): the lines are measured first (plus one
///   separator between lines); over 8192 bytes, the whole header is ignored and nothing is
///   allocated. `visit` is then called a second time.
/// - `list-member = key OWS "=" OWS value *( OWS ";" OWS property )` (§3.2.1): a member that does
///   not match (no `=`, a key that is not a token, a value byte that is not a baggage octet, a
///   malformed property) is skipped, and the others are kept.
/// - Values are percent-decoded; sequences that are not UTF-8 become U+FFFD (§3.2.1.1).
/// - Empty members are ignored; a repeated key replaces the earlier value, as
///   [`Baggage::insert`] does.
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
