//! What one call of an action takes and gives back: the connection it runs
//! with ([`Call`]), its answer ([`Reply`]) and why it failed ([`Failure`]).

/// The connection a call runs with (the WIT `connection`): where Zoom is
/// and the token to send.
#[derive(Clone, Debug)]
pub struct Call {
    /// The token to send as `Authorization: Bearer` (the host's stand-in).
    pub access_token: String,
    /// Zoom's API base, e.g. `https://api.zoom.us/v2`, without a trailing `/`.
    pub api_base: String,
}

/// A successful answer (see the WIT `reply`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Zoom's HTTP status.
    pub status: u16,
    /// The answer as JSON text (`null` when Zoom sent none).
    pub body: String,
    /// The token of the next page of a list, when there is one.
    pub next_page_token: Option<String>,
}

/// One refused parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct InvalidParam {
    /// The parameter (`settings.jbh_time` for a nested field).
    pub name: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl InvalidParam {
    /// The parameter `name` is refused because of `message`.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidParam {
            name: name.into(),
            message: message.into(),
        }
    }
}

/// Why an action failed (see the WIT `action-error`).
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The parameters were refused before any request, every problem at once.
    InvalidParams(Vec<InvalidParam>),
    /// Zoom answered with an error.
    Zoom {
        /// Zoom's HTTP status.
        status: u16,
        /// Zoom's error code, when its body has one.
        code: Option<i64>,
        /// Zoom's message, or a stand-in when it sent none.
        message: String,
        /// The body as Zoom sent it.
        body: String,
    },
    /// The request could not be sent or its answer not read.
    Transport(String),
    /// Zoom's answer was not what the action expects.
    Unexpected(String),
}
