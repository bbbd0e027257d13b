//! `tracestate` (W3C Trace Context Level 2, §3.3): vendor entries that travel with `traceparent`.
//!
//! The key grammar is the current one (§3.3.1.3.1): `key = ( lcalpha / DIGIT ) 0*255 keychar`,
//! `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`. It replaced the older
//! `tenant@system` split, which is why the W3C test suite's level-2 cases (see `w3c_tests.rs`)
//! `foo@`, `foo@@bar`, `foo@bar@baz` and `t@` + 15 characters are valid keys, while `@foo` (no
//! leading letter or digit) is not.

use std::fmt;
use std::sync::Arc;

use super::grammar::trim_ows;

/// The header name (§3.3.1).
pub(super) const TRACESTATE: &str = "tracestate";

/// §3.3.1.1: "There can be a maximum of 32 list-members in a list."
pub(super) const MAX_MEMBERS: usize = 32;

/// The combined header (all lines, plus one separator between lines) is measured before anything is
/// allocated; a longer one is dropped whole (see the rules in `traced::propagation`). The spec asks
/// to propagate "at least 512 characters" (§3.3.1.5); this is sixteen times that, so the truncation
/// rule for smaller limits (whole entries, those over 128 characters first) never has to apply.
pub(super) const MAX_COMBINED_LEN: usize = 8192;

/// §3.3.1.3.1 and §3.3.1.3.2.
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;

/// A validated `tracestate`: at most 32 `key=value` members in the order received, re-serialised
/// without whitespace and shared, so cloning it (once per outgoing request) costs a reference
/// count.
///
/// ```
/// use traced::propagation::TraceState;
///
/// let state = TraceState::from_header("rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE").unwrap();
/// assert_eq!(state.header(), Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
/// assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState(Option<Arc<str>>);

impl TraceState {
    /// No `tracestate`.
    pub(crate) const EMPTY: TraceState = TraceState(None);

    /// Parses one `tracestate` header value. `None` when it is invalid, which drops it whole
    /// (see [`extract`](super::extract) for the rules); an empty value gives an empty state.
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// assert!(TraceState::from_header("").unwrap().is_empty());
    /// assert!(TraceState::from_header("foo=1,FOO=2").is_none());
    /// ```
    pub fn from_header(value: &str) -> Option<Self> {
        parse_lines(|f| f(value))
    }

    /// The value to send, or `None` when there is nothing to send (§3.3.1: vendors "SHOULD avoid
    /// sending" empty `tracestate` headers).
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// assert_eq!(TraceState::default().header(), None);
    /// assert_eq!(TraceState::from_header(" a=1 ").unwrap().header(), Some("a=1"));
    /// ```
    pub fn header(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The value of `key`, if present.
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// let state = TraceState::from_header("a=1,b= 2").unwrap();
    /// assert_eq!(state.get("b"), Some(" 2")); // leading spaces belong to the value
    /// assert_eq!(state.get("c"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The members, `(key, value)`, in order.
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// let state = TraceState::from_header("a=1,b=2").unwrap();
    /// assert_eq!(state.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        // Validated members contain exactly one `=` and no `,`, so splitting is unambiguous.
        self.header()
            .into_iter()
            .flat_map(|h| h.split(','))
            .filter_map(|member| member.split_once('='))
    }

    /// The number of members.
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// assert_eq!(TraceState::from_header("a=1,,b=2").unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no members.
    ///
    /// ```
    /// # use traced::propagation::TraceState;
    /// assert!(TraceState::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&self.header()).finish()
    }
}

/// Parses the `tracestate` lines `visit` yields, in carrier order, as one combined header
/// (§3.3.1, RFC 7230 §3.2.2). `visit` is called twice: first to measure (nothing is allocated
/// for a header over [`MAX_COMBINED_LEN`]), then to parse into one buffer of that size at most.
///
/// Rules, chosen so that every level-2 case of the W3C test suite passes (see `w3c_tests.rs`):
/// - empty lines and empty or whitespace-only members are ignored (§3.3.1.1), and do not count
///   towards the 32 members;
/// - OWS around members is dropped; leading spaces inside a value are kept (§3.3.1.3.2);
/// - any invalid member (bad key such as `FOO`, `foo.bar`, `@foo` or a 257-character key; bad value
///   such as `foo=`, `foo=bar=baz`, a tab or a non-ASCII character; no `=`) drops the **whole**
///   header. The suite expects that for `@foo=1,bar=2` and `foo=,bar=3` and only "that key absent"
///   for the others, which a whole-header drop also satisfies; one rule is simpler to trust;
/// - more than 32 members drops the whole header (the suite's 33-member case);
/// - a repeated key keeps its first occurrence (§3.3.1.4 allows one entry per key; the suite
///   accepts keeping one).
///
/// `None` means invalid; `Some` of an empty state means there was nothing.
pub(super) fn parse_lines(visit: impl Fn(&mut dyn FnMut(&str))) -> Option<TraceState> {
    let mut combined = 0usize;
    let mut lines = 0usize;
    visit(&mut |line| {
        combined = combined.saturating_add(line.len());
        lines += 1;
    });
    let combined = combined.saturating_add(lines.saturating_sub(1));
    if combined > MAX_COMBINED_LEN {
        return None;
    }
    let mut parser = Parser {
        out: String::with_capacity(combined),
        budget: combined,
        members: 0,
        valid: true,
    };
    visit(&mut |line| parser.line(line));
    match parser {
        Parser { valid: false, .. } => None,
        Parser { out, .. } if out.is_empty() => Some(TraceState(None)),
        Parser { out, .. } => Some(TraceState(Some(out.into()))),
    }
}

