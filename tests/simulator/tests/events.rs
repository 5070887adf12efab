//! Webhook events: a small local receiver subscribes, the simulator sends,
//! and the tests check what arrived against Zoom's wire format, Zoom's
//! payload schemas (`webhook-schemas/`), the retry schedule and the faults.
//!
//! Nothing here measures wall-clock time: the retry schedule runs on the
//! simulator's event clock.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zoom_simulator::seed;
use zoom_simulator::{EVENT_TYPES, EventFault, RunningSimulator, SimConfig, start};

const SECRET: &str = seed::WEBHOOK_SECRET_TOKEN;

// ------------------------------------------------------------ receiver

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
    fn event(&self) -> String {
        self.json()["event"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A webhook endpoint on 127.0.0.1 that answers URL validations (right or
/// wrong) and events with a chosen status.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    status: Arc<AtomicU16>,
    wrong_token: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/zoom/events", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let wrong_token = Arc::new(AtomicBool::new(false));
        let (g, s, w) = (got.clone(), status.clone(), wrong_token.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (g, s, w) = (g.clone(), s.clone(), w.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (g, s, w) = (g.clone(), s.clone(), w.clone());
                        async move { Ok::<_, hyper::Error>(answer(req, &g, &s, &w).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver {
            url,
            got,
            status,
            wrong_token,
        }
    }

    /// Event deliveries received (URL validations left out), in order.
    fn events(&self) -> Vec<Got> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|g| g.event() != "endpoint.url_validation")
            .cloned()
            .collect()
    }
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    got: &Mutex<Vec<Got>>,
    status: &AtomicU16,
    wrong_token: &AtomicBool,
) -> Response<Full<Bytes>> {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let g = Got { headers, body };
    let parsed: Value = serde_json::from_slice(&g.body).unwrap_or(Value::Null);
    got.lock().unwrap().push(g);
    if parsed["event"] == "endpoint.url_validation" {
        let plain = parsed["payload"]["plainToken"].as_str().unwrap_or("");
        let key = if wrong_token.load(Ordering::SeqCst) {
            "not-the-secret"
        } else {
            SECRET
        };
        let text = json!({"plainToken": plain, "encryptedToken": hmac_hex(key, plain.as_bytes())});
        return Response::new(Full::new(Bytes::from(text.to_string())));
    }
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap();
    resp
}

// ------------------------------------------------------------ checks

/// HMAC-SHA256 written out (RFC 2104) so the check does not share code
/// with the simulator's signer.
fn hmac_hex(key: &str, msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key.as_bytes()));
    } else {
        k[..key.len()].copy_from_slice(key.as_bytes());
    }
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner_hash = Sha256::digest(&inner);
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner_hash).collect();
    Sha256::digest(&outer)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Zoom's check: `v0=` + HMAC(secret, `v0:{ts}:{raw body}`).
fn signature_ok(g: &Got, secret: &str) -> bool {
    let (Some(ts), Some(sig)) = (
        g.header("x-zm-request-timestamp"),
        g.header("x-zm-signature"),
    ) else {
        return false;
    };
    let mut msg = format!("v0:{ts}:").into_bytes();
    msg.extend_from_slice(&g.body);
    sig == format!("v0={}", hmac_hex(secret, &msg))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// This package's directory, read when the test runs (cargo sets it), not
/// baked in at build time: a target directory shared by two checkouts must
/// not read the other's files.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into())
}

