//! `describe()` of the built-in actions without compiling them: the host
//! links the same declarations (`wrk_zoom_sdk::catalog`) the components are
//! built from, so listing and describing actions needs no wasm at all; a
//! component is compiled on its first run. A test proves each built-in
//! component's own `describe()` equal to this.

use crate::model::{
    ActionInfo, ConnectionKind, ParamLocation, ParamSpec, ParamType, RateCategory, Scopes,
};
use wrk_zoom_sdk::{Action, catalog, spec};

/// The declared `describe()` of the built-in action `name`, if there is one.
pub fn info(name: &str) -> Option<ActionInfo> {
    catalog::ALL
        .iter()
        .find(|a| a.name == name)
        .map(ActionInfo::from)
}

impl From<&Action> for ActionInfo {
    fn from(action: &Action) -> Self {
        ActionInfo {
            name: action.name.into(),
            title: action.title.into(),
            connection: match action.connection {
                spec::ConnectionKind::User => ConnectionKind::User,
                spec::ConnectionKind::Admin => ConnectionKind::Admin,
            },
            scopes: Scopes {
                classic: action
                    .classic_scopes
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                granular: action
                    .granular_scopes
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            method: action.method.as_str().into(),
            path: action.path.into(),
            rate: match action.rate {
                spec::RateCategory::Light => RateCategory::Light,
                spec::RateCategory::Medium => RateCategory::Medium,
                spec::RateCategory::Heavy => RateCategory::Heavy,
                spec::RateCategory::ResourceIntensive => RateCategory::ResourceIntensive,
            },
            list_key: action.list_key.map(Into::into),
            params: action.all_params().into_iter().map(param).collect(),
        }
    }
}

fn param(p: &spec::Param) -> ParamSpec {
    use spec::ParamType as T;
    let (param_type, choices) = match p.kind {
        T::Text => (ParamType::Text, &[][..]),
        T::Integer => (ParamType::Integer, &[][..]),
        T::Boolean => (ParamType::Boolean, &[][..]),
        T::Date => (ParamType::Date, &[][..]),
        T::DateTime => (ParamType::DateTime, &[][..]),
        T::DateOrDateTime => (ParamType::DateOrDateTime, &[][..]),
        T::Choice(c) => (ParamType::Choice, c),
        T::MeetingId => (ParamType::MeetingId, &[][..]),
        T::MeetingIdOrUuid => (ParamType::MeetingIdOrUuid, &[][..]),
        T::UserId => (ParamType::UserId, &[][..]),
        T::JsonObject => (ParamType::JsonObject, &[][..]),
        T::JsonArray => (ParamType::JsonArray, &[][..]),
        T::TextList(c) => (ParamType::TextList, c),
    };
    ParamSpec {
        name: p.name.into(),
        param_type,
        location: match p.location {
            spec::ParamLocation::Path => ParamLocation::Path,
            spec::ParamLocation::Query => ParamLocation::Query,
            spec::ParamLocation::Body => ParamLocation::Body,
            spec::ParamLocation::Control => ParamLocation::Control,
        },
        required: p.required,
        description: p.description.into(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        default: p.default.map(Into::into),
        minimum: p.min,
        maximum: p.max,
    }
}
