//! Event bodies in Zoom's shapes (one builder per event type, following
//! the schemas in `webhook-schemas/`, several of which forbid extra
//! properties), plus the body rewrites some faults need.

use crate::seed::ACCOUNT_ID;
use crate::state::{Data, LiveMeeting, LiveParticipant, PastInstance, StoredFile, User};
use crate::time::{format_datetime, now_millis};
use serde_json::{Map, Value, json};

/// `{"event", "event_ts", "payload"}` with `event_ts` in ms now.
pub fn envelope(event: &str, payload: Value) -> Value {
    json!({"event": event, "event_ts": now_millis(), "payload": payload})
}

/// Copies `keys` of `from` (those present) into a new object.
fn pick(from: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| from.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// `meeting.created` for a meeting object as the REST API returns it.
pub fn meeting_created(meeting: &Value, operator: &User) -> Value {
    let object = pick(
        meeting,
        &[
            "uuid",
            "id",
            "host_id",
            "topic",
            "type",
            "start_time",
            "duration",
            "timezone",
            "join_url",
            "password",
            "settings",
            "recurrence",
            "occurrences",
            "tracking_fields",
        ],
    );
    envelope(
        "meeting.created",
        json!({
            "account_id": ACCOUNT_ID,
            "operator": operator.email,
            "operator_id": operator.id,
            "operation": "all",
            "object": object,
        }),
    )
}

/// Fields of the meeting object never sent in events (secrets, derived).
const NOT_IN_EVENTS: &[&str] = &[
    "start_url",
    "encrypted_password",
    "h323_password",
    "pstn_password",
];

/// `meeting.updated`: `object` holds the id and the fields that changed
/// (for `settings`, the changed settings), `old_object` their old values.
pub fn meeting_updated(old: &Value, new: &Value, operator: &User) -> Value {
    let id = new.get("id").cloned().unwrap_or(Value::Null);
    let mut object = Map::from_iter([("id".to_string(), id.clone())]);
    let mut old_object = Map::from_iter([("id".to_string(), id)]);
    let (empty_old, empty_new) = (Map::new(), Map::new());
    let old_map = old.as_object().unwrap_or(&empty_old);
    let new_map = new.as_object().unwrap_or(&empty_new);
    for (k, v) in new_map {
        if NOT_IN_EVENTS.contains(&k.as_str()) || old_map.get(k) == Some(v) {
            continue;
        }
        match (k.as_str(), old_map.get(k), v) {
            ("settings", Some(Value::Object(o)), Value::Object(n)) => {
                let changed: Vec<&String> = n.keys().filter(|s| o.get(*s) != n.get(*s)).collect();
                let pick_from = |m: &Map<String, Value>| -> Map<String, Value> {
                    changed
                        .iter()
                        .filter_map(|s| m.get(*s).map(|v| (s.to_string(), v.clone())))
                        .collect()
                };
                object.insert(k.clone(), Value::Object(pick_from(n)));
                old_object.insert(k.clone(), Value::Object(pick_from(o)));
            }
            (_, old_value, _) => {
                object.insert(k.clone(), v.clone());
                if let Some(ov) = old_value {
                    old_object.insert(k.clone(), ov.clone());
                }
            }
        }
    }
    envelope(
        "meeting.updated",
        json!({
            "account_id": ACCOUNT_ID,
            "operator": operator.email,
            "operator_id": operator.id,
            "object": object,
            "old_object": old_object,
            "time_stamp": now_millis(),
        }),
    )
}

/// `meeting.deleted`; `occurrence_id` when one occurrence was deleted.
pub fn meeting_deleted(meeting: &Value, operator: &User, occurrence_id: Option<&str>) -> Value {
    let mut object = pick(
        meeting,
        &[
            "uuid",
            "id",
            "host_id",
            "topic",
            "type",
            "start_time",
            "duration",
            "timezone",
        ],
    );
    let operation = match occurrence_id {
        Some(occ) => {
            let start = meeting
                .get("occurrences")
                .and_then(Value::as_array)
                .and_then(|all| {
                    all.iter()
                        .find(|o| o.get("occurrence_id").and_then(Value::as_str) == Some(occ))
                })
                .and_then(|o| o.get("start_time").cloned())
                .or_else(|| meeting.get("start_time").cloned())
                .unwrap_or_else(|| json!(format_datetime(crate::time::now_secs())));
            object.insert(
                "occurrences".into(),
                json!([{"occurrence_id": occ, "start_time": start}]),
            );
            "single"
        }
        None => "all",
    };
    envelope(
        "meeting.deleted",
        json!({
            "account_id": ACCOUNT_ID,
            "operator": operator.email,
            "operator_id": operator.id,
            "operation": operation,
            "object": object,
        }),
    )
}

/// The meeting-instance object of `meeting.started` / `ended` /
/// `participant_*` (Zoom sends the meeting id as a string there).
pub fn instance_object(meeting: &Value, live: &LiveMeeting) -> Map<String, Value> {
    let mut o = pick(
        meeting,
        &["host_id", "topic", "type", "timezone", "duration"],
    );
    let id = meeting.get("id").map(|v| v.to_string()).unwrap_or_default();
    o.insert("id".into(), json!(id));
    o.insert("uuid".into(), json!(live.uuid));
    o.insert("start_time".into(), json!(format_datetime(live.start)));
    o
}

/// `meeting.started`
pub fn meeting_started(meeting: &Value, live: &LiveMeeting) -> Value {
    envelope(
        "meeting.started",
        json!({"account_id": ACCOUNT_ID, "object": instance_object(meeting, live)}),
    )
}

/// `meeting.ended`
pub fn meeting_ended(meeting: &Value, live: &LiveMeeting, end: i64) -> Value {
    let mut object = instance_object(meeting, live);
    object.insert("end_time".into(), json!(format_datetime(end)));
    envelope(
        "meeting.ended",
        json!({"account_id": ACCOUNT_ID, "object": object}),
    )
}

fn participant_fields(p: &LiveParticipant) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("user_id".into(), json!(p.participant.user_id));
    m.insert("user_name".into(), json!(p.participant.name));
    m.insert("id".into(), json!(p.participant.id));
    m.insert("participant_uuid".into(), json!(p.participant_uuid));
    m.insert("email".into(), json!(p.participant.email));
    if !p.participant.id.is_empty() {
        m.insert("participant_user_id".into(), json!(p.participant.id));
    }
    m
}

