//! Subscriptions to triggers through `serve`: a trigger's outputs pushed
//! one request each with its own idempotency key, pulled, and managed over
//! the API and the command line.

use crate::events::{
    ACCOUNT, Hooks, KEY, cli, deliver, event, get, home_with_app, serve, wait_until,
};
use serde_json::{Value, json};

/// POSTs JSON `body` to `path` with the API key.
fn post_json(base: &str, path: &str, body: &Value) -> (u16, String) {
    request(base, "POST", path, &body.to_string())
}

fn request(base: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    crate::http_exchange(addr, request.as_bytes())
}

/// A `recording.completed` of meeting instance `uuid` with files of these
/// types, and the download token `token`.
fn recording(uuid: &str, types: &[&str], token: &str) -> Value {
    let files: Vec<Value> = types
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            json!({"id": format!("{uuid}-file-{i}"), "file_type": kind, "file_size": 1000 + i,
                "download_url": format!("https://zoom.example/rec/{i}"), "recording_type": "audio_only"})
        })
        .collect();
    let mut body = event(
        "recording.completed",
        ACCOUNT,
        json!({"uuid": uuid, "id": 85746065432i64, "host_id": "h1", "topic": "Standup",
            "recording_files": files}),
    );
    body["download_token"] = json!(token);
    body
}

