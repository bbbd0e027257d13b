//! RFC 3339 UTC timestamps with microseconds (`2026-11-25T10:53:34.123456Z`), formatted from
//! `SystemTime` into a stack buffer: no chrono/time dependency and no allocation per line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Length of `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub(super) const LEN: usize = 27;

/// `9999-12-31T23:59:59Z`: four year digits is all RFC 3339 allows.
const MAX_SECS: u64 = 253_402_300_799;

/// The current time, formatted.
pub(super) fn now() -> [u8; LEN] {
    // A clock set before 1970 gives the epoch rather than an error: a log line is never lost
    // over its timestamp.
    format(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO),
    )
}

/// Formats a time given as the duration since the Unix epoch.
pub(super) fn format(since_epoch: Duration) -> [u8; LEN] {
    let (secs, micros) = if since_epoch.as_secs() > MAX_SECS {
        (MAX_SECS, 999_999)
    } else {
        (since_epoch.as_secs(), since_epoch.subsec_micros())
    };
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;

    let mut out = *b"0000-00-00T00:00:00.000000Z";
    digits(&mut out[0..4], year);
    digits(&mut out[5..7], month);
    digits(&mut out[8..10], day);
    digits(&mut out[11..13], of_day / 3600);
    digits(&mut out[14..16], of_day / 60 % 60);
    digits(&mut out[17..19], of_day % 60);
    digits(&mut out[20..26], u64::from(micros));
    out
}

/// Writes `value` as zero-padded decimal filling `out`.
fn digits(out: &mut [u8], mut value: u64) {
    for byte in out.iter_mut().rev() {
        // `value % 10` is below 10, so the cast cannot truncate.
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
///
/// Howard Hinnant's `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>),
/// restricted to days on or after the epoch, so everything stays unsigned.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so the leap day is the last day of the (March-based) year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, micros: u32) -> String {
        let bytes = format(Duration::new(secs, micros * 1000));
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(at(1_795_604_014, 123_456), "2026-11-25T10:53:34.123456Z");
        assert_eq!(at(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z");
        assert_eq!(at(MAX_SECS + 1, 0), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn nanoseconds_are_truncated_not_rounded() {
        let bytes = format(Duration::new(0, 999_999_999));
        assert_eq!(&bytes[..], b"1970-01-01T00:00:00.999999Z");
    }

    /// Every day for 500 years against a naive walk over month lengths.
    #[test]
    fn agrees_with_a_day_by_day_calendar() {
        let (mut year, mut month, mut day) = (1970_u64, 1_u64, 1_u64);
        for days in 0..(500 * 366) {
            assert_eq!(civil_from_days(days), (year, month, day), "day {days}");
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let length = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            day += 1;
            if day > length {
                day = 1;
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
    }

    #[test]
    fn now_has_the_rfc3339_shape() {
        let now = now();
        for (index, byte) in now.iter().enumerate() {
            match index {
                4 | 7 => assert_eq!(*byte, b'-'),
                10 => assert_eq!(*byte, b'T'),
                13 | 16 => assert_eq!(*byte, b':'),
                19 => assert_eq!(*byte, b'.'),
                26 => assert_eq!(*byte, b'Z'),
                _ => assert!(byte.is_ascii_digit(), "{index}"),
            }
        }
    }
}
