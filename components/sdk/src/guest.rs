//! The boundary between the declaration's types and the generated WIT
//! types: what the [`export_action!`](crate::export_action) macro calls.

use crate::bindings::wrk::zoom::types as wit;
use wrk_zoom_spec::{Action, Call, Failure, RateCategory};

/// `describe()`: the declaration as the WIT `action-info`.
pub fn describe(action: &Action) -> wit::ActionInfo {
    let texts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    wit::ActionInfo {
        name: action.name.into(),
        title: action.title.into(),
        connection: action.connection.into(),
        classic_scopes: texts(action.classic_scopes),
        granular_scopes: texts(action.granular_scopes),
        method: action.method.as_str().into(),
        path: action.path.into(),
        rate: action.rate.into(),
        list_key: action.list_key.map(Into::into),
        params: action.all_params().into_iter().map(param_spec).collect(),
        output_schema: action.output_schema.map(Into::into),
    }
}

/// The conversions from the declaration's types to the generated types
/// every contract version shares (`$wit` is one version's `types`); the
/// action and trigger bindings each get their own.
macro_rules! shared_conversions {
    ($wit:path) => {
        use wrk_zoom_spec::{ConnectionKind, Param, ParamKind, ParamLocation};
        use $wit as wit;

        /// A declared parameter as the WIT `param-spec`.
        pub(crate) fn param_spec(p: &Param) -> wit::ParamSpec {
            wit::ParamSpec {
                name: p.name.into(),
                kind: p.kind.kind().into(),
                location: p.location.into(),
                required: p.required,
                description: p.description.into(),
                choices: p.kind.choices().iter().map(|s| s.to_string()).collect(),
                default_value: p.default.map(Into::into),
                minimum: p.min,
                maximum: p.max,
            }
        }

        impl From<ConnectionKind> for wit::ConnectionKind {
            fn from(kind: ConnectionKind) -> Self {
                match kind {
                    ConnectionKind::User => wit::ConnectionKind::User,
                    ConnectionKind::Admin => wit::ConnectionKind::Admin,
                }
            }
        }

        impl From<ParamKind> for wit::ParamType {
            fn from(kind: ParamKind) -> Self {
                match kind {
                    ParamKind::Text => wit::ParamType::Text,
                    ParamKind::Integer => wit::ParamType::Integer,
                    ParamKind::Boolean => wit::ParamType::Boolean,
                    ParamKind::Date => wit::ParamType::Date,
                    ParamKind::DateTime => wit::ParamType::DateTime,
                    ParamKind::DateOrDateTime => wit::ParamType::DateOrDateTime,
                    ParamKind::Choice => wit::ParamType::Choice,
                    ParamKind::MeetingId => wit::ParamType::MeetingId,
                    ParamKind::MeetingIdOrUuid => wit::ParamType::MeetingIdOrUuid,
                    ParamKind::UserId => wit::ParamType::UserId,
                    ParamKind::JsonObject => wit::ParamType::JsonObject,
                    ParamKind::JsonArray => wit::ParamType::JsonArray,
                    ParamKind::TextList => wit::ParamType::TextList,
                }
            }
        }

        impl From<ParamLocation> for wit::ParamLocation {
            fn from(location: ParamLocation) -> Self {
                match location {
                    ParamLocation::Path => wit::ParamLocation::Path,
                    ParamLocation::Query => wit::ParamLocation::Query,
                    ParamLocation::Body => wit::ParamLocation::Body,
                    ParamLocation::Control => wit::ParamLocation::Control,
                }
            }
        }
    };
}
pub(crate) use shared_conversions;

/// The action bindings' conversions.
mod action_types {
    super::shared_conversions!(crate::bindings::wrk::zoom::types);
}
use action_types::param_spec;

impl From<RateCategory> for wit::RateCategory {
    fn from(rate: RateCategory) -> Self {
        match rate {
            RateCategory::Light => wit::RateCategory::Light,
            RateCategory::Medium => wit::RateCategory::Medium,
            RateCategory::Heavy => wit::RateCategory::Heavy,
            RateCategory::ResourceIntensive => wit::RateCategory::ResourceIntensive,
        }
    }
}

/// `plan()`: the request the action would send, the API base a placeholder.
pub fn plan(
    action: &Action,
    params: &[(String, String)],
) -> Result<wit::PlannedRequest, wit::ActionError> {
    let request = wrk_zoom_spec::plan(action, params).map_err(wit::ActionError::from)?;
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

/// `run()`: the action run with the host's connection.
pub fn run(
    action: &Action,
    connection: wit::Connection,
    params: &[(String, String)],
) -> Result<wit::Reply, wit::ActionError> {
    let call = Call {
        access_token: connection.access_token,
        api_base: connection.api_base,
    };
    let reply = crate::runners::run(action, &call, params).map_err(wit::ActionError::from)?;
    Ok(wit::Reply {
        status: reply.status,
        body: reply.body,
        next_page_token: reply.next_page_token,
    })
}

impl From<Failure> for wit::ActionError {
    fn from(failure: Failure) -> Self {
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
}
