//! The boundary between SDK types and the generated WIT types: what the
//! [`export_action!`](crate::export_action) macro calls.

use crate::bindings::wrk::zoom::types as wit;
use crate::spec::{Action, Connection, In, Kind, Rate};
use crate::{Call, Failure};

pub fn describe(action: &Action) -> wit::ActionInfo {
    wit::ActionInfo {
        name: action.name.into(),
        title: action.title.into(),
        connection: match action.connection {
            Connection::User => wit::ConnectionKind::User,
            Connection::Admin => wit::ConnectionKind::Admin,
        },
        classic_scopes: action
            .classic_scopes
            .iter()
            .map(|s| s.to_string())
            .collect(),
        granular_scopes: action
            .granular_scopes
            .iter()
            .map(|s| s.to_string())
            .collect(),
        method: action.method.as_str().into(),
        path: action.path.into(),
        rate: match action.rate {
            Rate::Light => wit::RateCategory::Light,
            Rate::Medium => wit::RateCategory::Medium,
            Rate::Heavy => wit::RateCategory::Heavy,
            Rate::ResourceIntensive => wit::RateCategory::ResourceIntensive,
        },
        list_key: action.list_key.map(Into::into),
        params: action
            .all_params()
            .into_iter()
            .map(|p| wit::ParamSpec {
                name: p.name.into(),
                kind: match p.kind {
                    Kind::Text => wit::ParamType::Text,
                    Kind::Integer => wit::ParamType::Integer,
                    Kind::Boolean => wit::ParamType::Boolean,
                    Kind::Date => wit::ParamType::Date,
                    Kind::DateTime => wit::ParamType::DateTime,
                    Kind::DateOrDateTime => wit::ParamType::DateOrDateTime,
                    Kind::Choice(_) => wit::ParamType::Choice,
                    Kind::MeetingId => wit::ParamType::MeetingId,
                    Kind::MeetingIdOrUuid => wit::ParamType::MeetingIdOrUuid,
                    Kind::UserId => wit::ParamType::UserId,
                    Kind::JsonObject => wit::ParamType::JsonObject,
                    Kind::JsonArray => wit::ParamType::JsonArray,
                    Kind::TextList(_) => wit::ParamType::TextList,
                },
                location: match p.location {
                    In::Path => wit::ParamLocation::Path,
                    In::Query => wit::ParamLocation::Query,
                    In::Body => wit::ParamLocation::Body,
                    In::Control => wit::ParamLocation::Control,
                },
                required: p.required,
                description: p.description.into(),
                choices: match p.kind {
                    Kind::Choice(c) | Kind::TextList(c) => {
                        c.iter().map(|s| s.to_string()).collect()
                    }
                    _ => Vec::new(),
                },
                default_value: p.default.map(Into::into),
                minimum: p.min,
                maximum: p.max,
            })
            .collect(),
    }
}

pub fn plan(
    action: &Action,
    params: &[(String, String)],
) -> Result<wit::PlannedRequest, wit::ActionError> {
    let request = crate::plan(action, params).map_err(to_wit)?;
    Ok(wit::PlannedRequest {
        method: request.method.as_str().into(),
        url: request.url("{api-base}"),
        headers: request
            .body
            .as_ref()
            .map(|_| ("Content-Type".to_string(), "application/json".to_string()))
            .into_iter()
            .chain([("Accept".to_string(), "application/json".to_string())])
            .collect(),
        body: request.body,
    })
}

pub fn run(
    action: &Action,
    connection: wit::Connection,
    params: &[(String, String)],
) -> Result<wit::Reply, wit::ActionError> {
    let call = Call {
        access_token: connection.access_token,
        api_base: connection.api_base,
    };
    let reply = crate::run(action, &call, params).map_err(to_wit)?;
    Ok(wit::Reply {
        status: reply.status,
        body: reply.body,
        next_page_token: reply.next_page_token,
    })
}

fn to_wit(failure: Failure) -> wit::ActionError {
    match failure {
        Failure::InvalidParams(list) => wit::ActionError::InvalidParams(
            list.into_iter()
                .map(|p| wit::InvalidParam {
                    name: p.name,
                    message: p.message,
                })
                .collect(),
        ),
        Failure::Zoom {
            status,
            code,
            message,
            body,
        } => wit::ActionError::Zoom(wit::ZoomError {
            status,
            code,
            message,
            body,
        }),
        Failure::Transport(m) => wit::ActionError::Transport(m),
        Failure::Unexpected(m) => wit::ActionError::UnexpectedResponse(m),
    }
}
