//! Every way a host call can fail, kept apart so callers can branch on the
//! cause, each with a message that says what to do. [`HostError::category`]
//! groups them for callers that map failures to something of their own (the
//! CLI's exit codes, `serve`'s HTTP statuses); causes are kept as sources.

pub mod json;

use crate::model::InvalidParam;

/// What kind of failure an error is, for callers that map failures to exit
/// codes, HTTP statuses or retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCategory {
    /// The caller's input is wrong (unknown action, bad parameter or value,
    /// a malformed API base): fix the input.
    InvalidInput,
    /// Missing, expired or insufficient credentials or scopes.
    Auth,
    /// Zoom answered with an error (a daily limit and an expired page token
    /// included).
    Zoom,
    /// Zoom could not be reached, or a request was denied before leaving.
    Transport,
    /// The call did not finish in its wall-clock time.
    Timeout,
    /// A request that changes something may have reached Zoom without an
    /// answer; it was not sent again.
    Uncertain,
    /// The token store could not be read or written (disk, permissions).
    Store,
    /// A bug or a broken component: nothing the caller can fix by retrying.
    Internal,
}

/// Why a call through the host failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// No action of that name is registered.
    #[error("unknown action '{name}'{}", suggestion_text(.suggestion))]
    UnknownAction {
        /// The name asked for.
        name: String,
        /// The closest registered name, if one is close.
        suggestion: Option<String>,
    },

    /// No trigger of that name is registered.
    #[error("unknown trigger '{name}'{}", suggestion_text(.suggestion))]
    UnknownTrigger {
        /// The name asked for.
        name: String,
        /// The closest registered name, if one is close.
        suggestion: Option<String>,
    },

    /// A value outside the action's parameters is wrong (e.g. the API base).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// What is wrong, as the caller named it (e.g. `api_base`).
        field: String,
        /// What is wrong with it and what would be accepted.
        message: String,
    },

    /// The component refused the parameters (every problem at once).
    #[error("invalid parameters for {action}: {}", list_problems(.problems))]
    InvalidParams {
        /// The action.
        action: String,
        /// Each refused parameter with the accepted form.
        problems: Vec<InvalidParam>,
    },

    /// Zoom answered with an error.
    #[error("Zoom answered {status}{}: {message}", code_text(.code))]
    Zoom {
        /// HTTP status.
        status: u16,
        /// Zoom's error code, when the body has one.
        code: Option<i64>,
        /// Zoom's message.
        message: String,
        /// The whole answer body.
        body: String,
    },

    /// Credentials are missing, refused or of the wrong kind.
    #[error("authentication failed: {0}")]
    Auth(String),

    /// No stored connection has that name.
    #[error("there is no connection named '{name}'{}", known_text(.known, .store))]
    UnknownConnection {
        /// The name asked for.
        name: String,
        /// The names that are stored.
        known: Vec<String>,
        /// Where the store is, for the message.
        store: String,
    },

    /// No credentials were given and no stored connection fits the action.
    #[error(
        "no access token and no stored {kind} connection: connect with {}",
        connect_command(*.kind)
    )]
    NoConnection {
        /// The kind of connection the action needs.
        kind: crate::model::ConnectionKind,
    },

    /// A stored connection's grant is gone (`invalid_grant`).
    #[error("connection '{connection}' needs a new login: {reason}; {fix}")]
    NeedsLogin {
        /// The connection's name.
        connection: String,
        /// What Zoom said.
        reason: String,
        /// The command that connects it again.
        fix: String,
    },

    #[error(
        "{action} needs one of the scopes {}, which connection '{connection}' was not granted; {fix}",
        .needed.join(", ")
    )]
    /// The connection lacks every scope that would allow the action.
    MissingScope {
        /// The action.
        action: String,
        /// The connection's name.
        connection: String,
        /// Scopes that would each allow it.
        needed: Vec<String>,
        /// How to add them.
        fix: String,
    },

    /// Zoom could not be reached.
    #[error("could not reach Zoom: {0}")]
    Transport(String),

    /// Zoom's answer was not what the action expects.
    #[error("Zoom answered in an unexpected way: {0}")]
    UnexpectedResponse(String),

    #[error(
        "{action} tried to reach {} which is not an allowed Zoom host; the request was denied",
        .hosts.join(", ")
    )]
    /// The component tried to reach a host that is not allow-listed.
    EgressDenied {
        /// The action.
        action: String,
        /// The refused origins (`scheme://host:port`).
        hosts: Vec<String>,
    },

    /// The component went past a per-call limit (requests, body or result
    /// size); the call was stopped.
    #[error("{action} went past a per-call limit: {limit}; the call was stopped")]
    CallLimit {
        /// The action.
        action: String,
        /// Which limit, in words.
        limit: String,
    },

    /// The component used up its CPU time.
    #[error("{action} ran past its CPU deadline of {limit_ms} ms and was stopped")]
    Deadline {
        /// The action.
        action: String,
        /// The CPU budget, in milliseconds.
        limit_ms: u128,
    },

    /// The call did not finish in its wall-clock time.
    #[error("{action} did not finish within {limit_ms} ms and was stopped")]
    Timeout {
        /// The action.
        action: String,
        /// The wall-clock budget, in milliseconds.
        limit_ms: u128,
    },

    /// The component trapped.
    #[error("{action} failed inside its component: {message}")]
    Trap {
        /// The action.
        action: String,
        /// The trap, with its backtrace when there is one.
        message: String,
    },

    /// A component could not be compiled, linked or described.
    #[error("could not load component {source_name}: {message}")]
    Load {
        /// Where it came from (`built-in`, a file path).
        source_name: String,
        /// Why.
        message: String,
    },

    /// A daily rate limit is used up: retrying before the reset is useless.
    #[error(
        "{action}: {limit} is used up; it resets at {resets_at} (00:00 UTC), try again after that. Zoom said: {message}"
    )]
    DailyLimit {
        /// The action.
        action: String,
        /// Which limit, in words.
        limit: String,
        /// When it resets, `YYYY-MM-DDTHH:MM:SSZ`.
        resets_at: String,
        /// Zoom's message.
        message: String,
    },

    /// A request that changes something may have been applied by Zoom, but
    /// no answer came back; it was not sent again.
    #[error(
        "{action}: the outcome of {request} is unknown: {cause}. It was not sent again, to avoid doing it twice; {check}"
    )]
    Uncertain {
        /// The action.
        action: String,
        /// Method and path, e.g. `POST /v2/users/me/meetings`.
        request: String,
        /// What went wrong.
        cause: String,
        /// What to check before sending it again.
        check: String,
    },

    /// Zoom refused a `next_page_token` (code 300) that the caller passed in.
    #[error(
        "{action}: the next_page_token expired (Zoom keeps them 15 minutes); rerun without it to start from the first page"
    )]
    PageTokenExpired {
        /// The action.
        action: String,
        /// Zoom's message.
        message: String,
    },

    /// The token store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// Anything else that is not the caller's doing.
    #[error("{0}")]
    Internal(String),
}

