//! Path-segment decoding: meeting IDs vs UUIDs and Zoom's double-encoding rule.
//!
//! Zoom: "If you provide a meeting UUID that begins with a `/` character or
//! contains the `//` characters, you must double encode the meeting UUID".
//! The simulator sees the raw (still percent-encoded) segment and:
//! 1. decodes it once;
//! 2. if the result still holds a `%XX` escape, the client double-encoded it:
//!    decodes again (fine for any UUID);
//! 3. otherwise, a value starting with `/` or containing `//` means the client
//!    encoded such a UUID only once; Zoom's gateway would have turned it back
//!    into path separators, so the simulator answers 404 code 3001.
//!
//! All-digit values are meeting IDs (int64); anything else is a UUID.

use crate::errors::ApiError;
use percent_encoding::percent_decode_str;

/// What a `{meetingId}` path segment names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingRef {
    /// A numeric meeting ID (the latest instance where an instance is meant).
    Id(i64),
    /// A meeting-instance UUID, fully decoded.
    Uuid(String),
}

impl MeetingRef {
    /// How the reference is shown in error messages.
    pub fn display(&self) -> String {
        match self {
            MeetingRef::Id(id) => id.to_string(),
            MeetingRef::Uuid(u) => u.clone(),
        }
    }
}

/// Decodes one raw path segment once (lossy UTF-8).
pub fn decode_once(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// True if `s` holds a `%` followed by two hex digits.
pub fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Decodes a raw `{meetingId}` segment (ID or UUID) following the rule above.
pub fn parse_meeting_ref(raw: &str) -> Result<MeetingRef, ApiError> {
    let once = decode_once(raw);
    if once.is_empty() {
        return Err(ApiError::route_not_found());
    }
    let value = if has_percent_escape(&once) {
        decode_once(&once)
    } else {
        if once.starts_with('/') || once.contains("//") {
            // The gateway would have seen extra path separators here.
            return Err(ApiError::meeting_not_found(&once));
        }
        once
    };
    if value.bytes().all(|b| b.is_ascii_digit()) {
        match value.parse::<i64>() {
            Ok(id) => Ok(MeetingRef::Id(id)),
            Err(_) => Err(ApiError::meeting_not_found(&value)),
        }
    } else {
        Ok(MeetingRef::Uuid(value))
    }
}

/// Decodes a raw `{meetingId}` segment that must be numeric (PATCH/DELETE/GET
/// `/meetings/{meetingId}`); anything else is "Meeting does not exist".
pub fn parse_numeric_meeting_id(raw: &str) -> Result<i64, ApiError> {
    let once = decode_once(raw);
    if !once.is_empty() && once.bytes().all(|b| b.is_ascii_digit()) {
        once.parse::<i64>()
            .map_err(|_| ApiError::meeting_not_found(&once))
    } else {
        Err(ApiError::meeting_not_found(&once))
    }
}

/// Percent-encodes a string for use as one path segment (everything but
/// unreserved characters). Exposed for tests and callers that build URLs.
pub fn encode_segment(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Zoom's double encoding: encode, then encode the result again.
pub fn double_encode_segment(s: &str) -> String {
    encode_segment(&encode_segment(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_and_uuids() {
        assert_eq!(
            parse_meeting_ref("85746065").unwrap(),
            MeetingRef::Id(85746065)
        );
        assert_eq!(
            parse_meeting_ref("4RsgjlMtQ6uOqd3%2B5cq%2FkA%3D%3D").unwrap(),
            MeetingRef::Uuid("4RsgjlMtQ6uOqd3+5cq/kA==".into())
        );
        assert_eq!(
            parse_meeting_ref(&double_encode_segment("/ajXp112QmuoKj4854875==")).unwrap(),
            MeetingRef::Uuid("/ajXp112QmuoKj4854875==".into())
        );
        let err = parse_meeting_ref(&encode_segment("/ajXp112QmuoKj4854875==")).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::NOT_FOUND);
        let err = parse_meeting_ref(&encode_segment("Ab//cd3eF+g==")).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::NOT_FOUND);
    }
}
