//! Meeting IDs, meeting UUIDs and user IDs, and how each goes into a path.
//!
//! Zoom's rule: a UUID that begins with `/` or contains `//` must be
//! double-encoded (`/` becomes `%252F`); every other UUID is encoded once
//! (`+`, `=` and `/` are escaped). Numeric meeting IDs may be written with
//! spaces or dashes (`851 2345 6789`, `851-2345-6789`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters is escaped in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A meeting as a path parameter: its numeric ID or one instance's UUID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeetingRef {
    /// A numeric meeting ID (the latest instance, for past meetings).
    Id(u64),
    /// One instance's UUID, as Zoom wrote it.
    Uuid(String),
}

impl MeetingRef {
    /// The path segment for this meeting, encoded the way Zoom requires.
    pub fn path_segment(&self) -> String {
        match self {
            MeetingRef::Id(id) => id.to_string(),
            MeetingRef::Uuid(uuid) => encode_uuid(uuid),
        }
    }
}

/// Percent-encodes one path segment.
pub fn encode_segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// Encodes a meeting UUID for a path, double-encoding when Zoom requires it.
pub fn encode_uuid(uuid: &str) -> String {
    let once = encode_segment(uuid);
    if needs_double_encoding(uuid) {
        encode_segment(&once)
    } else {
        once
    }
}

/// Zoom's rule: a UUID that begins with `/` or contains `//`.
pub fn needs_double_encoding(uuid: &str) -> bool {
    uuid.starts_with('/') || uuid.contains("//")
}

/// The meeting ID in a Zoom join link such as
/// `https://us05web.zoom.us/j/81234567890?pwd=…` (any `*.zoom.us` or
/// `zoomgov.com` host: regional and vanity ones too; `/j/`, `/w/`, `/s/`,
/// `/wc/join/` and `/wc/<id>/join` paths); `None` when `text` is no URL.
pub fn meeting_id_from_link(text: &str) -> Option<Result<u64, String>> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].to_ascii_lowercase();
    let host = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    let zoom = ["zoom.us", "zoomgov.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if !zoom {
        return Some(Err(format!(
            "'{text}' is not a Zoom link; give the meeting ID (85123456789) or a join link on a zoom.us host"
        )));
    }
    let path = rest[end..].split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let id = match segments.as_slice() {
        ["j" | "w" | "s", id, ..] => Some(*id),
        ["wc", "join", id, ..] => Some(*id),
        ["wc", id, "join" | "start", ..] => Some(*id),
        _ => None,
    };
    Some(match id {
        Some(id) => parse_meeting_id(id)
            .map_err(|_| format!("the link '{text}' holds no numeric meeting ID")),
        None => Err(format!(
            "the link '{text}' holds no meeting ID (join links look like https://zoom.us/j/85123456789); give the meeting ID"
        )),
    })
}

/// Parses a numeric meeting ID, accepting spaces and dashes between digits,
/// or a Zoom join link (reduced to its meeting ID).
pub fn parse_meeting_id(text: &str) -> Result<u64, String> {
    if let Some(from_link) = meeting_id_from_link(text.trim()) {
        return from_link;
    }
    let digits: String = text.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "must be a numeric meeting ID such as 85123456789 (spaces and dashes allowed), got '{text}'"
        ));
    }
    match digits.parse::<u64>() {
        Ok(id) if id > 0 && id <= i64::MAX as u64 => Ok(id),
        _ => Err(format!("'{text}' is not a valid meeting ID (out of range)")),
    }
}

/// Parses a meeting ID or an instance UUID (Zoom UUIDs are base64 text).
pub fn parse_meeting_ref(text: &str) -> Result<MeetingRef, String> {
    let trimmed = text.trim();
    if let Some(from_link) = meeting_id_from_link(trimmed) {
        return from_link.map(MeetingRef::Id);
    }
    let looks_numeric = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if looks_numeric {
        return parse_meeting_id(trimmed).map(MeetingRef::Id);
    }
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_');
    if trimmed.len() >= 8 && trimmed.chars().all(base64) {
        Ok(MeetingRef::Uuid(trimmed.to_string()))
    } else {
        Err(format!(
            "must be a numeric meeting ID (85123456789) or a meeting UUID (like 4444AAAiAAAAAiAiAiiAii==), got '{text}'"
        ))
    }
}

