//! A failure as a program sees it: an exit code per [`ErrorCategory`] and
//! one JSON object (the CLI's `--json-errors`, the server's error bodies).

use super::{ErrorCategory, HostError};

/// Process exit codes, one per kind of failure.
pub mod exit {
    /// Internal failure (a bug, a broken component, the token store).
    pub const INTERNAL: u8 = 1;
    /// Invalid input: unknown action or parameter, bad value, bad usage.
    pub const INVALID_INPUT: u8 = 2;
    /// Zoom answered with an error (a daily rate limit and an expired page
    /// token included).
    pub const ZOOM: u8 = 3;
    /// Missing, expired or insufficient credentials.
    pub const AUTH: u8 = 4;
    /// Zoom could not be reached, or a request was denied or timed out, or
    /// a create/change may have reached Zoom without an answer (uncertain).
    pub const TRANSPORT: u8 = 5;
}

/// The exit code of a failure.
pub fn exit_code(error: &HostError) -> u8 {
    match error.category() {
        ErrorCategory::InvalidInput => exit::INVALID_INPUT,
        ErrorCategory::Auth => exit::AUTH,
        ErrorCategory::Zoom => exit::ZOOM,
        ErrorCategory::Transport | ErrorCategory::Timeout | ErrorCategory::Uncertain => {
            exit::TRANSPORT
        }
        ErrorCategory::Store | ErrorCategory::Internal => exit::INTERNAL,
    }
}

/// The error as a JSON object (`--json-errors`, `serve`'s error bodies).
pub fn to_json(error: &HostError) -> serde_json::Value {
    let mut value = serde_json::json!({
        "error": error.kind(),
        "category": error.category(),
        "message": error.to_string(),
        "exit_code": exit_code(error),
    });
    match error {
        HostError::InvalidParams { problems, .. } => {
            value["params"] = serde_json::to_value(problems).unwrap_or_default();
        }
        HostError::InvalidInput { field, .. } => value["field"] = field.clone().into(),
        HostError::Zoom {
            status, code, body, ..
        } => {
            value["status"] = (*status).into();
            value["code"] = (*code).into();
            value["body"] = serde_json::from_str(body).unwrap_or_else(|_| body.clone().into());
        }
        HostError::UnknownAction { suggestion, .. } => {
            value["suggestion"] = suggestion.clone().into();
        }
        HostError::EgressDenied { hosts, .. } => value["hosts"] = hosts.clone().into(),
        HostError::NeedsLogin { connection, .. } => {
            value["connection"] = connection.clone().into();
        }
        HostError::MissingScope {
            connection, needed, ..
        } => {
            value["connection"] = connection.clone().into();
            value["needed_scopes"] = needed.clone().into();
        }
        HostError::DailyLimit {
            limit, resets_at, ..
        } => {
            value["limit"] = limit.clone().into();
            value["resets_at"] = resets_at.clone().into();
        }
        HostError::Uncertain { request, check, .. } => {
            value["request"] = request.clone().into();
            value["check"] = check.clone().into();
        }
        _ => {}
    }
    value
}
