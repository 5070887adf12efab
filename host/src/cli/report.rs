//! How the CLI shows a failure: one sentence on stderr, a hint where one
//! helps, the JSON object with `--json-errors`, and an exit code per
//! [`wrk_zoom::ErrorCategory`] ([`wrk_zoom::error_json`]).

use std::io::Write;
use std::process::ExitCode;
use wrk_zoom::HostError;
use wrk_zoom::error_json::{exit_code, to_json};

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
    use axum::http::StatusCode;
    use wrk_zoom::auth::StoreError;
    use wrk_zoom::error_json::exit;
    use wrk_zoom::server::http_status;

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
