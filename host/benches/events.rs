//! Zoom's events into `wrk-zoom serve` vs a native receiver, in one run.
//!
//! `cargo bench -p wrk-zoom --bench events`
//!
//! 1. URL validation on a cold `serve`: a fresh process each round, the
//!    signed `endpoint.url_validation` sent as soon as it prints its
//!    address; then warm ones on the same process. Zoom allows 3 s.
//! 2. A burst: 200 signed events a second for 30 s (6,000, each distinct),
//!    sent open-loop (on schedule, whatever the answers), then every one
//!    looked for through `GET /v1/events`: none may be lost.
//!
//! The native baseline answers the same requests in this process with
//! hyper: it checks the same signature, answers the validation, and for
//! an event appends the body to a file and fsyncs it before its 200 (the
//! same durability). Printed: p50, p99 and max of each side.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use sha2::Sha256;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::Process;

mod support;

const API_KEY: &str = "bench-key-0123456789";
const SECRET: &str = "bench-webhook-secret-token";
const ACCOUNT: &str = "bench-account";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A signed delivery of `body`, as Zoom sends it.
fn delivery(url: &str, body: String, request_id: &str) -> hyper::Request<Full<Bytes>> {
    let ts = now();
    let signature = format!("v0={}", hex(&hmac(format!("v0:{ts}:{body}").as_bytes())));
    hyper::Request::post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-zm-request-timestamp", ts.to_string())
        .header("x-zm-signature", signature)
        .header("x-zm-request-id", request_id)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

fn validation_body() -> String {
    serde_json::json!({"event": "endpoint.url_validation", "event_ts": now() * 1000,
        "payload": {"plainToken": "bench-plain-token"}})
    .to_string()
}

/// A home with the app `bench` registered.
fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["events", "app", "add", "bench"])
        .env("WRK_ZOOM_HOME", home.path())
        .env("ZOOM_WEBHOOK_SECRET_TOKEN", SECRET)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let connection = serde_json::json!({"version": 1, "connections": {"bench": {
        "kind": "user", "grant": "authorization_code", "client_id": "c", "client_secret": "s",
        "oauth_base": "https://zoom.us", "api_base": "https://api.zoom.us/v2", "account_id": ACCOUNT,
        "access_token": "t", "expires_at": 4_000_000_000i64, "lifetime_secs": 3600, "granted_at": 1}}});
    std::fs::write(home.path().join("connections.json"), connection.to_string()).unwrap();
    home
}

fn start_serve(home: &std::path::Path) -> (Process, String) {
    support::start_serve(&[], API_KEY, home, |_| {})
}

/// The native receiver (see the module docs).
async fn native_receiver(log: std::path::PathBuf) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let file = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap(),
    ));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let file = file.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let file = file.clone();
                    async move {
                        let ts = req.headers()["x-zm-request-timestamp"].as_bytes().to_vec();
                        let sig = req.headers()["x-zm-signature"].as_bytes().to_vec();
                        let body = req.into_body().collect().await?.to_bytes();
                        let mut message = b"v0:".to_vec();
                        message.extend_from_slice(&ts);
                        message.push(b':');
                        message.extend_from_slice(&body);
                        let ok = sig.strip_prefix(b"v0=") == Some(hex(&hmac(&message)).as_bytes());
                        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        let answer = if !ok {
                            hyper::Response::builder()
                                .status(401)
                                .body(Full::new(Bytes::new()))
                        } else if parsed["event"] == "endpoint.url_validation" {
                            let plain = parsed["payload"]["plainToken"].as_str().unwrap();
                            let out = serde_json::json!({"plainToken": plain,
                                "encryptedToken": hex(&hmac(plain.as_bytes()))});
                            hyper::Response::builder().body(Full::new(Bytes::from(out.to_string())))
                        } else {
                            let file = file.clone();
                            tokio::task::spawn_blocking(move || {
                                let mut file = file.lock().unwrap();
                                file.write_all(&body).unwrap();
                                file.write_all(b"\n").unwrap();
                                file.sync_data().unwrap();
                            })
                            .await
                            .unwrap();
                            hyper::Response::builder().body(Full::new(Bytes::new()))
                        };
                        Ok::<_, hyper::Error>(answer.unwrap())
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http()
}

