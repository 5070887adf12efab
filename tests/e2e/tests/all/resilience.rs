//! Rate limits and failures: pacing, 429s, 5xx, dropped connections, daily
//! limits, uncertain creates, and pagination at scale with faults injected.
//! Assertions count what the simulator saw, never how long things took.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::model::RateCategory;
use wrk_zoom::paginate::for_each_item;
use wrk_zoom::rate_limit::{PacingConfig, Plan, Rate, RateLimitConfig, RetryPolicy, Table};
use wrk_zoom::{Host, HostConfig, HostError};
use wrk_zoom_e2e::{host, params, simulator, simulator_with, user};
use zoom_simulator::{Fault, FaultRule, RateLabel, SimConfig, seed};

/// Retries with short backoff so the tests stay quick.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_total_wait: Duration::from_secs(30),
        attempt_timeout: Duration::from_secs(30),
    }
}

/// The e2e host with `pacing` and quick retries.
fn host_with(pacing: PacingConfig) -> Host {
    host().with_rate_limits(RateLimitConfig {
        pacing,
        retry: quick_retries(),
    })
}

/// Pacing that never holds anything back (for tests about retries).
fn unpaced() -> PacingConfig {
    PacingConfig {
        enabled: false,
        ..PacingConfig::default()
    }
}

fn meetings_total(body: &serde_json::Value) -> i64 {
    body["total_records"].as_i64().expect("total_records")
}

#[tokio::test]
async fn hundred_thousand_records_over_334_pages_arrive_exactly_once_through_faults() {
    const N: usize = 100_000;
    let sim = simulator_with(SimConfig {
        large_past_meeting_participants: N,
        ..SimConfig::default()
    })
    .await;
    let path = format!(
        "/v2/past_meetings/{}/participants",
        seed::LARGE_PAST_MEETING_ID
    );
    // Each rule fires once, partway through the list.
    let faults = [
        (Fault::RateLimitPerSecond, 3),
        (Fault::ServerError(500), 40),
        (Fault::ServerError(503), 80),
        (Fault::ServerError(502), 81),
        (Fault::DropBeforeProcessing, 120),
        (Fault::DropAfterProcessing, 160),
        (Fault::CutOffBody, 200),
        (Fault::RateLimitPerSecond, 240),
        (Fault::DropAfterProcessing, 300),
        (Fault::ServerError(504), 333),
    ];
    for (fault, skip) in &faults {
        sim.inject_fault(
            FaultRule::new(fault.clone())
                .method("GET")
                .path_prefix(&path)
                .skip(*skip),
        );
    }
    // Pace generously (the point here is retries, not pacing).
    let host = host_with(PacingConfig::for_plan(Plan::BusinessPlus));
    let id = seed::LARGE_PAST_MEETING_ID.to_string();
    let mut seen: HashSet<String> = HashSet::with_capacity(N);
    let mut duplicates = 0u64;
    let summary = for_each_item(
        &host,
        "retrieve-past-meeting-participants",
        &user(&sim),
        &params(&[("meetingId", &id), ("page_size", "300")]),
        None,
        |item| {
            let key = item["id"].as_str().unwrap_or_default().to_string();
            if !seen.insert(key) {
                duplicates += 1;
            }
            Ok(())
        },
    )
    .await
    .expect("all pages despite the faults");
    assert_eq!(duplicates, 0, "an item arrived twice");
    assert_eq!(seen.len(), N, "every item exactly once");
    assert_eq!(summary.items, N as u64);
    assert_eq!(summary.pages, 334);
    assert!(!summary.truncated);
    let gets = sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.raw_path == path)
        .count();
    // 334 pages, plus one repeat for each injected fault.
    assert_eq!(
        gets,
        334 + faults.len(),
        "each fault cost exactly one retry"
    );
}

#[tokio::test]
async fn a_create_dropped_after_zoom_processed_it_is_not_sent_again_and_is_reported_uncertain() {
    let sim = simulator().await;
    let host = host_with(unpaced());
    let conn = user(&sim);
    let list = params(&[("page_size", "300")]);
    let before = meetings_total(
        &host
            .run("retrieve-meetings", &conn, &list)
            .await
            .unwrap()
            .body,
    );
    sim.inject_fault(
        FaultRule::new(Fault::DropAfterProcessing)
            .method("POST")
            .path_prefix("/v2/users/me/meetings"),
    );
    let err = host
        .run(
            "create-meeting",
            &conn,
            &params(&[
                ("topic", "Quarterly review"),
                ("start_time", "2030-01-15T09:00:00Z"),
                ("duration", "45"),
            ]),
        )
        .await
        .unwrap_err();
    let HostError::Uncertain { request, check, .. } = &err else {
        panic!("expected an uncertain outcome, got {err:?}");
    };
    assert_eq!(request, "POST /v2/users/me/meetings");
    assert!(check.contains("retrieve-meetings"), "{check}");
    assert!(check.contains("Quarterly review"), "{check}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Uncertain);
    assert!(err.to_string().contains("was not sent again"), "{err}");
    let posts = sim.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1, "the create was sent exactly once");
    let after = meetings_total(
        &host
            .run("retrieve-meetings", &conn, &list)
            .await
            .unwrap()
            .body,
    );
    assert_eq!(
        after,
        before + 1,
        "Zoom (the simulator) holds exactly one new meeting"
    );
}

