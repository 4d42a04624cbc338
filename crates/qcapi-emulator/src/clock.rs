//! Time helpers: the real clock (for signature freshness), and core's date formatting.

use std::time::{SystemTime, UNIX_EPOCH};

/// The real UNIX time in seconds (0 if the system clock is before 1970).
pub(crate) fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Formats UNIX seconds as `YYYY-MM-DD HH:MM:SS` in UTC, the legacy API's timestamp format.
pub(crate) use qcapi_core::time::format_datetime;
/// Formats UNIX seconds as ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, as STS's `Expiration`.
pub(crate) use qcapi_core::time::format_iso8601;

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
