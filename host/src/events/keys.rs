//! What makes two deliveries the same event. Zoom delivers at least once:
//! a retry keeps its request id, but Zoom also sends copies with a request
//! id of their own (two `recording.completed` for one recording, differing
//! only in `download_token`). So an event is known by its request id and
//! by its identity in the payload, per type (zoom-events.md, 1.7); never by
//! a hash of the body, which such copies change.

use serde_json::Value;

/// The identity of `event` (the whole parsed body) in its payload, or
/// `None` for a type without one (its request id alone then decides).
pub fn semantic_key(event: &Value) -> Option<String> {
    let name = event.get("event")?.as_str()?;
    let payload = event.get("payload")?;
    let object = payload.get("object").unwrap_or(&Value::Null);
    let text = |v: &Value, path: &[&str]| -> Option<String> {
        let mut at = v;
        for step in path {
            at = at.get(step)?;
        }
        match at {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let ids = |list: Option<&Value>, field: &str| -> Option<String> {
        let mut ids: Vec<String> = list?
            .as_array()?
            .iter()
            .filter_map(|item| text(item, &[field]))
            .collect();
        if ids.is_empty() {
            return None;
        }
        ids.sort();
        Some(ids.join(","))
    };
    let event_ts = text(event, &["event_ts"]);
    let instance = text(object, &["uuid"]).or_else(|| text(object, &["id"]));
    let parts: Vec<String> = match name {
        "app_deauthorized" => vec![text(payload, &["signature"])?],
        "meeting.created" | "webinar.created" => vec![instance?],
        "meeting.updated" | "webinar.updated" => {
            vec![text(object, &["id"])?, text(payload, &["time_stamp"])?]
        }
        "meeting.deleted" | "webinar.deleted" => {
            let occurrences = ids(object.get("occurrences"), "occurrence_id").unwrap_or_default();
            vec![instance?, occurrences]
        }
        "meeting.started" | "meeting.ended" | "webinar.started" | "webinar.ended" => {
            vec![instance?]
        }
        "meeting.participant_joined"
        | "meeting.participant_left"
        | "webinar.participant_joined"
        | "webinar.participant_left" => {
            let who = object.get("participant")?;
            let person = text(who, &["participant_uuid"])
                .or_else(|| text(who, &["user_id"]))
                .or_else(|| text(who, &["id"]))?;
            let when = text(who, &["join_time"]).or_else(|| text(who, &["leave_time"]))?;
            vec![instance?, person, when]
        }
        "meeting.summary_completed" => {
            let edited = text(object, &["summary_last_modified_time"]).or(event_ts);
            vec![text(object, &["meeting_uuid"])?, edited?]
        }
        "recording.completed" | "recording.transcript_completed" => {
            vec![instance?, ids(object.get("recording_files"), "id")?]
        }
        "phone.callee_call_history_completed" | "phone.caller_call_history_completed" => {
            let logs = ids(object.get("call_logs"), "id").or_else(|| text(object, &["call_id"]))?;
            vec![logs]
        }
        _ if name.starts_with("user.") => vec![text(object, &["id"])?, event_ts?],
        // Any other type: its object at its time.
        _ => vec![instance?, event_ts?],
    };
    Some(format!("{name}:{}", parts.join(":")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copies_of_a_recording_differing_in_their_download_token_share_a_key() {
        let one = json!({"event": "recording.completed", "event_ts": 1, "download_token": "a",
            "payload": {"account_id": "A", "object": {"uuid": "U1==", "recording_files": [{"id": "f2"}, {"id": "f1"}]}}});
        let mut two = one.clone();
        two["download_token"] = json!("b");
        two["event_ts"] = json!(2);
        two["payload"]["object"]["recording_files"] = json!([{"id": "f1"}, {"id": "f2"}]);
        assert_eq!(semantic_key(&one), semantic_key(&two));
        assert_eq!(
            semantic_key(&one).unwrap(),
            "recording.completed:U1==:f1,f2"
        );
        // A later rendition (another file) is another event.
        let mut three = one.clone();
        three["payload"]["object"]["recording_files"] = json!([{"id": "f1"}, {"id": "f3"}]);
        assert_ne!(semantic_key(&one), semantic_key(&three));
    }

    #[test]
    fn a_participant_joining_twice_is_two_events_and_an_update_is_keyed_by_its_time() {
        let join = |at: &str| {
            json!({"event": "meeting.participant_joined", "event_ts": 5,
            "payload": {"account_id": "A", "object": {"uuid": "M==", "id": 9,
                "participant": {"participant_uuid": "P", "join_time": at}}}})
        };
        assert_ne!(
            semantic_key(&join("2026-01-01T10:00:00Z")),
            semantic_key(&join("2026-01-01T10:05:00Z"))
        );
        let update = json!({"event": "meeting.updated", "event_ts": 7,
            "payload": {"account_id": "A", "time_stamp": 123, "object": {"id": 9}}});
        assert_eq!(semantic_key(&update).unwrap(), "meeting.updated:9:123");
        let deauth = json!({"event": "app_deauthorized", "event_ts": 7,
            "payload": {"account_id": "A", "signature": "sig"}});
        assert_eq!(semantic_key(&deauth).unwrap(), "app_deauthorized:sig");
        assert_eq!(semantic_key(&json!({"event": "x"})), None);
    }
}