/// `meeting.participant_joined`
pub fn participant_joined(meeting: &Value, live: &LiveMeeting, p: &LiveParticipant) -> Value {
    let mut participant = participant_fields(p);
    participant.insert(
        "join_time".into(),
        json!(format_datetime(p.participant.join)),
    );
    let mut object = instance_object(meeting, live);
    object.insert("participant".into(), Value::Object(participant));
    envelope(
        "meeting.participant_joined",
        json!({"account_id": ACCOUNT_ID, "object": object}),
    )
}

/// `meeting.participant_left`
pub fn participant_left(meeting: &Value, live: &LiveMeeting, p: &LiveParticipant) -> Value {
    let mut participant = participant_fields(p);
    participant.insert(
        "leave_time".into(),
        json!(format_datetime(p.participant.leave)),
    );
    participant.insert(
        "leave_reason".into(),
        json!(format!(
            "{} left the meeting. Reason : left the meeting",
            p.participant.name
        )),
    );
    let mut object = instance_object(meeting, live);
    object.insert("participant".into(), Value::Object(participant));
    envelope(
        "meeting.participant_left",
        json!({"account_id": ACCOUNT_ID, "object": object}),
    )
}

/// `recording.completed` (every file but the transcript) or
/// `recording.transcript_completed` (the transcript only), with the
/// top-level `download_token`.
pub fn recording(
    event: &str,
    origin: &str,
    p: &PastInstance,
    host: &User,
    download_token: &str,
) -> Value {
    let transcript = event == "recording.transcript_completed";
    let files: Vec<Value> = p
        .recording_files
        .iter()
        .enumerate()
        .filter(|(_, f)| (f.file_type == "TRANSCRIPT") == transcript)
        .map(|(i, f)| {
            json!({
                "id": f.id,
                "meeting_id": p.uuid,
                // A meeting shorter than its files' offsets (the sandbox's
                // demo meetings) still has each file end after it starts.
                "recording_start": format_datetime((p.start + 5 + i as i64).min(p.end)),
                "recording_end": format_datetime((p.end - 2).max((p.start + 5 + i as i64).min(p.end))),
                "file_type": f.file_type,
                "file_size": f.size,
                "file_extension": f.file_extension,
                "play_url": format!("{origin}/rec/play/{}", f.download_token),
                "download_url": format!("{origin}/rec/download/{}", f.download_token),
                "status": "completed",
                "recording_type": f.recording_type,
            })
        })
        .collect();
    let total: i64 = p
        .recording_files
        .iter()
        .filter(|f| (f.file_type == "TRANSCRIPT") == transcript)
        .map(|f| f.size)
        .sum();
    let object = json!({
        "id": p.meeting_id,
        "uuid": p.uuid,
        "host_id": p.host_id,
        "account_id": ACCOUNT_ID,
        "topic": p.topic,
        "type": p.meeting_type,
        "start_time": format_datetime(p.start),
        "password": p.recording_password,
        "timezone": host.timezone,
        "host_email": host.email,
        "duration": (p.end - p.start) / 60,
        "share_url": format!("https://us05web.zoom.us/rec/share/{}", crate::seed::fake_id(&format!("{}/share", p.uuid))),
        "total_size": total,
        "recording_count": files.len(),
        "recording_files": files,
    });
    let mut env = envelope(event, json!({"account_id": ACCOUNT_ID, "object": object}));
    env["download_token"] = json!(download_token);
    env
}

