//! Hostile components and absurd servers: a call cannot exhaust the host,
//! and nothing a server says makes it panic. After each hostile call, an
//! ordinary call on the same connection still works.

use std::time::Duration;
use wrk_zoom::rate_limit::{PacingConfig, RateLimitConfig, RetryPolicy};
use wrk_zoom::{CallLimits, ErrorCategory, Host, HostError};
use wrk_zoom_e2e::{host, host_with_limits, params, simulator, test_component, user};
use zoom_simulator::{Fault, FaultRule, RunningSimulator};

/// Loads a test component under its own name.
async fn with_component(host: &Host, name: &str) {
    host.swap(test_component(name), Some(name)).await.unwrap();
}

/// The per-call limit a call went past (its error must say it did).
fn went_past(err: &HostError) -> &str {
    match err {
        HostError::CallLimit { limit, .. } => limit,
        other => panic!("expected a per-call limit, got {other:?}"),
    }
}

/// The ordinary call that must still work after a hostile one.
async fn still_serves(host: &Host, sim: &RunningSimulator) {
    let reply = host.run("retrieve-user", &user(sim), &[]).await.unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn a_request_flood_is_cut_at_the_per_call_limit() {
    let (host, sim) = (host(), simulator().await);
    with_component(&host, "flood").await;
    let err = host
        .run("flood", &user(&sim), &params(&[("count", "10000")]))
        .await
        .unwrap_err();
    let limit = went_past(&err);
    assert!(limit.contains("more than 1000 requests"), "{limit}");
    assert_eq!(err.category(), ErrorCategory::Internal);
    let seen = sim.requests().len();
    assert!(seen <= 1_000, "the simulator saw {seen} requests");
    still_serves(&host, &sim).await;
}

#[tokio::test]
async fn a_huge_request_body_is_refused_without_buffering_it() {
    let (host, sim) = (host(), simulator().await);
    with_component(&host, "big-body").await;
    let err = host
        .run("big-body", &user(&sim), &params(&[("mib", "64")]))
        .await
        .unwrap_err();
    let limit = went_past(&err);
    assert!(limit.contains("a request body of more than"), "{limit}");
    assert!(
        sim.requests().iter().all(|r| r.method != "POST"),
        "nothing was sent"
    );
    still_serves(&host, &sim).await;
}

#[tokio::test]
async fn a_result_over_the_limit_is_refused() {
    let limits = CallLimits {
        max_reply: 1 << 20,
        ..CallLimits::default()
    };
    let (host, sim) = (host_with_limits(limits), simulator().await);
    with_component(&host, "big-result").await;
    let err = host
        .run("big-result", &user(&sim), &params(&[("mib", "2")]))
        .await
        .unwrap_err();
    let limit = went_past(&err);
    assert!(limit.contains("a result of"), "{limit}");
    still_serves(&host, &sim).await;
}

#[tokio::test]
async fn a_result_bigger_than_the_memory_cap_traps_the_call_only() {
    let (host, sim) = (host(), simulator().await);
    with_component(&host, "big-result").await;
    let err = host
        .run("big-result", &user(&sim), &params(&[("mib", "100")]))
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Trap { .. }), "{err:?}");
    still_serves(&host, &sim).await;
}

#[tokio::test]
async fn a_memory_grab_stops_at_the_per_call_cap() {
    let (host, sim) = (host(), simulator().await);
    with_component(&host, "memory-grab").await;
    let err = host
        .run("memory-grab", &user(&sim), &params(&[("mib", "200")]))
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Trap { .. }), "{err:?}");
    // Under the cap it works: the limit is the cap, not a broken component.
    let reply = host
        .run("memory-grab", &user(&sim), &params(&[("mib", "16")]))
        .await
        .unwrap();
    assert_eq!(reply.body["grabbed_mib"], 16);
    still_serves(&host, &sim).await;
}

/// A host that retries quickly, so tests of absurd 429s end soon.
fn quick() -> Host {
    host().with_rate_limits(RateLimitConfig {
        pacing: PacingConfig {
            enabled: false,
            ..PacingConfig::default()
        },
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_total_wait: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
        },
    })
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
    Fault::Answer {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
    }
}

#[tokio::test]
async fn absurd_retry_after_values_are_errors_not_panics() {
    for retry_after in ["1e300", "NaN", "-1"] {
        let (host, sim) = (quick(), simulator().await);
        sim.inject_fault(
            FaultRule::new(answer(
                429,
                &[("retry-after", retry_after), ("x-ratelimit-type", "QPS")],
                r#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#,
            ))
            .path_prefix("/v2/users/me")
            .always(),
        );
        let err = host
            .run("retrieve-user", &user(&sim), &[])
            .await
            .unwrap_err();
        assert!(
            matches!(err, HostError::Zoom { status: 429, .. }),
            "Retry-After {retry_after}: {err:?}"
        );
        assert_eq!(err.category(), ErrorCategory::Zoom);
        assert_eq!(sim.requests().len(), 3, "retried after backoff, not never");
    }
}

