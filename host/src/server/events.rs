//! Zoom's events on the HTTP API:
//! - `POST /v1/events/zoom/{app}`: Zoom's deliveries, no API key (Zoom
//!   cannot send one): verified over the raw bytes, kept, then answered
//!   (`crate::events::receive`); anything refused gets 401 and no detail;
//! - `GET /v1/events` (API key): the pull API. Zoom's events as sent, with
//!   `wrk_zoom` added (`crate::events::deliver::item_json`), after a cursor;
//!   filters `type` (comma-separated, `recording.*`), `account`,
//!   `connection`; `wait` seconds of long-poll; `format=ndjson` or `sse`
//!   (or by `Accept`) streams as events arrive. A `consumer` name keeps a
//!   durable cursor: the `after` it sends (or SSE's `Last-Event-ID`)
//!   acknowledges everything up to it, and a request without one starts
//!   there. With `trigger=NAME` (and `params`, a JSON object of its
//!   parameters), each event the trigger maps is handed on as its outputs,
//!   `{"trigger", "event_id", "key", "output"}` (under `outputs` in JSON).

use super::Server;
use super::errors::error_response;
use crate::error::HostError;
use crate::events::deliver::item_json;
use crate::events::triggered::{check_target, trigger_items};
use crate::events::{Delivery, EventFilter, InboxEvent, Received, Receiver, TriggerTarget};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The longest long-poll.
const MAX_WAIT: u64 = 60;
/// The most events in one answer.
const MAX_LIMIT: usize = 1000;

fn receiver(server: &Server) -> Option<&Arc<Receiver>> {
    server.events.as_ref()
}

