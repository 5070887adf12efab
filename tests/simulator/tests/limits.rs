//! The simulator's per-second limits (`SimConfig::per_second_limits`) and
//! the large seeded list (`SimConfig::large_past_meeting_participants`),
//! over 127.0.0.1 with a plain hyper client.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::collections::HashSet;
use zoom_simulator::ids::encode_segment;
use zoom_simulator::{RateLabel, SimConfig, seed, start};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn get(client: &HttpClient, url: &str) -> (StatusCode, hyper::HeaderMap, Value) {
    let req = Request::get(url)
        .header("authorization", format!("Bearer {}", seed::USER_TOKEN))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = client.request(req).await.expect("request");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn requests_above_the_per_second_limit_get_zooms_qps_429() {
    let sim = start(SimConfig {
        per_second_limits: vec![(RateLabel::Light, 5)],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let url = format!("{}/users/me", sim.base_url());
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (status, headers, body) = get(&client, &url).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(headers["x-ratelimit-type"], "QPS");
            assert_eq!(headers["x-ratelimit-category"], "Light");
            assert_eq!(headers["retry-after"], "1");
            assert_eq!(body["code"], 429);
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("per-second rate limit")
            );
        }
        statuses.push(status);
    }
    // Eight requests back to back take well under a second on 127.0.0.1.
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 5, "{statuses:?}");
    assert_eq!(sim.throttled_count(), 3);
    assert_eq!(sim.peak_per_second(RateLabel::Light), 5);
    // Another label is not limited.
    let (status, _, _) = get(&client, &format!("{}/users/me/meetings", sim.base_url())).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_large_past_meeting_is_seeded_only_on_request_and_pages_exactly_once() {
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let plain = start(SimConfig::default()).await.unwrap();
    let url = format!(
        "{}/past_meetings/{}/participants",
        plain.base_url(),
        seed::LARGE_PAST_MEETING_ID
    );
    let (status, _, body) = get(&client, &url).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let n = 1_234;
    let sim = start(SimConfig {
        large_past_meeting_participants: n,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = format!(
        "{}/past_meetings/{}/participants?page_size=300",
        sim.base_url(),
        seed::LARGE_PAST_MEETING_ID
    );
    let (mut ids, mut pages, mut next) = (HashSet::new(), 0, String::new());
    loop {
        let url = if next.is_empty() {
            base.clone()
        } else {
            format!("{base}&next_page_token={}", encode_segment(&next))
        };
        let (status, _, body) = get(&client, &url).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total_records"], n);
        for p in body["participants"].as_array().unwrap() {
            assert!(ids.insert(p["id"].as_str().unwrap().to_string()));
        }
        pages += 1;
        next = body["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() {
            break;
        }
    }
    assert_eq!(ids.len(), n);
    assert_eq!(pages, n.div_ceil(300));
}
