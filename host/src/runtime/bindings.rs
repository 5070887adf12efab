//! Host-side bindings for the `wrk:zoom/zoom-action` world (from `wit/`).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wrk:zoom/zoom-action",
    exports: { default: async },
});

pub use wrk::zoom::types;

use crate::model::{
    ActionInfo, ConnectionKind, ParamLocation, ParamSpec, ParamType, RateCategory, Scopes,
};
use types as wit;

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
        ParamSpec {
            name: p.name,
            param_type: match p.kind {
                T::Text => ParamType::Text,
                T::Integer => ParamType::Integer,
                T::Boolean => ParamType::Boolean,
                T::Date => ParamType::Date,
                T::DateTime => ParamType::DateTime,
                T::DateOrDateTime => ParamType::DateOrDateTime,
                T::Choice => ParamType::Choice,
                T::MeetingId => ParamType::MeetingId,
                T::MeetingIdOrUuid => ParamType::MeetingIdOrUuid,
                T::UserId => ParamType::UserId,
                T::JsonObject => ParamType::JsonObject,
                T::JsonArray => ParamType::JsonArray,
                T::TextList => ParamType::TextList,
            },
            location: match p.location {
                L::Path => ParamLocation::Path,
                L::Query => ParamLocation::Query,
                L::Body => ParamLocation::Body,
                L::Control => ParamLocation::Control,
            },
            required: p.required,
            description: p.description,
            choices: p.choices,
            default: p.default_value,
            minimum: p.minimum,
            maximum: p.maximum,
        }
    }
}
