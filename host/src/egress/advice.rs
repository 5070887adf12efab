//! Zoom-specific wording for people: Zoom's message out of an error body,
//! and what to check before resending a request whose outcome is unknown.

/// Zoom's `message` from an error body, else the body itself (shortened).
pub fn zoom_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
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
