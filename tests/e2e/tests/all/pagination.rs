//! Following `next_page_token` through the host.

use std::collections::HashSet;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::paginate::for_each_item;
use wrk_zoom_e2e::{host, params, simulator, simulator_with, user};
use zoom_simulator::{SimConfig, seed};

#[tokio::test]
async fn all_pages_of_2000_participants_arrive_exactly_once() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::BIG_PAST_MEETING_ID.to_string();
    let mut ids = Vec::new();
    let summary = for_each_item(
        &host,
        "retrieve-past-meeting-participants",
        &user(&sim),
        &params(&[("meetingId", &id), ("page_size", "300")]),
        None,
        |item| {
            ids.push(item["id"].as_str().unwrap().to_string());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        seed::BIG_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(summary.pages, 7);
    assert!(!summary.truncated);
    assert_eq!(summary.next_page_token, None);
}

#[tokio::test]
async fn max_stops_early_and_the_token_resumes_after_the_last_item() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let id = seed::BIG_PAST_MEETING_ID.to_string();
    let base = params(&[("meetingId", &id)]);
    let mut first = Vec::new();
    let summary = for_each_item(
        &host,
        "retrieve-past-meeting-participants",
        &conn,
        &base,
        Some(50),
        |item| {
            first.push(item["id"].as_str().unwrap().to_string());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(first.len(), 50);
    assert!(summary.truncated);
    let token = summary
        .next_page_token
        .clone()
        .expect("a token to continue from");

    let mut rest = Vec::new();
    let mut resume = base.clone();
    resume.push(("next_page_token".into(), token));
    resume.push(("page_size".into(), "50".into()));
    for_each_item(
        &host,
        "retrieve-past-meeting-participants",
        &conn,
        &resume,
        Some(50),
        |item| {
            rest.push(item["id"].as_str().unwrap().to_string());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(rest.len(), 50);
    assert!(
        first.iter().all(|id| !rest.contains(id)),
        "resuming repeats no item"
    );
}

#[tokio::test]
async fn an_expired_page_token_is_reported_as_zoom_code_300() {
    let sim = simulator_with(SimConfig {
        page_token_ttl: Duration::from_millis(1),
        ..SimConfig::default()
    })
    .await;
    let host = host();
    let first = host
        .run("retrieve-meetings", &user(&sim), &[])
        .await
        .unwrap();
    let token = first.next_page_token.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let err = host
        .run(
            "retrieve-meetings",
            &user(&sim),
            &params(&[("next_page_token", &token)]),
        )
        .await
        .unwrap_err();
    match err {
        HostError::Zoom {
            code: Some(300),
            message,
            ..
        } => assert!(message.contains("expired"), "{message}"),
        other => panic!("expected Zoom code 300, got {other:?}"),
    }
}

#[tokio::test]
async fn all_on_an_action_without_a_list_is_refused() {
    let (host, sim) = (host(), simulator().await);
    let err = for_each_item(&host, "retrieve-user", &user(&sim), &[], None, |_| Ok(()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not return a paginated list"),
        "{err}"
    );
}
