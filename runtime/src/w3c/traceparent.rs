//! `traceparent` (W3C Trace Context Level 2, §3.2) and the remote [`SpanContext`] it carries.

use std::fmt;

use super::grammar::{parse_lower_hex, trim_ows};
use super::tracestate::TraceState;

/// The header name, lowercase as the spec asks senders to use (§3.2.1).
pub(super) const TRACEPARENT: &str = "traceparent";

/// §3.2.2: `version "-" trace-id "-" parent-id "-" trace-flags` is 2+1+32+1+16+1+2 characters.
const V00_LEN: usize = 55;

/// §3.2.4 lets pass-through services "only disallow prohibitively large headers": a value
/// longer than this (including surrounding OWS) is not looked at. Ten times a v00 value.
const MAX_TRACEPARENT_LEN: usize = 512;

/// A remote span context: what a valid `traceparent` (plus its `tracestate`) identifies.
///
/// Ids are never zero (§3.2.2.3, §3.2.2.4); the flags keep every bit that was received, including
/// the Level 2 `random` bit (`0x02`).
///
/// ```
/// use traced::propagation::SpanContext;
///
/// let ctx = SpanContext::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")
///     .expect("valid");
/// assert_eq!(ctx.trace_id(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
/// assert!(ctx.is_sampled() && ctx.is_random());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SpanContext {
    trace_id: u128,
    span_id: u64,
    flags: u8,
    trace_state: TraceState,
}

impl SpanContext {
    /// The `sampled` trace flag (§3.2.2.5.1).
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// let ctx = SpanContext::new(1, 2, SpanContext::FLAG_SAMPLED).unwrap();
    /// assert!(ctx.is_sampled());
    /// ```
    pub const FLAG_SAMPLED: u8 = 0x01;

    /// The Level 2 `random` trace flag: the trace id's right-most 7 bytes are random.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// let ctx = SpanContext::new(1, 2, SpanContext::FLAG_RANDOM).unwrap();
    /// assert!(ctx.is_random() && !ctx.is_sampled());
    /// ```
    pub const FLAG_RANDOM: u8 = 0x02;

    /// A context with these ids and flags and no `tracestate`; `None` if an id is zero, which the
    /// spec forbids.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert!(SpanContext::new(0, 1, 0).is_none());
    /// let ctx = SpanContext::new(0xabc, 0x12, 0x01).unwrap();
    /// assert_eq!(ctx.to_traceparent(), "00-00000000000000000000000000000abc-0000000000000012-01");
    /// ```
    pub fn new(trace_id: u128, span_id: u64, flags: u8) -> Option<Self> {
        (trace_id != 0 && span_id != 0).then(|| SpanContext {
            trace_id,
            span_id,
            flags,
            trace_state: TraceState::default(),
        })
    }

    /// Parses one `traceparent` value, strictly (see the module docs); `None` if it is malformed.
    /// The result has no `tracestate`: use [`extract`](super::extract) to read both headers.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert!(SpanContext::from_traceparent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t").is_some());
    /// // Uppercase hex is not HEXDIGLC.
    /// assert!(SpanContext::from_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_none());
    /// ```
    pub fn from_traceparent(value: &str) -> Option<Self> {
        let (trace_id, span_id, flags) = parse(value)?;
        SpanContext::new(trace_id, span_id, flags)
    }

    /// The same context carrying `trace_state`.
    ///
    /// ```
    /// # use traced::propagation::{SpanContext, TraceState};
    /// let state = TraceState::from_header("congo=t61rcWkgMzE").unwrap();
    /// let ctx = SpanContext::new(1, 2, 1).unwrap().with_trace_state(state);
    /// assert_eq!(ctx.trace_state().header(), Some("congo=t61rcWkgMzE"));
    /// ```
    pub fn with_trace_state(mut self, trace_state: TraceState) -> Self {
        self.trace_state = trace_state;
        self
    }

    /// The 16-byte trace id, as a number (big-endian, as on the wire).
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert_eq!(SpanContext::new(7, 9, 0).unwrap().trace_id(), 7);
    /// ```
    pub fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The 8-byte id of the remote span (the `parent-id` field).
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert_eq!(SpanContext::new(7, 9, 0).unwrap().span_id(), 9);
    /// ```
    pub fn span_id(&self) -> u64 {
        self.span_id
    }

    /// All eight trace-flag bits, as received or given.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert_eq!(SpanContext::new(7, 9, 0x03).unwrap().flags(), 0x03);
    /// ```
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the `sampled` flag is set.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert!(!SpanContext::new(7, 9, 0x02).unwrap().is_sampled());
    /// ```
    pub fn is_sampled(&self) -> bool {
        self.flags & Self::FLAG_SAMPLED != 0
    }

    /// Whether the Level 2 `random` flag is set.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert!(SpanContext::new(7, 9, 0x02).unwrap().is_random());
    /// ```
    pub fn is_random(&self) -> bool {
        self.flags & Self::FLAG_RANDOM != 0
    }

    /// The vendor state that came with the context (empty when there was none or it was invalid).
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// assert!(SpanContext::new(7, 9, 0).unwrap().trace_state().is_empty());
    /// ```
    pub fn trace_state(&self) -> &TraceState {
        &self.trace_state
    }

