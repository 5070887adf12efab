//! Reading Zoom's 429 answers: which limit was hit, how long to wait, and
//! how to name a daily limit to a person.

use super::published::category_name;
use crate::model::RateCategory;
use std::time::Duration;

/// What a 429 means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RateLimitKind {
    /// A per-second (or per-minute) limit: wait and retry.
    PerSecond,
    /// The account's daily limit of a category.
    Daily,
    /// Zoom's per-user daily cap on meeting creates and updates (100).
    MeetingDailyCap,
}

/// Classifies a 429 from its `X-RateLimit-Type` header and Zoom's message.
pub fn classify_429(limit_type: Option<&str>, message: &str) -> RateLimitKind {
    let lower = message.to_ascii_lowercase();
    if lower.contains("meeting create/update") {
        return RateLimitKind::MeetingDailyCap;
    }
    let daily_header = limit_type.is_some_and(|t| {
        let t = t.trim().to_ascii_lowercase();
        t.starts_with("daily") || t.contains("day")
    });
    if daily_header || lower.contains("daily rate limit") {
        RateLimitKind::Daily
    } else {
        RateLimitKind::PerSecond
    }
}

/// How long `Retry-After` asks to wait: seconds, or a date-time
/// (`2020-05-31T00:00:00Z`, as Zoom sends on daily limits, or an HTTP date).
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // Out of range (`1e300`, `NaN`, negative) is no usable answer.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = crate::clock::parse_date_time(value)?;
    Some(Duration::from_secs(
        at.saturating_sub(now_unix).max(0) as u64
    ))
}

/// The latest a daily limit may reset, seen at `now_unix`: the next
/// 00:00 UTC plus a day (a limit counted on a day other than UTC's still
/// resets within it). One answer can never lock a category for longer.
pub fn latest_daily_reset(now_unix: i64) -> i64 {
    crate::clock::next_utc_midnight(now_unix) + 86_400
}

/// When a daily limit resets: the date-time Zoom gave in `Retry-After` when
/// it is in the future, else the next 00:00 UTC (Unix seconds); never later
/// than `latest_daily_reset`, whatever the answer said
/// (`9999-12-31T23:59:59Z`).
pub fn daily_reset(retry_after: Option<&str>, now_unix: i64) -> i64 {
    retry_after
        .and_then(crate::clock::parse_date_time)
        .filter(|t| *t > now_unix)
        .unwrap_or_else(|| crate::clock::next_utc_midnight(now_unix))
        .min(latest_daily_reset(now_unix))
}

/// The daily limit that was hit, in words, e.g. "Zoom's per-user daily limit
/// of 100 meeting creates and updates". `limit` is `X-RateLimit-Limit`;
/// `category` the category of the request (or the one Zoom reported).
pub fn daily_limit_description(
    kind: &RateLimitKind,
    limit: Option<&str>,
    category: RateCategory,
) -> String {
    let limit = limit.map(str::trim).filter(|v| !v.is_empty());
    if *kind == RateLimitKind::MeetingDailyCap {
        format!(
            "Zoom's per-user daily limit of {} meeting creates and updates",
            limit.unwrap_or("100")
        )
    } else {
        format!(
            "Zoom's daily {} rate limit for the account{}",
            category_name(category),
            limit
                .map(|n| format!(" ({n} requests a day)"))
                .unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_429s() {
        assert_eq!(
            classify_429(Some("Daily-limit"), "whatever"),
            RateLimitKind::Daily
        );
        assert_eq!(
            classify_429(
                Some("QPS"),
                "You have reached the maximum per-second rate limit for this API. Try again later."
            ),
            RateLimitKind::PerSecond
        );
        assert_eq!(
            classify_429(
                None,
                "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user."
            ),
            RateLimitKind::MeetingDailyCap
        );
        assert_eq!(classify_429(None, ""), RateLimitKind::PerSecond);
    }

    #[test]
    fn retry_after_in_seconds_and_dates() {
        assert_eq!(parse_retry_after("1", 0), Some(Duration::from_secs(1)));
        let now = crate::clock::parse_date_time("2020-05-30T23:59:00Z").unwrap();
        assert_eq!(
            parse_retry_after("2020-05-31T00:00:00Z", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun, 31 May 2020 00:00:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        for absurd in ["1e300", "NaN", "-1", "inf"] {
            assert_eq!(parse_retry_after(absurd, now), None, "{absurd}");
        }
        // Huge but representable: the retry loop caps any wait it is asked for.
        assert!(parse_retry_after("1e19", now).is_some());
        assert_eq!(crate::clock::format_utc(now + 60), "2020-05-31T00:00:00Z");
        assert_eq!(
            crate::clock::format_utc(crate::clock::next_utc_midnight(now)),
            "2020-05-31T00:00:00Z"
        );
    }

    #[test]
    fn a_daily_reset_is_at_most_a_day_after_the_next_utc_midnight() {
        let now = 1_700_000_000;
        let latest = crate::clock::next_utc_midnight(now) + 86_400;
        assert_eq!(latest_daily_reset(now), latest);
        assert_eq!(daily_reset(Some("9999-12-31T23:59:59Z"), now), latest);
        assert_eq!(
            daily_reset(Some("Fri, 31 Dec 9999 23:59:59 GMT"), now),
            latest
        );
        // Zoom's own answer (the next midnight, or a little later) stands.
        let tomorrow = crate::clock::format_utc(crate::clock::next_utc_midnight(now));
        assert_eq!(
            daily_reset(Some(&tomorrow), now),
            crate::clock::next_utc_midnight(now)
        );
        assert_eq!(
            daily_reset(Some(&crate::clock::format_utc(latest)), now),
            latest
        );
        assert_eq!(daily_reset(None, now), crate::clock::next_utc_midnight(now));
    }

    proptest::proptest! {
        #[test]
        fn reading_any_429_never_panics(
            retry_after in ".{0,30}",
            limit_type in proptest::option::of(".{0,20}"),
            message in ".{0,60}",
            limit in proptest::option::of(".{0,12}"),
            now in 0i64..4_000_000_000,
        ) {
            let _ = parse_retry_after(&retry_after, now);
            let kind = classify_429(limit_type.as_deref(), &message);
            let reset = daily_reset(Some(&retry_after), now);
            proptest::prop_assert!(reset > now && reset <= latest_daily_reset(now));
            let _ = crate::clock::format_utc(reset);
            let _ = daily_limit_description(&kind, limit.as_deref(), RateCategory::Heavy);
        }
    }
}
