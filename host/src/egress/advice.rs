//! Zoom-specific wording for people: Zoom's message out of an error body,
//! and what to check before resending a request whose outcome is unknown.

/// The longest message kept from an answer, in bytes: it is stored (in
/// PostgreSQL, shared by every replica) and repeated in every refusal until
/// the limit resets, so one answer must not make it huge.
pub const MESSAGE_LIMIT: usize = 500;

/// Zoom's `message` from an error body, else the body itself (shortened),
/// at most [`MESSAGE_LIMIT`] bytes, cut on a character boundary.
pub fn zoom_message(body: &[u8]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    shortened(message, MESSAGE_LIMIT)
}

/// `text` cut to at most `limit` bytes on a character boundary, with `…`
/// (counted in the limit) when something was cut.
fn shortened(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// What to check after a POST that may have been applied.
pub fn uncertain_check(path: &str, body: &[u8]) -> String {
    let topic = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("topic")?.as_str().map(str::to_string));
    let rest = path.trim_start_matches('/');
    let rest = rest.strip_prefix("v2/").unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    if let ["users", user, "meetings"] = segs.as_slice() {
        let topic = topic
            .map(|t| format!(" with topic '{t}'"))
            .unwrap_or_default();
        return format!(
            "list the meetings of user '{user}' (retrieve-meetings, GET /users/{user}/meetings) and look for a meeting{topic} created just now before creating it again"
        );
    }
    format!(
        "check in Zoom (GET the resource this POST {path} creates or changes) whether it was applied before sending it again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_bounded_on_a_character_boundary() {
        let huge = serde_json::json!({"message": "x".repeat(1_000_000)}).to_string();
        let message = zoom_message(huge.as_bytes());
        assert!(message.len() <= MESSAGE_LIMIT, "{}", message.len());
        assert!(message.starts_with("xxx") && message.ends_with('…'));
        // Two-byte characters straddling the limit.
        let wide = serde_json::json!({"message": "é".repeat(1_000)}).to_string();
        let message = zoom_message(wide.as_bytes());
        assert!(message.len() <= MESSAGE_LIMIT && message.ends_with("é…"));
        let short = br#"{"message": "Too many requests."}"#;
        assert_eq!(zoom_message(short), "Too many requests.");
        assert_eq!(zoom_message(b"<html>busy</html>"), "<html>busy</html>");
    }
}
