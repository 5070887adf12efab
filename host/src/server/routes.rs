//! The handlers: health and readiness, the action list, a schema, the
//! OpenAPI document, and a call (one page, or every page through
//! [`super::stream`]).

use super::Server;
use super::errors::error_response;
use super::request::RunRequest;
use super::stream::run_all;
use crate::error::HostError;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

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

/// What an action returns, as JSON Schema (`wrk-zoom describe
/// --output-schema`); `?all=true`: what following every page returns.
pub(super) async fn output_schema(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let all = match query.as_deref().unwrap_or_default() {
        "" | "all=false" => false,
        "all=true" => true,
        _ => {
            return error_response(&HostError::InvalidInput {
                field: "all".into(),
                message: "the only query is all=true or all=false".into(),
            });
        }
    };
    let schema = match server.host.info(&name).await {
        Ok(info) if all => crate::output_schema::all_pages(&info),
        Ok(info) => crate::output_schema::one_answer(&info),
        Err(e) => Err(e),
    };
    match schema {
        Ok(schema) => Json(schema).into_response(),
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
        Ok((call, params)) => call.run_raw(&params).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(reply) => {
            server.calls.count(&name, "ok");
            // The component's JSON goes on as it is, not parsed and written
            // again (measured: docs/src/performance.md).
            let answer = format!(
                r#"{{"body":{},"next_page_token":{},"status":{}}}"#,
                reply.body,
                serde_json::Value::from(reply.next_page_token),
                reply.status,
            );
            ([(header::CONTENT_TYPE, "application/json")], answer).into_response()
        }
        Err(e) => {
            server.calls.count(&name, e.kind());
            error_response(&e)
        }
    }
}