/// `POST /v1/events/zoom/{app}`.
pub(super) async fn zoom(
    State(server): State<Arc<Server>>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(receiver) = receiver(&server) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let limit = receiver.config().max_body;
    // One byte over the limit is enough to refuse it.
    let body = match axum::body::to_bytes(body, limit + 1).await {
        Ok(bytes) => bytes,
        Err(_) => Bytes::from(vec![0; limit + 1]),
    };
    let header = |name: &str| headers.get(name).map(|v| v.as_bytes());
    let delivery = Delivery {
        timestamp: header("x-zm-request-timestamp"),
        signature: header("x-zm-signature"),
        request_id: headers.get("x-zm-request-id").and_then(|v| v.to_str().ok()),
        body: &body,
    };
    match receiver
        .receive(&app, delivery, crate::clock::now_secs())
        .await
    {
        Ok(Received::Refused(why)) => {
            tracing::info!(app = %app.escape_debug(), "refused a delivery: {why}");
            StatusCode::UNAUTHORIZED.into_response()
        }
        Ok(Received::Validation(answer)) => axum::Json(answer).into_response(),
        Ok(Received::Taken { .. }) => StatusCode::OK.into_response(),
        Err(e) => {
            // Not kept: Zoom must try again.
            tracing::error!(app = %app.escape_debug(), "cannot keep an event: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /v1/events`'s query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Pull {
    after: Option<u64>,
    consumer: Option<String>,
    #[serde(rename = "type")]
    types: Option<String>,
    account: Option<String>,
    connection: Option<String>,
    limit: Option<usize>,
    wait: Option<u64>,
    format: Option<String>,
    trigger: Option<String>,
    params: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Ndjson,
    Sse,
}

/// A 400 in the API's error shape, naming the parameter.
fn bad_request(field: &str, message: String) -> Response {
    error_response(&HostError::InvalidInput {
        field: field.to_string(),
        message,
    })
}

/// `GET /v1/events`.
pub(super) async fn pull(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    query: Result<Query<Pull>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(receiver) = receiver(&server).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": "not-found",
                "message": "this server takes no events: its event store could not be opened (its log says why)"})),
        )
            .into_response();
    };
    let Query(pull) = match query {
        Ok(q) => q,
        Err(e) => {
            return bad_request(
                "query",
                format!(
                    "{}; the parameters are after, consumer, type, account, connection, limit, wait, format, trigger and params",
                    e.body_text()
                ),
            );
        }
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let format = match pull.format.as_deref() {
        Some("json") => Format::Json,
        Some("ndjson") => Format::Ndjson,
        Some("sse") => Format::Sse,
        Some(other) => {
            return bad_request(
                "format",
                format!("'{other}' is not one of json, ndjson, sse"),
            );
        }
        None if accept.contains("text/event-stream") => Format::Sse,
        None if accept.contains("application/x-ndjson") => Format::Ndjson,
        None => Format::Json,
    };
    if let Some(name) = &pull.consumer
        && (name.is_empty() || name.len() > 100 || name.starts_with("wrk-zoom:"))
    {
        return bad_request(
            "consumer",
            "must be 1 to 100 characters and not start with 'wrk-zoom:'".into(),
        );
    }
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let store = receiver.store().clone();
    let acknowledged = pull.after.or(last_event_id);
    let after = match (&pull.consumer, acknowledged) {
        (Some(consumer), Some(after)) => {
            if let Err(e) = store.set_cursor(consumer, after).await {
                return store_error(e);
            }
            after
        }
        (Some(consumer), None) => match store.cursor(consumer).await {
            Ok(cursor) => cursor.unwrap_or(0),
            Err(e) => return store_error(e),
        },
        (None, after) => after.unwrap_or(0),
    };
    let mut filter = EventFilter {
        types: pull
            .types
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        account: pull.account.clone(),
        connection: pull.connection.clone(),
        trigger: None,
    };
    if let Some(name) = &pull.trigger {
        if !filter.types.is_empty() {
            return bad_request(
                "type",
                "goes without trigger: a trigger names its event types".into(),
            );
        }
        let params = match pull
            .params
            .as_deref()
            .map(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>)
        {
            None => Vec::new(),
            Some(Ok(object)) => crate::call::params_from_json(object),
            Some(Err(e)) => {
                return bad_request(
                    "params",
                    format!(
                        "must be a JSON object of the trigger's parameters, e.g. {{\"file_types\":\"MP4\"}}: {e}"
                    ),
                );
            }
        };
        let target = TriggerTarget {
            name: name.clone(),
            params,
        };
        match check_target(&server.host, &target).await {
            Ok(types) => filter.types = types,
            Err(e) => return error_response(&e),
        }
        filter.trigger = Some(target);
    } else if pull.params.is_some() {
        return bad_request("params", "goes with trigger".into());
    }
    let limit = pull.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let wait = match pull.wait.unwrap_or(0) {
        seconds if seconds <= MAX_WAIT => Duration::from_secs(seconds),
        seconds => {
            return bad_request(
                "wait",
                format!(
                    "{seconds} is more than {MAX_WAIT}: wait at most {MAX_WAIT} seconds, then ask again"
                ),
            );
        }
    };
    let reader = Reader {
        receiver,
        filter,
        limit,
        host: server.host.clone(),
    };
    match format {
        Format::Json => match reader.next(after, wait).await {
            Ok((events, cursor)) => {
                let mut items = Vec::new();
                for event in &events {
                    items.extend(reader.items(event).await);
                }
                let key = match reader.filter.trigger {
                    Some(_) => "outputs",
                    None => "events",
                };
                let body = format!("{{\"{key}\":[{}],\"cursor\":{cursor}}}", items.join(","));
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
            Err(e) => store_error(e),
        },
        Format::Ndjson | Format::Sse => stream(reader, after, format),
    }
}

/// The store failed: 500 in the API's error shape, the detail in the log.
fn store_error(e: crate::error::StoreError) -> Response {
    error_response(&HostError::Store(e))
}

/// Reads matching events after a cursor.
struct Reader {
    receiver: Arc<Receiver>,
    filter: EventFilter,
    limit: usize,
    /// Runs the filter's trigger, if it has one.
    host: Arc<crate::Host>,
}

impl Reader {
    /// What to hand on for `event`: the event itself, or each output of
    /// the filter's trigger (none when the trigger cannot map it, which
    /// the log says).
    async fn items(&self, event: &InboxEvent) -> Vec<String> {
        let Some(target) = &self.filter.trigger else {
            return vec![item_json(event)];
        };
        match trigger_items(&self.host, target, event).await {
            Ok(items) => items.into_iter().map(|i| i.json).collect(),
            Err(e) => {
                tracing::warn!(trigger = %target.name, event = event.seq, "cannot map an event: {e}");
                Vec::new()
            }
        }
    }

    /// The matching events after `after` (waiting up to `wait` for one),
    /// and the cursor past everything looked at.
    async fn next(
        &self,
        mut after: u64,
        wait: Duration,
    ) -> Result<(Vec<InboxEvent>, u64), crate::error::StoreError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let arrived = self.receiver.arrived();
            let mut found = Vec::new();
            // Scan on past events no filter lets through, up to the end.
            loop {
                let events = self.receiver.store().read(after, self.limit).await?;
                if events.is_empty() {
                    break;
                }
                for event in events {
                    let seq = event.seq;
                    if self.filter.admits(&event.event) && self.receiver.live(&event.event) {
                        found.push(event);
                    }
                    after = seq;
                    if found.len() == self.limit {
                        return Ok((found, after));
                    }
                }
                if !found.is_empty() {
                    break;
                }
            }
            if !found.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok((found, after));
            }
            // Woken by an event this process took, else look again soon
            // (another replica's).
            let nap = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(Duration::from_millis(500));
            let _ = tokio::time::timeout(nap, arrived).await;
        }
    }
}

