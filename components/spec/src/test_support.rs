//! Helpers shared by the unit tests: parameter pairs, a valid sample value
//! for each parameter, and hostile text for the property tests.

use crate::{Param, ParamType};
use proptest::prelude::*;

/// `[("a", "b")]` as owned parameter pairs.
pub fn raw(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A minimal valid value for a parameter of this kind.
pub fn sample(param: &Param) -> String {
    let text = match (param.name, param.kind) {
        ("path", _) => "/users/me",
        ("from", _) => "2026-11-01",
        ("to", _) => "2026-11-28",
        (_, ParamType::Choice(choices) | ParamType::TextList(choices)) if !choices.is_empty() => {
            choices[0]
        }
        (_, ParamType::MeetingId | ParamType::MeetingIdOrUuid) => "85123456789",
        (_, ParamType::UserId) => "ada@example.com",
        (_, ParamType::Integer) => "1",
        (_, ParamType::Boolean) => "true",
        (_, ParamType::Date | ParamType::DateOrDateTime) => "2026-11-01",
        (_, ParamType::DateTime) => "2026-11-01T10:00:00Z",
        (_, ParamType::JsonObject) => "{}",
        (_, ParamType::JsonArray) => "[]",
        _ => "abc",
    };
    text.to_string()
}

/// Values a hostile caller would try: dot segments and their encodings,
/// numbers at and past the limits, dates that do not exist, broken JSON,
/// control and bidi characters, multi-byte text.
pub const SPECIAL: &[&str] = &[
    "",
    " ",
    "\t",
    "\r\n",
    "\0",
    ".",
    "..",
    "...",
    "./",
    "../..",
    "%2e",
    "%2e%2e",
    "%2E%2E",
    "%252e%252e",
    ".%2e",
    "%2e.",
    "/",
    "//",
    "\\",
    "/..",
    "..\\..",
    "?x=1",
    "#frag",
    "{userId}",
    "-1",
    "0",
    "+1",
    "00000000000000000001",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "1e400",
    "NaN",
    "0x10",
    "851 2345 6789",
    "---",
    "   -  ",
    "true",
    "TRUE",
    "null",
    "{}",
    "[]",
    "{\"a\":",
    "[[[[[[[[",
    "{\"a\":1e999}",
    "me",
    "@.",
    "a@b.c",
    "2026-02-29",
    "2028-02-29",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "9999-12-31",
    "-999-01-01",
    "+026-01-01",
    "2026-01-01T24:00:00Z",
    "2026-01-01T23:59:59Z",
    "2026-01-01T23:59:60Z",
    "2026-01-01TZ",
    "2026-é1-01",
    "é026-01-01",
    "2026-01-01T2é:00:00Z",
    "é",
    "🦀",
    "\u{202e}",
    "\u{feff}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{fffd}",
];

/// Arbitrary text with a bias towards what breaks parsers: any Unicode,
/// control characters, huge numbers, date-, UUID- and JSON-shaped text, the
/// [`SPECIAL`] values, and very long strings.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(SPECIAL).prop_map(String::from),
        1 => any::<String>(),
        1 => "\\PC{0,40}",
        1 => "[\\x00-\\x1f\\x7f\\x{80}-\\x{9f}]{0,16}",
        1 => "[+-]?[0-9]{1,40}",
        1 => "[0-9 -]{0,30}",
        1 => "[0-9+-]{0,5}-[0-9é]{0,3}-[0-9]{0,3}(T[0-9]{0,3}:[0-9]{0,3}:[0-9]{0,3}Z?)?",
        1 => "[A-Za-z0-9+/=_.-]{0,40}",
        1 => "[.%2eE/]{0,12}",
        1 => "[{}\\[\\]\",:a-z0-9 .-]{0,40}",
        1 => "[a-z.]{1,10}@[a-z.]{0,10}",
        // Very long: a special value or one character repeated.
        1 => (prop::sample::select(SPECIAL), 1usize..500).prop_map(|(s, n)| s.repeat(n)),
        1 => (any::<char>(), 2_000usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}
