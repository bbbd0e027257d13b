//! Trace and span ids: random, non-zero, from a per-thread generator.
//!
//! W3C Trace Context Level 2 asks for random trace ids (at least the right-most 7 bytes), which
//! lets us set the `random` flag. A per-thread wyrand generator costs about a nanosecond and
//! needs no lock; it is seeded from the standard library's per-process random keys, the thread
//! and the clock, so threads and processes do not collide.

use std::cell::Cell;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

/// A trace id: 16 bytes, shown as 32 lowercase hex digits.
///
/// ```
/// # let _guard = traced::Span::root("example").enter();
/// if let Some(id) = traced::current_trace_id() {
///     assert_eq!(id.to_string().len(), 32);
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub(crate) u128);

/// A span id: 8 bytes, shown as 16 lowercase hex digits.
///
/// ```
/// # let _guard = traced::Span::root("example").enter();
/// if let Some(id) = traced::current_span_id() {
///     assert_eq!(id.to_string().len(), 16);
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(pub(crate) u64);

impl TraceId {
    /// The id as a number (big-endian, as on the wire).
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let (trace_id, _) = traced::testing::capture(|| {
    ///     traced::Span::root("handle").parent(traceparent).enter().trace_id()
    /// });
    /// let trace_id = trace_id.expect("tracing is on in a capture");
    /// assert_eq!(trace_id.to_u128(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
    /// assert_eq!(format!("{:032x}", trace_id.to_u128()), trace_id.to_string());
    /// ```
    pub fn to_u128(self) -> u128 {
        self.0
    }
}

impl SpanId {
    /// The id as a number (big-endian, as on the wire).
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let ((), spans) = traced::testing::capture(|| {
    ///     drop(traced::Span::root("handle").parent(traceparent).enter());
    /// });
    /// let parent = spans.named("handle").parent_span_id.expect("the remote parent");
    /// assert_eq!(parent.to_u64(), 0x00f067aa0ba902b7);
    /// assert_eq!(format!("{:016x}", parent.to_u64()), parent.to_string());
    /// ```
    pub fn to_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({:032x})", self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({:016x})", self.0)
    }
}

thread_local! {
    // Zero means "not seeded yet"; a seeded state never returns to zero in practice, and if it
    // did we would only reseed.
    static STATE: Cell<u64> = const { Cell::new(0) };
}

fn seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(super::clock::now_unix_nanos());
    std::hash::Hash::hash(&std::thread::current().id(), &mut hasher);
    hasher.finish() | 1
}

/// The next 64 random bits of this thread's wyrand generator.
// Inlined into its three callers whatever the crate's codegen-unit partitioning: left to the
// optimiser, it was inlined or called depending on unrelated code added elsewhere, ~10
// instructions per span either way.
#[inline(always)]
fn next_u64() -> u64 {
    STATE.with(|state| {
        let mut s = state.get();
        if s == 0 {
            s = seed();
        }
        s = s.wrapping_add(0xa076_1d64_78bd_642f);
        state.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A random non-zero span id.
// Inlined where a span starts (as the trace id's): called, each cost a call and three saved
// registers, about 8 instructions of its 23.
#[inline]
pub(crate) fn new_span_id() -> u64 {
    loop {
        let id = next_u64();
        if id != 0 {
            return id;
        }
    }
}

/// A random non-zero trace id.
#[inline]
pub(crate) fn new_trace_id() -> u128 {
    loop {
        let id = (u128::from(next_u64()) << 64) | u128::from(next_u64());
        if id != 0 {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_non_zero_and_distinct() {
        let spans: HashSet<u64> = (0..10_000).map(|_| new_span_id()).collect();
        assert_eq!(spans.len(), 10_000);
        assert!(!spans.contains(&0));
        let traces: HashSet<u128> = (0..10_000).map(|_| new_trace_id()).collect();
        assert_eq!(traces.len(), 10_000);
    }

    #[test]
    fn threads_get_different_sequences() {
        let a = std::thread::spawn(new_trace_id).join().unwrap();
        let b = std::thread::spawn(new_trace_id).join().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn ids_print_as_fixed_width_lowercase_hex() {
        assert_eq!(TraceId(0xab).to_string(), format!("{}ab", "0".repeat(30)));
        assert_eq!(SpanId(u64::MAX).to_string(), "ffffffffffffffff");
    }
}
