//! Which propagators are active (`OTEL_PROPAGATORS`, see `config/propagators.rs`): a
//! process-wide setting, read on every extract and inject, so it lives in one atomic rather than
//! behind a lock.

use std::sync::atomic::{AtomicU8, Ordering};

const TRACECONTEXT: u8 = 0b01;
const BAGGAGE: u8 = 0b10;

/// `tracecontext,baggage` until configured, the specification's default. `OTEL_SDK_DISABLED`
/// does not touch it.
static ACTIVE: AtomicU8 = AtomicU8::new(TRACECONTEXT | BAGGAGE);

/// Sets the active propagators for the whole process; `none` is both flags off.
pub(crate) fn set_propagators(propagators: Propagators) {
    ACTIVE.store(encode(propagators), Ordering::Relaxed);
}

/// The active propagators.
pub(crate) fn active_propagators() -> Propagators {
    decode(ACTIVE.load(Ordering::Relaxed))
}

fn encode(p: Propagators) -> u8 {
    (if p.tracecontext { TRACECONTEXT } else { 0 }) | (if p.baggage { BAGGAGE } else { 0 })
}

fn decode(bits: u8) -> Propagators {
    Propagators {
        tracecontext: bits & TRACECONTEXT != 0,
        baggage: bits & BAGGAGE != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The global itself is not flipped here: other tests in this process extract concurrently.
    #[test]
    fn every_combination_round_trips() {
        for tracecontext in [false, true] {
            for baggage in [false, true] {
                let p = Propagators {
                    tracecontext,
                    baggage,
                };
                assert_eq!(decode(encode(p)), p);
            }
        }
    }

    #[test]
    fn default_is_both() {
        assert_eq!(decode(TRACECONTEXT | BAGGAGE), Propagators::default());
    }
}

/// Which propagators are active (`OTEL_PROPAGATORS`, or [`Config::propagators`]).
///
/// [`Config::propagators`]: crate::Config::propagators
///
/// ```
/// use traced::{Config, Propagators};
///
/// assert_eq!(
///     Propagators::default(),
///     Propagators { tracecontext: true, baggage: true }
/// );
/// // Continue and send trace context, but never accept or send baggage.
/// let config = Config::new().propagators(Propagators { tracecontext: true, baggage: false });
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Propagators {
    /// W3C `traceparent` / `tracestate`.
    pub tracecontext: bool,
    /// W3C `baggage`.
    pub baggage: bool,
}

/// `tracecontext,baggage`, the default of `OTEL_PROPAGATORS` (OpenTelemetry SDK environment
/// variables).
impl Default for Propagators {
    fn default() -> Self {
        Propagators {
            tracecontext: true,
            baggage: true,
        }
    }
}
