//! What a caller is told of an error, and what only the log is told.

use super::*;

/// What a caller of `serve` (the REST API or `/mcp`) is told of `error`:
/// internal details (file paths, stored connection names, store and
/// database messages, error chains) go to the server's log only.
pub(crate) fn public_message(error: &HostError) -> String {
    let public = match error {
        HostError::UnknownConnection { name, .. } => {
            Some(format!("there is no stored connection named '{name}'"))
        }
        HostError::Load { .. } => Some("the action's component could not be loaded".into()),
        _ => match error.category() {
            ErrorCategory::Internal | ErrorCategory::Store => {
                Some("the server failed to run the action; its log has the details".into())
            }
            _ => None,
        },
    };
    match public {
        Some(message) => {
            tracing::error!("{}", log_safe(&error.to_string()));
            message
        }
        None => error.to_string(),
    }
}

/// `text` with control characters escaped, for a log line: a caller's text
/// inside an error (an action name, a parameter) cannot start a new line
/// or forge another entry.
pub(super) fn log_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// The error object a caller sees (see [`public_message`]).
pub(super) fn public_json(error: &HostError) -> serde_json::Value {
    let mut body = to_json(error);
    body["message"] = public_message(error).into();
    body
}

pub(super) fn error_response(error: &HostError) -> Response {
    (http_status(error), Json(public_json(error))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_text_in_log_lines_is_escaped() {
        assert_eq!(log_safe("plain 'text'"), "plain 'text'");
        assert_eq!(
            log_safe("a\n2026-01-01 INFO forged\r\u{1b}[31m"),
            "a\\n2026-01-01 INFO forged\\r\\u{1b}[31m"
        );
    }
}
