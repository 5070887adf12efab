//! What the host says about actions and their answers, as serialisable
//! types (the JSON of `wrk-zoom actions --json`, `--dry-run` and results).
//! Converted once from the WIT types (in `runtime::bindings`) so the rest of
//! the host never touches generated bindings.

use serde::Serialize;

/// `describe()` of one action.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActionInfo {
    /// The action's name, e.g. `retrieve-meetings`.
    pub name: String,
    /// Its title as the product shows it.
    pub title: String,
    /// `user` or `admin`.
    pub connection: ConnectionKind,
    /// Scopes that each allow the call.
    pub scopes: Scopes,
    /// HTTP method of the Zoom request.
    pub method: String,
    /// Zoom path template, e.g. `/users/{userId}/meetings`.
    pub path: String,
    /// `light`, `medium`, `heavy` or `resource-intensive`.
    pub rate: RateCategory,
    /// The key of the list in a paginated answer, e.g. `meetings`.
    pub list_key: Option<String>,
    /// Every parameter the action takes.
    pub params: Vec<ParamSpec>,
}

/// Scopes that each allow the call (any one suffices).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scopes {
    /// Classic scopes, e.g. `meeting:read`.
    pub classic: Vec<String>,
    /// Granular scopes, e.g. `meeting:read:list_meetings`.
    pub granular: Vec<String>,
}

impl Scopes {
    /// Classic and granular scopes together.
    pub fn all(&self) -> Vec<String> {
        self.classic.iter().chain(&self.granular).cloned().collect()
    }
}

/// The kind of Zoom connection an action runs on (WIT `connection-kind`).
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionKind {
    /// A user's own connection.
    User,
    /// An admin-scoped connection (admin OAuth app or Server-to-Server).
    Admin,
}

impl ConnectionKind {
    /// `user` or `admin`: the one spelling of a kind, in the store, in
    /// messages and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::User => "user",
            ConnectionKind::Admin => "admin",
        }
    }
}

impl std::fmt::Display for ConnectionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ConnectionKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "user" => Ok(ConnectionKind::User),
            "admin" => Ok(ConnectionKind::Admin),
            other => Err(format!(
                "unknown connection kind '{other}' (expected user or admin)"
            )),
        }
    }
}

/// Zoom's rate-limit label of an endpoint (WIT `rate-category`).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RateCategory {
    /// Light.
    Light,
    /// Medium.
    Medium,
    /// Heavy.
    Heavy,
    /// Resource-intensive (per-minute limits).
    ResourceIntensive,
}

/// What values a parameter accepts (WIT `param-type`).
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ParamType {
    /// Free text.
    Text,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// `yyyy-mm-dd`.
    Date,
    /// An ISO-8601 date-time.
    DateTime,
    /// A date or a UTC date-time.
    DateOrDateTime,
    /// One of `choices`.
    Choice,
    /// A numeric meeting ID.
    MeetingId,
    /// A meeting ID or a meeting UUID.
    MeetingIdOrUuid,
    /// A user ID or email.
    UserId,
    /// A JSON object.
    JsonObject,
    /// A JSON array.
    JsonArray,
    /// A comma-separated list.
    TextList,
}

/// Where a parameter goes in the request (WIT `param-location`).
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ParamLocation {
    /// The path template.
    Path,
    /// The query string.
    Query,
    /// A top-level field of the JSON body.
    Body,
    /// Read by the action itself.
    Control,
}

/// One parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ParamSpec {
    /// The parameter's name, as Zoom spells it.
    pub name: String,
    /// What values it accepts.
    #[serde(rename = "type")]
    pub param_type: ParamType,
    /// Where it goes.
    #[serde(rename = "in")]
    pub location: ParamLocation,
    /// Whether it must be given.
    pub required: bool,
    /// One sentence for people.
    pub description: String,
    /// The accepted values of a choice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Smallest accepted integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Largest accepted integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
}

/// The request an action would send (`--dry-run`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlannedRequest {
    /// HTTP method.
    pub method: String,
    /// The URL, as the component would send it.
    pub url: String,
    /// Headers (never credentials).
    pub headers: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<serde_json::Value>,
}

impl ParamType {
    /// The WIT's spelling, e.g. `date-or-date-time`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
            ParamType::Date => "date",
            ParamType::DateTime => "date-time",
            ParamType::DateOrDateTime => "date-or-date-time",
            ParamType::Choice => "choice",
            ParamType::MeetingId => "meeting-id",
            ParamType::MeetingIdOrUuid => "meeting-id-or-uuid",
            ParamType::UserId => "user-id",
            ParamType::JsonObject => "json-object",
            ParamType::JsonArray => "json-array",
            ParamType::TextList => "text-list",
        }
    }
}

impl ParamLocation {
    /// The WIT's spelling, e.g. `query`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Body => "body",
            ParamLocation::Control => "control",
        }
    }
}

impl std::fmt::Display for ParamType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Zoom's HTTP status.
    pub status: u16,
    /// The answer (`null` when Zoom sent none, e.g. 204).
    pub body: serde_json::Value,
    /// The token of the next page of a list, when there is one.
    pub next_page_token: Option<String>,
}

/// One refused parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InvalidParam {
    /// The parameter.
    pub name: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl ActionInfo {
    /// The declared parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether this is a raw API call (`api-call`, `api-call-admin`): its
    /// caller names the method and path, so the declared `/` says nothing
    /// of what it does, and each request is paced on its own path.
    pub fn is_raw_call(&self) -> bool {
        self.path == "/"
    }
}
