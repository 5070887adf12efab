//! The triggers on the HTTP API (behind the API key):
//! - `GET /v1/triggers`: every trigger's `describe()`;
//!   `GET /v1/triggers/{name}/output-schema` and `.../sample`: what each
//!   output is, and one as it would look;
//! - `POST /v1/triggers/{name}/subscriptions` with `{"url", "params",
//!   "account", "connection"}`: push each output of the trigger for the
//!   events from now on to `url` (signed, one request per output with its
//!   own idempotency key); answers 201 with the subscription and its
//!   signing secret, shown only then;
//! - `DELETE /v1/subscriptions/{id}`: stop a push subscription.
//!
//! Pulling a trigger's outputs is `GET /v1/events?trigger=NAME` (see
//! `super::events`).

use super::Server;
use super::errors::error_response;
use crate::error::HostError;
use crate::events::deliver::new_subscription;
use crate::events::triggered::check_target;
use crate::events::{EventFilter, TriggerTarget};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// `GET /v1/triggers`.
pub(super) async fn list(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_triggers().await {
        Ok(infos) => Json(infos).into_response(),
        Err(e) => error_response(&e),
    }
}

/// `GET /v1/triggers/{name}/output-schema`.
pub(super) async fn output_schema(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
) -> Response {
    match server.host.trigger_info(&name).await {
        Ok(info) => Json(info.output_schema.value().cloned()).into_response(),
        Err(e) => error_response(&e),
    }
}

/// `GET /v1/triggers/{name}/sample`.
pub(super) async fn sample(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
) -> Response {
    match server.host.trigger_info(&name).await {
        Ok(info) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            info.sample_output,
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// `POST /v1/triggers/{name}/subscriptions`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewSubscription {
    url: String,
    #[serde(default)]
    params: serde_json::Map<String, serde_json::Value>,
    account: Option<String>,
    connection: Option<String>,
}

/// `POST /v1/triggers/{name}/subscriptions`.
pub(super) async fn subscribe(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    body: Result<Json<NewSubscription>, JsonRejection>,
) -> Response {
    let Some(receiver) = server.events.clone() else {
        return no_events();
    };
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => {
            return error_response(&invalid(
                "body",
                format!(
                    "{}; send {{\"url\": \"https://...\", \"params\": {{...}}}}",
                    e.body_text()
                ),
            ));
        }
    };
    let url = match url::Url::parse(&body.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
        _ => {
            return error_response(&invalid(
                "url",
                format!(
                    "'{}' is not an http(s) URL, e.g. https://example.com/hooks/zoom",
                    body.url
                ),
            ));
        }
    };
    let target = TriggerTarget {
        name,
        params: crate::call::params_from_json(body.params),
    };
    let types = match check_target(&server.host, &target).await {
        Ok(types) => types,
        Err(e) => return error_response(&e),
    };
    let store = receiver.store();
    let cursor = match store.last_seq().await {
        Ok(last) => last,
        Err(e) => return error_response(&HostError::Store(e)),
    };
    let filter = EventFilter {
        types,
        account: body.account,
        connection: body.connection,
        trigger: Some(target),
    };
    let (subscription, secret) = new_subscription(url.as_str(), filter, cursor);
    if let Err(e) = store.add_subscription(&subscription).await {
        return error_response(&HostError::Store(e));
    }
    (
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": subscription.id,
            "url": subscription.url,
            "filter": subscription.filter,
            "signing_secret": secret,
        })),
    )
        .into_response()
}

/// `DELETE /v1/subscriptions/{id}`.
pub(super) async fn unsubscribe(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
) -> Response {
    let Some(receiver) = server.events.clone() else {
        return no_events();
    };
    match receiver.store().remove_subscription(&id).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => not_found(format!(
            "there is no subscription '{id}' (`wrk-zoom events subscriptions` lists them)"
        )),
        Err(e) => error_response(&HostError::Store(e)),
    }
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.to_string(),
        message,
    }
}

/// 404 in the API's error shape.
fn not_found(message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not-found", "message": message})),
    )
        .into_response()
}

fn no_events() -> Response {
    not_found(
        "this server takes no events: its event store could not be opened (its log says why)"
            .into(),
    )
}
