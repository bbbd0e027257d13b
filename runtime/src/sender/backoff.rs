//! The wait between attempts at one request.
//!
//! OTLP/HTTP, "Failures" and OTLP exporter configuration, "Retry": retryable failures are
//! retried with exponential backoff and jitter. The delay doubles from `initial` up to `max`,
//! and each wait is drawn from its upper half, so senders that failed together do not retry
//! together, and no wait is much shorter than the backoff asks.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

/// The SDKs' common choice (Java's exporter: 1 s, up to 5 s); within the default 10 s timeout
/// that is four or five attempts.
impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// The wait after failed attempt number `attempt` (1 for the first).
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        let ceiling = self
            .initial
            .saturating_mul(1 << doublings)
            .min(self.max)
            .max(self.initial.min(self.max));
        ceiling.mul_f64(0.5 + 0.5 * random_fraction())
    }
}

/// A number in [0, 1): std's `RandomState` is seeded randomly per thread and its keys change
/// with every instance, which is all jitter needs (no random-number crate for this).
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_maximum_with_jitter_in_the_upper_half() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(500),
        };
        for (attempt, ceiling) in [(1, 100), (2, 200), (3, 400), (4, 500), (40, 500)] {
            let ceiling = Duration::from_millis(ceiling);
            for _ in 0..50 {
                let delay = backoff.delay(attempt);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{attempt}: {delay:?}"
                );
            }
        }
        let delays: Vec<Duration> = (0..20).map(|_| backoff.delay(1)).collect();
        assert!(delays.iter().any(|d| *d != delays[0]), "jitter varies");
    }
}
