//! Zoom's events through `wrk-zoom serve` and `wrk-zoom events`: signed
//! deliveries in, kept before the 200, once, routed by account, pulled and
//! pushed. Deliveries here are signed by the test itself, independently of
//! the host's code (the simulator's own emitter is exercised in the e2e
//! tests).

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const KEY: &str = "test-key-0123456789";
const SECRET: &str = "zoom-secret-token-abc";
pub(crate) const ACCOUNT: &str = "acct-one";

pub(crate) struct Served {
    child: Child,
    pub(crate) base: String,
}

impl Served {
    /// Stops `serve` as an operator does (SIGTERM); it exits cleanly.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "{exit:?}");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn wrk_zoom(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"));
    command
        .env("WRK_ZOOM_HOME", home)
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .env_remove("WRK_ZOOM_DATABASE_URL")
        .env_remove("ZOOM_WEBHOOK_SECRET_TOKEN");
    command
}

/// Runs `wrk-zoom ARGS` and returns (success, stdout, stderr).
pub(crate) fn cli(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = wrk_zoom(home)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn serve(home: &Path, extra: &[&str]) -> Served {
    serve_on(home, 0, extra)
}

fn serve_on(home: &Path, port: u16, extra: &[&str]) -> Served {
    let (child, base) = crate::spawn_serve(
        wrk_zoom(home)
            .args(["serve", "--port", &port.to_string()])
            .args(extra)
            .env("WRK_ZOOM_API_KEY", KEY)
            .stderr(Stdio::null()),
    );
    Served { child, base }
}

/// A home with the app `main` registered and a user connection `alice` of
/// account [`ACCOUNT`].
pub(crate) fn home_with_app() -> tempfile::TempDir {
    home_for(SECRET, ACCOUNT)
}

/// A home with the app `main` (secret token `secret`) and a user
/// connection `alice` of `account`.
fn home_for(secret: &str, account: &str) -> tempfile::TempDir {
    let home = crate::temp_dir("wrk-zoom-events-");
    let (ok, _, err) = cli(
        home.path(),
        &["events", "app", "add", "main"],
        &[("ZOOM_WEBHOOK_SECRET_TOKEN", secret)],
    );
    assert!(ok, "{err}");
    let connection = json!({
        "kind": "user", "grant": "authorization_code", "client_id": "cid",
        "client_secret": "csecret", "oauth_base": "https://zoom.us",
        "api_base": "https://api.zoom.us/v2", "account_id": account,
        "access_token": "at", "refresh_token": "rt",
        "expires_at": 4_000_000_000i64, "lifetime_secs": 3600, "scopes": [],
        "granted_at": 1_700_000_000i64
    });
    let store = json!({"version": 1, "defaults": {"user": "alice"},
        "connections": {"alice": connection}});
    let path = home.path().join("connections.json");
    std::fs::write(&path, serde_json::to_vec(&store).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    home
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn zoom_signature(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

use crate::http_exchange as exchange;

/// POSTs `body` to the app's route with `headers` (already formatted).
fn post_raw(base: &str, app: &str, headers: &str, body: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let request = format!(
        "POST /v1/events/zoom/{app} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    exchange(addr, request.as_bytes())
}

/// A delivery signed with `secret` at `ts`, with Zoom's request id.
fn deliver_signed(base: &str, secret: &str, ts: i64, request_id: &str, body: &str) -> u16 {
    let headers = format!(
        "x-zm-request-timestamp: {ts}\r\nx-zm-signature: {}\r\nx-zm-request-id: {request_id}\r\n",
        zoom_signature(secret, ts, body)
    );
    post_raw(base, "main", &headers, body).0
}

pub(crate) fn deliver(base: &str, request_id: &str, body: &Value) -> u16 {
    deliver_signed(base, SECRET, now(), request_id, &body.to_string())
}

pub(crate) fn get(base: &str, path: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n"
    );
    exchange(addr, request.as_bytes())
}

fn pull(base: &str, query: &str) -> Value {
    let (status, body) = get(base, &format!("/v1/events?{query}"));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub(crate) fn event(name: &str, account: &str, object: Value) -> Value {
    json!({"event": name, "event_ts": now() * 1000,
        "payload": {"account_id": account, "object": object}})
}

fn meeting_created(uuid: &str) -> Value {
    event(
        "meeting.created",
        ACCOUNT,
        json!({"uuid": uuid, "id": 85746065432i64, "host_id": "h1", "topic": "Standup"}),
    )
}

fn names(pulled: &Value) -> Vec<String> {
    pulled["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn deliveries_are_verified_over_raw_bytes_before_anything_is_kept() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    let body = meeting_created("u-1==").to_string();
    let ts = now();
    let good = zoom_signature(SECRET, ts, &body);
    let refused = [
        // No headers, one header, a wrong secret, a stale and a future
        // timestamp (signed correctly over them), an unknown app.
        ("main", String::new(), body.clone()),
        ("main", format!("x-zm-signature: {good}\r\n"), body.clone()),
        (
            "main",
            format!("x-zm-request-timestamp: {ts}\r\n"),
            body.clone(),
        ),
        (
            "main",
            format!(
                "x-zm-request-timestamp: {ts}\r\nx-zm-signature: {}\r\n",
                zoom_signature("other", ts, &body)
            ),
            body.clone(),
        ),
        (
            "main",
            format!(
                "x-zm-request-timestamp: {}\r\nx-zm-signature: {}\r\n",
                ts - 600,
                zoom_signature(SECRET, ts - 600, &body)
            ),
            body.clone(),
        ),
        (
            "main",
            format!(
                "x-zm-request-timestamp: {}\r\nx-zm-signature: {}\r\n",
                ts + 600,
                zoom_signature(SECRET, ts + 600, &body)
            ),
            body.clone(),
        ),
        (
            "other",
            format!("x-zm-request-timestamp: {ts}\r\nx-zm-signature: {good}\r\n"),
            body.clone(),
        ),
        // The same body parsed and written again (key order) is not what
        // was signed.
        (
            "main",
            format!("x-zm-request-timestamp: {ts}\r\nx-zm-signature: {good}\r\n"),
            serde_json::to_string(&serde_json::from_str::<Value>(&body).unwrap()["payload"])
                .unwrap(),
        ),
    ];
    for (app, headers, body) in &refused {
        let (status, answer) = post_raw(base, app, headers, body);
        assert_eq!((status, answer.as_str()), (401, ""), "{headers}");
    }
    // Over the size limit, correctly signed: refused without reading on.
    let big = json!({"event": "meeting.created", "event_ts": 1,
        "payload": {"account_id": ACCOUNT, "object": {"uuid": "big", "pad": "x".repeat(1_100_000)}}})
    .to_string();
    assert_eq!(deliver_signed(base, SECRET, ts, "r-big", &big), 401);
    assert_eq!(pull(base, "")["events"], json!([]));

    // Bytes that a re-serialiser would change are verified as sent and
    // handed on unchanged.
    let odd = format!(
        r#"{{ "payload" : {{"object":{{"topic":"caf\u00e9 \/ r\u00e9union","uuid":"u-odd==","id":1}},"account_id":"{ACCOUNT}"}},"event_ts":{},"event":"meeting.created"}}"#,
        now() * 1000
    );
    assert_eq!(deliver_signed(base, SECRET, ts, "r-odd", &odd), 200);
    let pulled = pull(base, "");
    assert_eq!(names(&pulled), ["meeting.created"]);
    assert_eq!(
        pulled["events"][0]["payload"]["object"]["topic"],
        "café / réunion"
    );
    let (_, raw) = get(base, "/v1/events");
    assert!(
        raw.contains(r#""topic":"caf\u00e9 \/ r\u00e9union""#),
        "{raw}"
    );

    let (_, metrics) = get(base, "/metrics");
    assert!(
        metrics.contains("wrk_zoom_events_refused_total 9"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wrk_zoom_events_taken_total 1"),
        "{metrics}"
    );
}

#[test]
fn url_validation_is_answered_from_the_secret_and_noted() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let body = json!({"event": "endpoint.url_validation", "event_ts": now() * 1000,
        "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}})
    .to_string();
    let ts = now();
    let headers = format!(
        "x-zm-request-timestamp: {ts}\r\nx-zm-signature: {}\r\n",
        zoom_signature(SECRET, ts, &body)
    );
    let (status, answer) = post_raw(&served.base, "main", &headers, &body);
    assert_eq!(status, 200);
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        answer,
        json!({"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected})
    );
    // An unsigned challenge gets nothing.
    assert_eq!(post_raw(&served.base, "main", "", &body).0, 401);
    // `events app list` shows when Zoom last validated (never the secret).
    let mut listed = Value::Null;
    for _ in 0..100 {
        let (ok, out, err) = cli(home.path(), &["events", "app", "list"], &[]);
        assert!(ok, "{err}");
        assert!(!out.contains(SECRET));
        listed = serde_json::from_str(&out).unwrap();
        if !listed[0]["validated_at"].is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(listed[0]["name"], "main");
    assert!(
        listed[0]["validated_at"].as_str().unwrap().ends_with('Z'),
        "{listed}"
    );
}

#[test]
fn retries_and_copies_of_an_event_are_kept_once_and_other_accounts_are_counted() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    let created = meeting_created("u-2==");
    // Zoom's retry: the same request id.
    assert_eq!(deliver(base, "req-1", &created), 200);
    assert_eq!(deliver(base, "req-1", &created), 200);
    // A copy Zoom sends with a request id of its own, differing only in
    // its download token.
    let recording = |token: &str| {
        let mut e = event(
            "recording.completed",
            ACCOUNT,
            json!({"uuid": "u-2==", "id": 85746065432i64,
                "recording_files": [{"id": "f1", "download_url": format!("https://zoom.us/rec/{token}")}]}),
        );
        e["download_token"] = json!(token);
        e
    };
    assert_eq!(deliver(base, "req-2", &recording("tok-a")), 200);
    assert_eq!(deliver(base, "req-3", &recording("tok-b")), 200);
    // Another account's event: answered 200 (Zoom must not retry), never
    // handed on.
    assert_eq!(
        deliver(
            base,
            "req-4",
            &event("meeting.created", "acct-two", json!({"uuid": "x=="}))
        ),
        200
    );
    let pulled = pull(base, "");
    assert_eq!(names(&pulled), ["meeting.created", "recording.completed"]);
    let recording = &pulled["events"][1];
    assert_eq!(recording["download_token"], "tok-a");
    assert_eq!(recording["wrk_zoom"]["connections"], json!(["alice"]));
    assert_eq!(recording["wrk_zoom"]["account_id"], ACCOUNT);
    assert!(recording["event_ts"].as_i64().unwrap() > 0);
    let (_, metrics) = get(base, "/metrics");
    assert!(
        metrics.contains("wrk_zoom_events_duplicates_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wrk_zoom_events_unmatched_total 1"),
        "{metrics}"
    );
}

#[test]
fn the_pull_api_filters_keeps_a_consumers_cursor_and_waits_for_events() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    for (i, name) in ["meeting.created", "meeting.started", "recording.completed"]
        .iter()
        .enumerate()
    {
        let mut object = json!({"uuid": format!("u-{i}=="), "id": i});
        if name.starts_with("recording") {
            object["recording_files"] = json!([{"id": "f"}]);
        }
        assert_eq!(
            deliver(base, &format!("p-{i}"), &event(name, ACCOUNT, object)),
            200
        );
    }
    assert_eq!(
        names(&pull(base, "type=meeting.*")),
        ["meeting.created", "meeting.started"]
    );
    assert_eq!(
        names(&pull(base, "type=recording.completed")),
        ["recording.completed"]
    );
    assert_eq!(names(&pull(base, "connection=bob")).len(), 0);
    assert_eq!(
        names(&pull(base, &format!("account={ACCOUNT}&connection=alice"))).len(),
        3
    );
    let (status, body) = get(base, "/v1/events?colour=red");
    assert_eq!(status, 400);
    assert!(body.contains("after, consumer, type"), "{body}");
    assert_eq!(json_of(&body)["error"], "invalid-input", "{body}");
    let (status, body) = get(base, "/v1/events?format=xml");
    assert_eq!(status, 400);
    assert!(
        json_of(&body)["message"]
            .as_str()
            .unwrap()
            .contains("json, ndjson, sse"),
        "{body}"
    );
    let (_, openapi) = get(base, "/openapi.json");
    let openapi: Value = serde_json::from_str(&openapi).unwrap();
    assert_eq!(
        openapi["paths"]["/v1/events"]["get"]["operationId"],
        "pullEvents"
    );
    assert_eq!(
        openapi["paths"]["/v1/events/zoom/{app}"]["post"]["security"],
        json!([])
    );

    // A consumer reads two, acknowledges them with its next request, and
    // after a reconnect without a cursor continues where it acknowledged.
    let first = pull(base, "consumer=crm&limit=2");
    assert_eq!(names(&first), ["meeting.created", "meeting.started"]);
    let cursor = first["cursor"].as_u64().unwrap();
    let second = pull(base, &format!("consumer=crm&after={cursor}"));
    assert_eq!(names(&second), ["recording.completed"]);
    let again = pull(base, "consumer=crm");
    assert_eq!(
        names(&again),
        ["recording.completed"],
        "acknowledged up to {cursor} only"
    );

    // Long-poll: an event that arrives while the request waits is its answer.
    let last = second["cursor"].as_u64().unwrap();
    let waiting = {
        let base = base.clone();
        std::thread::spawn(move || pull(&base, &format!("after={last}&wait=30")))
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(deliver(base, "p-late", &meeting_created("u-late==")), 200);
    assert_eq!(names(&waiting.join().unwrap()), ["meeting.created"]);

    // NDJSON streams as events arrive.
    let addr = base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /v1/events?format=ndjson&after={last} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    assert_eq!(
        deliver(base, "p-stream", &meeting_created("u-stream==")),
        200
    );
    let mut reader = std::io::BufReader::new(stream);
    let mut seen = Vec::new();
    let mut line = String::new();
    while seen.len() < 2 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        if let Ok(item) = serde_json::from_str::<Value>(line.trim())
            && item.get("wrk_zoom").is_some()
        {
            let uuid = item["payload"]["object"]["uuid"].as_str().unwrap();
            seen.push(uuid.to_string());
        }
    }
    assert_eq!(seen, ["u-late==", "u-stream=="]);

    // SSE: an id per event, and Last-Event-ID resumes after it.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\nAccept: text/event-stream\r\nLast-Event-ID: {last}\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = std::io::BufReader::new(stream);
    let (mut ids, mut data) = (Vec::new(), Vec::new());
    while data.len() < 2 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        if let Some(id) = line.strip_prefix("id: ") {
            ids.push(id.trim().parse::<u64>().unwrap());
        }
        if let Some(item) = line.strip_prefix("data: ") {
            let item: Value = serde_json::from_str(item).unwrap();
            data.push(
                item["payload"]["object"]["uuid"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    assert_eq!(data, ["u-late==", "u-stream=="]);
    assert!(ids[0] > last && ids[1] > ids[0], "{ids:?}");
}

/// A rolling restart: SIGTERM waits for the push in flight and records it,
/// so the next `serve` does not push it again.
#[test]
fn a_push_in_flight_at_sigterm_is_recorded_and_not_pushed_again() {
    let home = home_with_app();
    let receiver = Hooks::start(vec![]);
    let (ok, _, err) = cli(
        home.path(),
        &["events", "subscribe", "--url", &receiver.url],
        &[],
    );
    assert!(ok, "{err}");
    // The receiver takes two seconds to answer the first push.
    receiver.delay_next(Duration::from_secs(2));
    let mut served = serve(home.path(), &[]);
    assert_eq!(
        deliver(&served.base, "t-1", &meeting_created("u-first==")),
        200
    );
    receiver.wait_for(1);
    served.stop();
    let delivered = |home: &Path| {
        let (ok, out, err) = cli(home, &["events", "subscriptions"], &[]);
        assert!(ok, "{err}");
        let list: Value = serde_json::from_str(&out).unwrap();
        (
            list[0]["delivered"].as_u64().unwrap(),
            list[0]["backlog"].as_u64().unwrap(),
        )
    };
    assert_eq!(delivered(home.path()), (1, 0), "recorded before the exit");

    let served = serve(home.path(), &[]);
    assert_eq!(
        deliver(&served.base, "t-2", &meeting_created("u-second==")),
        200
    );
    wait_until(|| (delivered(home.path()) == (2, 0)).then_some(()));
    let uuids: Vec<String> = receiver
        .wait_for(2)
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<Value>(body).unwrap()["payload"]["object"]["uuid"].to_string()
        })
        .collect();
    assert_eq!(uuids, [r#""u-first==""#, r#""u-second==""#]);
}

#[test]
fn an_event_answered_200_survives_a_kill_and_is_delivered_after_the_restart() {
    let home = home_with_app();
    let receiver = Hooks::start(vec![]);
    let (ok, out, err) = cli(
        home.path(),
        &["events", "subscribe", "--url", &receiver.url],
        &[],
    );
    assert!(ok, "{err}");
    let secret = serde_json::from_str::<Value>(&out).unwrap()["signing_secret"]
        .as_str()
        .unwrap()
        .to_string();
    // The receiver is down at first: nothing can be delivered before the kill.
    receiver.set_down(true);
    let mut served = serve(home.path(), &[]);
    assert_eq!(
        deliver(&served.base, "k-1", &meeting_created("u-kill==")),
        200
    );
    // SIGKILL right after the 200: no shutdown, no flush.
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    receiver.set_down(false);
    let served = serve(home.path(), &[]);
    assert_eq!(names(&pull(&served.base, "")), ["meeting.created"]);
    let got = receiver.wait_for(1);
    let (headers, body) = &got[0];
    let item: Value = serde_json::from_str(body).unwrap();
    assert_eq!(item["payload"]["object"]["uuid"], "u-kill==");
    // Standard Webhooks: the receiver can check the signature.
    let id = &headers["webhook-id"];
    let ts = &headers["webhook-timestamp"];
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(headers["webhook-signature"], expected);
    assert_eq!(headers["idempotency-key"], *id);
}

#[test]
fn push_retries_until_a_2xx_then_dead_letters_that_can_be_retried_and_replayed() {
    let home = home_with_app();
    // Fails twice, then takes it.
    let receiver = Hooks::start(vec![500, 503]);
    let (ok, out, err) = cli(
        home.path(),
        &[
            "events",
            "subscribe",
            "--url",
            &receiver.url,
            "--type",
            "meeting.*",
        ],
        &[],
    );
    assert!(ok, "{err}");
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let served = serve(
        home.path(),
        &["--push-attempts", "3", "--push-first-retry", "50ms"],
    );
    let base = &served.base;
    assert_eq!(deliver(base, "d-1", &meeting_created("u-push==")), 200);
    // Not of the subscription's types: never sent.
    let mut other = event("user.created", ACCOUNT, json!({"id": "user-9"}));
    other["payload"]["object"]["email"] = json!("a@example.com");
    assert_eq!(deliver(base, "d-2", &other), 200);
    let got = receiver.wait_for(3);
    let keys: Vec<&String> = got.iter().map(|(h, _)| &h["webhook-id"]).collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one idempotency key: {keys:?}"
    );
    assert_eq!(receiver.taken(), 1);

    // Always failing: dead after 3 attempts.
    receiver.set_down(true);
    assert_eq!(deliver(base, "d-3", &meeting_created("u-dead==")), 200);
    let dead = wait_until(|| {
        let (ok, out, _) = cli(home.path(), &["events", "dead-letters"], &[]);
        let list: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        (ok && list.as_array().is_some_and(|l| !l.is_empty())).then_some(list)
    });
    assert_eq!(dead[0]["subscription"], id.as_str());
    assert_eq!(dead[0]["event"], "meeting.created");
    assert_eq!(dead[0]["attempts"], 3);
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("500"),
        "{dead}"
    );
    let seq = dead[0]["event_id"].as_u64().unwrap().to_string();

    // Retried by hand once the receiver is back.
    receiver.set_down(false);
    let (ok, _, err) = cli(home.path(), &["events", "retry", &id, &seq], &[]);
    assert!(ok, "{err}");
    wait_until(|| (receiver.taken() == 2).then_some(()));
    let (ok, out, _) = cli(home.path(), &["events", "dead-letters"], &[]);
    assert!(ok);
    assert_eq!(out.trim(), "[]");
    let (ok, _, err) = cli(home.path(), &["events", "retry", &id, "999"], &[]);
    assert!(!ok && err.contains("not dead letters"), "{err}");

    // A replay sends both again, with the keys they had.
    let mut before: Vec<String> = receiver.taken_keys();
    before.sort();
    let (ok, _, err) = cli(home.path(), &["events", "replay", "--since", "1h"], &[]);
    assert!(ok, "{err}");
    wait_until(|| (receiver.taken() == 4).then_some(()));
    // Sent side by side, so in either order.
    let mut again = receiver.taken_keys()[2..].to_vec();
    again.sort();
    assert_eq!(again, before);
}

#[test]
fn app_deauthorized_logs_the_account_out_and_stops_its_events() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let base = &served.base;
    let deauthorized = json!({"event": "app_deauthorized", "event_ts": now() * 1000,
        "payload": {"account_id": ACCOUNT, "user_id": "u1", "client_id": "cid",
            "signature": "sig-1", "deauthorization_time": "2026-12-03T08:00:00Z"}});
    assert_eq!(deliver(base, "z-1", &deauthorized), 200);
    let store = wait_until(|| {
        let text = std::fs::read_to_string(home.path().join("connections.json")).ok()?;
        let store: Value = serde_json::from_str(&text).ok()?;
        (!store["connections"]["alice"]["needs_login"].is_null()).then_some(store)
    });
    let alice = &store["connections"]["alice"];
    assert_eq!(alice["access_token"], "");
    assert!(alice.get("refresh_token").is_none(), "{alice}");
    // Later events of the account go nowhere; the deauthorization itself
    // was handed on.
    assert_eq!(deliver(base, "z-2", &meeting_created("u-after==")), 200);
    assert_eq!(names(&pull(base, "")), ["app_deauthorized"]);
    let (ok, out, _) = cli(home.path(), &["auth", "status"], &[]);
    assert!(ok);
    assert!(
        out.contains("app_deauthorized") || out.contains("needs"),
        "{out}"
    );
}

#[test]
fn events_commands_explain_bad_input() {
    let home = crate::temp_dir("wrk-zoom-events-");
    let (ok, _, err) = cli(home.path(), &["events", "app", "add", "main"], &[]);
    assert!(!ok && err.contains("ZOOM_WEBHOOK_SECRET_TOKEN"), "{err}");
    let (ok, _, err) = cli(
        home.path(),
        &["events", "app", "add", "bad/name"],
        &[("ZOOM_WEBHOOK_SECRET_TOKEN", SECRET)],
    );
    assert!(!ok && err.contains("letters, digits"), "{err}");
    let (ok, _, err) = cli(
        home.path(),
        &["events", "subscribe", "--url", "ftp://x"],
        &[],
    );
    assert!(!ok && err.contains("--url"), "{err}");
    let (ok, _, err) = cli(
        home.path(),
        &["events", "replay", "--since", "yesterday-ish"],
        &[],
    );
    assert!(!ok && err.contains("--since"), "{err}");
    let (ok, _, err) = cli(home.path(), &["events", "unsubscribe", "sub_x"], &[]);
    assert!(!ok && err.contains("events subscriptions"), "{err}");
    // The secret token from standard input, as a pipe gives it.
    let mut add = wrk_zoom(home.path())
        .args(["events", "app", "add", "piped"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"piped-secret-token\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = std::fs::read_to_string(home.path().join("events/events.json")).unwrap();
    assert!(state.contains("\"piped-secret-token\""), "{state}");
    let (ok, _, err) = cli(
        home.path(),
        &["events", "app", "add", "piped"],
        &[("ZOOM_WEBHOOK_SECRET_TOKEN", SECRET)],
    );
    assert!(!ok && err.contains("events app rotate piped"), "{err}");
}

/// Polls `check` until it gives a value (at most a minute).
pub(crate) fn wait_until<T>(mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(value) = check() {
            return value;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not within a minute");
}

/// A push receiver: answers the queued statuses first, then 200 (or 500
/// while down), and records every request (when it comes, before a delay
/// of [`Hooks::delay_next`]).
pub(crate) struct Hooks {
    pub(crate) url: String,
    state: Arc<Mutex<HookState>>,
    _runtime: tokio::runtime::Runtime,
}

#[derive(Default)]
struct HookState {
    queued: Vec<u16>,
    down: bool,
    got: Vec<(std::collections::HashMap<String, String>, String)>,
    taken: Vec<String>,
    delay_next: Option<Duration>,
}

impl Hooks {
    pub(crate) fn start(queued: Vec<u16>) -> Hooks {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let state = Arc::new(Mutex::new(HookState {
            queued,
            ..HookState::default()
        }));
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let state = shared.clone();
                async move {
                    let (status, delay) = {
                        let mut s = state.lock().unwrap();
                        let headers: std::collections::HashMap<String, String> = headers
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect();
                        let status = if s.down {
                            500
                        } else if s.queued.is_empty() {
                            200
                        } else {
                            s.queued.remove(0)
                        };
                        if status == 200 {
                            s.taken.push(headers["webhook-id"].clone());
                        }
                        s.got.push((headers, body));
                        (status, s.delay_next.take())
                    };
                    if let Some(delay) = delay {
                        tokio::time::sleep(delay).await;
                    }
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Hooks {
            url,
            state,
            _runtime: runtime,
        }
    }

    /// The next request is answered after `delay`.
    fn delay_next(&self, delay: Duration) {
        self.state.lock().unwrap().delay_next = Some(delay);
    }

    fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    fn taken(&self) -> usize {
        self.state.lock().unwrap().taken.len()
    }

    pub(crate) fn taken_keys(&self) -> Vec<String> {
        self.state.lock().unwrap().taken.clone()
    }

    /// Waits until at least `n` requests came; all of them.
    pub(crate) fn wait_for(
        &self,
        n: usize,
    ) -> Vec<(std::collections::HashMap<String, String>, String)> {
        wait_until(|| {
            let s = self.state.lock().unwrap();
            (s.got.len() >= n).then(|| s.got.clone())
        })
    }
}

#[test]
fn events_listen_prints_each_event_as_it_arrives() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    assert_eq!(
        deliver(&served.base, "l-0", &meeting_created("u-before==")),
        200
    );
    let mut listen = wrk_zoom(home.path())
        .args(["events", "listen"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says where it listens once it has its starting point.
    let mut said = String::new();
    std::io::BufReader::new(listen.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.contains("listening for events"), "{said}");
    assert_eq!(
        deliver(&served.base, "l-1", &meeting_created("u-live==")),
        200
    );
    let mut line = String::new();
    std::io::BufReader::new(listen.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = listen.kill();
    let _ = listen.wait();
    let item: Value = serde_json::from_str(&line).unwrap();
    // Only what arrived after it started, as Zoom sent it.
    assert_eq!(item["event"], "meeting.created");
    assert_eq!(item["payload"]["object"]["uuid"], "u-live==");
    assert_eq!(item["wrk_zoom"]["app"], "main");
}

#[test]
fn events_listen_with_a_trigger_prints_its_outputs_for_the_events_it_maps() {
    let home = home_with_app();
    // Bad parameters are refused before it listens.
    let refused = wrk_zoom(home.path())
        .args([
            "events",
            "listen",
            "--trigger",
            "meeting-created",
            "topic=Standup",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("topic") && said.contains("topic_contains"),
        "{said}"
    );

    let served = serve(home.path(), &[]);
    let mut listen = wrk_zoom(home.path())
        .args(["events", "listen", "--trigger", "meeting-created"])
        .arg("topic_contains=launch")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    std::io::BufReader::new(listen.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.contains("listening for events"), "{said}");
    // Not its event type, then not its topic, then one it maps.
    let started = event(
        "meeting.started",
        ACCOUNT,
        json!({"uuid": "u-s==", "id": "85746065432", "host_id": "h1", "topic": "Launch"}),
    );
    assert_eq!(deliver(&served.base, "t-0", &started), 200);
    assert_eq!(
        deliver(&served.base, "t-1", &meeting_created("u-standup==")),
        200
    );
    let launch = event(
        "meeting.created",
        ACCOUNT,
        json!({"uuid": "u-launch==", "id": 85746065433i64, "host_id": "h1", "topic": "Launch review"}),
    );
    assert_eq!(deliver(&served.base, "t-2", &launch), 200);
    let mut line = String::new();
    std::io::BufReader::new(listen.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = listen.kill();
    let _ = listen.wait();
    let item: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(item["trigger"], "meeting-created");
    assert_eq!(item["key"], "meeting.created:u-launch==");
    assert_eq!(item["output"]["meeting_id"], 85746065433i64);
    assert_eq!(item["output"]["topic"], "Launch review");
    assert_eq!(item["output"]["account_id"], ACCOUNT);
    assert!(item["event_id"].as_u64().unwrap() >= 3, "{item}");
}

/// A port free now (for a `serve` that must come back at the same URL).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One request to the simulator; the status and the body.
pub(crate) fn sim_call(
    sim: &zoom_simulator::RunningSimulator,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let addr = sim.addr().to_string();
    let request = format!(
        "{method} /v2{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        zoom_simulator::seed::USER_TOKEN,
        body.len()
    );
    exchange(&addr, request.as_bytes())
}

/// Every event `GET /v1/events` hands on, in order.
fn pull_all(base: &str) -> Vec<Value> {
    let (mut after, mut all) = (0, Vec::new());
    loop {
        let page = pull(base, &format!("after={after}&limit=1000"));
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            return all;
        }
        after = page["cursor"].as_u64().unwrap();
        all.extend(events);
    }
}

#[test]
fn every_event_the_simulator_sends_is_kept_and_handed_on_once_despite_its_faults() {
    use zoom_simulator::{EventFault, seed};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let home = home_for(seed::WEBHOOK_SECRET_TOKEN, seed::ACCOUNT_ID);
    let hooks = Hooks::start(vec![]);
    let (ok, _, err) = cli(
        home.path(),
        &["events", "subscribe", "--url", &hooks.url],
        &[],
    );
    assert!(ok, "{err}");
    // A fixed port: `serve` comes back at the same URL after a stop.
    let port = free_port();
    let mut served = serve_on(home.path(), port, &[]);
    let base = served.base.clone();
    let url = format!("{base}/v1/events/zoom/main");
    // Subscribing validates the URL: `serve` answers Zoom's challenge.
    rt.block_on(sim.subscribe_events(&url, &[])).unwrap();

    let (status, created) = sim_call(
        &sim,
        "POST",
        "/users/me/meetings",
        r#"{"topic":"Launch review","type":2,"start_time":"2030-01-01T10:00:00Z","duration":30}"#,
    );
    assert_eq!(status, 201, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_i64()
        .unwrap();
    // A copy with a request id of its own.
    sim.inject_event_fault(EventFault::Duplicate);
    assert_eq!(
        sim_call(
            &sim,
            "PATCH",
            &format!("/meetings/{id}"),
            r#"{"topic":"Launch review v2"}"#
        )
        .0,
        204
    );
    sim.start_meeting(id).unwrap();
    // Out of order: Zoé's join arrives after Alan's.
    sim.inject_event_fault(EventFault::Reorder);
    sim.participant_joined(id, "Zoé Martin", "zoe@example.net")
        .unwrap();
    let alan = sim
        .participant_joined(id, "Alan Turing", seed::OTHER_USER_EMAIL)
        .unwrap();
    // Late by ten minutes.
    sim.inject_event_fault(EventFault::Late(Duration::from_secs(600)));
    sim.participant_left(id, &alan).unwrap();
    sim.end_meeting(id).unwrap();
    // Two recording.completed differing in their download token.
    sim.inject_event_fault(EventFault::Duplicate);
    sim.complete_recording(id).unwrap();
    sim.complete_transcript(id).unwrap();
    let user = sim
        .create_user("new.hire@example.com", "Nia", "Hire")
        .unwrap();
    sim.deactivate_user(&user).unwrap();
    // A call between two phone users: the caller's and the callee's logs.
    let addr = sim.addr().to_string();
    let (_, phone) = exchange(
        &addr,
        format!(
            "GET /v2/phone/users?page_size=3 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            seed::ADMIN_TOKEN
        )
        .as_bytes(),
    );
    let phone: Value = serde_json::from_str(&phone).unwrap();
    let callee = phone["users"][2]["extension_number"]
        .as_i64()
        .expect("a phone user");
    sim.complete_phone_call(seed::USER_ID, &callee.to_string())
        .unwrap();
    // Bytes a re-serialiser would change.
    sim.inject_event_fault(EventFault::NonRoundTrip);
    assert_eq!(
        sim_call(&sim, "DELETE", &format!("/meetings/{id}"), "").0,
        204
    );
    // Never taken, on any attempt.
    for (i, fault) in [
        EventFault::WrongSecret,
        EventFault::StaleTimestamp(600),
        EventFault::FutureTimestamp(600),
        EventFault::MissingHeader("x-zm-signature"),
        EventFault::MissingHeader("x-zm-request-timestamp"),
        EventFault::Oversized(2_000_000),
    ]
    .into_iter()
    .enumerate()
    {
        sim.inject_event_fault(fault);
        sim.emit_event(
            "meeting.started",
            seed::ACCOUNT_ID,
            json!({"object": {"uuid": format!("fault-{i}=="), "id": i}}),
        )
        .unwrap();
    }
    // Another account's: answered, counted, not handed on.
    sim.emit_event(
        "meeting.created",
        "another-account",
        json!({"object": {"uuid": "other==", "id": 1}}),
    )
    .unwrap();
    rt.block_on(sim.events_settled());

    // `serve` is stopped for one event: Zoom retries it 5 minutes later
    // with the same request id.
    served.stop();
    sim.create_user("while.down@example.com", "Dana", "Down")
        .unwrap();
    rt.block_on(sim.events_settled());
    served = serve_on(home.path(), port, &[]);
    rt.block_on(sim.advance_event_clock(Duration::from_secs(11 * 60)));
    rt.block_on(sim.events_settled());

    let deliveries = sim.webhook_deliveries();
    let down: Vec<_> = deliveries
        .iter()
        .filter(|d| d.body.contains("while.down@example.com"))
        .collect();
    assert_eq!(down.len(), 2, "one failed attempt, one retry");
    assert_eq!(down[0].request_id, down[1].request_id);
    assert!(
        !down[0].ok && down[1].ok && down[1].retry_num == 1,
        "{:?}",
        down.iter()
            .map(|d| (d.retry_num, d.status, d.ok, d.at))
            .collect::<Vec<_>>()
    );
    for d in deliveries.iter().filter(|d| d.body.contains("fault-")) {
        assert_eq!(d.status, Some(401), "{}", d.event);
    }

    let mut pulled: Vec<String> = pull_all(&served.base)
        .iter()
        .map(|e| {
            // Every event carries Zoom's time, and its object's own.
            assert!(e["event_ts"].as_i64().unwrap() > 0, "{e}");
            if e["event"].as_str().unwrap().contains("participant") {
                let p = &e["payload"]["object"]["participant"];
                assert!(
                    p["join_time"].is_string() || p["leave_time"].is_string(),
                    "{e}"
                );
            }
            e["event"].as_str().unwrap().to_string()
        })
        .collect();
    pulled.sort();
    let mut expected = vec![
        "meeting.created",
        "meeting.updated",
        "meeting.started",
        "meeting.participant_joined",
        "meeting.participant_joined",
        "meeting.participant_left",
        "meeting.ended",
        "recording.completed",
        "recording.transcript_completed",
        "user.created",
        "user.deactivated",
        "meeting.deleted",
        "user.created",
        "phone.caller_call_history_completed",
        "phone.callee_call_history_completed",
    ];
    expected.sort();
    assert_eq!(pulled, expected);
    // Pushed once each.
    let got = hooks.wait_for(expected.len());
    std::thread::sleep(Duration::from_millis(1500));
    let got_now = hooks.wait_for(expected.len());
    assert_eq!(got_now.len(), got.len(), "nothing more is pushed");
    let keys: std::collections::HashSet<&String> =
        got.iter().map(|(h, _)| &h["webhook-id"]).collect();
    assert_eq!(keys.len(), expected.len());

    // Every delivery taken, of every type, again: as Zoom's retry (its
    // request id) and as a copy (an id of its own), newest first.
    for d in sim.webhook_deliveries().iter().rev().filter(|d| d.ok) {
        let body = d
            .body
            .replace("download_token\":\"", "download_token\":\"x");
        let ts = now();
        let signature =
            zoom_simulator::events::sign(seed::WEBHOOK_SECRET_TOKEN, ts, body.as_bytes());
        for request_id in [d.request_id.clone(), format!("copy-{}", d.request_id)] {
            let headers = format!(
                "x-zm-request-timestamp: {ts}\r\nx-zm-signature: {signature}\r\nx-zm-request-id: {request_id}\r\n"
            );
            assert_eq!(post_raw(&served.base, "main", &headers, &body).0, 200);
        }
    }
    assert_eq!(pull_all(&served.base).len(), expected.len());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(hooks.wait_for(expected.len()).len(), expected.len());

    // Zoom validates the URL again every 72 hours; `serve` answers.
    rt.block_on(sim.advance_event_clock(Duration::from_secs(73 * 3600)));
    let validations = sim.url_validations();
    assert!(
        validations.len() >= 2 && validations.iter().all(|(_, _, ok)| *ok),
        "{validations:?}"
    );
}

/// The worked example of the book's events page (which `docs.rs` runs as
/// shown): the sandbox, an app, `serve`, `setup --subscribe`, `listen`, and
/// a meeting created with `run`; here with the item's fields checked.
#[test]
fn in_the_sandbox_a_created_meeting_arrives_in_events_listen() {
    use zoom_simulator::seed;
    let home = crate::temp_dir("wrk-zoom-events-");
    let mut sandbox = Served {
        child: wrk_zoom(home.path())
            .args(["sandbox", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        base: String::new(),
    };
    let mut api_base = String::new();
    std::io::BufReader::new(sandbox.child.stdout.take().unwrap())
        .read_line(&mut api_base)
        .unwrap();
    let api_base = api_base.trim().to_string();
    let mut said = String::new();
    let mut lines = std::io::BufReader::new(sandbox.child.stderr.take().unwrap());
    while !said.contains("events setup") {
        assert!(lines.read_line(&mut said).unwrap() > 0, "{said}");
    }
    assert!(said.contains(seed::WEBHOOK_SECRET_TOKEN), "{said}");

    let (ok, _, err) = cli(
        home.path(),
        &[
            "events",
            "app",
            "add",
            "sandbox",
            "--zoom-app-id",
            seed::APP_ID,
        ],
        &[("ZOOM_WEBHOOK_SECRET_TOKEN", seed::WEBHOOK_SECRET_TOKEN)],
    );
    assert!(ok, "{err}");
    let served = serve(home.path(), &[]);
    let (ok, _, err) = cli(
        home.path(),
        &[
            "events",
            "setup",
            "sandbox",
            "--public-url",
            &served.base,
            "--subscribe",
            "--token",
            seed::ADMIN_TOKEN,
            "--api-base",
            &api_base,
            "--wait",
            "60",
        ],
        &[],
    );
    assert!(ok && err.contains("validated at"), "{err}");

    let mut listen = wrk_zoom(home.path())
        .args(["events", "listen"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut started = String::new();
    std::io::BufReader::new(listen.stderr.take().unwrap())
        .read_line(&mut started)
        .unwrap();
    let (ok, out, err) = cli(
        home.path(),
        &[
            "run",
            "create-meeting",
            "--token",
            seed::USER_TOKEN,
            "--api-base",
            &api_base,
            "topic=Events demo",
        ],
        &[],
    );
    assert!(ok, "{err}");
    let meeting: Value = serde_json::from_str(&out).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(listen.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = listen.kill();
    let _ = listen.wait();
    let item: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(item["event"], "meeting.created");
    assert_eq!(item["payload"]["object"]["id"], meeting["id"]);
    assert_eq!(item["payload"]["object"]["topic"], "Events demo");
    assert_eq!(item["payload"]["account_id"], seed::ACCOUNT_ID);
}

/// What Zoom failed to deliver comes back from its webhook logs, once.
#[test]
fn reconcile_takes_in_what_zoom_could_not_deliver_once() {
    use zoom_simulator::seed;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let home = home_for(seed::WEBHOOK_SECRET_TOKEN, seed::ACCOUNT_ID);
    let port = free_port();
    let mut served = serve_on(home.path(), port, &[]);
    let url = format!("{}/v1/events/zoom/main", served.base);
    rt.block_on(sim.subscribe_events(&url, &[])).unwrap();
    // `serve` is down for two hours: the first attempt and Zoom's three
    // retries (+5, +25, +85 minutes) all fail.
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    sim.create_user("missed.one@example.com", "Mia", "Missed")
        .unwrap();
    sim.create_user("missed.two@example.com", "Max", "Missed")
        .unwrap();
    rt.block_on(sim.events_settled());
    rt.block_on(sim.advance_event_clock(Duration::from_secs(2 * 3600)));
    let failed = sim
        .webhook_deliveries()
        .iter()
        .filter(|d| d.body.contains("missed.") && !d.ok)
        .count();
    assert_eq!(failed, 8, "four failed attempts each");
    let served = serve_on(home.path(), port, &[]);
    assert_eq!(pull_all(&served.base).len(), 0);

    let reconcile = |app_id: &str| {
        cli(
            home.path(),
            &[
                "events",
                "reconcile",
                "main",
                "--zoom-app-id",
                app_id,
                "--token",
                seed::ADMIN_TOKEN,
                "--api-base",
                &sim.base_url(),
            ],
            &[],
        )
    };
    let (ok, out, err) = reconcile(seed::APP_ID);
    assert!(ok, "{err}");
    let counts: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(counts["taken"], 2, "{out} {err}");
    let pulled = pull_all(&served.base);
    assert_eq!(pulled.len(), 2);
    assert!(
        pulled
            .iter()
            .all(|e| e["wrk_zoom"]["source"] == "reconcile")
    );
    // Again: nothing new.
    let (ok, out, err) = reconcile(seed::APP_ID);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["taken"], 0);
    assert_eq!(pull_all(&served.base).len(), 2);
    // A wrong app id is Zoom's 404, said as such.
    let (ok, _, err) = reconcile("nOsUcHaPp");
    assert!(!ok && err.contains("404"), "{err}");
}

#[test]
fn a_rotated_secret_and_the_previous_one_are_both_accepted_until_the_rotation_ends() {
    let home = home_with_app();
    let served = serve(home.path(), &[]);
    let (ok, _, err) = cli(
        home.path(),
        &["events", "app", "rotate", "main"],
        &[("ZOOM_WEBHOOK_SECRET_TOKEN", "the-new-secret-token")],
    );
    assert!(ok && err.contains("previous one still accepted"), "{err}");
    let body = |uuid: &str| meeting_created(uuid).to_string();
    // `serve` reads the apps again within seconds.
    wait_until(|| {
        let status = deliver_signed(
            &served.base,
            "the-new-secret-token",
            now(),
            "n-1",
            &body("new-1=="),
        );
        (status == 200).then_some(())
    });
    assert_eq!(
        deliver_signed(&served.base, SECRET, now(), "o-1", &body("old-1==")),
        200
    );
    let (ok, _, err) = cli(
        home.path(),
        &["events", "app", "rotate", "main", "--finish"],
        &[],
    );
    assert!(ok, "{err}");
    wait_until(|| {
        let status = deliver_signed(&served.base, SECRET, now(), "o-2", &body("old-2=="));
        (status == 401).then_some(())
    });
    let status = deliver_signed(
        &served.base,
        "the-new-secret-token",
        now(),
        "n-2",
        &body("new-2=="),
    );
    assert_eq!(status, 200);
    // Set up by hand: the URL to paste, the events to tick; no validation
    // comes within the wait, and it says what to check.
    let (ok, out, err) = cli(
        home.path(),
        &[
            "events",
            "setup",
            "main",
            "--public-url",
            "https://hooks.example.com/",
            "--wait",
            "1",
        ],
        &[],
    );
    assert!(!ok, "{err}");
    assert!(
        out.contains("https://hooks.example.com/v1/events/zoom/main"),
        "{out}"
    );
    assert!(
        out.contains("recording.completed")
            && out.contains("Only for users who have added this app"),
        "{out}"
    );
    assert!(
        err.contains("no validation reached `serve` for 'main' within 1 s"),
        "{err}"
    );
    // The secret is in a private file, never in what the CLI prints.
    let (_, listed, _) = cli(home.path(), &["events", "app", "list"], &[]);
    assert!(!listed.contains("the-new-secret-token") && !listed.contains(SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home.path().join("events")), 0o700);
        assert_eq!(mode(&home.path().join("events/events.json")), 0o600);
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
