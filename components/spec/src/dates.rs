//! Calendar dates and date-times as Zoom accepts them, and the one-month
//! windows of report, recording and phone lists.

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, from 1.
    pub day: u32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// Parses `yyyy-mm-dd`, checking that the day exists.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = &text[r];
            s.chars()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// The same day one month later, clamped to the month's end (Jan 31 → Feb 28).
    pub fn plus_one_month(self) -> Date {
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Date {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }

    /// The day before.
    pub fn previous_day(self) -> Date {
        match (self.day, self.month) {
            (1, 1) => Date {
                year: self.year - 1,
                month: 12,
                day: 31,
            },
            (1, month) => Date {
                year: self.year,
                month: month - 1,
                day: days_in_month(self.year, month - 1),
            },
            (day, _) => Date {
                day: day - 1,
                ..self
            },
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Parses `yyyy-MM-ddTHH:mm:ss` with an optional `Z`, returning its date.
pub fn parse_date_time(text: &str) -> Option<Date> {
    let (date, time) = text.split_once('T')?;
    let time = time.strip_suffix('Z').unwrap_or(time);
    let t = time.as_bytes();
    let ok_time = t.len() == 8
        && t[2] == b':'
        && t[5] == b':'
        && [&time[0..2], &time[3..5], &time[6..8]]
            .iter()
            .zip([23, 59, 59])
            .all(|(part, max)| {
                part.chars().all(|c| c.is_ascii_digit())
                    && part.parse::<u32>().is_ok_and(|v| v <= max)
            });
    if ok_time { Date::parse(date) } else { None }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A meeting time as people write it, in the form Zoom documents:
/// `yyyy-MM-ddTHH:mm:ssZ` for a moment in UTC (from `Z` or an offset such as
/// `+02:00`, converted), `yyyy-MM-ddTHH:mm:ss` for a local time to be read
/// in the meeting's `timezone`. Seconds may be left out, fractions of a
/// second are dropped, and a space may stand for the `T`.
pub fn normalize_date_time(text: &str) -> Option<String> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let date = Date::parse(date)?;
    // The clock part, then what follows it (fraction, zone).
    let clock_len = time
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(time.len());
    let (clock, mut rest) = time.split_at(clock_len);
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |s: &str, max: u32| -> Option<u32> {
        (s.len() == 2 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())?
            .filter(|v| *v <= max)
    };
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] => (number(h, 23)?, number(m, 59)?, 0),
        [h, m, s] => (number(h, 23)?, number(m, 59)?, number(s, 59)?),
        _ => return None,
    };
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset_minutes: Option<i64> = match rest {
        "" => None,
        "Z" | "z" => Some(0),
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !zone[1..].chars().all(|c| c.is_ascii_digit() || c == ':') {
                return None;
            }
            let (h, m) = (number(&digits[..2], 23)?, number(&digits[2..], 59)?);
            Some(sign * i64::from(h * 60 + m))
        }
    };
    let Some(offset) = offset_minutes else {
        return Some(format!(
            "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}",
            date.year, date.month, date.day
        ));
    };
    let local = days_from_civil(i64::from(date.year), date.month, date.day) * 1440
        + i64::from(hour * 60 + minute);
    let utc = local - offset;
    let (year, month, day) = civil_from_days(utc.div_euclid(1440));
    let minutes = utc.rem_euclid(1440);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{second:02}Z",
        minutes / 60,
        minutes % 60
    ))
}