/// What the simulated AI Companion makes of every meeting: the seeded
/// transcript's conversation (`seed::TRANSCRIPT_LINES`), as
/// (label, summary) topics ...
const SUMMARY_TOPICS: [(&str, &str); 2] = [
    (
        "Engine status",
        "Ada Lovelace reported that the analytical engine passed all of last week's tests.",
    ),
    (
        "Relay seventy",
        "Grace Hopper found a moth in relay seventy; Alan Turing will add it to the bug list.",
    ),
];
/// ... and (who, what) next steps.
const SUMMARY_NEXT_STEPS: [(&str, &str); 2] = [
    (
        "Alan Turing",
        "Add the moth in relay seventy to the bug list.",
    ),
    ("Ada Lovelace", "Meet again next week."),
];

/// `meeting.summary_completed` for a past instance: the summary covers the
/// whole meeting, was created at `created` and last modified at
/// `modified` (Unix seconds). Every field of Zoom's schema is sent: the
/// Markdown `summary_content` and, as Zoom still does, the deprecated
/// `summary_overview`, `summary_details` and `next_steps`.
pub fn summary_completed(p: &PastInstance, host: &User, created: i64, modified: i64) -> Value {
    let overview = format!(
        "In \"{}\", the team reviewed the analytical engine's status: it passed all of last \
         week's tests, and a moth found in relay seventy goes on the bug list.",
        p.topic
    );
    let details: Vec<Value> = SUMMARY_TOPICS
        .iter()
        .map(|(label, summary)| json!({"label": label, "summary": summary}))
        .collect();
    let next_steps: Vec<String> = SUMMARY_NEXT_STEPS
        .iter()
        .map(|(who, what)| format!("{who}: {what}"))
        .collect();
    let mut content = format!("## Quick recap\n{overview}\n\n## Discussed topics\n");
    for (label, summary) in SUMMARY_TOPICS {
        content.push_str(&format!("### {label}\n{summary}\n\n"));
    }
    content.push_str("## Next steps");
    for (who, what) in SUMMARY_NEXT_STEPS {
        content.push_str(&format!("\n- **{who}**\n  - {what}"));
    }
    let object = json!({
        "meeting_host_id": p.host_id,
        "meeting_host_email": host.email,
        "meeting_uuid": p.uuid,
        "meeting_id": p.meeting_id,
        "meeting_topic": p.topic,
        "meeting_start_time": format_datetime(p.start),
        "meeting_end_time": format_datetime(p.end),
        "summary_start_time": format_datetime(p.start),
        "summary_end_time": format_datetime(p.end),
        "summary_created_time": format_datetime(created),
        "summary_last_modified_time": format_datetime(modified),
        "summary_title": format!("Meeting summary for {}", p.topic),
        "summary_overview": overview,
        "summary_details": details,
        "next_steps": next_steps,
        "summary_content": content,
        "summary_doc_url": format!(
            "https://docs.zoom.us/doc/{}",
            crate::seed::fake_id(&format!("{}/summary", p.uuid))
        ),
    });
    envelope(
        "meeting.summary_completed",
        json!({"account_id": ACCOUNT_ID, "object": object}),
    )
}

