//! Wall-clock time as Zoom writes it: Unix seconds, RFC 3339 UTC
//! (`2026-11-28T21:00:00Z`, token expiries and rate-limit resets) and HTTP
//! dates (`Retry-After`). The one place the host reads or formats dates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch (Zoom's `event_ts`).
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn system_time(unix: i64) -> SystemTime {
    if unix >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(unix.unsigned_abs())
    }
}

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z).
const LAST_WRITABLE: i64 = 253_402_300_799;

/// `2026-11-28T21:00:00Z` for Unix seconds. Total: a time before 1970 or
/// after 9999 (from a server's absurd header) is written as the nearest
/// end of that range instead of failing.
pub fn format_utc(unix: i64) -> String {
    humantime::format_rfc3339_seconds(system_time(unix.clamp(0, LAST_WRITABLE))).to_string()
}

/// Unix seconds of an RFC 3339 UTC date-time (`2020-05-31T00:00:00Z`, as
/// Zoom sends in `Retry-After` on daily limits) or an HTTP date
/// (`Sun, 31 May 2020 00:00:00 GMT`).
pub fn parse_date_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let at = humantime::parse_rfc3339_weak(text)
        .ok()
        .or_else(|| httpdate::parse_http_date(text).ok())?;
    Some(match at.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    })
}

/// The next 00:00 UTC after `unix`, when Zoom's daily limits reset.
pub fn next_utc_midnight(unix: i64) -> i64 {
    unix - unix.rem_euclid(86_400) + 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_utc_date_times() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_795_900_000), "2026-11-28T21:06:40Z");
        assert_eq!(parse_date_time("2026-11-28T21:06:40Z"), Some(1_795_900_000));
        assert_eq!(
            parse_date_time("Sun, 31 May 2020 00:00:00 GMT"),
            parse_date_time("2020-05-31T00:00:00Z")
        );
        assert_eq!(parse_date_time("soon"), None);
    }

    #[test]
    fn absurd_times_are_written_without_failing() {
        assert_eq!(format_utc(-1), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(253_402_300_800), "9999-12-31T23:59:59Z");
        assert_eq!(format_utc(i64::MAX), "9999-12-31T23:59:59Z");
        let leap = parse_date_time("9999-12-31T23:59:60Z").unwrap();
        assert_eq!(format_utc(leap), "9999-12-31T23:59:59Z");
    }

    proptest::proptest! {
        #[test]
        fn parsing_and_formatting_never_panic(text in ".{0,40}", unix in proptest::num::i64::ANY) {
            let _ = parse_date_time(&text);
            let _ = format_utc(unix);
            let _ = next_utc_midnight(unix.clamp(i64::MIN / 2, i64::MAX / 2));
        }
    }

    #[test]
    fn daily_limits_reset_at_the_next_utc_midnight() {
        let evening = parse_date_time("2020-05-30T23:59:00Z").unwrap();
        assert_eq!(
            format_utc(next_utc_midnight(evening)),
            "2020-05-31T00:00:00Z"
        );
        let midnight = parse_date_time("2020-05-31T00:00:00Z").unwrap();
        assert_eq!(
            format_utc(next_utc_midnight(midnight)),
            "2020-06-01T00:00:00Z"
        );
    }
}