fn suggestion_text(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default()
}

fn known_text(known: &[String], store: &str) -> String {
    if known.is_empty() {
        format!(
            " (none is stored in {store}); log in with `wrk-zoom auth login` (or `wrk-zoom auth s2s`)"
        )
    } else {
        format!(
            "; stored connections: {} (`wrk-zoom auth status` shows them)",
            known.join(", ")
        )
    }
}

fn connect_command(kind: crate::model::ConnectionKind) -> &'static str {
    match kind {
        crate::model::ConnectionKind::User => "`wrk-zoom auth login`",
        crate::model::ConnectionKind::Admin => {
            "`wrk-zoom auth login --admin` or `wrk-zoom auth s2s --account-id ID`"
        }
    }
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

impl HostError {
    /// What kind of failure this is.
    pub fn category(&self) -> ErrorCategory {
        use ErrorCategory as C;
        match self {
            HostError::UnknownAction { .. }
            | HostError::UnknownTrigger { .. }
            | HostError::InvalidInput { .. }
            | HostError::InvalidParams { .. } => C::InvalidInput,
            HostError::Zoom { status: 401, .. }
            | HostError::Zoom {
                code: Some(4711 | 124),
                ..
            }
            | HostError::Auth(_)
            | HostError::NoConnection { .. }
            | HostError::UnknownConnection { .. }
            | HostError::NeedsLogin { .. }
            | HostError::MissingScope { .. } => C::Auth,
            HostError::Zoom { .. }
            | HostError::DailyLimit { .. }
            | HostError::PageTokenExpired { .. } => C::Zoom,
            HostError::Transport(_) | HostError::EgressDenied { .. } => C::Transport,
            HostError::Timeout { .. } => C::Timeout,
            HostError::Uncertain { .. } => C::Uncertain,
            HostError::Store(_) => C::Store,
            HostError::UnexpectedResponse(_)
            | HostError::Deadline { .. }
            | HostError::CallLimit { .. }
            | HostError::Trap { .. }
            | HostError::Load { .. }
            | HostError::Internal(_) => C::Internal,
        }
    }

    /// A short machine-readable name of the failure kind.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::UnknownAction { .. } => "unknown-action",
            HostError::UnknownTrigger { .. } => "unknown-trigger",
            HostError::InvalidInput { .. } => "invalid-input",
            HostError::InvalidParams { .. } => "invalid-params",
            HostError::Zoom { .. } => "zoom",
            HostError::Auth(_) => "auth",
            HostError::NoConnection { .. } => "no-connection",
            HostError::UnknownConnection { .. } => "unknown-connection",
            HostError::NeedsLogin { .. } => "needs-login",
            HostError::MissingScope { .. } => "missing-scope",
            HostError::Transport(_) => "transport",
            HostError::UnexpectedResponse(_) => "unexpected-response",
            HostError::EgressDenied { .. } => "egress-denied",
            HostError::Deadline { .. } => "deadline",
            HostError::CallLimit { .. } => "call-limit",
            HostError::Timeout { .. } => "timeout",
            HostError::Trap { .. } => "trap",
            HostError::Load { .. } => "load",
            HostError::DailyLimit { .. } => "daily-limit",
            HostError::Uncertain { .. } => "uncertain",
            HostError::PageTokenExpired { .. } => "page-token-expired",
            HostError::Store(_) => "store",
            HostError::Internal(_) => "internal",
        }
    }
}

/// The token store could not be read or written (disk full, permissions, a
/// damaged file). Never an authentication failure: logging in again does
/// not fix it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<std::io::Error>,
}

impl StoreError {
    /// A failure with no underlying I/O error.
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An I/O failure; `message` says what was being done (and may repeat
    /// the cause for people who read only the top line).
    pub fn io(message: impl Into<String>, source: std::io::Error) -> StoreError {
        StoreError {
            message: message.into(),
            source: Some(source),
        }
    }
}

impl StoreError {
    /// The same failure, with what was being done put first.
    pub fn context(self, what: impl std::fmt::Display) -> StoreError {
        StoreError {
            message: format!("{what} ({})", self.message),
            source: self.source,
        }
    }
}

impl From<String> for StoreError {
    fn from(message: String) -> StoreError {
        StoreError::new(message)
    }
}
