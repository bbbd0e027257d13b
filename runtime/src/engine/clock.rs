//! The span clock.
//!
//! Application threads only read a tick counter: the CPU's time-stamp counter where the kernel
//! trusts it as its own clock source (about 9 ns here, against 18 for `SystemTime::now`), the
//! system clock's Unix nanoseconds otherwise. The export thread turns ticks into Unix
//! nanoseconds with an [`Anchor`] it takes at every export round: the tick rate is measured
//! against the monotonic clock over the whole life of the process (so it sharpens as the
//! process runs, and a wall-clock step cannot bend it), and the offset to Unix time is read
//! fresh each round (so spans follow the system clock as NTP adjusts it). Durations are tick
//! differences, monotonic whatever the system clock does.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Set once, before the first span, when ticks are time-stamp counter readings.
static TSC: AtomicBool = AtomicBool::new(false);

/// The first reading of both clocks, for the tick rate.
static ORIGIN: OnceLock<Reading> = OnceLock::new();

/// Below this much elapsed time the rate is measured over a short wait instead (once).
const MIN_BASELINE: Duration = Duration::from_millis(2);

/// Nanoseconds since the Unix epoch from the system clock; 0 before 1970.
pub(crate) fn now_unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// The current tick: what a span stores as its start and end. Call [`init`] first.
#[inline]
pub(crate) fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if TSC.load(Ordering::Relaxed) {
        // SAFETY: `rdtsc` exists on every x86_64 CPU; `init` checked that the kernel uses it
        // as its clock source (synchronised and invariant across cores).
        return unsafe { core::arch::x86_64::_rdtsc() };
    }
    now_unix_nanos()
}

/// Chooses the tick source, once per process, before the first pipeline is installed.
pub(crate) fn init() {
    ORIGIN.get_or_init(|| {
        TSC.store(tsc_is_reliable(), Ordering::Relaxed);
        Reading::take()
    });
}

/// The conversion of ticks to Unix nanoseconds, valid around the moment it was taken.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchor {
    ticks: u64,
    unix: u64,
    nanos_per_tick: f64,
}

impl Anchor {
    /// Reads both clocks now. On the export thread only: the first call after start-up may
    /// wait up to [`MIN_BASELINE`] to measure the tick rate.
    pub(crate) fn now() -> Anchor {
        let now = Reading::take();
        if !TSC.load(Ordering::Relaxed) {
            return Anchor {
                ticks: now.ticks,
                unix: now.unix,
                nanos_per_tick: 1.0,
            };
        }
        let origin = *ORIGIN.get_or_init(Reading::take);
        let mut end = now;
        if end.mono.duration_since(origin.mono) < MIN_BASELINE {
            std::thread::sleep(MIN_BASELINE);
            end = Reading::take();
        }
        let nanos = end.mono.duration_since(origin.mono).as_nanos() as f64;
        let ticks = end.ticks.wrapping_sub(origin.ticks) as f64;
        let nanos_per_tick = if ticks > 0.0 { nanos / ticks } else { 1.0 };
        Anchor {
            ticks: end.ticks,
            unix: end.unix,
            nanos_per_tick,
        }
    }

    /// The Unix nanoseconds of `ticks`.
    pub(crate) fn unix_nanos(&self, ticks: u64) -> u64 {
        // Signed: spans ended before the anchor was taken are in the past of it.
        let delta = ticks.wrapping_sub(self.ticks) as i64;
        let nanos = (delta as f64 * self.nanos_per_tick) as i64;
        self.unix.saturating_add_signed(nanos)
    }
}

/// One reading of the tick counter, the monotonic clock and the system clock, taken as close
/// together as possible (the tightest of three tries, so a preemption between them is unlikely
/// to skew the anchor).
#[derive(Debug, Clone, Copy)]
struct Reading {
    ticks: u64,
    mono: Instant,
    unix: u64,
}

impl Reading {
    fn take() -> Reading {
        let mut best: Option<(u64, Reading)> = None;
        for _ in 0..3 {
            let before = ticks();
            let mono = Instant::now();
            let unix = now_unix_nanos();
            let after = ticks();
            let spread = after.wrapping_sub(before);
            let reading = Reading {
                ticks: before + spread / 2,
                mono,
                unix,
            };
            if best.is_none_or(|(s, _)| spread < s) {
                best = Some((spread, reading));
            }
        }
        best.map(|(_, r)| r).unwrap_or(Reading {
            ticks: ticks(),
            mono: Instant::now(),
            unix: now_unix_nanos(),
        })
    }
}

/// Whether the time-stamp counter can stand in for the clock: x86_64 with an invariant TSC,
/// and on Linux only when the kernel itself uses it as its clock source (it checks that the
/// counters of all cores agree; on some virtual machines they do not).
fn tsc_is_reliable() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::__cpuid;
        // CPUID leaf 0x8000_0007, EDX bit 8: invariant TSC (constant rate, runs in deep sleep).
        // The extended leaf is checked to exist before it is read.
        let invariant =
            __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0;
        if cfg!(target_os = "linux") {
            let source = std::fs::read_to_string(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            );
            return matches!(source, Ok(s) if s.trim() == "tsc");
        }
        invariant
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_convert_to_the_system_clock() {
        init();
        let t = ticks();
        let wall = now_unix_nanos();
        let anchor = Anchor::now();
        let converted = anchor.unix_nanos(t);
        // Within a millisecond of the system clock read next to it.
        assert!(
            converted.abs_diff(wall) < 1_000_000,
            "{converted} vs {wall}"
        );
    }

    #[test]
    fn durations_follow_the_monotonic_clock() {
        init();
        let start = ticks();
        let mono = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let end = ticks();
        let elapsed = mono.elapsed().as_nanos() as u64;
        let anchor = Anchor::now();
        let measured = anchor.unix_nanos(end) - anchor.unix_nanos(start);
        // 5 % (and 200 µs) of slack for the two readings not being simultaneous.
        assert!(
            measured.abs_diff(elapsed) < elapsed / 20 + 200_000,
            "{measured} vs {elapsed}"
        );
    }

    #[test]
    fn ticks_before_the_anchor_are_in_its_past() {
        let anchor = Anchor {
            ticks: 1_000,
            unix: 5_000_000,
            nanos_per_tick: 0.5,
        };
        assert_eq!(anchor.unix_nanos(600), 4_999_800);
        assert_eq!(anchor.unix_nanos(1_400), 5_000_200);
    }
}
