//! Zoom's WebSocket across `serve` replicas on one PostgreSQL store: one
//! replica holds the one connection Zoom allows; when it is killed, another
//! takes over within seconds, and events keep flowing, each kept once.
//! Ignored by a plain `cargo test` (PostgreSQL); `.ci/run` runs it with the
//! `cluster::` filter.

use crate::cluster::{Cluster, exchange};
use serde_json::{Value, json};
use std::time::Duration;
use zoom_simulator::{SimConfig, seed};

/// The inbox as the pull API shows it.
async fn inbox(base: &str) -> Vec<Value> {
    let (status, body) = exchange(base, "GET", "/v1/events?limit=1000", "").await;
    assert_eq!(status, 200, "{body}");
    body["events"].as_array().cloned().unwrap_or_default()
}

/// Topics of the `meeting.created` events in `events`.
fn created_topics(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "meeting.created")
        .map(|e| {
            e["payload"]["object"]["topic"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within a minute: {what}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn one_replica_holds_the_websocket_and_another_takes_over_when_it_is_killed() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let sim = &cluster.sim;
    let out = cluster
        .command(&["auth", "s2s", "--account-id", seed::ACCOUNT_ID, "--default"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!(
        "{}?subscriptionId={}",
        sim.websocket_url(),
        seed::WEBSOCKET_SUBSCRIPTION_ID
    );
    let ws_origin = crate::websocket_origin(sim);
    let allow = format!("{},{ws_origin}", sim.origin());
    let args = ["--websocket", url.as_str(), "--websocket-heartbeat", "1"];
    let connects = || sim.websocket_connects(seed::WEBSOCKET_SUBSCRIPTION_ID);
    let open = || sim.websocket_connections(seed::WEBSOCKET_SUBSCRIPTION_ID);

    // The first replica takes the lease and connects; the second waits.
    let mut first = cluster
        .replicas_with_env(1, &args, &[("WRK_ZOOM_ALLOW_BASE", &allow)])
        .await;
    eventually("the first replica to connect", async || open() == 1).await;
    let mut second = cluster
        .replicas_with_env(1, &args, &[("WRK_ZOOM_ALLOW_BASE", &allow)])
        .await;
    let base = second[0].base.clone();
    // A blocking call: off the runtime's workers, which serve the simulator.
    let create = |topic: &str| {
        tokio::task::block_in_place(|| {
            crate::events::sim_call(
                sim,
                "POST",
                "/users/me/meetings",
                &json!({"topic": topic, "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30})
                    .to_string(),
            )
        })
    };
    assert_eq!(create("one").0, 201);
    assert_eq!(create("two").0, 201);
    eventually("both events in the shared inbox", async || {
        created_topics(&inbox(&base).await).len() == 2
    })
    .await;
    assert_eq!(connects(), 1, "one connection for two replicas");

    // The holder dies without a word; the other takes over.
    first[0].child.kill().await.unwrap();
    eventually("the second replica to take over", async || {
        connects() == 2 && open() == 1
    })
    .await;
    assert_eq!(create("three").0, 201);
    eventually("the event after the takeover", async || {
        created_topics(&inbox(&base).await).contains(&"three".to_string())
    })
    .await;
    let mut topics = created_topics(&inbox(&base).await);
    topics.sort();
    assert_eq!(topics, ["one", "three", "two"], "each kept once");
    // The takeover's gap is on record.
    let gaps = cluster.command(&["events", "gaps"]).output().await.unwrap();
    let gaps: Value = serde_json::from_slice(&gaps.stdout).unwrap();
    assert_eq!(gaps.as_array().unwrap().len(), 1, "{gaps}");
    second[0].child.kill().await.unwrap();
}
