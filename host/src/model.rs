//! What the host says about actions and their answers, as serialisable
//! types (the JSON of `wrk-zoom actions --json`, `--dry-run` and results).
//! Converted once from the WIT types so the rest of the host never touches
//! generated bindings.

use crate::bindings::types as wit;
use serde::Serialize;

/// `describe()` of one action.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActionInfo {
    pub name: String,
    pub title: String,
    /// `user` or `admin`.
    pub connection: ConnectionKind,
    pub scopes: Scopes,
    pub method: String,
    pub path: String,
    /// `light`, `medium`, `heavy` or `resource-intensive`.
    pub rate: RateCategory,
    pub list_key: Option<String>,
    pub params: Vec<ParamSpec>,
}

/// Scopes that each allow the call (any one suffices).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scopes {
    pub classic: Vec<String>,
    pub granular: Vec<String>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionKind {
    User,
    Admin,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RateCategory {
    Light,
    Medium,
    Heavy,
    ResourceIntensive,
}

/// One parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "in")]
    pub location: String,
    pub required: bool,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
}

/// The request an action would send (`--dry-run`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub next_page_token: Option<String>,
}

/// One refused parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InvalidParam {
    pub name: String,
    pub message: String,
}

impl From<wit::ActionInfo> for ActionInfo {
    fn from(info: wit::ActionInfo) -> Self {
        ActionInfo {
            name: info.name,
            title: info.title,
            connection: match info.connection {
                wit::ConnectionKind::User => ConnectionKind::User,
                wit::ConnectionKind::Admin => ConnectionKind::Admin,
            },
            scopes: Scopes {
                classic: info.classic_scopes,
                granular: info.granular_scopes,
            },
            method: info.method,
            path: info.path,
            rate: match info.rate {
                wit::RateCategory::Light => RateCategory::Light,
                wit::RateCategory::Medium => RateCategory::Medium,
                wit::RateCategory::Heavy => RateCategory::Heavy,
                wit::RateCategory::ResourceIntensive => RateCategory::ResourceIntensive,
            },
            list_key: info.list_key,
            params: info.params.into_iter().map(ParamSpec::from).collect(),
        }
    }
}

impl From<wit::ParamSpec> for ParamSpec {
    fn from(p: wit::ParamSpec) -> Self {
        use wit::{ParamLocation as L, ParamType as T};
        let kind = match p.kind {
            T::Text => "text",
            T::Integer => "integer",
            T::Boolean => "boolean",
            T::Date => "date",
            T::DateTime => "date-time",
            T::DateOrDateTime => "date-or-date-time",
            T::Choice => "choice",
            T::MeetingId => "meeting-id",
            T::MeetingIdOrUuid => "meeting-id-or-uuid",
            T::UserId => "user-id",
            T::JsonObject => "json-object",
            T::JsonArray => "json-array",
            T::TextList => "text-list",
        };
        let location = match p.location {
            L::Path => "path",
            L::Query => "query",
            L::Body => "body",
            L::Control => "control",
        };
        ParamSpec {
            name: p.name,
            kind: kind.into(),
            location: location.into(),
            required: p.required,
            description: p.description,
            choices: p.choices,
            default: p.default_value,
            minimum: p.minimum,
            maximum: p.maximum,
        }
    }
}

impl ActionInfo {
    /// The declared parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}