fn schema(event: &str) -> jsonschema::Validator {
    let path = format!("{}/webhook-schemas/{event}.json", manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// The names of a schema's `properties` at `pointer` (e.g.
/// `/properties/payload/properties/object`).
fn schema_properties(event: &str, pointer: &str) -> Vec<String> {
    let path = format!("{}/webhook-schemas/{event}.json", manifest_dir());
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut names: Vec<String> = schema
        .pointer(&format!("{pointer}/properties"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{event}: no properties at {pointer}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

fn sorted_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn assert_valid(body: &Value) {
    let event = body["event"].as_str().unwrap();
    let validator = schema(event);
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{event} does not match Zoom's schema: {errors:#?}\n{body:#}"
    );
}

// ------------------------------------------------------------ REST client

async fn call(method: Method, url: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let req = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        )))
        .unwrap();
    let resp = client.request(req).await.expect("request failed");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn setup() -> (RunningSimulator, Receiver, String) {
    let sim = start(SimConfig::default()).await.unwrap();
    let rx = Receiver::start().await;
    let sub = sim.subscribe_events(&rx.url, &[]).await.unwrap();
    (sim, rx, sub)
}

async fn create_meeting(sim: &RunningSimulator, topic: &str) -> i64 {
    let (status, body) = call(
        Method::POST,
        &format!("{}/users/me/meetings", sim.base_url()),
        seed::USER_TOKEN,
        Some(json!({"topic": topic, "type": 2, "start_time": "2031-03-04T10:00:00Z", "duration": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

async fn logs(sim: &RunningSimulator, query: &str) -> (StatusCode, Value) {
    call(
        Method::GET,
        &format!(
            "{}/marketplace/apps/{}/webhook_logs?{query}",
            sim.base_url(),
            seed::APP_ID
        ),
        seed::ADMIN_TOKEN,
        None,
    )
    .await
}

// ------------------------------------------------------------ tests

#[test]
fn the_schema_extract_covers_exactly_the_event_types() {
    let path = format!("{}/webhook-schemas/index.json", manifest_dir());
    let index: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut expected: Vec<&str> = EVENT_TYPES.to_vec();
    expected.sort();
    let listed: Vec<&str> = index["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(listed, expected, "run python3 scripts/extract-webhooks.py");
}

#[tokio::test]
async fn every_event_type_arrives_signed_and_matches_zoom_schema() {
    let (sim, rx, sub) = setup().await;
    let base = sim.base_url();

    // Meetings through the REST routes and the helpers.
    let id = create_meeting(&sim, "Launch review").await;
    let (status, _) = call(
        Method::PATCH,
        &format!("{base}/meetings/{id}"),
        seed::USER_TOKEN,
        Some(json!({"topic": "Launch review v2", "settings": {"mute_upon_entry": true}})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let uuid = sim.start_meeting(id).unwrap();
    sim.participant_joined(id, "Zoé Martin", "zoe@example.net")
        .unwrap();
    let alan = sim
        .participant_joined(id, "Alan Turing", seed::OTHER_USER_EMAIL)
        .unwrap();
    sim.participant_left(id, &alan).unwrap();
    sim.end_meeting(id).unwrap();
    sim.complete_recording(id).unwrap();
    sim.complete_transcript(id).unwrap();
    sim.complete_summary(id).unwrap();
    let (status, _) = call(
        Method::DELETE,
        &format!("{base}/meetings/{id}"),
        seed::USER_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Users, phone, deauthorization, another account.
    let user = sim
        .create_user("new.hire@example.com", "Nia", "Hire")
        .unwrap();
    sim.deactivate_user(&user).unwrap();
    let (_, phone_users) = call(
        Method::GET,
        &format!("{base}/phone/users?page_size=3"),
        seed::ADMIN_TOKEN,
        None,
    )
    .await;
    let alan_number = phone_users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == seed::OTHER_USER_EMAIL)
        .and_then(|u| u["phone_numbers"][0]["number"].as_str().map(str::to_string))
        .or_else(|| {
            phone_users["users"][2]["extension_number"]
                .as_i64()
                .map(|n| n.to_string())
        })
        .expect("a phone user to call");
    sim.complete_phone_call(seed::USER_ID, &alan_number)
        .unwrap();
    sim.deauthorize_app(seed::OTHER_USER_ID).unwrap();
    sim.emit_event(
        "meeting.started",
        "anOtHeRaCcOuNt0000000",
        json!({"object": {"id": "123", "uuid": "x/y==", "host_id": "h", "topic": "t", "type": 2,
                          "start_time": "2031-03-04T10:00:00Z", "duration": 5}}),
    )
    .unwrap();
    sim.events_settled().await;

    let got = rx.events();
    let seen: HashSet<String> = got.iter().map(Got::event).collect();
    for event in EVENT_TYPES {
        assert!(seen.contains(*event), "no {event} arrived; got {seen:?}");
    }
    let mut request_ids = HashSet::new();
    for g in &got {
        assert!(signature_ok(g, SECRET), "bad signature on {}", g.event());
        assert!(!signature_ok(g, "another-secret"));
        let ts: i64 = g.header("x-zm-request-timestamp").unwrap().parse().unwrap();
        assert!(
            (ts - now()).abs() < 600,
            "timestamp {ts} is not the wall clock"
        );
        assert_eq!(
            g.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(g.header("user-agent"), Some("Zoom Marketplace/1.0a"));
        assert!(g.header("x-zm-trackingid").is_some());
        assert!(request_ids.insert(g.header("x-zm-request-id").unwrap().to_string()));
        // Compact JSON that survives a parse and reserialise.
        let body = g.json();
        assert_eq!(
            serde_json::to_string(&body).unwrap().as_bytes(),
            &g.body[..]
        );
        assert!(body["event_ts"].as_i64().unwrap() > 1_600_000_000_000);
        assert_valid(&body);
    }
    let deliveries = sim.webhook_deliveries();
    assert_eq!(deliveries.len(), got.len());
    assert!(
        deliveries
            .iter()
            .all(|d| d.ok && d.subscription_id == sub && d.retry_num == 0)
    );

    // Shapes the host relies on.
    let find = |e: &str| got.iter().find(|g| g.event() == e).unwrap().json();
    let started = find("meeting.started");
    assert_eq!(started["payload"]["object"]["uuid"], uuid.as_str());
    assert_eq!(started["payload"]["account_id"], seed::ACCOUNT_ID);
    let updated = find("meeting.updated");
    assert_eq!(updated["payload"]["object"]["topic"], "Launch review v2");
    assert_eq!(updated["payload"]["old_object"]["topic"], "Launch review");
    assert_eq!(
        updated["payload"]["object"]["settings"],
        json!({"mute_upon_entry": true})
    );
    let deleted = find("meeting.deleted");
    assert_eq!(deleted["payload"]["operator_id"], seed::USER_ID);
    let deauth = find("app_deauthorized");
    assert_eq!(deauth["payload"]["user_id"], seed::OTHER_USER_ID);
    assert!(deauth["payload"].get("object").is_none());
    let other = got
        .iter()
        .map(Got::json)
        .find(|b| b["payload"]["account_id"] == "anOtHeRaCcOuNt0000000");
    assert!(other.is_some());

    // The recording's top-level download_token downloads its files.
    let rec = find("recording.completed");
    let token = rec["download_token"].as_str().unwrap();
    let url = rec["payload"]["object"]["recording_files"][0]["download_url"]
        .as_str()
        .unwrap();
    let (status, _) = call(Method::GET, url, token, None).await;
    assert_eq!(status, StatusCode::FOUND);
    // The ended instance, the deactivated user and the call are in the state.
    let (status, _) = call(
        Method::GET,
        &format!(
            "{base}/past_meetings/{}",
            zoom_simulator::ids::double_encode_segment(&uuid)
        ),
        seed::USER_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, u) = call(
        Method::GET,
        &format!("{base}/users/{user}"),
        seed::ADMIN_TOKEN,
        None,
    )
    .await;
    assert_eq!(u["status"], "inactive");
}

#[tokio::test]
async fn summary_completed_is_signed_and_has_every_documented_field() {
    let sim = start(SimConfig::default()).await.unwrap();
    let rx = Receiver::start().await;
    sim.subscribe_events(&rx.url, &["meeting.summary_completed"])
        .await
        .unwrap();
    let base = sim.base_url();
    let id = create_meeting(&sim, "Engine review").await;

    // Only an ended meeting has a summary.
    let err = sim.complete_summary(seed::UNKNOWN_MEETING_ID).unwrap_err();
    assert!(err.to_string().contains("no ended instance"), "{err}");
    let err = sim.complete_summary(id).unwrap_err();
    assert!(err.to_string().contains("no ended instance"), "{err}");
    let uuid = sim.start_meeting(id).unwrap();
    assert!(
        sim.complete_summary(id).is_err(),
        "summary of a live meeting"
    );
    sim.end_meeting(id).unwrap();
    let past = format!(
        "{base}/past_meetings/{}",
        zoom_simulator::ids::double_encode_segment(&uuid)
    );
    let (_, before) = call(Method::GET, &past, seed::USER_TOKEN, None).await;
    assert_eq!(before["has_meeting_summary"], false);

    sim.complete_summary(id).unwrap();
    sim.events_settled().await;
    let got = rx.events();
    assert_eq!(got.len(), 1, "only the subscribed event arrives");
    let g = &got[0];
    assert_eq!(g.event(), "meeting.summary_completed");
    assert!(signature_ok(g, SECRET));
    assert!(!signature_ok(g, "another-secret"));
    let body = g.json();
    assert_valid(&body);

    // Every field Zoom documents (its schema's properties and its example's
    // fields, deprecated ones included), and nothing else.
    let object = &body["payload"]["object"];
    let documented = schema_properties(
        "meeting.summary_completed",
        "/properties/payload/properties/object",
    );
    assert_eq!(sorted_keys(object), documented);
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/webhook-examples/meeting.summary_completed.json",
            manifest_dir()
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(sorted_keys(&example["payload"]["object"]), documented);
    assert_eq!(
        sorted_keys(&body["payload"]),
        sorted_keys(&example["payload"])
    );
    assert_eq!(sorted_keys(&body), sorted_keys(&example));

    // The instance that ended, hosted by the meeting's owner.
    assert_eq!(body["payload"]["account_id"], seed::ACCOUNT_ID);
    assert_eq!(object["meeting_id"], json!(id), "an integer, as documented");
    assert_eq!(object["meeting_uuid"], uuid.as_str());
    assert_eq!(object["meeting_topic"], "Engine review");
    assert_eq!(object["meeting_host_id"], seed::USER_ID);
    assert_eq!(object["meeting_host_email"], seed::USER_EMAIL);
    assert_eq!(before["start_time"], object["meeting_start_time"]);
    assert_eq!(before["end_time"], object["meeting_end_time"]);
    assert_eq!(object["summary_start_time"], object["meeting_start_time"]);
    assert_eq!(object["summary_end_time"], object["meeting_end_time"]);
    let time = |k: &str| object[k].as_str().unwrap().to_string();
    assert!(time("summary_created_time") >= time("meeting_end_time"));
    assert_eq!(
        time("summary_created_time"),
        time("summary_last_modified_time")
    );
    assert!(
        object["summary_title"]
            .as_str()
            .unwrap()
            .contains("Engine review")
    );
    let content = object["summary_content"].as_str().unwrap();
    assert!(content.starts_with("## "), "Markdown: {content}");
    for detail in object["summary_details"].as_array().unwrap() {
        assert!(content.contains(detail["label"].as_str().unwrap()));
        assert!(content.contains(detail["summary"].as_str().unwrap()));
    }
    assert!(!object["next_steps"].as_array().unwrap().is_empty());
    assert!(
        object["summary_doc_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    // The past meeting now has a summary.
    let (_, after) = call(Method::GET, &past, seed::USER_TOKEN, None).await;
    assert_eq!(after["has_meeting_summary"], true);

    // Sent again: the same summary, created at the same time.
    sim.complete_summary(id).unwrap();
    sim.events_settled().await;
    let again = rx.events()[1].json();
    let again = &again["payload"]["object"];
    assert_eq!(
        again["summary_created_time"],
        object["summary_created_time"]
    );
    assert!(
        again["summary_last_modified_time"].as_str().unwrap()
            >= object["summary_last_modified_time"].as_str().unwrap()
    );
    assert_eq!(again["summary_content"], object["summary_content"]);
    assert_eq!(again["meeting_uuid"], object["meeting_uuid"]);
}

/// Zoom's documented examples that do not match Zoom's own schema for
/// their event (both from the same document, extracted as they are): the
/// example test skips them, and checks they still fail so that this list
/// stays exact.
const EXAMPLES_NOT_MATCHING_THEIR_SCHEMA: &[(&str, &str)] = &[
    // The schema types `payload.event_ts` as a number (ms, like the
    // top-level one); the example has the string "2024-09-08 15:58:40".
    ("app_deauthorized", "/payload/event_ts"),
    // The example's payload has `operator`, `operator_id` and `operation`;
    // the schema's payload allows only `account_id` and `object`
    // (additionalProperties: false).
    ("meeting.ended", "/payload"),
    // The example's participant has `date_time` where the schema requires
    // `join_time`, and the schema forbids other properties.
    ("meeting.participant_joined", "/payload/object/participant"),
    // The example's participant has `date_time`, which the schema does not
    // list and forbids (additionalProperties: false).
    ("meeting.participant_left", "/payload/object/participant"),
    // The example's transcript file has no `file_extension`, which the
    // schema requires of every recording file.
    (
        "recording.transcript_completed",
        "/payload/object/recording_files/0",
    ),
    // The example's user has `"type": 3`; the schema's enum is [1, 2].
    ("user.created", "/payload/object/type"),
    ("user.deactivated", "/payload/object/type"),
];

#[test]
fn zoom_documented_examples_match_their_event_schemas() {
    let dir = format!("{}/webhook-examples", manifest_dir());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no examples in {dir}");
    let mut mismatched = Vec::new();
    for name in &names {
        let event = name.trim_end_matches(".json");
        assert!(
            EVENT_TYPES.contains(&event),
            "{name}: not an event the simulator sends"
        );
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let example: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(example["event"], event, "{name}");
        let errors: Vec<(String, String)> = schema(event)
            .iter_errors(&example)
            .map(|e| (e.instance_path.to_string(), e.to_string()))
            .collect();
        match EXAMPLES_NOT_MATCHING_THEIR_SCHEMA
            .iter()
            .find(|(e, _)| *e == event)
        {
            Some((_, at)) => {
                assert!(
                    errors.iter().any(|(path, _)| path == at),
                    "{event}: Zoom's example now matches its schema at {at}; take it off \
                     EXAMPLES_NOT_MATCHING_THEIR_SCHEMA ({errors:#?})"
                );
                assert!(
                    errors.iter().all(|(path, _)| path == at),
                    "{event}: more discrepancies than the one recorded: {errors:#?}"
                );
                mismatched.push(event);
            }
            None => assert!(
                errors.is_empty(),
                "Zoom's example of {event} does not match its schema: {errors:#?}"
            ),
        }
    }
    let listed: Vec<&str> = EXAMPLES_NOT_MATCHING_THEIR_SCHEMA
        .iter()
        .map(|(e, _)| *e)
        .collect();
    assert_eq!(mismatched, listed, "a listed event has no example");
}

#[tokio::test]
async fn failed_deliveries_are_retried_at_5_25_85_minutes_with_one_request_id() {
    let (sim, rx, _) = setup().await;
    rx.status.store(500, Ordering::SeqCst);
    sim.create_user("retry@example.com", "Re", "Try").unwrap();
    sim.events_settled().await;
    assert_eq!(rx.events().len(), 1);
    sim.advance_event_clock(Duration::from_secs(299)).await;
    assert_eq!(rx.events().len(), 1, "retried before +5 min");
    sim.advance_event_clock(Duration::from_secs(1)).await;
    assert_eq!(rx.events().len(), 2);
    sim.advance_event_clock(Duration::from_secs(1199)).await;
    assert_eq!(rx.events().len(), 2, "retried before +25 min");
    sim.advance_event_clock(Duration::from_secs(1)).await;
    assert_eq!(rx.events().len(), 3);
    sim.advance_event_clock(Duration::from_secs(10 * 3600))
        .await;
    let got = rx.events();
    assert_eq!(got.len(), 4, "exactly three retries");

    let deliveries = sim.webhook_deliveries();
    let at: Vec<u64> = deliveries.iter().map(|d| d.at).collect();
    assert_eq!(at, [0, 300, 1500, 5100]);
    let retry: Vec<u32> = deliveries.iter().map(|d| d.retry_num).collect();
    assert_eq!(retry, [0, 1, 2, 3]);
    assert!(deliveries.iter().all(|d| d.status == Some(500) && !d.ok));
    let ids: HashSet<&str> = got
        .iter()
        .map(|g| g.header("x-zm-request-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "request id changed across retries");
    assert_eq!(
        ids.iter().next().copied(),
        Some(deliveries[0].request_id.as_str())
    );
    let tracking: HashSet<&str> = got
        .iter()
        .map(|g| g.header("x-zm-trackingid").unwrap())
        .collect();
    assert_eq!(tracking.len(), 4, "tracking id must be per attempt");
    assert!(got.iter().all(|g| signature_ok(g, SECRET)));

    // The webhook logs list them as failed (Zoom's default type 2).
    let (status, page) = logs(&sim, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = page["webhook_logs"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e["status"] == 500
        && e["request_id"] == deliveries[0].request_id.as_str()
        && e["event"] == "user.created"));
    assert_eq!(entries[3]["retry_num"], 3);
    let (_, ok_page) = logs(&sim, "type=3").await;
    assert_eq!(ok_page["webhook_logs"].as_array().unwrap().len(), 0);
    let (_, second) = logs(&sim, "type=1&retry_num=2").await;
    assert_eq!(second["webhook_logs"].as_array().unwrap().len(), 1);
    let (_, two) = logs(&sim, "type=1&page_size=2").await;
    assert_eq!(two["webhook_logs"].as_array().unwrap().len(), 2);
    let token = two["next_page_token"].as_str().unwrap();
    let (status, rest) = logs(&sim, &format!("type=1&page_size=2&next_page_token={token}")).await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    assert_eq!(rest["webhook_logs"][1]["retry_num"], 3);
    let (status, bad) = logs(&sim, "retry_num=4").await;
    assert_eq!(
        (status, bad["code"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(1506))
    );

    // A retry that succeeds ends the delivery.
    rx.status.store(503, Ordering::SeqCst);
    sim.create_user("second@example.com", "Sec", "Ond").unwrap();
    sim.events_settled().await;
    rx.status.store(204, Ordering::SeqCst);
    sim.advance_event_clock(Duration::from_secs(3 * 3600)).await;
    let last: Vec<_> = sim.webhook_deliveries().into_iter().skip(4).collect();
    assert_eq!(last.len(), 2);
    assert!(!last[0].ok && last[1].ok && last[1].retry_num == 1);
    assert_eq!(last[1].at - last[0].at, 300);
}

#[tokio::test]
async fn subscriptions_are_revalidated_every_72_hours() {
    let (sim, rx, sub) = setup().await;
    let h72 = Duration::from_secs(72 * 3600);
    sim.advance_event_clock(h72).await;
    rx.wrong_token.store(true, Ordering::SeqCst);
    sim.advance_event_clock(h72).await;
    // Not validated: nothing reaches the endpoint.
    sim.create_user("blocked@example.com", "Blo", "Cked")
        .unwrap();
    sim.events_settled().await;
    assert!(rx.events().is_empty());
    rx.wrong_token.store(false, Ordering::SeqCst);
    sim.advance_event_clock(h72).await;
    sim.create_user("open@example.com", "Op", "En").unwrap();
    sim.events_settled().await;

    let v = sim.url_validations();
    let expected = [
        (0, true),
        (259_200, true),
        (518_400, false),
        (777_600, true),
    ];
    assert_eq!(
        v.iter().map(|(_, t, ok)| (*t, *ok)).collect::<Vec<_>>(),
        expected
    );
    assert!(v.iter().all(|(id, _, _)| *id == sub));
    let got = rx.events();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].json()["payload"]["object"]["email"],
        "open@example.com"
    );
    let blocked: Vec<_> = sim
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.body.contains("blocked@example.com"))
        .collect();
    assert_eq!(
        blocked.len(),
        4,
        "first attempt and three retries, none sent"
    );
    assert!(blocked.iter().all(|d| d.status.is_none()));

    // The challenge itself is signed, and a wrong answer refuses the URL.
    let challenge = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .find(|g| g.event() == "endpoint.url_validation")
        .cloned()
        .unwrap();
    assert!(signature_ok(&challenge, SECRET));
    rx.wrong_token.store(true, Ordering::SeqCst);
    let err = sim
        .subscribe_events(&rx.url, &["meeting.created"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("encryptedToken"), "{err}");
}

#[tokio::test]
async fn event_subscription_routes() {
    let sim = start(SimConfig::default()).await.unwrap();
    let rx = Receiver::start().await;
    let url = format!("{}/marketplace/app/event_subscription", sim.base_url());
    let body = json!({"events": ["meeting.created"], "event_webhook_url": rx.url, "subscription_scope": "account"});
    let (status, err) = call(Method::POST, &url, seed::USER_TOKEN, Some(body.clone())).await;
    assert_eq!(
        (status, err["code"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(4711))
    );
    let (status, err) = call(
        Method::POST,
        &url,
        seed::ADMIN_TOKEN,
        Some(json!({"events": [], "event_webhook_url": rx.url, "subscription_scope": "account"})),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(1500))
    );
    rx.wrong_token.store(true, Ordering::SeqCst);
    let (status, err) = call(Method::POST, &url, seed::ADMIN_TOKEN, Some(body.clone())).await;
    assert_eq!(
        (status, err["code"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(1500)),
        "{err}"
    );
    rx.wrong_token.store(false, Ordering::SeqCst);
    let (status, created) = call(Method::POST, &url, seed::ADMIN_TOKEN, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["event_subscription_id"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, list) = call(Method::GET, &url, seed::ADMIN_TOKEN, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["event_subscriptions"][0]["event_subscription_id"],
        id.as_str()
    );
    assert_eq!(
        list["event_subscriptions"][0]["event_webhook_url"],
        rx.url.as_str()
    );

    // Only the subscribed type arrives.
    create_meeting(&sim, "Subscribed").await;
    sim.create_user("unsubscribed@example.com", "Un", "Sub")
        .unwrap();
    sim.events_settled().await;
    let events: Vec<String> = rx.events().iter().map(Got::event).collect();
    assert_eq!(events, ["meeting.created"]);

    let (status, _) = call(
        Method::DELETE,
        &format!("{url}/{id}"),
        seed::ADMIN_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, err) = call(
        Method::DELETE,
        &format!("{url}/{id}"),
        seed::ADMIN_TOKEN,
        None,
    )
    .await;
    assert_eq!(
        (status, err["code"].as_i64()),
        (StatusCode::NOT_FOUND, Some(1601))
    );
    create_meeting(&sim, "Nobody listens").await;
    sim.events_settled().await;
    assert_eq!(rx.events().len(), 1);

    let (status, err) = call(
        Method::GET,
        &format!(
            "{}/marketplace/apps/someOtherApp/webhook_logs",
            sim.base_url()
        ),
        seed::ADMIN_TOKEN,
        None,
    )
    .await;
    assert_eq!(
        (status, err["code"].as_i64()),
        (StatusCode::NOT_FOUND, Some(1401))
    );
}

// ------------------------------------------------------------ faults

#[tokio::test]
async fn duplicate_recording_differs_only_in_download_credentials() {
    let (sim, rx, _) = setup().await;
    sim.inject_event_fault(EventFault::Duplicate);
    sim.complete_recording(seed::ORDINARY_PAST_MEETING_ID)
        .unwrap();
    sim.events_settled().await;
    let got = rx.events();
    assert_eq!(got.len(), 2);
    assert_ne!(
        got[0].header("x-zm-request-id"),
        got[1].header("x-zm-request-id")
    );
    let (mut a, mut b) = (got[0].json(), got[1].json());
    assert_ne!(a["download_token"], b["download_token"]);
    let files = |v: &mut Value| -> Vec<String> {
        let files = v["payload"]["object"]["recording_files"]
            .as_array_mut()
            .unwrap();
        assert!(!files.is_empty());
        files
            .iter_mut()
            .map(|f| {
                f.as_object_mut()
                    .unwrap()
                    .remove("download_url")
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let (urls_a, urls_b) = (files(&mut a), files(&mut b));
    assert!(urls_a.iter().zip(&urls_b).all(|(x, y)| x != y));
    a.as_object_mut().unwrap().remove("download_token");
    b.as_object_mut().unwrap().remove("download_token");
    assert_eq!(a, b);
    assert!(got.iter().all(|g| signature_ok(g, SECRET)));
    // A non-recording duplicate is byte-identical, under its own request id.
    sim.inject_event_fault(EventFault::Duplicate);
    sim.create_user("twice@example.com", "Tw", "Ice").unwrap();
    sim.events_settled().await;
    let got = rx.events();
    assert_eq!(got.len(), 4);
    assert_eq!(got[2].body, got[3].body);
    assert_ne!(
        got[2].header("x-zm-request-id"),
        got[3].header("x-zm-request-id")
    );
}

#[tokio::test]
async fn reorder_late_and_fail() {
    let (sim, rx, _) = setup().await;
    sim.inject_event_fault(EventFault::Reorder);
    sim.create_user("first@example.com", "Fir", "St").unwrap();
    sim.create_user("second@example.com", "Sec", "Ond").unwrap();
    sim.events_settled().await;
    let emails: Vec<Value> = rx
        .events()
        .iter()
        .map(|g| g.json()["payload"]["object"]["email"].clone())
        .collect();
    assert_eq!(
        emails,
        [json!("second@example.com"), json!("first@example.com")]
    );

    sim.inject_event_fault(EventFault::Late(Duration::from_secs(3600)));
    sim.create_user("late@example.com", "La", "Te").unwrap();
    sim.events_settled().await;
    sim.advance_event_clock(Duration::from_secs(3599)).await;
    assert_eq!(rx.events().len(), 2, "late event arrived early");
    sim.advance_event_clock(Duration::from_secs(1)).await;
    assert_eq!(rx.events().len(), 3);

    sim.inject_event_fault(EventFault::Fail);
    sim.create_user("lost@example.com", "Lo", "St").unwrap();
    sim.advance_event_clock(Duration::from_secs(2 * 3600)).await;
    assert_eq!(rx.events().len(), 3, "a failed event reached the endpoint");
    let (_, page) = logs(&sim, "type=2&event=user.created").await;
    let failed = page["webhook_logs"].as_array().unwrap();
    assert_eq!(failed.len(), 4);
    assert!(failed.iter().all(|e| {
        e["status"] == -1
            && e["request_body"]
                .as_str()
                .unwrap()
                .contains("lost@example.com")
    }));
}

#[tokio::test]
async fn signature_and_header_faults() {
    let (sim, rx, _) = setup().await;
    let faults = [
        EventFault::WrongSecret,
        EventFault::StaleTimestamp(3600),
        EventFault::FutureTimestamp(3600),
        EventFault::MissingHeader("x-zm-signature"),
        EventFault::MissingHeader("x-zm-request-timestamp"),
        EventFault::Oversized(200_000),
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        sim.inject_event_fault(fault);
        sim.create_user(&format!("u{i}@example.com"), "U", &i.to_string())
            .unwrap();
    }
    sim.events_settled().await;
    let got = rx.events();
    assert_eq!(got.len(), 6);
    let ts = |g: &Got| -> i64 { g.header("x-zm-request-timestamp").unwrap().parse().unwrap() };

    assert!(!signature_ok(&got[0], SECRET), "WrongSecret verified");
    assert!(signature_ok(&got[1], SECRET) && ts(&got[1]) < now() - 3000);
    assert!(signature_ok(&got[2], SECRET) && ts(&got[2]) > now() + 3000);
    assert!(
        got[3].header("x-zm-signature").is_none()
            && got[3].header("x-zm-request-timestamp").is_some()
    );
    assert!(
        got[4].header("x-zm-request-timestamp").is_none()
            && got[4].header("x-zm-signature").is_some()
    );
    assert!(got[5].body.len() >= 200_000 && signature_ok(&got[5], SECRET));
    assert_valid(&got[5].json());
}

#[tokio::test]
async fn non_round_trip_bodies_are_signed_over_their_raw_bytes() {
    let (sim, rx, _) = setup().await;
    sim.inject_event_fault(EventFault::NonRoundTrip);
    create_meeting(&sim, "Café/Lunch").await;
    sim.events_settled().await;
    let got = rx.events();
    assert_eq!(got.len(), 1);
    let g = &got[0];
    let text = std::str::from_utf8(&g.body).unwrap();
    assert!(
        text.contains("\\/") && text.contains("\\u00e9") && text.contains(": "),
        "{text}"
    );
    let parsed = g.json();
    assert_ne!(serde_json::to_string(&parsed).unwrap(), text);
    assert_eq!(parsed["payload"]["object"]["topic"], "Café/Lunch");
    assert!(signature_ok(g, SECRET));
    // A verifier that re-serialises before checking would fail here.
    let reserialised = Got {
        headers: g.headers.clone(),
        body: Bytes::from(serde_json::to_string(&parsed).unwrap()),
    };
    assert!(!signature_ok(&reserialised, SECRET));
    assert_valid(&parsed);
}
