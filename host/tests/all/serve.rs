//! `wrk-zoom serve`: the HTTP API a workflow platform calls.

use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};

struct Served {
    child: Child,
    base: String,
    _home: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The API key the tests' servers use (at least 16 characters).
const KEY: &str = "test-key-0123456789";

fn serve(extra: &[&str]) -> Served {
    serve_in(crate::temp_dir("wrk-zoom-serve-home-"), extra)
}

/// `serve` with `home` as its configuration directory (its token store).
fn serve_in(home: tempfile::TempDir, extra: &[&str]) -> Served {
    let (child, base) = crate::spawn_serve(
        Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .env("WRK_ZOOM_API_KEY", KEY)
            .env("WRK_ZOOM_HOME", home.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .stderr(Stdio::null()),
    );
    Served {
        child,
        base,
        _home: home,
    }
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(base: &str, method: &str, path: &str, key: Option<&str>, body: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    exchange(
        addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Sends `request` as it is and reads the answer to its end: the status
/// and the body.
fn exchange(addr: &str, request: &str) -> (u16, String) {
    crate::http_exchange(addr, request.as_bytes())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn serve_lists_and_runs_actions_for_callers_with_the_api_key() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let served = serve(&["--allow-api-base", &sim.base_url()]);
    let base = &served.base;

    let (status, body) = http(base, "GET", "/health", None, "");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["status"], "ok");

    assert_eq!(http(base, "GET", "/v1/actions", None, "").0, 401);
    assert_eq!(http(base, "GET", "/v1/actions", Some("wrong"), "").0, 401);
    let (status, body) = http(base, "GET", "/v1/actions", Some(KEY), "");
    assert_eq!(status, 200);
    let names: Vec<String> = json(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 33);
    assert!(names.contains(&"retrieve-meeting-participant-report".to_string()));

    // Each action's parameters as JSON Schema, behind the key too.
    let path = "/v1/actions/create-meeting/schema";
    assert_eq!(http(base, "GET", path, None, "").0, 401);
    let (status, body) = http(base, "GET", path, Some(KEY), "");
    assert_eq!(status, 200, "{body}");
    let schema = json(&body);
    assert_eq!(schema["type"], "object");
    assert_eq!(
        schema["properties"]["settings"]["properties"]["auto_recording"]["enum"],
        serde_json::json!(["local", "cloud", "none"])
    );
    // The whole API as OpenAPI 3.1: an operation per action, whose params
    // are that action's schema.
    assert_eq!(http(base, "GET", "/openapi.json", None, "").0, 401);
    let (status, body) = http(base, "GET", "/openapi.json", Some(KEY), "");
    assert_eq!(status, 200, "{body}");
    let document = json(&body);
    assert_eq!(document["openapi"], "3.1.0");
    let operation = &document["paths"]["/v1/actions/create-meeting"]["post"];
    // What serve refuses with a 400 is what the document says it takes.
    let body_schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body_schema["properties"]["token"]["minLength"], 1);
    assert_eq!(
        body_schema["properties"]["connection"]["pattern"],
        "^[A-Za-z0-9._-]{1,64}$"
    );
    let params =
        &operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["params"];
    assert_eq!(
        params["properties"]["settings"],
        schema["properties"]["settings"]
    );
    let runs = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("/v1/actions/") && !p.contains('{'))
        .count();
    assert_eq!(runs, 33);
    let (status, body) = http(
        base,
        "GET",
        "/v1/actions/create-meting/schema",
        Some(KEY),
        "",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("create-meeting"), "suggests the name: {body}");

    let request = serde_json::json!({
        "params": {"page_size": 10},
        "token": zoom_simulator::seed::USER_TOKEN,
        "api_base": sim.base_url(),
    });
    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meetings",
        Some(KEY),
        &request.to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let reply = json(&body);
    assert_eq!(reply["status"], 200);
    assert_eq!(reply["body"]["meetings"].as_array().unwrap().len(), 10);
    assert!(
        reply["next_page_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );

    let bad =
        serde_json::json!({"params": {"page_size": 500}, "token": "t", "api_base": sim.base_url()});
    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meetings",
        Some(KEY),
        &bad.to_string(),
    );
    assert_eq!(status, 400);
    assert_eq!(json(&body)["params"][0]["name"], "page_size");

    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meeting",
        Some(KEY),
        &serde_json::json!({
            "params": {"meetingId": zoom_simulator::seed::UNKNOWN_MEETING_ID},
            "token": zoom_simulator::seed::USER_TOKEN,
            "api_base": sim.base_url(),
        })
        .to_string(),
    );
    assert_eq!(status, 502);
    assert_eq!(json(&body)["code"], 3001);

    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meeting",
        Some(KEY),
        "{not json",
    );
    assert_eq!(status, 400);
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object")
    );

