//! The pooled transport: connections kept alive and reused, HTTPS against a
//! simulator with its own certificate, HTTP/2 by ALPN, and retries that
//! stay safe on reused connections.

use serde_json::Value;
use std::time::Duration;
use wrk_zoom::paginate::for_each_item;
use wrk_zoom::rate_limit::{PacingConfig, RateLimitConfig, RetryPolicy};
use wrk_zoom::{Host, HostError, ZoomConnection};
use wrk_zoom_e2e::{host, host_trusting, params, simulator, simulator_with};
use zoom_simulator::{Fault, FaultRule, RunningSimulator, SimConfig, seed};

/// Pacing off and quick retries: these tests are about the wire.
fn unpaced(host: Host) -> Host {
    host.with_rate_limits(RateLimitConfig {
        pacing: PacingConfig {
            enabled: false,
            ..PacingConfig::default()
        },
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            max_total_wait: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(30),
        },
    })
}

fn user_of(sim: &RunningSimulator) -> ZoomConnection {
    ZoomConnection {
        access_token: seed::USER_TOKEN.into(),
        api_base: sim.base_url(),
        account: None,
    }
}

async fn https_simulator(participants: usize, http2: bool) -> RunningSimulator {
    simulator_with(SimConfig {
        tls: true,
        http2,
        large_past_meeting_participants: participants,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn three_hundred_thirty_four_pages_over_https_reuse_one_connection() {
    let sim = https_simulator(100_000, false).await;
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let host = unpaced(host_trusting(&sim));
    let mut count = 0u64;
    let summary = for_each_item(
        &host,
        "retrieve-past-meeting-participants",
        &user_of(&sim),
        &params(&[("meetingId", &seed::LARGE_PAST_MEETING_ID.to_string())]),
        None,
        |_| {
            count += 1;
            Ok(())
        },
    )
    .await
    .expect("every page over HTTPS");
    assert_eq!(count, 100_000);
    assert_eq!(summary.pages, 334);
    let connections = sim.connections_accepted();
    assert!(
        (1..=3).contains(&connections),
        "334 pages took {connections} connections; kept-alive connections should be reused"
    );
}

#[tokio::test]
async fn create_update_and_delete_work_over_https() {
    let sim = https_simulator(0, false).await;
    let host = host_trusting(&sim);
    let conn = user_of(&sim);
    let created = host
        .run(
            "create-meeting",
            &conn,
            &params(&[
                ("topic", "Over TLS"),
                ("start_time", "2030-03-01T09:00:00Z"),
            ]),
        )
        .await
        .expect("created over HTTPS");
    let id = created.body["id"].as_u64().expect("an id").to_string();
    let updated = host
        .run(
            "update-meeting",
            &conn,
            &params(&[("meetingId", &id), ("topic", "Still over TLS")]),
        )
        .await
        .expect("updated over HTTPS");
    assert_eq!(updated.body["meeting"]["topic"], "Still over TLS");
    let deleted = host
        .run("delete-meeting", &conn, &params(&[("meetingId", &id)]))
        .await
        .expect("deleted over HTTPS");
    assert_eq!(deleted.body["deleted"], true);
    let requests = sim.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer sim-user-token")),
        "the real token, swapped in for the component's stand-in, went over TLS"
    );
    assert!(
        sim.connections_accepted() <= 2,
        "{}",
        sim.connections_accepted()
    );
}

#[tokio::test]
async fn http2_is_used_when_the_server_offers_it() {
    let sim = https_simulator(0, true).await;
    let host = host_trusting(&sim);
    let reply = host
        .run("retrieve-user", &user_of(&sim), &[])
        .await
        .expect("answered over HTTP/2");
    assert_eq!(reply.body["email"], seed::USER_EMAIL);
    assert_eq!(sim.requests()[0].version, "HTTP/2.0");
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_trusted_is_refused_without_retrying() {
    let sim = https_simulator(0, false).await;
    // The default roots only: the simulator's own CA is not among them.
    let err = unpaced(host())
        .run("retrieve-user", &user_of(&sim), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(sim.requests().is_empty(), "nothing was sent");
    assert_eq!(sim.connections_accepted(), 1, "not retried");
}

#[tokio::test]
async fn a_read_dropped_on_a_reused_connection_is_retried_on_a_new_one() {
    let sim = simulator().await;
    let host = unpaced(host());
    let conn = user_of(&sim);
    host.run("retrieve-user", &conn, &[]).await.unwrap();
    sim.inject_fault(FaultRule::new(Fault::DropBeforeProcessing).method("GET"));
    let reply = host.run("retrieve-user", &conn, &[]).await.unwrap();
    assert_eq!(reply.body["email"], seed::USER_EMAIL);
    assert_eq!(
        sim.requests().len(),
        3,
        "the first call, the dropped try, the retry"
    );
    assert_eq!(sim.connections_accepted(), 2);
}

#[tokio::test]
async fn a_create_dropped_on_a_reused_connection_is_not_resent() {
    let sim = simulator().await;
    let host = unpaced(host());
    let conn = user_of(&sim);
    host.run("retrieve-user", &conn, &[]).await.unwrap();
    // The request reached the server on the kept-alive connection, which
    // then closed without an answer: it may have been applied.
    sim.inject_fault(FaultRule::new(Fault::DropBeforeProcessing).method("POST"));
    let err = host
        .run("create-meeting", &conn, &params(&[("topic", "Once")]))
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Uncertain { .. }), "{err:?}");
    let posts: Vec<Value> = sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(posts.len(), 1, "the create was sent exactly once");
    assert_eq!(
        sim.connections_accepted(),
        1,
        "it went over the reused connection"
    );
}
