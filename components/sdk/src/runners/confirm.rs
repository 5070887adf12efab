//! Confirmations for changes Zoom answers with an empty 204: an update says
//! what it changed and shows the meeting as it is now (one more GET); a
//! delete says what it deleted. A workflow step then has something to pass
//! on instead of `null`.

use crate::{http, zoom};
use serde_json::{Map, Value as Json, json};
use wrk_zoom_spec::ids::MeetingRef;
use wrk_zoom_spec::request::{self, Request, query_string};
use wrk_zoom_spec::values::{Value, Values};
use wrk_zoom_spec::{Action, Call, Failure, Method, ParamLocation, Reply};

/// The meeting's ID (or UUID) and the occurrence, as Zoom names them.
fn target(values: &Values) -> (Json, Option<String>) {
    let id = match values.get("meetingId") {
        Some(Value::Meeting(MeetingRef::Id(id))) => json!(id),
        Some(other) => json!(other.to_text()),
        None => Json::Null,
    };
    (id, values.text("occurrence_id"))
}

/// PATCH the meeting, then read it back.
pub fn update(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let request = request::build(action, values);
    let response = http::send_request(&request, call)?;
    let answered = zoom::reply(response.status, &response.body, None)?;
    let changed: Map<String, Json> = action
        .all_params()
        .into_iter()
        .filter(|p| p.location == ParamLocation::Body)
        .filter_map(|p| Some((p.name.to_string(), values.get(p.name)?.to_json(p.kind))))
        .collect();
    let (meeting_id, occurrence_id) = target(values);
    let segment = match values.get("meetingId") {
        Some(Value::Meeting(meeting)) => meeting.path_segment(),
        _ => String::new(),
    };
    let mut path = format!("/meetings/{segment}");
    if let Some(occurrence) = &occurrence_id {
        path.push('?');
        path.push_str(&query_string([("occurrence_id", occurrence.clone())]));
    }
    let read = Request {
        method: Method::Get,
        path_and_query: path,
        body: None,
    };
    // The change is made: a failed read-back is reported beside it, never
    // as a failure of the update (which a caller might then repeat).
    let (meeting, read_error) =
        match http::send_request(&read, call).and_then(|r| zoom::reply(r.status, &r.body, None)) {
            Ok(reply) => (
                serde_json::from_str(&reply.body).unwrap_or(Json::Null),
                None,
            ),
            Err(Failure::Zoom {
                status, message, ..
            }) => (
                Json::Null,
                Some(format!("Zoom answered {status}: {message}")),
            ),
            Err(Failure::Transport(m) | Failure::Unexpected(m)) => (Json::Null, Some(m)),
            Err(Failure::InvalidParams(_)) => {
                (Json::Null, Some("the meeting could not be read".into()))
            }
        };
    let mut body = json!({
        "updated": true,
        "meeting_id": meeting_id,
        "occurrence_id": occurrence_id,
        "changed": changed,
        "meeting": meeting,
    });
    if let Some(error) = read_error {
        body["meeting_error"] = error.into();
    }
    Ok(Reply {
        status: answered.status,
        body: body.to_string(),
        next_page_token: None,
    })
}

/// DELETE the meeting (or one occurrence) and say so.
pub fn delete(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let request = request::build(action, values);
    let response = http::send_request(&request, call)?;
    let answered = zoom::reply(response.status, &response.body, None)?;
    let (meeting_id, occurrence_id) = target(values);
    let body = json!({
        "deleted": true,
        "meeting_id": meeting_id,
        "occurrence_id": occurrence_id,
        "whole_series": occurrence_id.is_none(),
    });
    Ok(Reply {
        status: answered.status,
        body: body.to_string(),
        next_page_token: None,
    })
}