    let (status, metrics) = http(base, "GET", "/metrics", Some(KEY), "");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("wrk_zoom_calls_total{action=\"retrieve-meetings\",outcome=\"ok\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "wrk_zoom_calls_total{action=\"retrieve-meetings\",outcome=\"invalid-params\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("outcome=\"zoom\"} 1"), "{metrics}");
}

#[test]
fn serve_refuses_to_start_without_an_api_key() {
    let output = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0"])
        .env_remove("WRK_ZOOM_API_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("WRK_ZOOM_API_KEY"));

    let short = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0"])
        .env("WRK_ZOOM_API_KEY", "short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("at least 16"), "{err}");
}

/// A server on 127.0.0.1 that counts the connections it accepts.
fn recorder() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, accepted)
}

#[test]
fn serve_is_not_a_network_proxy() {
    let (target, accepted) = recorder();
    let served = serve(&[]);
    let base = &served.base;
    for (what, request) in [
        (
            "a token with a base off the allow-list",
            serde_json::json!({"params": {"method": "GET", "path": "/users/me"}, "token": "t", "api_base": target}),
        ),
        (
            "a stored connection with a base",
            serde_json::json!({"params": {"method": "GET", "path": "/users/me"}, "connection": "x", "api_base": target}),
        ),
        (
            "a base without a token",
            serde_json::json!({"params": {"method": "GET", "path": "/users/me"}, "api_base": target}),
        ),
    ] {
        let (status, body) = http(
            base,
            "POST",
            "/v1/actions/api-call",
            Some(KEY),
            &request.to_string(),
        );
        assert_eq!(status, 400, "{what}: {body}");
        let body = json(&body);
        assert_eq!(body["field"], "api_base", "{what}: {body}");
    }
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the recording server received no request"
    );
}

#[test]
fn serve_checks_the_key_before_reading_a_body() {
    let served = serve(&[]);
    let addr = served.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    // Headers announce 2 MB; none of it is sent. A server that read the
    // body before the key would wait here instead of answering.
    write!(
        stream,
        "POST /v1/actions/retrieve-user HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer wrong\r\nContent-Length: 2000000\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head[9..12], b"401");
}

#[test]
fn serve_metrics_have_bounded_escaped_labels_and_errors_hide_internals() {
    let served = serve(&[]);
    let base = &served.base;
    let (status, _) = http(base, "POST", "/v1/actions/%1B", Some(KEY), "{}");
    assert_eq!(status, 400);
    let (status, _) = http(base, "POST", "/v1/actions/no-such-action", Some(KEY), "{}");
    assert_eq!(status, 400);
    let (_, metrics) = http(base, "GET", "/metrics", Some(KEY), "");
    assert!(
        metrics.contains("wrk_zoom_calls_total{action=\"unknown\",outcome=\"unknown-action\"} 2"),
        "{metrics}"
    );
    assert!(
        !metrics.contains('\u{1b}') && !metrics.contains("%1B"),
        "{metrics}"
    );

    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-user",
        Some(KEY),
        r#"{"connection": "nope"}"#,
    );
    assert_eq!(status, 403, "{body}");
    let message = json(&body)["message"].as_str().unwrap().to_string();
    assert_eq!(message, "there is no stored connection named 'nope'");
    assert!(
        !body.contains("wrk-zoom-serve-home"),
        "no store path: {body}"
    );
}

/// `serve` with one call slot, held by a call to a server that accepts and
/// never answers; returns the server, that call's request body (to send
/// another like it) and its thread.
fn serve_with_its_one_slot_held() -> (Served, String, std::thread::JoinHandle<(u16, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck = format!("http://{}/v2", listener.local_addr().unwrap());
    let (arrived_tx, arrived) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
            let _ = arrived_tx.send(());
        }
    });
    let served = serve(&["--max-concurrent-calls", "1", "--allow-api-base", &stuck]);
    let request = serde_json::json!({"params": {}, "token": "t", "api_base": stuck}).to_string();
    let first = {
        let (base, request) = (served.base.clone(), request.clone());
        std::thread::spawn(move || {
            http(
                &base,
                "POST",
                "/v1/actions/retrieve-user",
                Some(KEY),
                &request,
            )
        })
    };
    arrived
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the first call reaches the stuck server");
    (served, request, first)
}

