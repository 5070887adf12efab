//! Every way a host call can fail, kept apart so callers can branch on the
//! cause, each with a message that says what to do, and the CLI's exit code.

use crate::model::InvalidParam;

/// Why a call through the host failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("unknown action '{name}'{}", suggestion_text(.suggestion))]
    UnknownAction {
        name: String,
        suggestion: Option<String>,
    },

    #[error("invalid parameters for {action}: {}", list_problems(.problems))]
    InvalidParams {
        action: String,
        problems: Vec<InvalidParam>,
    },

    #[error("Zoom answered {status}{}: {message}", code_text(.code))]
    Zoom {
        status: u16,
        code: Option<i64>,
        message: String,
        body: String,
    },

    #[error("authentication failed: {0}")]
    Auth(String),

    #[error("connection '{connection}' needs a new login: {reason}; {fix}")]
    NeedsLogin {
        connection: String,
        reason: String,
        fix: String,
    },

    #[error(
        "{action} needs one of the scopes {}, which connection '{connection}' was not granted; {fix}",
        .needed.join(", ")
    )]
    MissingScope {
        action: String,
        connection: String,
        needed: Vec<String>,
        fix: String,
    },

    #[error("could not reach Zoom: {0}")]
    Transport(String),

    #[error("Zoom answered in an unexpected way: {0}")]
    UnexpectedResponse(String),

    #[error(
        "{action} tried to reach {} which is not an allowed Zoom host; the request was denied",
        .hosts.join(", ")
    )]
    EgressDenied { action: String, hosts: Vec<String> },

    #[error("{action} ran past its CPU deadline of {limit_ms} ms and was stopped")]
    Deadline { action: String, limit_ms: u128 },

    #[error("{action} did not finish within {limit_ms} ms and was stopped")]
    Timeout { action: String, limit_ms: u128 },

    #[error("{action} failed inside its component: {message}")]
    Trap { action: String, message: String },

    #[error("could not load component {source_name}: {message}")]
    Load {
        source_name: String,
        message: String,
    },

    /// A daily rate limit is used up: retrying before the reset is useless.
    #[error(
        "{action}: {limit} is used up; it resets at {resets_at} (00:00 UTC), try again after that. Zoom said: {message}"
    )]
    DailyLimit {
        action: String,
        limit: String,
        resets_at: String,
        message: String,
    },

    /// A request that changes something may have been applied by Zoom, but
    /// no answer came back; it was not sent again.
    #[error(
        "{action}: the outcome of {request} is unknown: {cause}. It was not sent again, to avoid doing it twice; {check}"
    )]
    Uncertain {
        action: String,
        /// Method and path, e.g. `POST /v2/users/me/meetings`.
        request: String,
        cause: String,
        check: String,
    },

    /// Zoom refused a `next_page_token` (code 300) that the caller passed in.
    #[error(
        "{action}: the next_page_token expired (Zoom keeps them 15 minutes); rerun without it to start from the first page"
    )]
    PageTokenExpired { action: String, message: String },

    #[error("{0}")]
    Internal(String),
}

fn suggestion_text(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean '{s}'? (`wrk-zoom actions` lists them all)"))
        .unwrap_or_else(|| "; `wrk-zoom actions` lists the available actions".into())
}

fn list_problems(problems: &[InvalidParam]) -> String {
    problems
        .iter()
        .map(|p| format!("{} {}", p.name, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn code_text(code: &Option<i64>) -> String {
    code.map(|c| format!(" (code {c})")).unwrap_or_default()
}

/// Process exit codes of the CLI, one per kind of failure.
pub mod exit {
    /// Internal failure (a bug, a broken component, I/O).
    pub const INTERNAL: i32 = 1;
    /// Invalid input: unknown action or parameter, bad value, bad usage.
    pub const INVALID_INPUT: i32 = 2;
    /// Zoom answered with an error (a daily rate limit and an expired page
    /// token included).
    pub const ZOOM: i32 = 3;
    /// Missing, expired or insufficient credentials.
    pub const AUTH: i32 = 4;
    /// Zoom could not be reached, or a request was denied or timed out, or
    /// a create/change may have reached Zoom without an answer (uncertain).
    pub const TRANSPORT: i32 = 5;
}

impl HostError {
    /// The CLI exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            HostError::UnknownAction { .. } | HostError::InvalidParams { .. } => {
                exit::INVALID_INPUT
            }
            HostError::Zoom { status: 401, .. }
            | HostError::Auth(_)
            | HostError::NeedsLogin { .. }
            | HostError::MissingScope { .. } => exit::AUTH,
            HostError::Zoom {
                code: Some(4711 | 124),
                ..
            } => exit::AUTH,
            HostError::Zoom { .. }
            | HostError::DailyLimit { .. }
            | HostError::PageTokenExpired { .. } => exit::ZOOM,
            HostError::Uncertain { .. } => exit::TRANSPORT,
            HostError::Transport(_)
            | HostError::EgressDenied { .. }
            | HostError::Timeout { .. } => exit::TRANSPORT,
            HostError::UnexpectedResponse(_)
            | HostError::Deadline { .. }
            | HostError::Trap { .. }
            | HostError::Load { .. }
            | HostError::Internal(_) => exit::INTERNAL,
        }
    }

    /// A short machine-readable name of the failure kind.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::UnknownAction { .. } => "unknown-action",
            HostError::InvalidParams { .. } => "invalid-params",
            HostError::Zoom { .. } => "zoom",
            HostError::Auth(_) => "auth",
            HostError::NeedsLogin { .. } => "needs-login",
            HostError::MissingScope { .. } => "missing-scope",
            HostError::Transport(_) => "transport",
            HostError::UnexpectedResponse(_) => "unexpected-response",
            HostError::EgressDenied { .. } => "egress-denied",
            HostError::Deadline { .. } => "deadline",
            HostError::Timeout { .. } => "timeout",
            HostError::Trap { .. } => "trap",
            HostError::Load { .. } => "load",
            HostError::DailyLimit { .. } => "daily-limit",
            HostError::Uncertain { .. } => "uncertain",
            HostError::PageTokenExpired { .. } => "page-token-expired",
            HostError::Internal(_) => "internal",
        }
    }

    /// The error as a JSON object (`--json-errors`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::json!({
            "error": self.kind(),
            "message": self.to_string(),
            "exit_code": self.exit_code(),
        });
        match self {
            HostError::InvalidParams { problems, .. } => {
                value["params"] = serde_json::to_value(problems).unwrap_or_default();
            }
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
}