    /// The `traceparent` value for this context: always version `00` (§3.2.4, "construct the new
    /// `traceparent` according to the highest version known"), lowercase, with the flags kept.
    ///
    /// ```
    /// # use traced::propagation::SpanContext;
    /// let ctx = SpanContext::from_traceparent(
    ///     "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02-future").unwrap();
    /// assert_eq!(ctx.to_traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02");
    /// ```
    pub fn to_traceparent(&self) -> String {
        format!(
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

/// Ids in hex, as everywhere else in tracing output.
impl fmt::Debug for SpanContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanContext")
            .field("trace_id", &format_args!("{:032x}", self.trace_id))
            .field("span_id", &format_args!("{:016x}", self.span_id))
            .field("flags", &format_args!("{:02x}", self.flags))
            .field("trace_state", &self.trace_state)
            .finish()
    }
}

/// Parses one `traceparent` value into `(trace_id, parent_id, flags)`, never allocating.
///
/// W3C Trace Context §3.2.2 and §3.2.4 (versioning: a parser of version `00` reads a higher
/// version's first three fields and ignores the rest):
/// - surrounding OWS is allowed (the W3C test suite's OWS cases, see `w3c_tests.rs`);
/// - `version` is 2 `HEXDIGLC` followed by `-`; `ff` is invalid;
/// - version `00` is exactly 55 characters;
/// - a higher version must be at least 55 characters, and the 56th, if any, must be `-`
///   (`cc-…-01-future` is kept, `cc-…-01.future` is not); fields after the flags are ignored;
/// - trace-id (32) and parent-id (16) are `HEXDIGLC`, not all zero; flags are 2 `HEXDIGLC`;
/// - a comma anywhere means two values were joined into one line (RFC 7230 §3.2.2), which is
///   as invalid as two `traceparent` lines.
pub(super) fn parse(value: &str) -> Option<(u128, u64, u8)> {
    if value.len() > MAX_TRACEPARENT_LEN {
        return None;
    }
    let bytes = trim_ows(value).as_bytes();
    if bytes.len() < V00_LEN || bytes.contains(&b',') {
        return None;
    }
    let version = parse_lower_hex(&bytes[0..2])?;
    match version {
        0xff => return None,
        0 if bytes.len() != V00_LEN => return None,
        _ if bytes.len() > V00_LEN && bytes[V00_LEN] != b'-' => return None,
        _ => {}
    }
    if bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
        return None;
    }
    let trace_id = parse_lower_hex(&bytes[3..35])?;
    let span_id = u64::try_from(parse_lower_hex(&bytes[36..52])?).ok()?;
    let flags = u8::try_from(parse_lower_hex(&bytes[53..55])?).ok()?;
    (trace_id != 0 && span_id != 0).then_some((trace_id, span_id, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-12345678901234567890123456789012-1234567890123456-01";

    #[test]
    fn parses_the_fields() {
        let (t, s, f) = parse(VALID).unwrap();
        assert_eq!(t, 0x1234_5678_9012_3456_7890_1234_5678_9012);
        assert_eq!(s, 0x1234_5678_9012_3456);
        assert_eq!(f, 1);
    }

    #[test]
    fn round_trips_through_to_traceparent() {
        let ctx = SpanContext::from_traceparent(VALID).unwrap();
        assert_eq!(ctx.to_traceparent(), VALID);
        let ctx = SpanContext::new(u128::MAX, u64::MAX, 0xff).unwrap();
        assert_eq!(ctx.to_traceparent().len(), V00_LEN);
        assert_eq!(
            SpanContext::from_traceparent(&ctx.to_traceparent()),
            Some(ctx)
        );
    }

    #[test]
    fn digits_are_checked_at_every_position() {
        // Each hex position, replaced by a non-hex byte, must invalidate the value.
        for i in (0..V00_LEN).filter(|i| ![2, 35, 52].contains(i)) {
            for bad in [b'g', b'G', b'.', b' ', b'-'] {
                let mut v = VALID.as_bytes().to_vec();
                v[i] = bad;
                let v = String::from_utf8(v).unwrap();
                assert_eq!(parse(&v), None, "{v:?}");
            }
        }
    }

    #[test]
    fn non_ascii_never_panics() {
        for v in [
            "é",
            "00-é",
            &format!("00-{}", "é".repeat(26)),
            &"\u{1F600}".repeat(14),
        ] {
            assert_eq!(parse(v), None, "{v:?}");
        }
        // A multi-byte character right at index 55 of a future version.
        let future = format!("cc{}é", &VALID[2..]);
        assert_eq!(parse(&future), None);
    }

    #[test]
    fn oversized_values_are_not_read() {
        let long = format!("cc{}-{}", &VALID[2..], "x".repeat(MAX_TRACEPARENT_LEN));
        assert_eq!(parse(&long), None);
        let padded = format!("{}{VALID}", " ".repeat(MAX_TRACEPARENT_LEN));
        assert_eq!(parse(&padded), None);
    }

    #[test]
    fn debug_shows_hex() {
        let ctx = SpanContext::from_traceparent(VALID).unwrap();
        let debug = format!("{ctx:?}");
        assert!(
            debug.contains("12345678901234567890123456789012"),
            "{debug}"
        );
    }
}