/// Gives a recording event new download credentials, as Zoom's duplicate
/// deliveries have: a new top-level `download_token` (accepted by
/// `/rec/download`) and new `download_url`s (aliases of the same files).
pub fn retoken_recording(data: &mut Data, origin: &str, env: &mut Value) {
    let token = crate::events::random_token(24);
    data.download_access_tokens
        .insert(token.clone(), crate::time::now_secs() + 24 * 3600);
    env["download_token"] = json!(token);
    let prefix = format!("{origin}/rec/download/");
    let files = env
        .pointer_mut("/payload/object/recording_files")
        .and_then(Value::as_array_mut);
    for file in files.into_iter().flatten() {
        let Some(old) = file
            .get("download_url")
            .and_then(Value::as_str)
            .and_then(|u| u.strip_prefix(&prefix))
            .map(str::to_string)
        else {
            continue;
        };
        let Some(stored) = data.files.get(&old).cloned() else {
            continue;
        };
        let alias = crate::events::random_token(16);
        data.files.insert(alias.clone(), stored);
        file["download_url"] = json!(format!("{prefix}{alias}"));
    }
}

/// A user's fields as `user.created` / `user.deactivated` carry them.
pub fn user_event(event: &str, u: &User, operator: &User) -> Value {
    let mut object = json!({
        "id": u.id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "type": u.user_type,
    });
    let mut payload = json!({
        "account_id": ACCOUNT_ID,
        "operator": operator.email,
        "operator_id": operator.id,
    });
    if event == "user.created" {
        object["display_name"] = json!(u.display_name());
        payload["creation_type"] = json!("create");
    }
    payload["object"] = object;
    envelope(event, payload)
}

/// `app_deauthorized`: no `object`; `event_ts` inside the payload too.
pub fn app_deauthorized(user_id: &str) -> Value {
    let ms = now_millis();
    let when = format!(
        "{}.{:03}Z",
        format_datetime((ms / 1000) as i64).trim_end_matches('Z'),
        ms % 1000
    );
    json!({
        "event": "app_deauthorized",
        "event_ts": ms,
        "payload": {
            "user_id": user_id,
            "account_id": ACCOUNT_ID,
            "client_id": crate::seed::CLIENT_ID,
            "deauthorization_time": when,
            "signature": crate::events::encrypted_token("deauthorization", &crate::events::random_token(16)),
            "event_ts": ms,
        }
    })
}

/// JSON text a parse + reserialise would change (fault `NonRoundTrip`):
/// keys in reverse order, `/` escaped as `\/`, every non-ASCII character as
/// `\uXXXX`, a space after every `:` and `,`.
pub fn odd_json(v: &Value) -> String {
    let mut out = String::new();
    write_odd(v, &mut out);
    out
}

fn write_odd(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| b.cmp(a));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_odd_str(k, out);
                out.push_str(": ");
                write_odd(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_odd(x, out);
            }
            out.push(']');
        }
        Value::String(s) => write_odd_str(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_odd_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A stored-file copy for a new recording file.
pub fn stored(extension: &'static str, content_type: &'static str, body: &[u8]) -> StoredFile {
    StoredFile {
        extension,
        content_type,
        body: body.to_vec(),
    }
}
