//! The boundary between SDK types and the generated WIT types: what the
//! [`export_action!`](crate::export_action) macro calls.

use crate::bindings::wrk::zoom::types as wit;
use crate::spec::{Action, ConnectionKind, ParamLocation, ParamType, RateCategory};
use crate::{Call, Failure};

pub fn describe(action: &Action) -> wit::ActionInfo {
    wit::ActionInfo {
        name: action.name.into(),
        title: action.title.into(),
        connection: match action.connection {
            ConnectionKind::User => wit::ConnectionKind::User,
            ConnectionKind::Admin => wit::ConnectionKind::Admin,
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
            RateCategory::Light => wit::RateCategory::Light,
            RateCategory::Medium => wit::RateCategory::Medium,
            RateCategory::Heavy => wit::RateCategory::Heavy,
            RateCategory::ResourceIntensive => wit::RateCategory::ResourceIntensive,
        },
        list_key: action.list_key.map(Into::into),
        params: action
            .all_params()
            .into_iter()
            .map(|p| wit::ParamSpec {
                name: p.name.into(),
                kind: match p.kind {
                    ParamType::Text => wit::ParamType::Text,
                    ParamType::Integer => wit::ParamType::Integer,
                    ParamType::Boolean => wit::ParamType::Boolean,
                    ParamType::Date => wit::ParamType::Date,
                    ParamType::DateTime => wit::ParamType::DateTime,
                    ParamType::DateOrDateTime => wit::ParamType::DateOrDateTime,
                    ParamType::Choice(_) => wit::ParamType::Choice,
                    ParamType::MeetingId => wit::ParamType::MeetingId,
                    ParamType::MeetingIdOrUuid => wit::ParamType::MeetingIdOrUuid,
                    ParamType::UserId => wit::ParamType::UserId,
                    ParamType::JsonObject => wit::ParamType::JsonObject,
                    ParamType::JsonArray => wit::ParamType::JsonArray,
                    ParamType::TextList(_) => wit::ParamType::TextList,
                },
                location: match p.location {
                    ParamLocation::Path => wit::ParamLocation::Path,
                    ParamLocation::Query => wit::ParamLocation::Query,
                    ParamLocation::Body => wit::ParamLocation::Body,
                    ParamLocation::Control => wit::ParamLocation::Control,
                },
                required: p.required,
                description: p.description.into(),
                choices: match p.kind {
                    ParamType::Choice(c) | ParamType::TextList(c) => {
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
        // Plan has no connection: the API base stays a placeholder.
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
