//! How the CLI and `serve` show a failure: an exit code and an HTTP status
//! per [`ErrorCategory`], a hint where one helps, and the JSON object of
//! `--json-errors` (also `serve`'s error body).

use axum::http::StatusCode;
use std::io::Write;
use std::process::ExitCode;
use wrk_zoom::{ErrorCategory, HostError};

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

/// The HTTP status `serve` answers a failure with.
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

/// What to do next, where the message alone does not say it.
pub fn hint(error: &HostError) -> Option<&'static str> {
    match error {
        HostError::UnknownAction { .. } => Some("`wrk-zoom actions` lists the available actions"),
        HostError::Zoom { status: 401, .. } => Some(
            "the access token was refused or has expired; pass a fresh one with --token or ZOOM_ACCESS_TOKEN, or use a stored connection (`wrk-zoom auth status`)",
        ),
        HostError::Zoom {
            code: Some(4711), ..
        } => Some(
            "the token lacks a scope this action needs; add it to your Zoom app and log in again",
        ),
        HostError::Auth(_) | HostError::NoConnection { .. } => Some(
            "connect with `wrk-zoom auth login` (or `wrk-zoom auth s2s`), pass a token with --token or ZOOM_ACCESS_TOKEN, or try --sandbox",
        ),
        _ => None,
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

/// Text from Zoom or a component, made safe for a terminal: control
/// characters (C0 and C1, escape sequences) become `?`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Prints a failure on stderr (one sentence, a hint, the JSON object with
/// `json`) and returns its exit code.
pub fn report(error: &HostError, json: bool) -> ExitCode {
    // Styled on a terminal only, and never with NO_COLOR.
    let mut stderr = anstream::stderr().lock();
    let red = anstyle::AnsiColor::Red.on_default().bold();
    let _ = writeln!(
        stderr,
        "{red}error:{red:#} {}",
        printable(&error.to_string())
    );
    if let Some(hint) = hint(error) {
        let bold = anstyle::Style::new().bold();
        let _ = writeln!(stderr, "{bold}hint:{bold:#} {hint}");
    }
    if json {
        let _ = writeln!(stderr, "{}", to_json(error));
    }
    ExitCode::from(exit_code(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wrk_zoom::auth::StoreError;

    #[test]
    fn a_full_disk_is_an_internal_failure_without_a_login_hint() {
        let disk_full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let error = HostError::Store(StoreError::io(
            format!("cannot write the token store /x/connections.json: {disk_full}"),
            disk_full,
        ));
        assert_eq!(exit_code(&error), exit::INTERNAL);
        assert_eq!(hint(&error), None);
        assert_eq!(http_status(&error), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!error.to_string().contains("authentication"), "{error}");
        assert!(
            std::error::Error::source(&error).is_some(),
            "the cause is kept"
        );
    }

    #[test]
    fn messages_reach_the_terminal_without_control_characters() {
        assert_eq!(printable("a\u{1b}[31mred\u{9b}x\ny"), "a?[31mred?x?y");
    }

    #[test]
    fn every_category_has_its_exit_code_and_status() {
        let cases = [
            (
                HostError::InvalidInput {
                    field: "api_base".into(),
                    message: "bad".into(),
                },
                exit::INVALID_INPUT,
                StatusCode::BAD_REQUEST,
            ),
            (
                HostError::Auth("x".into()),
                exit::AUTH,
                StatusCode::FORBIDDEN,
            ),
            (
                HostError::Transport("x".into()),
                exit::TRANSPORT,
                StatusCode::BAD_GATEWAY,
            ),
            (
                HostError::Timeout {
                    action: "a".into(),
                    limit_ms: 1,
                },
                exit::TRANSPORT,
                StatusCode::GATEWAY_TIMEOUT,
            ),
            (
                HostError::Internal("x".into()),
                exit::INTERNAL,
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (error, code, status) in cases {
            assert_eq!(exit_code(&error), code, "{error}");
            assert_eq!(http_status(&error), status, "{error}");
        }
    }
}
