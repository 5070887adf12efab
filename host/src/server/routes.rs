//! The handlers: health and readiness, the action list, a schema, the
//! OpenAPI document, and a call (one page, or every page through
//! [`super::stream`]).

use super::Server;
use super::errors::error_response;
use super::stream::run_all;
use crate::call::{ConnectionRequest, PreparedCall, params_from_json};
use crate::connection::ZoomConnection;
use crate::error::HostError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The body of `POST /v1/actions/{name}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunRequest {
    #[serde(default)]
    params: serde_json::Map<String, serde_json::Value>,
    token: Option<String>,
    api_base: Option<String>,
    connection: Option<String>,
    /// Follow every page of a list (as `wrk-zoom run --all`).
    #[serde(default)]
    pub(super) all: bool,
    /// With `all`: stop after this many items.
    pub(super) max: Option<u64>,
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.into(),
        message,
    }
}

impl Server {
    /// Checks a request and resolves its action, parameters and connection.
    pub(super) async fn prepare(
        &self,
        name: &str,
        mut request: RunRequest,
    ) -> Result<(PreparedCall<'_>, Vec<(String, String)>), HostError> {
        // An empty token is a mistake, not a request for the stored default.
        if request.token.as_deref() == Some("") {
            return Err(invalid(
                "token",
                "it is empty; send a Zoom access token, or leave \"token\" out to use a stored connection".into(),
            ));
        }
        if let Some(api_base) = &request.api_base {
            if request.connection.is_some() || request.token.is_none() {
                return Err(invalid(
                    "api_base",
                    "it goes only with your own \"token\"; a stored connection uses its own API base"
                        .into(),
                ));
            }
            if !self.config.admits(api_base) {
                return Err(invalid(
                    "api_base",
                    format!(
                        "'{api_base}' is not an API base this server calls (Zoom's own HTTPS hosts, and those its operator allows with --allow-api-base)"
                    ),
                ));
            }
            // One spelling per base: it keys the rate limits.
            let normalized = super::ServerConfig::normalized_base(api_base)
                .map_err(|why| invalid("api_base", why))?;
            request.api_base = Some(normalized);
        }
        if request.max.is_some() && !request.all {
            return Err(invalid(
                "max",
                "goes with \"all\": true (it stops a run that follows every page)".into(),
            ));
        }
        let params = params_from_json(request.params);
        let on = ConnectionRequest {
            connection: request.connection,
            token: request.token.map(|access_token| ZoomConnection {
                access_token,
                api_base: request
                    .api_base
                    .unwrap_or_else(|| self.config.default_api_base.clone()),
                account: None,
            }),
        };
        if request.all {
            let info = self.host.info(name).await?;
            if info.list_key.is_none() {
                return Err(invalid(
                    "all",
                    format!("{name} does not return a paginated list; leave \"all\" out"),
                ));
            }
        }
        let call = self.caller().prepare(name, on).await?;
        Ok((call, params))
    }
}

pub(super) async fn health(State(server): State<Arc<Server>>) -> Response {
    Json(serde_json::json!({"status": "ok", "actions": server.host.action_names().len()}))
        .into_response()
}

/// Whether this replica can take calls: its token store can be read (a
/// load balancer sends traffic only when this answers 200).
pub(super) async fn ready(State(server): State<Arc<Server>>) -> Response {
    let store = match &server.connections {
        None => Err("no token store directory".to_string()),
        Some(connections) => connections.store().check().await.map_err(|e| e.to_string()),
    };
    match store {
        Ok(()) => Json(serde_json::json!({"status": "ready"})).into_response(),
        // No key is needed here: the store's address and error stay in the log.
        Err(why) => {
            tracing::warn!("not ready: {why}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "not-ready",
                    "message": "the token store cannot be used; the server's log says why",
                })),
            )
                .into_response()
        }
    }
}

pub(super) async fn actions(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_all().await {
        Ok(infos) => Json(infos).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The OpenAPI 3.1 document of this API, from the actions it serves now.
pub(super) async fn openapi(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_all().await {
        Ok(infos) => Json(super::openapi::document(&infos)).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The JSON Schema of an action's parameters (`wrk-zoom describe --schema`).
pub(super) async fn schema(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
) -> Response {
    match server.host.info(&name).await {
        Ok(info) => Json(crate::json_schema::parameters(&info)).into_response(),
        Err(e) => error_response(&e),
    }
}

pub(super) async fn run(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(slot) = server.calls.slot(&name) else {
        let body = serde_json::json!({"error": "busy", "message": super::calls::BUSY});
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    let request: RunRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error = HostError::InvalidParams {
                action: name.clone(),
                problems: vec![crate::model::InvalidParam {
                    name: "body".into(),
                    message: format!(
                        "must be a JSON object like {{\"params\": {{...}}, \"token\": \"...\"}} or {{\"params\": {{...}}, \"connection\": \"NAME\"}}: {e}"
                    ),
                }],
            };
            server.calls.count(&name, error.kind());
            return error_response(&error);
        }
    };
    if request.all {
        let ndjson = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/x-ndjson"));
        return run_all(server.clone(), name, request, ndjson, slot).await;
    }
    let _slot = slot;
    let outcome = match server.prepare(&name, request).await {
        Ok((call, params)) => call.run(&params).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(reply) => {
            server.calls.count(&name, "ok");
            Json(serde_json::json!({
                "status": reply.status,
                "body": reply.body,
                "next_page_token": reply.next_page_token,
            }))
            .into_response()
        }
        Err(e) => {
            server.calls.count(&name, e.kind());
            error_response(&e)
        }
    }
}