#[test]
fn calls_over_the_concurrency_limit_get_503_not_a_failure() {
    let (served, request, first) = serve_with_its_one_slot_held();
    let (status, body) = http(
        &served.base,
        "POST",
        "/v1/actions/retrieve-user",
        Some(KEY),
        &request,
    );
    assert_eq!(status, 503, "{body}");
    assert_eq!(json(&body)["error"], "busy");
    drop(served);
    let _ = first.join();
}

/// An HTTP/1.0 request (so a streamed answer is not chunked) with extra
/// header lines; returns the status and the body.
fn http10(base: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    exchange(
        addr,
        &format!(
            "POST {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn serve_follows_every_page_like_the_cli_and_streams_ndjson() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let served = serve(&["--allow-api-base", &sim.base_url()]);
    let count = zoom_simulator::seed::USER_SCHEDULED_MEETING_COUNT;
    let request = |extra: serde_json::Value| {
        let mut body = serde_json::json!({
            "params": {"page_size": 10},
            "token": zoom_simulator::seed::USER_TOKEN,
            "api_base": sim.base_url(),
            "all": true,
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body.to_string()
    };

    let (status, body) = http10(
        &served.base,
        "/v1/actions/retrieve-meetings",
        "",
        &request(serde_json::json!({})),
    );
    assert_eq!(status, 200, "{body}");
    let all = json(&body);
    assert_eq!(all["meetings"].as_array().unwrap().len(), count);
    assert_eq!(all["total_records"], count);
    assert_eq!(all["truncated"], false);

    let (_, body) = http10(
        &served.base,
        "/v1/actions/retrieve-meetings",
        "",
        &request(serde_json::json!({"max": 15})),
    );
    let some = json(&body);
    assert_eq!(some["meetings"].as_array().unwrap().len(), 15);
    assert_eq!(some["truncated"], true);
    assert!(
        some["next_page_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{some}"
    );

    let (status, body) = http10(
        &served.base,
        "/v1/actions/retrieve-meetings",
        "Accept: application/x-ndjson\r\n",
        &request(serde_json::json!({})),
    );
    assert_eq!(status, 200);
    let lines: Vec<serde_json::Value> = body.lines().map(json).collect();
    assert_eq!(lines.len(), count + 1, "{body}");
    let ids: std::collections::HashSet<i64> = lines[..count]
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), count, "every meeting once");
    assert_eq!(lines[count]["summary"]["total_records"], count);
    assert_eq!(lines[count]["summary"]["truncated"], false);

    // A single object is no list.
    let (status, body) = http10(
        &served.base,
        "/v1/actions/retrieve-user",
        "",
        &serde_json::json!({"params": {}, "token": "t", "api_base": sim.base_url(), "all": true})
            .to_string(),
    );
    assert_eq!(status, 400);
    assert_eq!(json(&body)["field"], "all");
}

/// One MCP JSON-RPC request to `/mcp` (streamable HTTP, JSON answers).
fn mcp(base: &str, key: Option<&str>, request: Value) -> (u16, String) {
    mcp_to_host(base, base.trim_start_matches("http://"), key, request)
}

/// [`mcp`] with `host` as the `Host` header (as a load balancer sends it).
fn mcp_to_host(base: &str, host: &str, key: Option<&str>, request: Value) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let body = request.to_string();
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    exchange(
        addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-06-18\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn serve_offers_the_actions_as_mcp_tools_on_the_stored_connections() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    // A stored user connection on the simulator.
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let now = wrk_zoom::clock::now_secs();
    let store = serde_json::json!({
        "version": 1,
        "defaults": {"user": "sim"},
        "connections": {"sim": {
            "kind": "user", "grant": "authorization_code",
            "client_id": "id", "client_secret": "secret",
            "oauth_base": sim.origin(), "api_base": sim.base_url(),
            "access_token": zoom_simulator::seed::USER_TOKEN, "refresh_token": "r",
            "expires_at": now + 86_400, "lifetime_secs": 86_400, "granted_at": now,
        }},
    });
    std::fs::write(home.path().join("connections.json"), store.to_string()).unwrap();
    let served = serve_in(home, &[]);
    let base = &served.base;

    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    assert_eq!(
        mcp(base, None, initialize.clone()).0,
        401,
        "behind the API key"
    );
    let (status, body) = mcp(base, Some(KEY), initialize);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["result"]["serverInfo"]["name"], "wrk-zoom");

    let (status, body) = mcp(
        base,
        Some(KEY),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["result"]["tools"].as_array().unwrap().len(), 33);

    let (status, body) = mcp(
        base,
        Some(KEY),
        serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "retrieve-user", "arguments": {}}}),
    );
    assert_eq!(status, 200, "{body}");
    let result = &json(&body)["result"];
    assert_ne!(result["isError"], true, "{body}");
    assert_eq!(
        result["structuredContent"]["email"],
        zoom_simulator::seed::USER_EMAIL
    );
    // Counted like a call to the REST API.
    let (_, metrics) = http(base, "GET", "/metrics", Some(KEY), "");
    assert!(
        metrics.contains("wrk_zoom_calls_total{action=\"retrieve-user\",outcome=\"ok\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_token_without_an_api_base_goes_to_the_servers_default_api_base() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let served = serve(&["--api-base", &sim.base_url()]);
    let request = serde_json::json!({"params": {}, "token": zoom_simulator::seed::USER_TOKEN});
    let (status, body) = http(
        &served.base,
        "POST",
        "/v1/actions/retrieve-user",
        Some(KEY),
        &request.to_string(),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body)["body"]["email"],
        zoom_simulator::seed::USER_EMAIL
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0", "--api-base", "not a url"])
        .env("WRK_ZOOM_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--api-base"));
}

