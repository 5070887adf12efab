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
    /// Zoom answered with an error.
    pub const ZOOM: i32 = 3;
    /// Missing, expired or insufficient credentials.
    pub const AUTH: i32 = 4;
    /// Zoom could not be reached, or a request was denied or timed out.
    pub const TRANSPORT: i32 = 5;
}

impl HostError {
    /// The CLI exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            HostError::UnknownAction { .. } | HostError::InvalidParams { .. } => {
                exit::INVALID_INPUT
            }
            HostError::Zoom { status: 401, .. } | HostError::Auth(_) => exit::AUTH,
            HostError::Zoom {
                code: Some(4711 | 124),
                ..
            } => exit::AUTH,
            HostError::Zoom { .. } => exit::ZOOM,
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
            HostError::Transport(_) => "transport",
            HostError::UnexpectedResponse(_) => "unexpected-response",
            HostError::EgressDenied { .. } => "egress-denied",
            HostError::Deadline { .. } => "deadline",
            HostError::Timeout { .. } => "timeout",
            HostError::Trap { .. } => "trap",
            HostError::Load { .. } => "load",
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
            _ => {}
        }
        value
    }
}
