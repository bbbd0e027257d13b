//! `Retry-After` pauses, shared by every sender of the process.
//!
//! OTLP/HTTP, "Failures": a 429 or 503 may carry `Retry-After`, and the client SHOULD honour
//! it. The collector asks the client, not one batch, to wait: while a pause for an origin runs,
//! no request of ours goes to that origin, whichever signal's sender would make it. A pause
//! lasts at most as long as the batch that received it had left, so a huge or hostile value
//! costs one batch timeout at a time, never a silent exporter.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::origin::Origin;

/// Origins paused and until when; a handful of entries at most (one per collector origin),
/// expired ones removed on every look-up.
static PAUSES: Mutex<Vec<(Origin, Instant)>> = Mutex::new(Vec::new());

/// Pauses requests to `origin` until `until` (a later pause already recorded is kept).
pub(crate) fn pause(origin: &Origin, until: Instant) {
    let mut pauses = PAUSES.lock().unwrap_or_else(|e| e.into_inner());
    match pauses.iter_mut().find(|(o, _)| o == origin) {
        Some((_, end)) => *end = (*end).max(until),
        None => pauses.push((origin.clone(), until)),
    }
}

/// When the pause of `origin` ends, if one runs now.
pub(crate) fn paused_until(origin: &Origin) -> Option<Instant> {
    let now = Instant::now();
    let mut pauses = PAUSES.lock().unwrap_or_else(|e| e.into_inner());
    pauses.retain(|&(_, end)| end > now);
    pauses
        .iter()
        .find(|(o, _)| o == origin)
        .map(|&(_, end)| end)
}

/// Waits out any pause of `origin`, but never past `deadline`: `false` when the deadline came
/// first (the pause outlasts the batch).
pub(crate) fn wait(origin: &Origin, deadline: Instant) -> bool {
    // A loop: another sender may extend the pause while this one sleeps.
    while let Some(end) = paused_until(origin) {
        let now = Instant::now();
        if end >= deadline {
            std::thread::sleep(deadline.saturating_duration_since(now));
            return false;
        }
        std::thread::sleep(end.saturating_duration_since(now));
    }
    true
}

/// RFC 9110 §10.2.3: `Retry-After` is a number of seconds (`1*DIGIT`) or an HTTP-date; the
/// delay it asks for from `now` (zero for a date in the past). `None` when it is neither.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds still mean "longer than any deadline".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        // The three date formats RFC 9110 §5.6.7 makes recipients accept.
        for date in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            assert_eq!(
                retry_after(date, now),
                Some(Duration::from_secs(30)),
                "{date}"
            );
        }
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "1.5", "soon", "Sun, 06 Nov 1994"] {
            assert_eq!(retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn a_pause_is_per_origin_kept_at_its_latest_and_forgotten_when_over() {
        let origin = Origin::of("http://pause-test:1").expect("origin");
        let other = Origin::of("http://pause-test:2").expect("origin");
        let now = Instant::now();
        pause(&origin, now + Duration::from_secs(60));
        pause(&origin, now + Duration::from_secs(30));
        assert_eq!(paused_until(&origin), Some(now + Duration::from_secs(60)));
        assert_eq!(paused_until(&other), None);
        pause(&other, now);
        assert_eq!(paused_until(&other), None, "an ended pause is gone");
        let start = Instant::now();
        assert!(!wait(&origin, start + Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert!(wait(&other, start + Duration::from_secs(5)));
    }
}