#[test]
fn several_api_keys_are_accepted_so_a_key_can_be_rotated() {
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("WRK_ZOOM_API_KEY", "old-key-0123456789, new-key-0123456789")
        .env("WRK_ZOOM_HOME", home.path())
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let served = Served {
        child,
        base: line.trim().to_string(),
        _home: home,
    };
    for key in ["old-key-0123456789", "new-key-0123456789"] {
        assert_eq!(
            http(&served.base, "GET", "/v1/actions", Some(key), "").0,
            200,
            "{key}"
        );
    }
    assert_eq!(
        http(
            &served.base,
            "GET",
            "/v1/actions",
            Some("other-key-0123456789"),
            ""
        )
        .0,
        401
    );

    let short = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0"])
        .env("WRK_ZOOM_API_KEY", "good-key-0123456789,short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 16"));
}

#[test]
fn ready_answers_503_while_the_token_store_cannot_be_read() {
    let served = serve(&[]);
    let (status, body) = http(&served.base, "GET", "/ready", None, "");
    assert_eq!(status, 200, "{body}");
    std::fs::write(served._home.path().join("connections.json"), "{ damaged").unwrap();
    let (status, body) = http(&served.base, "GET", "/ready", None, "");
    assert_eq!(status, 503, "{body}");
    // Only ready or not: no path, no store error (the server's log has them).
    assert_eq!(json(&body)["status"], "not-ready");
    assert!(
        !body.contains("damaged") && !body.contains("wrk-zoom-serve-home"),
        "{body}"
    );
}

#[test]
fn sigterm_stops_accepting_and_lets_the_call_in_flight_finish() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    // The call in flight: Zoom takes a while to answer it.
    sim.inject_fault(
        zoom_simulator::FaultRule::new(zoom_simulator::Fault::Delay(
            std::time::Duration::from_millis(1500),
        ))
        .path_prefix("/v2/users/me"),
    );
    let mut served = serve(&["--allow-api-base", &sim.base_url()]);
    let base = served.base.clone();
    let request = serde_json::json!({
        "params": {}, "token": zoom_simulator::seed::USER_TOKEN, "api_base": sim.base_url(),
    })
    .to_string();
    let in_flight = std::thread::spawn({
        let base = base.clone();
        move || {
            http(
                &base,
                "POST",
                "/v1/actions/retrieve-user",
                Some(KEY),
                &request,
            )
        }
    });
    // Bounded wait until the call has reached Zoom.
    for _ in 0..200 {
        if !sim.requests().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert!(!sim.requests().is_empty(), "the call reached the simulator");
    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (status, body) = in_flight.join().unwrap();
    assert_eq!(status, 200, "the call in flight finished: {body}");
    assert_eq!(
        json(&body)["body"]["email"],
        zoom_simulator::seed::USER_EMAIL
    );
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let addr = base.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no new connections after it stopped"
    );
}

