//! Calendar helpers: Unix seconds <-> Zoom's date (`yyyy-mm-dd`) and
//! date-time (`yyyy-MM-ddTHH:mm:ssZ`) strings, without a date crate.
//!
//! All times are UTC. Parsing is lenient where Zoom is lenient (a date-time
//! may carry fractional seconds or a `+hh:mm` offset) and returns `None` on
//! anything else, so handlers can turn it into a code-300 validation error.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date for a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `2026-11-28T20:51:57Z`
pub fn format_datetime(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `2026-11-28`
pub fn format_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `yyyy-mm-dd` into the Unix seconds of its midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(5..7)?.parse().ok()?;
    let d: u32 = s.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Parses `yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]` (no suffix = UTC).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let date = parse_date(s.get(0..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T')?;
    let hh: i64 = rest.get(0..2)?.parse().ok()?;
    if rest.get(2..3)? != ":" {
        return None;
    }
    let mm: i64 = rest.get(3..5)?.parse().ok()?;
    let (ss, mut tail) = if rest.get(5..6) == Some(":") {
        (rest.get(6..8)?.parse::<i64>().ok()?, rest.get(8..)?)
    } else {
        (0, rest.get(5..)?)
    };
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        tail = &frac[digits..];
    }
    let offset = match tail {
        "" | "Z" | "z" => 0,
        t if (t.starts_with('+') || t.starts_with('-')) && t.len() == 6 => {
            let sign = if t.starts_with('-') { -1 } else { 1 };
            let oh: i64 = t.get(1..3)?.parse().ok()?;
            if t.get(3..4)? != ":" {
                return None;
            }
            let om: i64 = t.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    Some(date + hh * 3600 + mm * 60 + ss - offset)
}

/// Parses either a `yyyy-mm-dd` date or a date-time (the phone APIs accept both).
pub fn parse_date_or_datetime(s: &str) -> Option<i64> {
    if s.len() == 10 {
        parse_date(s)
    } else {
        parse_datetime(s)
    }
}

/// The same day-of-month one calendar month later (clamped), in Unix seconds.
pub fn add_one_month(secs: i64) -> i64 {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * 86_400 + rem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        let t = parse_datetime("2026-11-28T20:51:57Z").unwrap();
        assert_eq!(format_datetime(t), "2026-11-28T20:51:57Z");
        assert_eq!(format_date(t), "2026-11-28");
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(
            parse_datetime("2026-11-28T22:51:57+02:00"),
            Some(t),
            "offsets are applied"
        );
        assert_eq!(
            add_one_month(parse_date("2026-01-31").unwrap()),
            parse_date("2026-02-28").unwrap()
        );
    }
}
