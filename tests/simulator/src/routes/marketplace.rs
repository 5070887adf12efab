//! Zoom Marketplace routes over the event side of the simulator
//! ([`crate::events`]), with the paths, parameters and answers of Zoom's
//! `marketplace.json`:
//!
//! * `POST /marketplace/app/event_subscription`: validates the URL (an
//!   async round trip, so `lib.rs` calls [`create_subscription`] directly
//!   instead of going through the synchronous route table), 201
//!   `{event_subscription_id}`;
//! * `GET /marketplace/app/event_subscription`: lists them;
//! * `DELETE /marketplace/app/event_subscription/{id}`: 204;
//! * `GET /marketplace/apps/{appId}/webhook_logs`: the delivery attempts of
//!   the last 7 simulated days.
//!
//! All need the admin connection (an app-level credential at Zoom).

use super::{Ctx, Query, authenticate};
use crate::errors::{ApiError, ApiResult, json_response, no_content};
use crate::events::{EVENT_TYPES, LOG_RETENTION_SECS, WebhookDelivery};
use crate::pagination::MAX_PAGE_SIZE;
use crate::state::{SimState, TokenInfo, TokenKind};
use crate::time::{format_datetime, parse_datetime};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

const SUBSCRIPTIONS_PATH: &str = "/v2/marketplace/app/event_subscription";

fn require_admin(token: &TokenInfo, scope: &'static str) -> Result<(), ApiError> {
    if token.kind == TokenKind::Admin {
        Ok(())
    } else {
        Err(ApiError::missing_scopes(&[scope]))
    }
}

/// True for the request [`create_subscription`] serves.
pub fn is_create_subscription(method: &Method, raw_path: &str) -> bool {
    method == Method::POST && raw_path == SUBSCRIPTIONS_PATH
}

fn code_1500(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, 1500, message)
}

/// `POST /marketplace/app/event_subscription` → 201
/// `{"event_subscription_id"}`, or 400 when the body is wrong or the URL
/// fails validation.
pub async fn create_subscription(
    state: &SimState,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    create(state, headers, query, body)
        .await
        .unwrap_or_else(ApiError::into_response)
}

async fn create(
    state: &SimState,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> ApiResult {
    let (_, token) = authenticate(state, headers, &Query::parse(query))?;
    require_admin(&token, "marketplace:write:event_subscription:admin")?;
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::body_not_object());
    };
    let events: Vec<String> = body
        .get("events")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if events.is_empty() {
        return Err(code_1500("The events list is empty."));
    }
    if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            1602,
            format!("The event is not allowed for the app: {bad}"),
        ));
    }
    let url = body
        .get("event_webhook_url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if url.trim().is_empty() {
        return Err(code_1500("The event webhook url is empty."));
    }
    let scope = body
        .get("subscription_scope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !["user", "account", "master_account", "team"].contains(&scope) {
        return Err(code_1500("The subscription scope is invalid."));
    }
    let name = body
        .get("event_subscription_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // No lock is held here: validation is an HTTP round trip.
    match state
        .events
        .subscribe(url, &events, name, scope, "openapi")
        .await
    {
        Ok(id) => Ok(json_response(
            StatusCode::CREATED,
            &json!({"event_subscription_id": id}),
        )),
        Err(why) => Err(code_1500(format!(
            "The event webhook url validation failed: {why}"
        ))),
    }
}

/// `GET /marketplace/app/event_subscription`
pub fn list_subscriptions(ctx: &Ctx<'_>) -> ApiResult {
    require_admin(
        &ctx.token,
        "marketplace:read:list_event_subscriptions:admin",
    )?;
    if let Some(scope) = ctx.query.get_non_empty("subscription_scope")
        && !["user", "account", "master_account", "team"].contains(&scope)
    {
        return Err(code_1500("The subscription scope is invalid."));
    }
    let items: Vec<Value> = ctx
        .state
        .events
        .subscriptions()
        .into_iter()
        .filter(|s| {
            ctx.query
                .get_non_empty("subscription_scope")
                .is_none_or(|scope| s.scope == scope)
        })
        .map(|s| {
            json!({
                "event_subscription_id": s.id,
                "events": s.events,
                "event_subscription_name": s.name,
                "event_webhook_url": s.url,
                "subscription_scope": s.scope,
                "created_source": s.created_source,
                "subscriber_id": crate::seed::ADMIN_USER_ID,
            })
        })
        .collect();
    let req = ctx
        .state
        .pager
        .request(&ctx.query, "event_subscriptions", MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page("event_subscriptions", req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "next_page_token": page.next_page_token,
            "page_size": page.page_size,
            "event_subscriptions": page.items,
        }),
    ))
}

