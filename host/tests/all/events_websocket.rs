//! Zoom's events over a WebSocket, from the command line against the
//! simulator's WebSocket endpoint: `events listen --websocket` keeps what
//! arrives, renews a token Zoom refuses, and after a gap takes in what
//! Zoom's REST API shows happened meanwhile, under the same keys.

use crate::events::{cli, wrk_zoom};
use serde_json::{Value, json};
use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use zoom_simulator::{RunningSimulator, seed};

/// The simulator on a runtime of its own (the test thread blocks).
struct Sim {
    sim: RunningSimulator,
    rt: tokio::runtime::Runtime,
}

impl Sim {
    fn start() -> Sim {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt
            .block_on(zoom_simulator::start(Default::default()))
            .unwrap();
        Sim { sim, rt }
    }

    /// The seeded WebSocket subscription's endpoint.
    fn url(&self) -> String {
        format!(
            "{}?subscriptionId={}",
            self.sim.websocket_url(),
            seed::WEBSOCKET_SUBSCRIPTION_ID
        )
    }

    fn connects(&self) -> u64 {
        self.sim.websocket_connects(seed::WEBSOCKET_SUBSCRIPTION_ID)
    }

    fn open(&self) -> usize {
        self.sim
            .websocket_connections(seed::WEBSOCKET_SUBSCRIPTION_ID)
    }

