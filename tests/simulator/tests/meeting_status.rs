//! `PUT /meetings/{meetingId}/status`: ending a meeting in progress, as
//! Zoom does; and the sandbox's demo mode, where ending a meeting that was
//! never started holds a whole one.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoom_simulator::{RunningSimulator, SimConfig, seed, start};

async fn call(sim: &RunningSimulator, method: &str, path: &str, body: &Value) -> (u16, String) {
    let body = body.to_string();
    let request = format!(
        "{method} /v2{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
        addr = sim.addr(),
        token = seed::USER_TOKEN,
        len = body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let text = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, text.to_string())
}

async fn new_meeting(sim: &RunningSimulator) -> i64 {
    let (status, body) = call(
        sim,
        "POST",
        "/users/me/meetings",
        &json!({"topic": "Status", "type": 2, "start_time": "2031-03-04T10:00:00Z", "duration": 30}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn emitted(sim: &RunningSimulator) -> Vec<String> {
    sim.emitted_events()
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn ending_a_meeting_in_progress_ends_it_and_one_not_started_is_refused() {
    let sim = start(SimConfig::default()).await.unwrap();
    let id = new_meeting(&sim).await;
    let end = json!({"action": "end"});
    let (status, body) = call(&sim, "PUT", &format!("/meetings/{id}/status"), &end).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not in progress"), "{body}");
    let (status, body) = call(
        &sim,
        "PUT",
        &format!("/meetings/{id}/status"),
        &json!({"action": "pause"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("action"), "{body}");

    sim.start_meeting(id).unwrap();
    let (status, body) = call(&sim, "PUT", &format!("/meetings/{id}/status"), &end).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        emitted(&sim),
        ["meeting.created", "meeting.started", "meeting.ended"]
    );
}

#[tokio::test]
async fn in_the_sandbox_ending_a_meeting_never_started_holds_a_whole_one() {
    let sim = start(SimConfig {
        sandbox_autopilot: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let id = new_meeting(&sim).await;
    let (status, body) = call(
        &sim,
        "PUT",
        &format!("/meetings/{id}/status"),
        &json!({"action": "end"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        emitted(&sim),
        [
            "meeting.created",
            "meeting.started",
            "meeting.ended",
            "recording.completed",
            "recording.transcript_completed"
        ]
    );
    // Every file of the demo recording ends after it starts.
    let recording = sim
        .emitted_events()
        .into_iter()
        .find(|e| e["event"] == "recording.completed")
        .unwrap();
    for file in recording["payload"]["object"]["recording_files"]
        .as_array()
        .unwrap()
    {
        assert!(
            file["recording_start"].as_str() <= file["recording_end"].as_str(),
            "{file}"
        );
    }
}