/// `DELETE /marketplace/app/event_subscription/{id}` → 204
pub fn delete_subscription(ctx: &Ctx<'_>, raw_id: &str) -> ApiResult {
    require_admin(&ctx.token, "marketplace:delete:event_subscription:admin")?;
    let id = crate::ids::decode_once(raw_id);
    if ctx.state.events.unsubscribe(&id) {
        Ok(no_content())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1601,
            format!("App event subscription is invalid: {id}"),
        ))
    }
}

/// `yyyy-MM-dd'T'HH:mm:ss'Z'` exactly, or 404 code 1503 (Zoom answers 404
/// for its date errors).
fn log_date(ctx: &Ctx<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = ctx.query.get_non_empty(name) else {
        return Ok(None);
    };
    let strict = raw.len() == 20 && raw.ends_with('Z') && raw.as_bytes()[10] == b'T';
    match parse_datetime(raw).filter(|_| strict) {
        Some(t) => Ok(Some(t)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1503,
            "The dates must follow the format: `yyyy-MM-dd'T'HH:mm:ss'Z'`.",
        )),
    }
}

fn headers_text(headers: &[(String, String)]) -> String {
    let map: serde_json::Map<String, Value> =
        headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    Value::Object(map).to_string()
}

fn log_entry(d: &WebhookDelivery) -> Value {
    let mut entry = json!({
        "event": d.event,
        "status": d.status.map_or(-1, i64::from),
        "endpoint": d.url,
        "subscription_id": d.subscription_id,
        "request_headers": headers_text(&d.headers),
        "request_body": d.body,
        "response_headers": headers_text(&d.response_headers),
        "response_body": d.response_body,
        "date_time": format_datetime(d.date_time),
        "trace_id": d.trace_id,
        "request_id": d.request_id,
        "retry_num": d.retry_num,
    });
    if let Some(reason) = d.failed_reason_type {
        entry["failed_reason_type"] = json!(reason);
    }
    entry
}

/// `GET /marketplace/apps/{appId}/webhook_logs`: the attempts of the last
/// 7 simulated days, oldest first (so page tokens stay valid while new
/// attempts are appended). `type`: 1 all, 2 failed (Zoom's default), 3
/// successful. Dates are simulated wall time.
pub fn webhook_logs(ctx: &Ctx<'_>, raw_app: &str) -> ApiResult {
    require_admin(&ctx.token, "marketplace_app:read:admin")?;
    let app = crate::ids::decode_once(raw_app);
    if app != crate::seed::APP_ID {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1401,
            format!("APP ID does not exist: {app}."),
        ));
    }
    let events = &ctx.state.events;
    let now = events.sim_now();
    let (from, to) = (log_date(ctx, "from")?, log_date(ctx, "to")?);
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - LOG_RETENTION_SECS as i64);
    if to < from {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1501,
            "The 'to' date must be after the 'from' date.",
        ));
    }
    if to - from > LOG_RETENTION_SECS as i64 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1502,
            "The date range must be within the last seven days.",
        ));
    }
    let kind = match ctx.query.get_non_empty("type") {
        None => 2,
        Some(raw) => match raw.trim().parse::<u8>() {
            Ok(k @ 1..=3) => k,
            _ => {
                return Err(ApiError::validation(
                    "type",
                    &format!("Invalid field value: {raw}"),
                ));
            }
        },
    };
    let retry_num = match ctx.query.get_non_empty("retry_num") {
        None => None,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(n @ 0..=3) => Some(n),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    1506,
                    "The 'retry_num' value must be an integer within the range of 0 to 3.",
                ));
            }
        },
    };
    let event = ctx.query.get_non_empty("event");
    let oldest_kept = now - LOG_RETENTION_SECS as i64;
    let items: Vec<Value> = events
        .history()
        .iter()
        .filter(|d| d.date_time >= oldest_kept && d.date_time >= from && d.date_time <= to)
        .filter(|d| match kind {
            2 => !d.ok,
            3 => d.ok,
            _ => true,
        })
        .filter(|d| retry_num.is_none_or(|n| d.retry_num == n))
        .filter(|d| event.is_none_or(|e| d.event == e))
        .map(log_entry)
        .collect();
    // The list id names the query as given (a defaulted `to` moves with
    // the clock, and must not invalidate the next page's token).
    let list_id = format!(
        "webhook_logs|{}|{}|{kind}|{retry_num:?}|{}",
        ctx.query.get("from").unwrap_or(""),
        ctx.query.get("to").unwrap_or(""),
        event.unwrap_or("")
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "next_page_token": page.next_page_token,
            "page_size": page.page_size,
            "webhook_logs": page.items,
        }),
    ))
}
