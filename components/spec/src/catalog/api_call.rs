//! A raw call to any Zoom API endpoint: method, path relative to the API
//! base, optional query object and JSON body. The request is built, and its
//! path checked, by [`raw_call::plan`]; the SDK's [`Runner::ApiCall`] sends it.
//!
//! Scopes and rate label are those of the endpoint called, so the
//! declaration lists no scopes and the lightest label.

use crate::raw_call;
use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory, Runner};

pub const API_CALL: Action = Action {
    name: "api-call",
    title: "Perform an API call in Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    // The real path is the `path` parameter; the template has no placeholders.
    path: "/",
    rate: RateCategory::Light,
    params: &[
        Param::control(
            "method",
            ParamType::Choice(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
            "HTTP method of the call",
        )
        .required(),
        Param::control(
            "path",
            ParamType::Text,
            "Path relative to the API base (https://api.zoom.us/v2), e.g. /users/me/meetings",
        )
        .required()
        .max_len(2000),
        Param::control(
            "query",
            ParamType::JsonObject,
            "Query parameters as a JSON object of strings, numbers, booleans or lists of them, e.g. {\"page_size\":30}",
        ),
        Param::control(
            "body",
            ParamType::Text,
            "JSON request body (POST, PUT and PATCH only)",
        ),
    ],
    custom_plan: Some(raw_call::plan),
    runner: Some(Runner::ApiCall),
    output_schema: output_schema!("api-call"),
    ..Action::BASE
};

pub const API_CALL_ADMIN: Action = API_CALL.admin(
    "api-call-admin",
    "Perform an API call in Zoom (Admin Scopes)",
    &[],
    &[],
);
