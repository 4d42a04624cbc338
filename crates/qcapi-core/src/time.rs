//! UTC calendar dates for UNIX seconds, both ways, without a date crate: the
//! legacy API's `YYYY-MM-DD HH:MM:SS` and ISO 8601's `YYYY-MM-DDTHH:MM:SSZ` (STS's
//! and the metadata service's `Expiration`). Pure arithmetic: no clock is read.

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

/// The inverse of [`civil_from_days`] (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// UNIX seconds as `YYYY-MM-DD HH:MM:SS` in UTC, the legacy API's timestamp format.
pub fn format_datetime(unix: i64) -> String {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// UNIX seconds as ISO 8601 in UTC: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(unix: i64) -> String {
    let mut text = format_datetime(unix).replacen(' ', "T", 1);
    text.push('Z');
    text
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` into UNIX seconds; `None` for anything else.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' || bytes[19] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (month, day) = (number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    valid.then(|| {
        days_from_civil(number(0..4).unwrap_or_default(), month, day) * 86_400
            + hour * 3600
            + minute * 60
            + second
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_both_ways() {
        fn check(text: &str, expected: Option<i64>) {
            assert_eq!(parse_iso8601(text), expected, "{text}");
            if let Some(unix) = expected {
                assert_eq!(format_iso8601(unix), text);
            }
        }
        check("1970-01-01T00:00:00Z", Some(0));
        check("2019-05-06T07:32:11Z", Some(1_557_127_931));
        check("2000-02-29T23:59:59Z", Some(951_868_799));
        check("2026-12-01T12:00:00Z", Some(1_796_126_400));
        check("1969-12-31T23:59:59Z", Some(-1));
        check("2026-13-01T12:00:00Z", None);
        check("2026-12-01 12:00:00Z", None);
        check("2026-12-01T12:00:00", None);
        check("", None);
        check("2026-12-01T12:00:0xZ", None);
    }
}