#[test]
fn a_subscription_to_a_trigger_pushes_each_output_once_with_its_own_key() {
    let home = home_with_app();
    // The second output of the first event fails once: the event is tried
    // again, and its first output comes again with the same key.
    let receiver = Hooks::start(vec![200, 500]);
    let served = serve(
        home.path(),
        &["--push-attempts", "3", "--push-first-retry", "50ms"],
    );
    let base = &served.base;
    let (status, body) = post_json(
        base,
        "/v1/triggers/recording-completed/subscriptions",
        &json!({"url": receiver.url, "params": {"file_types": "MP4,M4A"}}),
    );
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert!(
        created["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    assert_eq!(created["filter"]["trigger"]["name"], "recording-completed");
    assert_eq!(created["filter"]["types"], json!(["recording.completed"]));

    let first = recording("u-one==", &["MP4", "M4A", "CHAT"], "token-a");
    assert_eq!(deliver(base, "r-1", &first), 200);
    // Zoom's copy with a fresh download token is the same event: kept once.
    assert_eq!(
        deliver(
            base,
            "r-1-copy",
            &recording("u-one==", &["MP4", "M4A", "CHAT"], "token-b")
        ),
        200
    );
    // Not the trigger's event type.
    let started = event(
        "meeting.started",
        ACCOUNT,
        json!({"uuid": "u-s==", "id": "1"}),
    );
    assert_eq!(deliver(base, "r-2", &started), 200);
    // First output taken, second refused, then both again.
    wait_until(|| (receiver.taken_keys().len() == 3).then_some(()));
    assert_eq!(
        deliver(base, "r-3", &recording("u-two==", &["M4A"], "token-c")),
        200
    );
    wait_until(|| (receiver.taken_keys().len() == 4).then_some(()));
    let got = receiver.wait_for(5);
    assert_eq!(got.len(), 5, "nothing more was sent");
    let mut by_key: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for (headers, body) in &got {
        let id = &headers["webhook-id"];
        assert!(id.starts_with("out_"), "{id}");
        by_key
            .entry(id.clone())
            .or_default()
            .push(serde_json::from_str(body).unwrap());
    }
    // Three outputs in all (two files of the first recording, one of the
    // second), each under one key however often it came.
    assert_eq!(by_key.len(), 3, "{by_key:#?}");
    let mut files: Vec<String> = by_key
        .values()
        .map(|bodies| {
            assert!(
                bodies.iter().all(|b| b == &bodies[0]),
                "the same body each time"
            );
            let b = &bodies[0];
            assert_eq!(b["trigger"], "recording-completed");
            assert_eq!(
                b["key"],
                format!(
                    "recording.completed:{}:{}",
                    b["output"]["meeting_uuid"].as_str().unwrap(),
                    b["output"]["file_id"].as_str().unwrap()
                )
            );
            assert_ne!(b["output"]["file_type"], "CHAT");
            b["output"]["file_id"].as_str().unwrap().to_string()
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["u-one==-file-0", "u-one==-file-1", "u-two==-file-0"]
    );
    let first_file = &by_key
        .values()
        .find(|b| b[0]["output"]["file_id"] == "u-one==-file-0")
        .unwrap()[0];
    assert_eq!(first_file["output"]["download_token"], "token-a");
    let mut taken = receiver.taken_keys();
    taken.sort();
    taken.dedup();
    assert_eq!(taken.len(), 3, "each output was taken under its one key");
}

#[test]
fn a_trigger_s_outputs_can_be_pulled_and_bad_requests_name_the_field() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    assert_eq!(
        deliver(base, "p-1", &recording("u-pull==", &["MP4", "M4A"], "t")),
        200
    );
    let (status, body) = get(
        base,
        "/v1/events?trigger=recording-completed&params=%7B%22file_types%22%3A%22M4A%22%7D",
    );
    assert_eq!(status, 200, "{body}");
    let pulled: Value = serde_json::from_str(&body).unwrap();
    let outputs = pulled["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 1, "{pulled}");
    assert_eq!(outputs[0]["output"]["file_type"], "M4A");
    assert_eq!(outputs[0]["event_id"], 1);
    assert_eq!(pulled["cursor"], 1);

    let (status, body) = get(
        base,
        "/v1/events?trigger=recording-completed&params=%7B%22file_type%22%3A1%7D",
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("file_type") && body.contains("file_types"),
        "{body}"
    );
    let (status, body) = get(
        base,
        "/v1/events?trigger=recording-completed&type=meeting.created",
    );
    assert_eq!(status, 400);
    assert!(body.contains("\"type\"") || body.contains("type"), "{body}");
    // A long-poll longer than a minute is refused, not cut short.
    let (status, body) = get(base, "/v1/events?wait=61");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("wait at most 60"), "{body}");
    let (status, body) = get(base, "/v1/events?trigger=no-such-trigger");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown trigger"), "{body}");
    let (status, body) = get(
        base,
        "/v1/events?trigger=recording-completed&params=not-json",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("params"), "{body}");
}

#[test]
fn triggers_and_subscriptions_are_listed_described_and_removed_over_the_api_and_the_cli() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    let (status, body) = get(base, "/v1/triggers");
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 13);
    let (status, body) = get(base, "/v1/triggers/meeting-ended/sample");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["event"],
        "meeting.ended"
    );
    let (status, body) = get(base, "/v1/triggers/meeting-ended/output-schema");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["additionalProperties"],
        false
    );

    // Refused: a parameter the trigger does not take, a URL that is not one.
    let (status, body) = post_json(
        base,
        "/v1/triggers/meeting-ended/subscriptions",
        &json!({"url": "https://example.com/hook", "params": {"topic": "x"}}),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("topic_contains"), "{body}");
    let (status, body) = post_json(
        base,
        "/v1/triggers/meeting-ended/subscriptions",
        &json!({"url": "ftp://example.com"}),
    );
    assert_eq!(status, 400);
    assert!(body.contains("url"), "{body}");

    // The command line subscribes as well, its parameters checked.
    let (ok, _, err) = cli(
        home.path(),
        &[
            "events",
            "subscribe",
            "--url",
            "https://example.com/h",
            "--trigger",
            "meeting-ended",
            "topic=x",
        ],
        &[],
    );
    assert!(!ok && err.contains("topic_contains"), "{err}");
    let (ok, out, err) = cli(
        home.path(),
        &[
            "events",
            "subscribe",
            "--url",
            "https://example.com/h",
            "--trigger",
            "meeting-ended",
            "topic_contains=standup",
        ],
        &[],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("each output of the trigger meeting-ended"),
        "{err}"
    );
    let made: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        made["filter"]["trigger"]["params"],
        json!([["topic_contains", "standup"]])
    );
    let id = made["id"].as_str().unwrap();
    let (ok, listed, _) = cli(home.path(), &["events", "subscriptions"], &[]);
    assert!(
        ok && listed.contains(id) && listed.contains("meeting-ended"),
        "{listed}"
    );

    let (status, _) = request(base, "DELETE", &format!("/v1/subscriptions/{id}"), "");
    assert_eq!(status, 204);
    let (status, body) = request(base, "DELETE", &format!("/v1/subscriptions/{id}"), "");
    assert_eq!(status, 404, "{body}");
}
