//! The vocabulary of a declaration: connection kinds, rate labels,
//! methods, where a parameter goes and what values it takes. Each enum with
//! a WIT counterpart is spelled as the WIT spells it.

use std::fmt;
use std::str::FromStr;

/// The kind of connection an action runs on (the WIT `connection-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum ConnectionKind {
    /// A user's own connection: `{userId}` in the path is always `me`.
    User,
    /// An admin connection (admin OAuth app or Server-to-Server): `{userId}`
    /// becomes a required `userId` parameter.
    Admin,
}

impl ConnectionKind {
    /// `user` or `admin`: the one spelling of a kind, in the store, in
    /// messages and in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::User => "user",
            ConnectionKind::Admin => "admin",
        }
    }
}

impl fmt::Display for ConnectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConnectionKind {
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

/// Zoom's rate-limit label of an endpoint (the WIT `rate-category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
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

/// HTTP method of the Zoom request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name in upper case, e.g. `GET`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name case-insensitively.
    pub fn parse(text: &str) -> Option<Method> {
        match text.to_ascii_uppercase().as_str() {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }
}

/// Where a parameter goes (the WIT `param-location`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum ParamLocation {
    /// The path template.
    Path,
    /// The query string.
    Query,
    /// A top-level field of the JSON body.
    Body,
    /// Read by a runner, never sent as is.
    Control,
}

impl ParamLocation {
    /// The WIT's spelling, e.g. `query`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Body => "body",
            ParamLocation::Control => "control",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What values a parameter accepts, with the accepted values of a choice or
/// a list (see the WIT `param-type`, which keeps them apart: [`ParamKind`]
/// and [`ParamType::choices`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// One of these values.
    Choice(&'static [&'static str]),
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
    /// A list of these values (any text when empty).
    TextList(&'static [&'static str]),
}

impl ParamType {
    /// The type as `describe()` reports it, without its values.
    pub const fn kind(self) -> ParamKind {
        match self {
            ParamType::Text => ParamKind::Text,
            ParamType::Integer => ParamKind::Integer,
            ParamType::Boolean => ParamKind::Boolean,
            ParamType::Date => ParamKind::Date,
            ParamType::DateTime => ParamKind::DateTime,
            ParamType::DateOrDateTime => ParamKind::DateOrDateTime,
            ParamType::Choice(_) => ParamKind::Choice,
            ParamType::MeetingId => ParamKind::MeetingId,
            ParamType::MeetingIdOrUuid => ParamKind::MeetingIdOrUuid,
            ParamType::UserId => ParamKind::UserId,
            ParamType::JsonObject => ParamKind::JsonObject,
            ParamType::JsonArray => ParamKind::JsonArray,
            ParamType::TextList(_) => ParamKind::TextList,
        }
    }

    /// The accepted values of a choice or a list; empty for other types.
    pub const fn choices(self) -> &'static [&'static str] {
        match self {
            ParamType::Choice(choices) | ParamType::TextList(choices) => choices,
            _ => &[],
        }
    }
}

/// What values a parameter accepts, as `describe()` reports it (the WIT
/// `param-type`): a choice's or a list's values go beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum ParamKind {
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
    /// One of the choices.
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

impl ParamKind {
    /// The WIT's spelling, e.g. `date-or-date-time`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ParamKind::Text => "text",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
            ParamKind::Date => "date",
            ParamKind::DateTime => "date-time",
            ParamKind::DateOrDateTime => "date-or-date-time",
            ParamKind::Choice => "choice",
            ParamKind::MeetingId => "meeting-id",
            ParamKind::MeetingIdOrUuid => "meeting-id-or-uuid",
            ParamKind::UserId => "user-id",
            ParamKind::JsonObject => "json-object",
            ParamKind::JsonArray => "json-array",
            ParamKind::TextList => "text-list",
        }
    }
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