/// Checks a user reference: `me`, an email address, or a Zoom user ID.
pub fn parse_user_id(text: &str) -> Result<String, String> {
    let t = text.trim();
    let is_email = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !t.contains(char::is_whitespace)
    });
    let is_id = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if is_email || is_id {
        Ok(t.to_string())
    } else {
        Err(format!(
            "must be `me`, a user ID (like KDcuGIm1QgePTO8WbOqwIQ) or an email address, got '{text}'"
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn join_links_are_reduced_to_their_meeting_id() {
        for link in [
            "https://us05web.zoom.us/j/81234567890?pwd=abcDEF123",
            "https://zoom.us/j/81234567890",
            "https://acme.zoom.us/j/81234567890#success",
            "https://us02web.zoom.us/w/81234567890?tk=x",
            "https://zoom.us/s/81234567890",
            "https://app.zoom.us/wc/join/81234567890",
            "https://zoom.us/wc/81234567890/join?pwd=x",
            "https://acme.zoomgov.com/j/81234567890",
            "http://zoom.us:443/j/81234567890",
        ] {
            assert_eq!(parse_meeting_id(link), Ok(81_234_567_890), "{link}");
            assert_eq!(
                parse_meeting_ref(link),
                Ok(MeetingRef::Id(81_234_567_890)),
                "{link}"
            );
        }
        for (link, says) in [
            ("https://evil.example/j/81234567890", "not a Zoom link"),
            (
                "https://zoom.us.evil.example/j/81234567890",
                "not a Zoom link",
            ),
            ("https://zoom.us/my/ada.lovelace", "holds no meeting ID"),
            ("https://zoom.us/j/notanumber", "no numeric meeting ID"),
        ] {
            let err = parse_meeting_id(link).unwrap_err();
            assert!(err.contains(says), "{link}: {err}");
        }
    }

    use super::*;

    #[test]
    fn uuid_with_leading_slash_is_double_encoded() {
        assert_eq!(
            encode_uuid("/ajXp112QmuoKj4854875=="),
            "%252FajXp112QmuoKj4854875%253D%253D"
        );
    }

    #[test]
    fn uuid_with_double_slash_is_double_encoded() {
        assert_eq!(
            encode_uuid("Ab//cd3eF+g=="),
            "Ab%252F%252Fcd3eF%252Bg%253D%253D"
        );
    }

    #[test]
    fn ordinary_uuid_is_encoded_once() {
        assert_eq!(encode_uuid("aB/c+d=="), "aB%2Fc%2Bd%3D%3D");
        assert_eq!(
            encode_uuid("4444AAAiAAAAAiAiAiiAii=="),
            "4444AAAiAAAAAiAiAiiAii%3D%3D"
        );
    }

    #[test]
    fn meeting_ids_accept_spaces_and_dashes() {
        assert_eq!(parse_meeting_id("851 2345 6789"), Ok(85123456789));
        assert_eq!(parse_meeting_id("851-2345-6789"), Ok(85123456789));
        assert!(
            parse_meeting_id("85a")
                .unwrap_err()
                .contains("numeric meeting ID")
        );
        assert!(parse_meeting_id("").is_err());
        assert!(parse_meeting_id("99999999999999999999").is_err());
    }

    #[test]
    fn meeting_ref_tells_ids_from_uuids() {
        assert_eq!(
            parse_meeting_ref("851 2345 6789"),
            Ok(MeetingRef::Id(85123456789))
        );
        assert_eq!(
            parse_meeting_ref("/ajXp112QmuoKj4854875=="),
            Ok(MeetingRef::Uuid("/ajXp112QmuoKj4854875==".into()))
        );
        assert!(parse_meeting_ref("not a uuid!").is_err());
    }

    #[test]
    fn user_ids_are_me_ids_or_emails() {
        assert!(parse_user_id("me").is_ok());
        assert!(parse_user_id("ada@example.com").is_ok());
        assert!(parse_user_id("KDcuGIm1QgePTO8WbOqwIQ").is_ok());
        assert!(parse_user_id("../admin").is_err());
        assert!(parse_user_id("a b").is_err());
    }

    mod properties {
        use super::*;
        use crate::test_support::hostile_text;
        use percent_encoding::percent_decode_str;
        use proptest::prelude::*;

        fn decode(text: &str) -> String {
            percent_decode_str(text)
                .decode_utf8()
                .expect("UTF-8")
                .into_owned()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any text is one segment: nothing unencoded, no `/`, decodes back.
            #[test]
            fn any_text_encodes_to_one_segment(text in hostile_text()) {
                let segment = encode_segment(&text);
                prop_assert!(segment.bytes().all(|b| b.is_ascii_graphic() && b != b'/'));
                prop_assert_eq!(decode(&segment), text.clone());
                let uuid = encode_uuid(&text);
                prop_assert!(uuid.bytes().all(|b| b.is_ascii_graphic() && b != b'/'));
                let once = decode(&uuid);
                if needs_double_encoding(&text) {
                    prop_assert_eq!(decode(&once), text);
                } else {
                    prop_assert_eq!(once, text);
                }
            }

            /// Any text is a meeting ID, a meeting UUID, a user ID, or refused
            /// with a message; accepted ones are in range and make safe segments.
            #[test]
            fn any_text_parses_as_an_id_or_is_refused(text in hostile_text()) {
                if let Ok(id) = parse_meeting_id(&text) {
                    prop_assert!(id > 0 && id <= i64::MAX as u64);
                }
                match parse_meeting_ref(&text) {
                    Ok(meeting) => {
                        if let MeetingRef::Id(id) = meeting {
                            prop_assert!(id > 0 && id <= i64::MAX as u64);
                        }
                        let segment = meeting.path_segment();
                        prop_assert!(!segment.is_empty());
                        prop_assert!(!matches!(segment.as_str(), "." | ".."));
                        prop_assert!(segment.bytes().all(|b| b.is_ascii_graphic() && b != b'/'));
                    }
                    Err(message) => prop_assert!(!message.is_empty()),
                }
                match parse_user_id(&text) {
                    Ok(user) => {
                        // An email may hold `/` or `..`; as a segment it is encoded.
                        let segment = encode_segment(&user);
                        prop_assert!(!segment.is_empty());
                        prop_assert!(!matches!(segment.as_str(), "." | ".."));
                    }
                    Err(message) => prop_assert!(!message.is_empty()),
                }
            }

            /// Digit strings with spaces and dashes, any length.
            #[test]
            fn numeric_text_never_panics(text in "[0-9 -]{0,60}") {
                let _ = parse_meeting_id(&text);
                let _ = parse_meeting_ref(&text);
            }
        }
    }
}