struct Parser {
    out: String,
    /// What the measuring pass saw; a carrier that yields more the second time is invalid, so
    /// the buffer never grows past the cap.
    budget: usize,
    members: usize,
    valid: bool,
}

impl Parser {
    fn line(&mut self, line: &str) {
        self.budget = match self.budget.checked_sub(line.len()) {
            Some(rest) => rest.saturating_sub(1),
            None => {
                self.valid = false;
                return;
            }
        };
        if !self.valid {
            return;
        }
        for member in line.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
            self.members += 1;
            let Some((key, _)) = split_member(member) else {
                self.valid = false;
                return;
            };
            if self.members > MAX_MEMBERS {
                self.valid = false;
                return;
            }
            // At most 32 members of at most 513 bytes: this scan is bounded.
            let present = self
                .out
                .split(',')
                .any(|m| m.split_once('=').is_some_and(|(k, _)| k == key));
            if !present {
                if !self.out.is_empty() {
                    self.out.push(',');
                }
                self.out.push_str(member);
            }
        }
    }
}

/// A trimmed, non-empty member split into a valid key and value, or `None`.
fn split_member(member: &str) -> Option<(&str, &str)> {
    let (key, value) = member.split_once('=')?;
    (is_key(key) && is_value(value)).then_some((key, value))
}

/// §3.3.1.3.1: `( lcalpha / DIGIT ) 0*255 ( lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@" )`.
fn is_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let keychar =
        |b: &u8| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/' | b'@');
    matches!(bytes.first(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.len() <= MAX_KEY_LEN
        && bytes.iter().all(keychar)
}

/// §3.3.1.3.2: `0*255(chr) nblk-chr`, `chr = %x20 / nblk-chr`,
/// `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E` (printable ASCII without `,` and `=`, not ending in a
/// space). A member's trailing OWS was trimmed already, so a trailing space cannot reach here.
fn is_value(value: &str) -> bool {
    let chr = |b: &u8| matches!(b, 0x20..=0x2B | 0x2D..=0x3C | 0x3E..=0x7E);
    !value.is_empty()
        && value.len() <= MAX_VALUE_LEN
        && !value.ends_with(' ')
        && value.as_bytes().iter().all(chr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(lines: &[&str]) -> Option<TraceState> {
        parse_lines(|f| lines.iter().for_each(|l| f(l)))
    }

    #[test]
    fn keys_follow_the_current_grammar() {
        for ok in [
            "a",
            "0",
            "foo@",
            "foo@@bar",
            "foo@bar@baz",
            "a_b-c*d/e",
            &"z".repeat(256),
        ] {
            assert!(is_key(ok), "{ok}");
        }
        for bad in [
            "",
            "@foo",
            "_a",
            "FOO",
            "foo.bar",
            "foo ",
            "fé",
            &"z".repeat(257),
        ] {
            assert!(!is_key(bad), "{bad}");
        }
    }

    #[test]
    fn values_are_printable_without_comma_or_equals() {
        for ok in [" 1", "a b", "~!", &"v".repeat(256)] {
            assert!(is_value(ok), "{ok:?}");
        }
        for bad in [
            "",
            "a ",
            "a=b",
            "a,b",
            "a\tb",
            "a\r\nb",
            "é",
            &"v".repeat(257),
        ] {
            assert!(!is_value(bad), "{bad:?}");
        }
    }

    #[test]
    fn duplicates_keep_the_first() {
        let state = lines(&["foo=1,bar=2", "foo=3"]).unwrap();
        assert_eq!(state.header(), Some("foo=1,bar=2"));
    }

    #[test]
    fn a_carrier_that_grows_between_passes_is_invalid() {
        let calls = std::cell::Cell::new(0);
        let state = parse_lines(|f| {
            calls.set(calls.get() + 1);
            f("a=1");
            if calls.get() > 1 {
                f("b=2");
            }
        });
        assert_eq!(state, None);
    }

    #[test]
    fn the_cap_counts_separators_between_lines() {
        let half = format!("a={}", "v".repeat(254));
        // 32 lines of 256 bytes and 31 separators: 8223 > 8192.
        let many: Vec<&str> = std::iter::repeat_n(half.as_str(), 32).collect();
        assert_eq!(lines(&many), None);
        let fewer: Vec<&str> = std::iter::repeat_n(half.as_str(), 31).collect();
        assert!(lines(&fewer).is_some());
    }
}
