//! Time helpers: the real clock (for signature freshness), `YYYY-MM-DD HH:MM:SS` and ISO 8601 formatting.

use std::time::{SystemTime, UNIX_EPOCH};

/// The real UNIX time in seconds (0 if the system clock is before 1970).
pub(crate) fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Formats UNIX seconds as `YYYY-MM-DD HH:MM:SS` in UTC, the legacy API's timestamp format.
///
/// Done by hand (days-to-civil conversion) to avoid a date crate for one format.
pub(crate) fn format_datetime(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Formats UNIX seconds as ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, as STS's `Expiration`.
pub(crate) fn format_iso8601(unix: i64) -> String {
    let mut text = format_datetime(unix).replacen(' ', "T", 1);
    text.push('Z');
    text
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
/// Howard Hinnant's `civil_from_days`: eras of 400 years make leap rules arithmetic.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year, March-based
    let mp = (5 * doy + 2) / 153; // month, March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(unix: i64, expected: &str) {
        assert_eq!(format_datetime(unix), expected, "for {unix}");
    }

    #[test]
    fn formats_utc_datetimes() {
        check(0, "1970-01-01 00:00:00");
        check(59, "1970-01-01 00:00:59");
        check(86_399, "1970-01-01 23:59:59");
        check(951_782_400, "2000-02-29 00:00:00"); // leap day of a year divisible by 400
        check(1_465_185_768, "2016-06-06 04:02:48"); // the doc's signature example
        check(1_709_164_800, "2024-02-29 00:00:00");
        check(4_102_444_799, "2099-12-31 23:59:59");
        check(-1, "1969-12-31 23:59:59");
        assert_eq!(format_iso8601(1_465_185_768), "2016-06-06T04:02:48Z");
    }

    #[test]
    fn real_clock_is_after_2020() {
        assert!(real_now() > 1_577_836_800);
    }
}
