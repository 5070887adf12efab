//! After a WebSocket gap: what Zoom's REST API says happened meanwhile,
//! taken into the inbox as the events Zoom would have sent, under the same
//! semantic keys, so an event that arrives later as well is kept once.
//!
//! Zoom keeps nothing for a closed WebSocket, so the host asks, with the
//! actions that exist and the subscription's own connection (admin
//! scopes):
//! - meetings that ended in the gap (`retrieve-history-meetings` by end
//!   time): `meeting.ended`;
//! - their cloud recordings (`retrieve-meeting-recordings-admin`):
//!   `recording.completed` (every file but the transcript) and
//!   `recording.transcript_completed` (the transcript), as Zoom splits them;
//! - phone calls that ended in the gap (`retrieve-account-call-history`,
//!   recorded and not): `phone.caller_call_history_completed` /
//!   `phone.callee_call_history_completed` by the log's direction.
//!
//! Other events (created, updated, joined, ...) have no REST trace to
//! rebuild them from; the gap itself is recorded for an operator.

use super::receive::Receiver;
use crate::Host;
use crate::auth::Connections;
use crate::call::{Caller, ConnectionRequest};
use crate::error::HostError;
use serde_json::{Value, json};

/// The longest span reconciled: Zoom's reports take a month at most.
const MAX_SPAN_MS: i64 = 28 * 24 * 3600 * 1000;

/// What a backfill found and took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backfilled {
    /// Events rebuilt from Zoom's REST answers.
    pub found: u64,
    /// Of those, the ones the inbox did not have yet.
    pub taken: u64,
}

/// Every item of a list, page after page (Send, unlike the paginator's
/// sinks, so the WebSocket task can run it).
async fn every_item(
    call: &crate::call::PreparedCall<'_>,
    params: &[(String, String)],
) -> Result<Vec<Value>, HostError> {
    let key = call.info().list_key.clone().unwrap_or_default();
    let mut items = Vec::new();
    let mut page = params.to_vec();
    loop {
        let reply = call.run(&page).await?;
        items.extend(reply.body[&key].as_array().cloned().unwrap_or_default());
        match reply.next_page_token.filter(|t| !t.is_empty()) {
            Some(token) => {
                page.retain(|(k, _)| k != "next_page_token");
                page.push(("next_page_token".into(), token));
            }
            None => return Ok(items),
        }
    }
}

/// Whether a Zoom date-time lies in `[from_ms, to_ms]`.
fn within(time: &Value, from_ms: i64, to_ms: i64) -> bool {
    time.as_str()
        .and_then(crate::clock::parse_date_time)
        .is_some_and(|secs| (from_ms / 1000..=to_ms.div_euclid(1000) + 1).contains(&secs))
}

/// Takes what happened between `from_ms` and `to_ms` into `app`'s inbox
/// (see the module docs), calling Zoom as `request` says.
pub async fn backfill(
    host: &Host,
    connections: Option<&Connections>,
    request: &ConnectionRequest,
    receiver: &Receiver,
    app: &str,
    (from_ms, to_ms): (i64, i64),
) -> Result<Backfilled, HostError> {
    let caller = Caller::new(host, connections);
    let me = caller
        .prepare("api-call-admin", request.clone())
        .await?
        .run(&[
            ("method".into(), "GET".into()),
            ("path".into(), "/users/me".into()),
        ])
        .await?;
    let account = me.body["account_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Zoom's reports answer at most a month at once, and keep little more.
    let from_ms = from_ms.max(to_ms - MAX_SPAN_MS);
    let day = |ms: i64| crate::clock::format_utc(ms / 1000)[..10].to_string();
    let (from, to) = (day(from_ms), day(to_ms));
    let mut events = Vec::new();

    let history = caller
        .prepare("retrieve-history-meetings", request.clone())
        .await?;
    let meetings = every_item(
        &history,
        &[
            ("from".into(), from.clone()),
            ("to".into(), to.clone()),
            ("date_type".into(), "end_time".into()),
            ("page_size".into(), "300".into()),
        ],
    )
    .await?;
    let recordings = caller
        .prepare("retrieve-meeting-recordings-admin", request.clone())
        .await?;
    for meeting in meetings {
        if !within(&meeting["end_time"], from_ms, to_ms) {
            continue;
        }
        let object = json!({
            "id": meeting["meeting_id"].to_string().trim_matches('"'),
            "uuid": meeting["meeting_uuid"], "topic": meeting["topic"],
            "start_time": meeting["start_time"], "end_time": meeting["end_time"],
            "duration": meeting["duration"],
        });
        events.push(event("meeting.ended", &account, object));
        let uuid = meeting["meeting_uuid"].as_str().unwrap_or_default();
        let files = match recordings.run(&[("meetingId".into(), uuid.into())]).await {
            Ok(reply) => reply.body,
            // No recording: nothing more to rebuild.
            Err(HostError::Zoom { status: 404, .. }) => continue,
            Err(e) => return Err(e),
        };
        for (name, transcript) in [
            ("recording.completed", false),
            ("recording.transcript_completed", true),
        ] {
            let chosen: Vec<Value> = files["recording_files"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| (f["file_type"] == "TRANSCRIPT") == transcript)
                .cloned()
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let mut object = files.clone();
            object["recording_files"] = Value::Array(chosen);
            events.push(event(name, &account, object));
        }
    }

    let calls = caller
        .prepare("retrieve-account-call-history", request.clone())
        .await?;
    for status in ["recorded", "non_recorded"] {
        let logs = every_item(
            &calls,
            &[
                ("from".into(), from.clone()),
                ("to".into(), to.clone()),
                ("recording_status".into(), status.into()),
                ("page_size".into(), "300".into()),
            ],
        )
        .await?;
        for log in logs {
            if !within(&log["end_time"], from_ms, to_ms) {
                continue;
            }
            let name = match log["direction"].as_str() {
                Some("outbound") => "phone.caller_call_history_completed",
                _ => "phone.callee_call_history_completed",
            };
            let object = json!({"user_id": log["user_id"], "call_logs": [log]});
            events.push(event(name, &account, object));
        }
    }

    let mut counts = Backfilled::default();
    for body in events {
        counts.found += 1;
        let appended = receiver
            .take_trusted(app, &body.to_string(), None, "backfill")
            .await?;
        if matches!(appended, super::Appended::New(_)) {
            counts.taken += 1;
        }
    }
    Ok(counts)
}

/// An event as Zoom would have sent it.
fn event(name: &str, account: &str, object: Value) -> Value {
    json!({
        "event": name,
        "event_ts": crate::clock::now_millis(),
        "payload": {"account_id": account, "object": object},
    })
}