/// One delivery; its time, after checking the answer.
async fn timed(
    client: &Client<HttpConnector, Full<Bytes>>,
    request: hyper::Request<Full<Bytes>>,
) -> Duration {
    let started = Instant::now();
    let response = client.request(request).await.expect("answered");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    if !body.is_empty() {
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            answer["encryptedToken"],
            hex(&hmac(b"bench-plain-token")),
            "a wrong validation answer"
        );
    }
    elapsed
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut all: Vec<Duration>) -> Stats {
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Stats {
        p50: at(0.5),
        p99: at(0.99),
        max: *all.last().unwrap(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn row(what: &str, ours: &Stats, theirs: &Stats) {
    println!(
        "| {what} | {} | {} | {} | {} | {} | {} |",
        ms(ours.p50),
        ms(ours.p99),
        ms(ours.max),
        ms(theirs.p50),
        ms(theirs.p99),
        ms(theirs.max)
    );
}

/// `rate` signed events a second for `seconds` to `url`, open-loop; the
/// answer times.
async fn burst(url: &str, rate: u32, seconds: u32, tag: &str) -> Vec<Duration> {
    let client = client();
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..rate * seconds {
        tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / rate as f64)).await;
        let body = serde_json::json!({"event": "meeting.created", "event_ts": now() * 1000,
            "payload": {"account_id": ACCOUNT, "object": {"uuid": format!("{tag}-{i}=="),
                "id": i, "host_id": "h", "topic": "Burst"}}})
        .to_string();
        let request = delivery(url, body, &format!("{tag}-{i}"));
        let client = client.clone();
        tasks.push(tokio::spawn(async move { timed(&client, request).await }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.unwrap());
    }
    all
}

/// How many distinct `meeting.created` of the burst `GET /v1/events` has.
async fn pulled(serve_url: &str, tag: &str) -> usize {
    let client = client();
    let (mut after, mut seen) = (0u64, std::collections::HashSet::new());
    loop {
        let request =
            hyper::Request::get(format!("{serve_url}/v1/events?after={after}&limit=1000"))
                .header("authorization", format!("Bearer {API_KEY}"))
                .body(Full::new(Bytes::new()))
                .unwrap();
        let response = client.request(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            return seen.len();
        }
        for e in events {
            let uuid = e["payload"]["object"]["uuid"].as_str().unwrap_or_default();
            if uuid.starts_with(tag) {
                seen.insert(uuid.to_string());
            }
        }
        after = page["cursor"].as_u64().unwrap();
    }
}

fn main() {
    // A `--test` run (cargo test --benches) does one short round of each.
    let smoke = std::env::args().any(|a| a == "--test");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let native_dir = tempfile::tempdir().unwrap();
    let native = rt.block_on(native_receiver(native_dir.path().join("inbox.log")));
    let native_url = format!("http://{native}/v1/events/zoom/bench");

    let (rounds, warm, rate, seconds) = if smoke {
        (1, 5, 20, 1)
    } else {
        (20, 200, 200, 30)
    };
    // 1. URL validation, cold then warm.
    let mut cold = Vec::new();
    let mut native_cold = Vec::new();
    let mut warm_times = Vec::new();
    for round in 0..rounds {
        let home = home();
        let (_serve, serve_url) = start_serve(home.path());
        let url = format!("{serve_url}/v1/events/zoom/bench");
        // A new client: a new connection, as Zoom's would be.
        cold.push(rt.block_on(timed(&client(), delivery(&url, validation_body(), "v"))));
        native_cold.push(rt.block_on(timed(
            &client(),
            delivery(&native_url, validation_body(), "v"),
        )));
        if round == 0 {
            let c = client();
            for _ in 0..warm {
                warm_times.push(rt.block_on(timed(&c, delivery(&url, validation_body(), "v"))));
            }
        }
    }
    let c = client();
    let native_warm: Vec<Duration> = (0..warm)
        .map(|_| rt.block_on(timed(&c, delivery(&native_url, validation_body(), "v"))))
        .collect();

    // 2. The burst, on one serve.
    let home = home();
    let (_serve, serve_url) = start_serve(home.path());
    let url = format!("{serve_url}/v1/events/zoom/bench");
    let ours = rt.block_on(burst(&url, rate, seconds, "ours"));
    let theirs = rt.block_on(burst(&native_url, rate, seconds, "native"));
    let kept = rt.block_on(pulled(&serve_url, "ours"));
    let sent = (rate * seconds) as usize;
    assert_eq!(kept, sent, "events lost: {} of {sent}", sent - kept);
    if smoke {
        return;
    }
    println!(
        "Zoom's events into `wrk-zoom serve` vs a native hyper receiver (same signature check; events fsynced before the 200), 127.0.0.1"
    );
    println!("| | serve p50 | p99 | max | native p50 | p99 | max |");
    println!("|---|---|---|---|---|---|---|");
    row(
        &format!("URL validation, cold process ({rounds} starts)"),
        &stats(cold),
        &stats(native_cold),
    );
    row(
        &format!("URL validation, warm ({warm})"),
        &stats(warm_times),
        &stats(native_warm),
    );
    row(
        &format!("{rate} events/s for {seconds} s ({sent}; all {kept} kept)"),
        &stats(ours),
        &stats(theirs),
    );
}
