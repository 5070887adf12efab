//! The sandbox: egress allow-list, stand-in tokens, CPU deadlines.

use std::time::Duration;
use wrk_zoom::{CallLimits, HostError};
use wrk_zoom_e2e::{host, host_with_limits, params, simulator, test_component, user};
use zoom_simulator::seed;

#[tokio::test]
async fn a_request_off_the_allow_list_is_denied_and_reported() {
    let (host, sim) = (host(), simulator().await);
    host.swap(test_component("egress-probe"), Some("egress-probe"))
        .await
        .unwrap();
    let err = host
        .run(
            "egress-probe",
            &user(&sim),
            &params(&[("url", "https://example.com/steal")]),
        )
        .await
        .unwrap_err();
    match &err {
        HostError::EgressDenied { hosts, .. } => assert_eq!(hosts, &["https://example.com:443"]),
        other => panic!("expected a denied request, got {other:?}"),
    }
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Transport);

    // The same component may reach the allow-listed API host.
    let url = format!("{}/users/me", sim.base_url());
    let reply = host
        .run("egress-probe", &user(&sim), &params(&[("url", &url)]))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn components_see_only_a_stand_in_token() {
    let (host, sim) = (host(), simulator().await);
    host.swap(test_component("echo-token"), None).await.unwrap();
    let reply = host.run("echo-token", &user(&sim), &[]).await.unwrap();
    let seen = reply.body["access_token"].as_str().unwrap();
    assert_ne!(seen, seed::USER_TOKEN);
    assert!(seen.starts_with("wrkzoom-standin-"), "{seen}");
    assert_eq!(reply.body["api_base"], sim.base_url());
}

#[tokio::test]
async fn the_real_token_reaches_zoom_only_through_the_host() {
    let (host, sim) = (host(), simulator().await);
    host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(
        sim.requests()[0].authorization.as_deref(),
        Some(format!("Bearer {}", seed::USER_TOKEN).as_str())
    );
}

#[tokio::test]
async fn a_runaway_component_is_stopped_and_the_host_serves_the_next_call() {
    let limits = CallLimits {
        cpu: Duration::from_millis(300),
        ..CallLimits::default()
    };
    let (host, sim) = (host_with_limits(limits), simulator().await);
    host.swap(test_component("spin-forever"), None)
        .await
        .unwrap();
    let err = host
        .run("spin-forever", &user(&sim), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::Deadline { limit_ms: 300, .. }),
        "got {err:?}"
    );

    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
}