#[test]
fn log_format_json_writes_one_json_object_per_line() {
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0", "--log-format", "json", "-v"])
        // Logs a warning when the host starts.
        .env("WRK_ZOOM_PACING", "off")
        .env("WRK_ZOOM_API_KEY", KEY)
        .env("WRK_ZOOM_HOME", home.path())
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://"), "{line}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let logs: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logs.is_empty(), "{stderr}");
    for log in logs {
        let entry = json(log);
        assert!(
            entry["level"].is_string() && entry["fields"].is_object(),
            "{log}"
        );
    }
    drop(home);
}

/// A file store in a new home: connection `sim` on the simulator, and
/// `defaults` as given.
fn home_with_sim(sim: &zoom_simulator::RunningSimulator, defaults: Value) -> tempfile::TempDir {
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let now = wrk_zoom::clock::now_secs();
    let store = serde_json::json!({
        "version": 1,
        "defaults": defaults,
        "connections": {"sim": {
            "kind": "user", "grant": "authorization_code",
            "client_id": "id", "client_secret": "secret",
            "oauth_base": sim.origin(), "api_base": sim.base_url(),
            "access_token": zoom_simulator::seed::USER_TOKEN, "refresh_token": "r",
            "expires_at": now + 86_400, "lifetime_secs": 86_400, "granted_at": now,
        }},
    });
    std::fs::write(home.path().join("connections.json"), store.to_string()).unwrap();
    home
}

fn tool_call(id: u64, name: &str) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": name, "arguments": {}}})
}

#[test]
fn mcp_answers_whatever_host_a_load_balancer_names() {
    let served = serve(&[]);
    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    for host in [
        "wrk-zoom.internal.example",
        "wrk-zoom.example.com:443",
        "10.0.0.7:8787",
    ] {
        let (status, body) = mcp_to_host(&served.base, host, Some(KEY), initialize.clone());
        assert_eq!(status, 200, "{host}: {body}");
        assert_eq!(json(&body)["result"]["serverInfo"]["name"], "wrk-zoom");
    }
    // The API key is still the gate.
    let (status, _) = mcp_to_host(&served.base, "wrk-zoom.example.com", None, initialize);
    assert_eq!(status, 401);
}

#[test]
fn mcp_answers_only_the_hosts_an_operator_names() {
    // A name alone allows any port; a name with a port, that port only.
    let served = serve(&["--mcp-allowed-host", "mcp.example.com,lb.example.com:8443"]);
    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    for host in [
        "mcp.example.com",
        "mcp.example.com:9000",
        "lb.example.com:8443",
    ] {
        let (status, body) = mcp_to_host(&served.base, host, Some(KEY), initialize.clone());
        assert_eq!(status, 200, "{host}: {body}");
    }
    for host in [
        "wrk-zoom.internal.example",
        "lb.example.com:9000",
        "lb.example.com",
    ] {
        let (status, body) = mcp_to_host(&served.base, host, Some(KEY), initialize.clone());
        assert_eq!(status, 403, "{host}: {body}");
    }
}

#[test]
fn mcp_errors_hide_internals_like_the_rest_api() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    // The default user connection is one that is not stored.
    let served = serve_in(
        home_with_sim(&sim, serde_json::json!({"user": "ghost"})),
        &[],
    );
    let (status, body) = mcp(&served.base, Some(KEY), tool_call(1, "retrieve-user"));
    assert_eq!(status, 200, "{body}");
    let result = &json(&body)["result"];
    assert_eq!(result["isError"], true, "{body}");
    assert_eq!(
        result["content"][0]["text"], "there is no stored connection named 'ghost'",
        "{body}"
    );
    assert!(
        !body.contains("wrk-zoom-serve-home") && !body.contains("'sim'"),
        "no store path, no other connection: {body}"
    );
    let (_, metrics) = http(&served.base, "GET", "/metrics", Some(KEY), "");
    assert!(
        metrics.contains(
            "wrk_zoom_calls_total{action=\"retrieve-user\",outcome=\"unknown-connection\"} 1"
        ),
        "{metrics}"
    );
}

