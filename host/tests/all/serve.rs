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

fn serve() -> Served {
    let home = crate::temp_dir("wrk-zoom-serve-home-");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["serve", "--port", "0"])
        .env("WRK_ZOOM_API_KEY", "test-key")
        .env("WRK_ZOOM_HOME", home.path())
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wrk-zoom serve");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Served {
        child,
        base: line.trim().to_string(),
        _home: home,
    }
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(base: &str, method: &str, path: &str, key: Option<&str>, body: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
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
    let served = serve();
    let base = &served.base;

    let (status, body) = http(base, "GET", "/health", None, "");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["status"], "ok");

    assert_eq!(http(base, "GET", "/v1/actions", None, "").0, 401);
    assert_eq!(http(base, "GET", "/v1/actions", Some("wrong"), "").0, 401);
    let (status, body) = http(base, "GET", "/v1/actions", Some("test-key"), "");
    assert_eq!(status, 200);
    let names: Vec<String> = json(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 33);
    assert!(names.contains(&"retrieve-meeting-participant-report".to_string()));

    let request = serde_json::json!({
        "params": {"page_size": 10},
        "token": zoom_simulator::seed::USER_TOKEN,
        "api_base": sim.base_url(),
    });
    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meetings",
        Some("test-key"),
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
        Some("test-key"),
        &bad.to_string(),
    );
    assert_eq!(status, 400);
    assert_eq!(json(&body)["params"][0]["name"], "page_size");

    let (status, body) = http(
        base,
        "POST",
        "/v1/actions/retrieve-meeting",
        Some("test-key"),
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
        Some("test-key"),
        "{not json",
    );
    assert_eq!(status, 400);
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object")
    );

    let (status, metrics) = http(base, "GET", "/metrics", Some("test-key"), "");
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
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("WRK_ZOOM_API_KEY"));
}
