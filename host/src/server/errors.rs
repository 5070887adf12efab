//! What a caller is told of an error (an HTTP status per category, the
//! error object without internal details), and what only the log is told.

use crate::error::json::to_json;
use crate::error::{ErrorCategory, HostError};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The HTTP status the server answers a failure with.
pub fn http_status(error: &HostError) -> StatusCode {
    match error.category() {
        ErrorCategory::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorCategory::Auth => StatusCode::FORBIDDEN,
        ErrorCategory::Zoom | ErrorCategory::Transport | ErrorCategory::Uncertain => {
            StatusCode::BAD_GATEWAY
        }
        ErrorCategory::Timeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorCategory::Store | ErrorCategory::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a caller of `serve` (the REST API or `/mcp`) is told of `error`:
/// internal details (file paths, stored connection names, store and
/// database messages, error chains) go to the server's log only.
pub fn public_message(error: &HostError) -> String {
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