#[test]
fn mcp_calls_take_the_same_slots_as_rest_calls() {
    let (served, _, first) = serve_with_its_one_slot_held();
    let (status, body) = mcp(&served.base, Some(KEY), tool_call(2, "retrieve-user"));
    assert_eq!(status, 200, "{body}");
    let error = &json(&body)["error"];
    assert_eq!(error["data"]["error"], "busy", "{body}");
    assert!(
        error["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );
    let (_, metrics) = http(&served.base, "GET", "/metrics", Some(KEY), "");
    assert!(
        metrics.contains("wrk_zoom_calls_total{action=\"retrieve-user\",outcome=\"busy\"} 1"),
        "{metrics}"
    );
    drop(served);
    let _ = first.join();
}

#[test]
fn an_empty_token_is_refused_naming_the_token() {
    let served = serve(&[]);
    for request in [
        serde_json::json!({"params": {}, "token": ""}),
        serde_json::json!({"params": {}, "token": "", "api_base": "https://api.zoom.us/v2"}),
    ] {
        let (status, body) = http(
            &served.base,
            "POST",
            "/v1/actions/retrieve-user",
            Some(KEY),
            &request.to_string(),
        );
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(json(&body)["field"], "token", "{body}");
    }
}

#[test]
fn api_bases_are_normalised_or_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let served = serve(&["--allow-api-base", &sim.base_url()]);
    let call = |api_base: String| {
        let request = serde_json::json!({
            "params": {}, "token": zoom_simulator::seed::USER_TOKEN, "api_base": api_base,
        });
        http(
            &served.base,
            "POST",
            "/v1/actions/retrieve-user",
            Some(KEY),
            &request.to_string(),
        )
    };
    let (status, body) = call(format!("{}/", sim.base_url()));
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(sim.base_url().replace("/v2", "//v2//"));
    assert_eq!(status, 200, "{body}");
    for refused in [
        format!("{}#1", sim.base_url()),
        format!("{}?x=1", sim.base_url()),
    ] {
        let (status, body) = call(refused.clone());
        assert_eq!(status, 400, "{refused}: {body}");
        assert_eq!(json(&body)["field"], "api_base", "{body}");
    }
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

#[test]
fn callers_naming_huge_connections_leave_nothing_behind() {
    let served = serve(&[]);
    let pid = served.child.id();
    let huge = |i: usize| {
        serde_json::json!({"params": {}, "connection": format!("{}{i}", "x".repeat(1 << 20))})
            .to_string()
    };
    let call = |body: &str| {
        http(
            &served.base,
            "POST",
            "/v1/actions/retrieve-user",
            Some(KEY),
            body,
        )
    };
    // Let start-up work (compiled code loaded in the background) settle.
    for i in 0..5 {
        call(&huge(i));
    }
    let mut before = rss_kib(pid);
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let now = rss_kib(pid);
        let settled = now.abs_diff(before) < 512;
        before = now;
        if settled {
            break;
        }
    }
    for i in 0..100 {
        let (status, body) = call(&huge(i));
        assert_eq!(status, 400, "{}", &body[..body.len().min(300)]);
        assert_eq!(json(&body)["field"], "connection");
        assert!(body.len() < 1_000, "the name is not echoed");
    }
    let grown = rss_kib(pid).saturating_sub(before);
    assert!(grown < 20 * 1024, "{grown} KiB kept after 100 huge names");
}

#[test]
fn caller_text_cannot_forge_a_log_line() {
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let (child, base) = crate::spawn_serve(
        Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
            .args(["serve", "--port", "0"])
            .env("WRK_ZOOM_API_KEY", KEY)
            .env("WRK_ZOOM_HOME", home.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .stderr(Stdio::piped()),
    );
    let forged =
        "nope\n2026-01-01T00:00:00Z  INFO forged: renewed the access token connection=admin";
    let request = serde_json::json!({"params": {}, "connection": forged}).to_string();
    let (status, body) = http(
        &base,
        "POST",
        "/v1/actions/retrieve-user",
        Some(KEY),
        &request,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(json(&body)["field"], "connection");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.lines().any(|l| l.contains("INFO forged")),
        "a forged line:\n{stderr}"
    );
    drop(home);
}

/// The library's router (`wrk_zoom::server::router`) mounted by an
/// embedder under a prefix of its own application: the same API as
/// `wrk-zoom serve`, in-process, key included.
#[test]
fn the_router_mounts_under_a_prefix_in_an_application_of_ones_own() {
    use std::sync::Arc;
    use wrk_zoom::server::{AllowedBase, ApiKeys, ServerConfig};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_sim, sim_base, base) = runtime.block_on(async {
        let sim = zoom_simulator::start(Default::default()).await.unwrap();
        let host = wrk_zoom::Host::new(wrk_zoom::HostConfig {
            cache_dir: Some(crate::cache_dir()),
            cache_key_file: Some(crate::cache_key_file()),
            ..wrk_zoom::HostConfig::default()
        })
        .unwrap();
        let mut config = ServerConfig::new(ApiKeys::parse(KEY).unwrap());
        config
            .allowed_bases
            .push(AllowedBase::origin_of(&sim.base_url()).unwrap());
        let api = wrk_zoom::server::router(Arc::new(host), None, config);
        let app = axum::Router::new()
            .route("/", axum::routing::get(|| async { "my app" }))
            .nest("/zoom", api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let sim_base = sim.base_url();
        (sim, sim_base, base)
    });
    assert_eq!(http(&base, "GET", "/", None, ""), (200, "my app".into()));
    let (status, body) = http(&base, "GET", "/zoom/health", None, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["status"], "ok");
    let call = serde_json::json!({
        "token": zoom_simulator::seed::USER_TOKEN,
        "api_base": sim_base,
    })
    .to_string();
    let (status, _) = http(&base, "POST", "/zoom/v1/actions/retrieve-user", None, &call);
    assert_eq!(status, 401, "the key guards the mounted API too");
    let (status, body) = http(
        &base,
        "POST",
        "/zoom/v1/actions/retrieve-user",
        Some(KEY),
        &call,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["body"]["id"], zoom_simulator::seed::USER_ID);
    let (status, body) = http(&base, "GET", "/zoom/openapi.json", Some(KEY), "");
    assert_eq!(status, 200, "{body}");
    assert!(json(&body)["paths"]["/v1/actions/retrieve-user"].is_object());
}

/// What an action returns, over the API: its output schema, the schema of
/// every page, clear errors otherwise, and the OpenAPI document's answer
/// of each operation referring to them.
#[test]
fn serve_says_what_each_action_returns() {
    let served = serve(&[]);
    let get = |path: &str| http(&served.base, "GET", path, Some(KEY), "");
    let (status, body) = get("/v1/actions/retrieve-meetings/output-schema");
    assert_eq!(status, 200, "{body}");
    let one = json(&body);
    assert_eq!(
        one["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(one["required"], serde_json::json!(["meetings"]));
    let (status, body) = get("/v1/actions/retrieve-meetings/output-schema?all=true");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body)["required"],
        serde_json::json!(["meetings", "total_records", "truncated"])
    );
    let (status, body) = get("/v1/actions/retrieve-user/output-schema?all=true");
    assert_eq!(status, 400, "{body}");
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap()
            .contains("does not return a paginated list")
    );
    let (status, body) = get("/v1/actions/retrieve-user/output-schema?all=maybe");
    assert_eq!(
        (status, json(&body)["field"].clone()),
        (400, "all".into()),
        "{body}"
    );
    let (status, body) = get("/v1/actions/no-such-action/output-schema");
    assert_eq!(
        (status, json(&body)["error"].clone()),
        (400, "unknown-action".into()),
        "{body}"
    );
    let (status, _) = http(
        &served.base,
        "GET",
        "/v1/actions/retrieve-user/output-schema",
        None,
        "",
    );
    assert_eq!(status, 401);

    let (status, body) = get("/openapi.json");
    assert_eq!(status, 200);
    let doc = json(&body);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["retrieve-user"]["required"],
        serde_json::json!(["id"])
    );
    assert!(schemas["retrieve-meetings.all"].is_object());
    let answer = |action: &str| {
        doc["paths"][format!("/v1/actions/{action}")]["post"]["responses"]["200"]["content"]
            ["application/json"]["schema"]
            .clone()
    };
    assert_eq!(
        answer("retrieve-user")["properties"]["body"]["$ref"],
        "#/components/schemas/retrieve-user"
    );
    assert_eq!(
        answer("retrieve-meetings")["anyOf"][1]["$ref"],
        "#/components/schemas/retrieve-meetings.all"
    );
}