#[tokio::test]
async fn a_daily_limit_resetting_in_year_9999_is_clamped_to_a_day_after_midnight() {
    let (host, sim) = (quick(), simulator().await);
    let before = wrk_zoom::clock::now_secs();
    sim.inject_fault(
        FaultRule::new(answer(
            429,
            &[
                ("retry-after", "9999-12-31T23:59:60Z"),
                ("x-ratelimit-type", "Daily-limit"),
                ("x-ratelimit-category", "Light"),
            ],
            r#"{"code":429,"message":"You have reached the maximum daily rate limit for this API."}"#,
        ))
        .path_prefix("/v2/users/me")
        .always(),
    );
    let err = host
        .run("retrieve-user", &user(&sim), &[])
        .await
        .unwrap_err();
    let HostError::DailyLimit { resets_at, .. } = &err else {
        panic!("expected a daily limit, got {err:?}");
    };
    // One answer cannot lock the account for years (security review 2, S4).
    let at = wrk_zoom::clock::parse_date_time(resets_at).unwrap();
    let latest = wrk_zoom::clock::next_utc_midnight(wrk_zoom::clock::now_secs()) + 86_400;
    assert!(at > before && at <= latest, "{resets_at}");
    assert!(!err.to_string().contains("9999"), "{err}");
    assert_eq!(err.category(), ErrorCategory::Zoom);
}

#[tokio::test]
async fn token_lifetimes_from_the_token_endpoint_are_bounded_or_refused() {
    use wrk_zoom::auth::account_credentials;
    let sim = simulator().await;
    let credentials = wrk_zoom::auth::ClientCredentials {
        client_id: zoom_simulator::seed::CLIENT_ID.into(),
        client_secret: wrk_zoom::auth::Secret::new(zoom_simulator::seed::CLIENT_SECRET),
    };
    let token = |expires_in: &str| {
        format!(
            r#"{{"access_token":"a","token_type":"bearer","expires_in":{expires_in},"scope":"user:read"}}"#
        )
    };
    sim.inject_fault(
        FaultRule::new(answer(200, &[], &token("1000000000000"))).path_prefix("/oauth/token"),
    );
    let grant = account_credentials(&credentials, &sim.origin(), "acct")
        .await
        .unwrap();
    assert_eq!(grant.expires_in, 30 * 86_400, "clamped to 30 days");

    sim.inject_fault(FaultRule::new(answer(200, &[], &token("-5"))).path_prefix("/oauth/token"));
    let failure = account_credentials(&credentials, &sim.origin(), "acct")
        .await
        .unwrap_err();
    assert!(
        failure.to_string().contains("not an OAuth token response"),
        "{failure}"
    );
}

/// `plan()` (where every action validates) of every action with arbitrary
/// values: always a plan or an invalid-parameters error, never a trap.
#[test]
fn every_action_plans_or_refuses_arbitrary_values_without_trapping() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let host = host();
    let actions: Vec<(String, Vec<String>)> = runtime.block_on(async {
        let infos = host.describe_all().await.unwrap();
        infos
            .into_iter()
            .map(|i| (i.name, i.params.into_iter().map(|p| p.name).collect()))
            .collect()
    });
    let config = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(action in 0..actions.len(), value in "\\PC{0,24}|.{0,8}|[0-9eE.+-]{1,30}", extra in "[a-z_]{1,12}")| {
        let (name, names) = &actions[action];
        let mut values: Vec<(String, String)> =
            names.iter().map(|n| (n.clone(), value.clone())).collect();
        values.push((extra, value.clone()));
        let outcome = runtime.block_on(host.plan(name, &values));
        match outcome {
            Ok(_) | Err(HostError::InvalidParams { .. }) => {}
            Err(other) => prop_assert!(false, "{name} with {value:?}: {other:?}"),
        }
    });
}

#[tokio::test]
async fn a_retry_after_beyond_the_waiting_budget_fails_at_once() {
    // Paced (so a 429 pauses the account's bucket), waiting at most 1 s.
    let host = host().with_rate_limits(RateLimitConfig {
        pacing: PacingConfig::default(),
        retry: RetryPolicy {
            max_total_wait: Duration::from_secs(1),
            ..RetryPolicy::default()
        },
    });
    let sim = simulator().await;
    sim.inject_fault(
        FaultRule::new(answer(
            429,
            &[("retry-after", "1e19"), ("x-ratelimit-type", "QPS")],
            r#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#,
        ))
        .path_prefix("/v2/users/me"),
    );
    let err = host
        .run("retrieve-user", &user(&sim), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::Zoom { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(sim.requests().len(), 1, "not retried");
    // The account's bucket is paused at most for the waiting budget, not
    // for 10^19 seconds: the next call goes through.
    still_serves(&host, &sim).await;
}