/// NDJSON or SSE: what is there, then every event as it arrives, with a
/// keep-alive every 15 s, until the client goes.
fn stream(reader: Reader, after: u64, format: Format) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let mut cursor = after;
        loop {
            let (events, next) = match reader.next(cursor, Duration::from_secs(15)).await {
                Ok(read) => read,
                Err(e) => {
                    tracing::error!("the event store: {e}");
                    return;
                }
            };
            cursor = next;
            let mut chunk = String::new();
            if events.is_empty() {
                chunk.push_str(match format {
                    Format::Sse => ": keep-alive\n\n",
                    _ => "\n",
                });
            }
            for event in &events {
                let kind = match &reader.filter.trigger {
                    Some(target) => target.name.clone(),
                    None => event.event.event.clone(),
                };
                for item in reader.items(event).await {
                    match format {
                        Format::Sse => chunk.push_str(&format!(
                            "id: {}\nevent: {kind}\ndata: {item}\n\n",
                            event.seq
                        )),
                        _ => {
                            chunk.push_str(&item);
                            chunk.push('\n');
                        }
                    }
                }
            }
            if tx.send(Bytes::from(chunk)).await.is_err() {
                return;
            }
        }
    });
    let content_type = match format {
        Format::Sse => "text/event-stream",
        _ => "application/x-ndjson",
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::new(super::stream::ChannelBody(rx)),
    )
        .into_response()
}

/// The events' lines of `/metrics`: counts since start, and from the store
/// the inbox's newest number, each subscription's backlog, retries and
/// dead letters, and each app's refusals and last URL validation.
pub(super) async fn metrics(server: &Server) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let Some(receiver) = receiver(server) else {
        return String::new();
    };
    let c = receiver.counts();
    let mut text = String::new();
    for (name, help, value) in [
        (
            "wrk_zoom_events_taken_total",
            "Zoom events kept in the inbox.",
            c.taken.load(Relaxed),
        ),
        (
            "wrk_zoom_events_duplicates_total",
            "Deliveries of events already kept.",
            c.duplicates.load(Relaxed),
        ),
        (
            "wrk_zoom_events_refused_total",
            "Deliveries refused (signature, timestamp, headers, size, unknown app).",
            c.refused.load(Relaxed),
        ),
        (
            "wrk_zoom_events_unmatched_total",
            "Events of accounts no stored connection belongs to.",
            c.unmatched.load(Relaxed),
        ),
        (
            "wrk_zoom_events_url_validations_total",
            "Zoom URL validations answered.",
            c.validations.load(Relaxed),
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    let store = receiver.store();
    let (Ok(last), Ok(subscriptions), Ok(apps)) = (
        store.last_seq().await,
        store.subscriptions().await,
        store.apps().await,
    ) else {
        return text;
    };
    text.push_str(&format!(
        "# HELP wrk_zoom_events_inbox_last Number of the newest event in the inbox.\n# TYPE wrk_zoom_events_inbox_last gauge\nwrk_zoom_events_inbox_last {last}\n"
    ));
    text.push_str("# HELP wrk_zoom_events_push Push subscriptions: events not yet looked at (backlog), retrying, dead.\n# TYPE wrk_zoom_events_push gauge\n");
    for s in &subscriptions {
        let id = super::calls::label(&s.id);
        let st = &s.state;
        text.push_str(&format!(
            "wrk_zoom_events_push{{subscription=\"{id}\",state=\"backlog\"}} {}\nwrk_zoom_events_push{{subscription=\"{id}\",state=\"retrying\"}} {}\nwrk_zoom_events_push{{subscription=\"{id}\",state=\"dead\"}} {}\n",
            last.saturating_sub(st.cursor),
            st.retrying.len(),
            st.dead.len()
        ));
    }
    text.push_str("# HELP wrk_zoom_events_app_last_validation_seconds Unix time of the app's last Zoom URL validation (Zoom revalidates every 72 h).\n# TYPE wrk_zoom_events_app_last_validation_seconds gauge\n");
    for (name, app) in &apps {
        text.push_str(&format!(
            "wrk_zoom_events_app_last_validation_seconds{{app=\"{}\"}} {}\n",
            super::calls::label(name),
            app.validated_at.unwrap_or(0)
        ));
    }
    text
}