#[tokio::test]
async fn a_create_refused_before_processing_is_retried_and_made_once() {
    // A per-second 429 means Zoom did not process the request: safe to resend.
    let sim = simulator().await;
    let host = host_with(unpaced());
    let conn = user(&sim);
    let list = params(&[("page_size", "300")]);
    let before = meetings_total(
        &host
            .run("retrieve-meetings", &conn, &list)
            .await
            .unwrap()
            .body,
    );
    sim.inject_fault(
        FaultRule::new(Fault::RateLimitPerSecond)
            .method("POST")
            .path_prefix("/v2/users/me/meetings"),
    );
    let created = host
        .run(
            "create-meeting",
            &conn,
            &params(&[("topic", "Retried"), ("start_time", "2030-02-01T09:00:00Z")]),
        )
        .await
        .expect("created after the 429");
    assert_eq!(created.status, 201);
    let posts = sim.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 2, "one 429, one create");
    let after = meetings_total(
        &host
            .run("retrieve-meetings", &conn, &list)
            .await
            .unwrap()
            .body,
    );
    assert_eq!(after, before + 1);
}

#[tokio::test]
async fn a_create_that_cannot_connect_is_retried_and_not_uncertain() {
    // Nothing listens on this port: no byte reaches anyone, so retrying is safe.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let host = host_with(unpaced());
    let conn = wrk_zoom::ZoomConnection {
        access_token: seed::USER_TOKEN.into(),
        api_base: format!("http://127.0.0.1:{port}/v2"),
        account: None,
    };
    let err = host
        .run("create-meeting", &conn, &params(&[("topic", "Nowhere")]))
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Transport(_)), "got {err:?}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Transport);
}

#[tokio::test]
async fn a_daily_limit_429_fails_fast_with_the_reset_time() {
    let sim = simulator().await;
    let host = host_with(unpaced());
    sim.inject_fault(
        FaultRule::new(Fault::RateLimitDaily)
            .path_prefix("/v2/users/me/meetings")
            .always(),
    );
    let before = wrk_zoom::clock::now_secs();
    let err = host
        .run("retrieve-meetings", &user(&sim), &[])
        .await
        .unwrap_err();
    let after = wrk_zoom::clock::now_secs();
    let HostError::DailyLimit {
        limit, resets_at, ..
    } = &err
    else {
        panic!("expected a daily limit, got {err:?}");
    };
    // The next 00:00 UTC, seen from before or after the call (the run may
    // cross midnight).
    let midnight = |t| wrk_zoom::clock::format_utc(wrk_zoom::clock::next_utc_midnight(t));
    assert!(
        [midnight(before), midnight(after)].contains(resets_at),
        "resets at the next 00:00 UTC, not {resets_at}"
    );
    assert!(limit.contains("daily Medium rate limit"), "{limit}");
    assert!(err.to_string().contains(resets_at.as_str()), "{err}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Zoom);
    assert_eq!(sim.requests().len(), 1, "not retried");

    // Until the reset, the category's next call fails the same way without
    // asking Zoom; other categories are unaffected.
    let again = host
        .run("retrieve-meetings", &user(&sim), &[])
        .await
        .unwrap_err();
    let HostError::DailyLimit {
        resets_at: again_resets_at,
        ..
    } = &again
    else {
        panic!("expected the known daily limit, got {again:?}");
    };
    assert_eq!(again_resets_at, resets_at);
    assert_eq!(sim.requests().len(), 1, "Zoom was not asked again");
    host.run("retrieve-user", &user(&sim), &[])
        .await
        .expect("a Light call still goes");
    assert_eq!(sim.requests().len(), 2);
}

#[tokio::test]
async fn the_per_user_meeting_cap_fails_fast_naming_the_limit() {
    let sim = simulator_with(SimConfig {
        meeting_daily_cap: 1,
        ..SimConfig::default()
    })
    .await;
    let host = host_with(unpaced());
    let conn = user(&sim);
    let topic = params(&[("topic", "First")]);
    host.run("create-meeting", &conn, &topic).await.unwrap();
    let err = host.run("create-meeting", &conn, &topic).await.unwrap_err();
    let HostError::DailyLimit {
        limit, resets_at, ..
    } = &err
    else {
        panic!("expected the meeting cap, got {err:?}");
    };
    assert!(limit.contains("per-user daily limit"), "{limit}");
    assert!(resets_at.ends_with("T00:00:00Z"), "{resets_at}");
    let posts = sim.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 2, "the capped create was not retried");
}