/// Parses either form accepted by Zoom Phone lists: a date or a UTC date-time.
pub fn parse_date_or_date_time(text: &str) -> Option<Date> {
    Date::parse(text).or_else(|| text.ends_with('Z').then(|| parse_date_time(text))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_before_crosses_months_and_years() {
        let day = |t| Date::parse(t).unwrap();
        assert_eq!(day("2026-03-01").previous_day().to_string(), "2026-02-28");
        assert_eq!(day("2028-03-01").previous_day().to_string(), "2028-02-29");
        assert_eq!(day("2027-01-01").previous_day().to_string(), "2026-12-31");
        assert_eq!(day("2026-12-15").previous_day().to_string(), "2026-12-14");
    }

    #[test]
    fn meeting_times_are_written_as_zoom_documents_them() {
        for (given, sent) in [
            ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"),
            ("2026-12-01T09:00:00.250Z", "2026-12-01T09:00:00Z"),
            ("2026-12-01T11:00:00+02:00", "2026-12-01T09:00:00Z"),
            ("2026-12-01T11:00:00.5+0200", "2026-12-01T09:00:00Z"),
            ("2026-12-01T01:30:00+02:00", "2026-11-30T23:30:00Z"),
            ("2026-12-31T20:00:00-05:00", "2027-01-01T01:00:00Z"),
            ("2028-02-29T23:00:00-01:00", "2028-03-01T00:00:00Z"),
            ("2026-12-01T09:00", "2026-12-01T09:00:00"),
            ("2026-12-01 09:00:00", "2026-12-01T09:00:00"),
            ("2026-12-01T09:00:00", "2026-12-01T09:00:00"),
        ] {
            assert_eq!(normalize_date_time(given).as_deref(), Some(sent), "{given}");
        }
        for bad in [
            "2026-12-01",
            "2026-12-01T25:00:00Z",
            "2026-02-30T09:00:00Z",
            "2026-12-01T09:00:00+2",
            "2026-12-01T09:00:00.Z",
            "2026-12-01T09:00:00 PST",
            "tomorrow",
        ] {
            assert_eq!(normalize_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_must_exist() {
        assert!(Date::parse("2026-02-28").is_some());
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("26-01-01").is_none());
        assert!(Date::parse("2026/01/01").is_none());
    }

    #[test]
    fn one_month_later_clamps_to_month_end() {
        let jan31 = Date::parse("2026-01-31").unwrap();
        assert_eq!(jan31.plus_one_month(), Date::parse("2026-02-28").unwrap());
        let dec15 = Date::parse("2026-12-15").unwrap();
        assert_eq!(dec15.plus_one_month(), Date::parse("2027-01-15").unwrap());
    }

    #[test]
    fn date_times_are_iso_8601() {
        assert!(parse_date_time("2026-12-01T15:00:00Z").is_some());
        assert!(parse_date_time("2026-12-01T15:00:00").is_some());
        assert!(parse_date_time("2026-12-01T25:00:00Z").is_none());
        assert!(parse_date_time("2026-12-01 15:00").is_none());
        assert!(parse_date_or_date_time("2026-12-01").is_some());
        assert!(parse_date_or_date_time("2026-12-01T10:00:00Z").is_some());
        assert!(parse_date_or_date_time("2026-12-01T10:00:00").is_none());
    }

    mod properties {
        use super::*;
        use crate::test_support::hostile_text;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any text: a parsed date is exactly the text, and exists.
            #[test]
            fn any_text_parses_to_a_real_date_or_none(text in hostile_text()) {
                for parsed in [
                    Date::parse(&text),
                    parse_date_time(&text),
                    parse_date_or_date_time(&text),
                ]
                .into_iter()
                .flatten()
                {
                    prop_assert!((1..=12).contains(&parsed.month));
                    prop_assert!(parsed.day >= 1 && parsed.day <= days_in_month(parsed.year, parsed.month));
                    prop_assert!(parsed.plus_one_month() > parsed);
                }
                if let Some(date) = Date::parse(&text) {
                    prop_assert_eq!(
                        format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
                        text
                    );
                }
            }

            /// Date-shaped text around the edges: out-of-range parts, signs,
            /// multi-byte characters where digits belong.
            #[test]
            fn date_shaped_text_never_panics(
                text in "[0-9+é-]{4}-[0-9+é-]{2}-[0-9+é-]{2}(T[0-9é]{2}:[0-9é]{2}:[0-9é]{2}Z?)?",
            ) {
                let _ = parse_date_or_date_time(&text);
                let _ = parse_date_time(&text);
                if let Some(date) = Date::parse(&text) {
                    prop_assert!(date.plus_one_month() > date);
                }
            }

            /// Every real date from year 0 to 9999 parses, and one month
            /// later is a real date.
            #[test]
            fn real_dates_parse(year in 0i32..=9999, month in 1u32..=12, day in 1u32..=31) {
                let text = format!("{year:04}-{month:02}-{day:02}");
                let exists = day <= days_in_month(year, month);
                prop_assert_eq!(Date::parse(&text).is_some(), exists);
                if let Some(date) = Date::parse(&text) {
                    let next = date.plus_one_month();
                    let next_text = format!("{:04}-{:02}-{:02}", next.year, next.month, next.day);
                    prop_assert!(next.year > 9999 || Date::parse(&next_text) == Some(next));
                    let stamp = format!("{text}T23:59:59Z");
                    prop_assert_eq!(parse_date_or_date_time(&stamp), Some(date));
                }
            }
        }
    }
}

/// Unix milliseconds as a UTC date-time, `yyyy-MM-ddTHH:mm:ssZ` (Zoom's
/// form; the milliseconds are dropped).
pub fn format_unix_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod format_tests {
    use super::format_unix_millis;

    #[test]
    fn unix_millis_format_as_zoom_date_times() {
        assert_eq!(format_unix_millis(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_unix_millis(1_626_230_691_572),
            "2021-07-14T02:44:51Z"
        );
        assert_eq!(format_unix_millis(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(
            format_unix_millis(4_102_444_799_999),
            "2099-12-31T23:59:59Z"
        );
        assert_eq!(format_unix_millis(-1_000), "1969-12-31T23:59:59Z");
    }
}