    /// A meeting created through the REST API (`meeting.created`).
    fn create_meeting(&self, topic: &str) -> i64 {
        let (status, body) = crate::events::sim_call(
            &self.sim,
            "POST",
            "/users/me/meetings",
            &json!({"topic": topic, "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30})
                .to_string(),
        );
        assert_eq!(status, 201, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

/// A home whose default admin connection `s2s` is a Server-to-Server one
/// on the simulator, holding `token`.
fn home_with_s2s(sim: &Sim, token: &str) -> tempfile::TempDir {
    let home = crate::temp_dir("wrk-zoom-ws-");
    let connection = json!({
        "kind": "admin", "grant": "account_credentials", "client_id": seed::CLIENT_ID,
        "client_secret": seed::CLIENT_SECRET, "oauth_base": sim.sim.origin(),
        "api_base": sim.sim.base_url(), "account_id": seed::ACCOUNT_ID,
        "access_token": token, "expires_at": 4_000_000_000i64, "lifetime_secs": 3600,
        "scopes": [], "granted_at": 1_700_000_000i64
    });
    let store = json!({"version": 1, "defaults": {"admin": "s2s"},
        "connections": {"s2s": connection}});
    let path = home.path().join("connections.json");
    std::fs::write(&path, serde_json::to_vec(&store).unwrap()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    home
}

/// `events listen --websocket` running, its lines read as they come.
struct Listening {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Listening {
    fn start(home: &std::path::Path, sim: &Sim, extra: &[&str]) -> Listening {
        let mut child = wrk_zoom(home)
            .args([
                "events",
                "listen",
                "--websocket",
                &sim.url(),
                "--websocket-heartbeat",
                "1",
            ])
            .args(extra)
            .env(
                "WRK_ZOOM_ALLOW_BASE",
                format!("{},{}", sim.sim.origin(), crate::websocket_origin(&sim.sim)),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Listening { child, lines }
    }

    /// The next printed event whose type is `event`.
    fn next_of(&self, event: &str) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {event} within a minute"));
            let item: Value = serde_json::from_str(&line).unwrap();
            if item["event"] == event {
                return item;
            }
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not within a minute: {what}");
}

#[test]
fn events_arrive_over_the_websocket_and_a_token_zoom_refuses_is_renewed() {
    let sim = Sim::start();
    // The stored token is one the simulator knows; it expires below.
    let token = "ws-test-token-0001";
    sim.sim.insert_token(
        token,
        zoom_simulator::state::TokenInfo {
            kind: zoom_simulator::state::TokenKind::Admin,
            user_id: seed::ADMIN_USER_ID.into(),
            scopes: seed::ADMIN_SCOPES.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        },
    );
    let home = home_with_s2s(&sim, token);
    let listen = Listening::start(home.path(), &sim, &[]);
    wait_until("the WebSocket to connect", || sim.open() == 1);
    sim.create_meeting("Over the socket");
    let item = listen.next_of("meeting.created");
    assert_eq!(item["payload"]["object"]["topic"], "Over the socket");
    assert_eq!(item["wrk_zoom"]["source"], "websocket");
    // Routed to the stored connection of its account.
    assert_eq!(item["wrk_zoom"]["connections"], json!(["s2s"]));

    // Zoom stops taking the token: the next heartbeat is refused, the
    // connection renews it (account_credentials) and reconnects.
    assert!(sim.sim.expire_access_token(token));
    wait_until("a reconnect with a new token", || {
        sim.connects() >= 2 && sim.open() == 1
    });
    sim.create_meeting("After the renewal");
    let item = listen.next_of("meeting.created");
    assert_eq!(item["payload"]["object"]["topic"], "After the renewal");
    listen.kill();
    let stored = std::fs::read_to_string(home.path().join("connections.json")).unwrap();
    assert!(!stored.contains(token), "the refused token was replaced");
}

#[test]
fn after_a_gap_what_zoom_s_rest_api_shows_is_taken_in_once_under_the_events_keys() {
    let sim = Sim::start();
    let home = home_with_s2s(&sim, seed::ADMIN_TOKEN);
    let listen = Listening::start(home.path(), &sim, &[]);
    wait_until("the WebSocket to connect", || sim.open() == 1);
    let id = sim.create_meeting("Before the gap");
    listen.next_of("meeting.created");
    // The process dies: nothing holds the socket, Zoom keeps nothing.
    listen.kill();
    wait_until("the socket to close", || sim.open() == 0);
    sim.sim.start_meeting(id).unwrap();
    sim.sim.end_meeting(id).unwrap();
    sim.sim.complete_recording(id).unwrap();
    sim.sim.complete_transcript(id).unwrap();
    let dropped = sim.sim.websocket_dropped(seed::WEBSOCKET_SUBSCRIPTION_ID);
    let reconcilable = [
        "meeting.ended",
        "recording.completed",
        "recording.transcript_completed",
    ];
    let expected: Vec<String> = dropped
        .iter()
        .filter(|e| reconcilable.contains(&e["event"].as_str().unwrap_or_default()))
        .map(|e| wrk_zoom::events::semantic_key(e).unwrap())
        .collect();
    assert_eq!(expected.len(), 3, "{dropped:#?}");

    // Back: the gap is recorded and reconciled from REST.
    let listen = Listening::start(home.path(), &sim, &["--since", "1h"]);
    let mut got = Vec::new();
    for event in reconcilable {
        let item = listen.next_of(event);
        assert_eq!(item["wrk_zoom"]["source"], "backfill", "{item}");
        got.push(item["wrk_zoom"]["dedupe_key"].as_str().unwrap().to_string());
    }
    let mut want = expected.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the same keys Zoom's events have");

    // Zoom's own event arriving after all is the same event: not kept
    // again. (Messages come in order: once the marker is printed, the
    // copy before it was taken or refused.)
    let ended = dropped
        .iter()
        .find(|e| e["event"] == "meeting.ended")
        .unwrap();
    sim.sim
        .emit_event(
            "meeting.ended",
            seed::ACCOUNT_ID,
            json!({"object": ended["payload"]["object"]}),
        )
        .unwrap();
    sim.create_meeting("Marker");
    let marker = listen.next_of("meeting.created");
    assert_eq!(
        marker["payload"]["object"]["topic"], "Marker",
        "no second meeting.ended before it"
    );
    listen.kill();
    let kept = wrk_zoom_events(home.path());
    let ended_kept = kept
        .iter()
        .filter(|e| e["event"] == "meeting.ended")
        .count();
    assert_eq!(ended_kept, 1, "kept once");

    let (ok, out, err) = cli(home.path(), &["events", "gaps"], &[]);
    assert!(ok, "{err}");
    let gaps: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(gaps.as_array().unwrap().len(), 1, "{gaps}");
    assert_eq!(gaps[0]["app"], "websocket");
}

/// Every event in the home's inbox, through `events listen --since`.
fn wrk_zoom_events(home: &std::path::Path) -> Vec<Value> {
    let mut child = wrk_zoom(home)
        .args(["events", "listen", "--since", "1d"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut events = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(3)) {
        events.push(serde_json::from_str(&line).unwrap());
    }
    let _ = child.kill();
    let _ = child.wait();
    events
}

#[test]
fn a_websocket_url_that_is_not_zoom_s_gets_no_stored_token() {
    let sim = Sim::start();
    let home = home_with_s2s(&sim, seed::ADMIN_TOKEN);
    let (ok, _, err) = cli(
        home.path(),
        &["events", "listen", "--websocket", &sim.url()],
        &[("WRK_ZOOM_ALLOW_BASE", "")],
    );
    assert!(!ok);
    assert!(
        err.contains("is not Zoom's") && err.contains("WRK_ZOOM_ALLOW_BASE"),
        "{err}"
    );
    let (ok, _, err) = cli(
        home.path(),
        &["events", "listen", "--websocket", "wss://ws.zoom.us/ws"],
        &[],
    );
    assert!(!ok && err.contains("subscriptionId"), "{err}");
    assert_eq!(sim.connects(), 0);
    let _ = &sim.rt;
}