#[tokio::test]
async fn pacing_keeps_a_burst_of_200_concurrent_calls_under_the_per_second_rate() {
    const RATE: u32 = 40;
    let sim = simulator_with(SimConfig {
        per_second_limits: vec![(RateLabel::Light, RATE)],
        ..SimConfig::default()
    })
    .await;
    // A margin on the window absorbs scheduling jitter between this host's
    // clock and the simulator's arrival times on a busy machine.
    let pacing = PacingConfig {
        margin: Duration::from_millis(200),
        ..PacingConfig::for_plan(Plan::Pro)
    }
    .with_rate(Table::Main, RateCategory::Light, Rate::per_second(RATE));
    let host = Arc::new(
        Host::new(HostConfig {
            cache_dir: Some(wrk_zoom_e2e::cache_dir()),
            cache_key_file: Some(wrk_zoom_e2e::cache_key_file()),
            max_concurrent_calls: 256,
            ..HostConfig::default()
        })
        .expect("host starts")
        .with_rate_limits(RateLimitConfig {
            pacing,
            retry: quick_retries(),
        }),
    );
    // Compile before the burst so all 200 start together.
    host.action("retrieve-user").await.unwrap();
    let conn = user(&sim);
    let mut calls = Vec::new();
    for _ in 0..200 {
        let (host, conn) = (host.clone(), conn.clone());
        calls.push(tokio::spawn(async move {
            host.run("retrieve-user", &conn, &[]).await
        }));
    }
    for call in calls {
        let reply = call.await.unwrap().expect("every call succeeds");
        assert_eq!(reply.status, 200);
    }
    assert_eq!(sim.throttled_count(), 0, "the simulator never had to 429");
    assert_eq!(sim.requests().len(), 200, "no retries were needed");
    let peak = sim.peak_per_second(RateLabel::Light);
    assert!(peak <= RATE, "{peak} requests within one second");
    assert!(peak >= RATE / 2, "the burst used the rate ({peak}/s)");
}

#[tokio::test]
async fn without_pacing_the_same_limit_answers_429s_which_are_retried_after_retry_after() {
    // The control for the pacing test: the limit is real, and per-second
    // 429s are retried after their Retry-After until every call succeeds.
    let sim = simulator_with(SimConfig {
        per_second_limits: vec![(RateLabel::Light, 20)],
        ..SimConfig::default()
    })
    .await;
    let host = Arc::new(host_with(unpaced()));
    host.action("retrieve-user").await.unwrap();
    let conn = user(&sim);
    let mut calls = Vec::new();
    for _ in 0..50 {
        let (host, conn) = (host.clone(), conn.clone());
        calls.push(tokio::spawn(async move {
            host.run("retrieve-user", &conn, &[]).await
        }));
    }
    for call in calls {
        call.await.unwrap().expect("succeeds after retrying");
    }
    let refused = sim.throttled_count();
    assert!(
        refused > 0,
        "50 calls at once never went over 20 per second"
    );
    assert_eq!(sim.requests().len() as u64, 50 + refused);
}

#[tokio::test]
async fn an_expired_page_token_is_reported_clearly() {
    let sim = simulator_with(SimConfig {
        page_token_ttl: Duration::from_millis(1),
        ..SimConfig::default()
    })
    .await;
    let host = host_with(unpaced());
    let conn = user(&sim);
    let first = host
        .run("retrieve-meetings", &conn, &params(&[("page_size", "10")]))
        .await
        .unwrap();
    let token = first.next_page_token.expect("more pages");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let err = for_each_item(
        &host,
        "retrieve-meetings",
        &conn,
        &params(&[("page_size", "10"), ("next_page_token", &token)]),
        None,
        |_| Ok(()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, HostError::PageTokenExpired { .. }),
        "got {err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the next_page_token expired (Zoom keeps them 15 minutes); rerun without it"),
        "{text}"
    );
}
