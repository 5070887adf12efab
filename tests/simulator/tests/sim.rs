//! Integration tests: start the simulator and talk to it over 127.0.0.1 with
//! a plain hyper client, asserting on Zoom's wire behaviour.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;
use zoom_simulator::ids::{double_encode_segment, encode_segment};
use zoom_simulator::seed;
use zoom_simulator::{Fault, FaultRule, RunningSimulator, SimConfig, start};

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    fn code(&self) -> i64 {
        self.json()["code"].as_i64().unwrap_or(-1)
    }
}

async fn call(method: Method, url: &str, token: Option<&str>, body: Option<&str>) -> Resp {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_string())))
        .unwrap();
    let resp = client.request(req).await.expect("request failed");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(sim: &RunningSimulator, path_and_query: &str, token: &str) -> Resp {
    call(
        Method::GET,
        &format!("{}{}", sim.base_url(), path_and_query),
        Some(token),
        None,
    )
    .await
}

async fn sim() -> RunningSimulator {
    start(SimConfig::default()).await.expect("simulator starts")
}

/// Follows `next_page_token` until it is empty; returns all items of `key`.
async fn collect_all(sim: &RunningSimulator, path: &str, key: &str, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut next = String::new();
    for _ in 0..1000 {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if next.is_empty() {
            path.to_string()
        } else {
            format!("{path}{sep}next_page_token={}", encode_segment(&next))
        };
        let r = get(sim, &url, token).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text);
        let v = r.json();
        all.extend(v[key].as_array().cloned().unwrap_or_default());
        next = v["next_page_token"]
            .as_str()
            .expect("token is a string")
            .to_string();
        if next.is_empty() {
            return all;
        }
    }
    panic!("pagination never ended");
}

#[tokio::test]
async fn binds_loopback_and_reports_urls() {
    let sim = sim().await;
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    assert!(sim.base_url().ends_with("/v2"));
    assert_eq!(format!("{}/v2", sim.origin()), sim.base_url());
    assert!(sim.addr().ip().is_loopback());
}

#[tokio::test]
async fn missing_or_unknown_bearer_token_gets_401_code_124() {
    let sim = sim().await;
    let r = call(
        Method::GET,
        &format!("{}/users/me", sim.base_url()),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json(),
        json!({"code": 124, "message": "Invalid access token."})
    );
    let r = get(&sim, "/users/me", "nope").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), 124);
}

#[tokio::test]
async fn token_in_query_string_is_refused() {
    let sim = sim().await;
    let url = format!(
        "{}/users/me?access_token={}",
        sim.base_url(),
        seed::USER_TOKEN
    );
    let r = call(Method::GET, &url, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), 124);
}

#[tokio::test]
async fn get_me_returns_the_tokens_user() {
    let sim = sim().await;
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["id"], seed::USER_ID);
    assert_eq!(v["email"], seed::USER_EMAIL);
    assert_eq!(v["first_name"], seed::USER_FIRST_NAME);
    assert_eq!(v["account_id"], seed::ACCOUNT_ID);
    assert_eq!(v["pmi"], seed::USER_PMI);
    assert_eq!(v["status"], "active");
    assert!(v["type"].is_i64());
    // Own id and own email work too.
    assert_eq!(
        get(&sim, &format!("/users/{}", seed::USER_ID), seed::USER_TOKEN)
            .await
            .status,
        StatusCode::OK
    );
    let by_email = format!("/users/{}", encode_segment(seed::USER_EMAIL));
    assert_eq!(
        get(&sim, &by_email, seed::USER_TOKEN).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn user_token_cannot_address_another_user() {
    let sim = sim().await;
    let r = get(
        &sim,
        &format!("/users/{}", seed::OTHER_USER_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 4711);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid access token, does not contain scopes:[")
    );
    let r = get(
        &sim,
        &format!("/users/{}", seed::OTHER_USER_ID),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["email"], seed::OTHER_USER_EMAIL);
}

#[tokio::test]
async fn unknown_user_is_404_code_1001() {
    let sim = sim().await;
    let r = get(
        &sim,
        &format!("/users/{}", seed::UNKNOWN_USER_ID),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"code": 1001, "message": format!("User does not exist: {}.", seed::UNKNOWN_USER_ID)})
    );
}

#[tokio::test]
async fn create_get_update_delete_meeting_round_trip() {
    let sim = sim().await;
    let url = format!("{}/users/me/meetings", sim.base_url());
    let body = r#"{"topic":"Planning","type":2,"start_time":"2030-01-02T15:00:00Z","duration":45,"timezone":"UTC","agenda":"Plan it","settings":{"waiting_room":false}}"#;
    let r = call(Method::POST, &url, Some(seed::USER_TOKEN), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let m = r.json();
    let id = m["id"].as_i64().expect("int64 id");
    assert_eq!(m["topic"], "Planning");
    assert_eq!(m["host_id"], seed::USER_ID);
    assert_eq!(m["host_email"], seed::USER_EMAIL);
    assert_eq!(m["status"], "waiting");
    assert_eq!(m["start_time"], "2030-01-02T15:00:00Z");
    assert_eq!(m["duration"], 45);
    assert_eq!(m["settings"]["waiting_room"], false);
    assert!(m["uuid"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(m["join_url"].as_str().unwrap().contains(&id.to_string()));

    let murl = format!("{}/meetings/{id}", sim.base_url());
    let r = call(Method::GET, &murl, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["topic"], "Planning");

    let r = call(
        Method::PATCH,
        &murl,
        Some(seed::USER_TOKEN),
        Some(r#"{"topic":"Renamed","duration":30}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
    let r = call(Method::GET, &murl, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.json()["topic"], "Renamed");
    assert_eq!(r.json()["duration"], 30);
    assert_eq!(r.json()["agenda"], "Plan it");

    let r = call(Method::DELETE, &murl, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = call(Method::GET, &murl, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"code": 3001, "message": format!("Meeting does not exist: {id}.")})
    );
}

#[tokio::test]
async fn create_meeting_rejects_non_object_body() {
    let sim = sim().await;
    let url = format!("{}/users/me/meetings", sim.base_url());
    for body in ["[1,2]", "not json", ""] {
        let r = call(Method::POST, &url, Some(seed::USER_TOKEN), Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(
            r.json(),
            json!({"code": 300, "message": "Request Body should be a valid JSON object."})
        );
    }
    let r = call(
        Method::POST,
        &url,
        Some(seed::USER_TOKEN),
        Some(r#"{"type":"soon"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 300);
    assert_eq!(r.json()["errors"][0]["field"], "type");
}

#[tokio::test]
async fn unknown_meeting_is_404_code_3001() {
    let sim = sim().await;
    let r = get(
        &sim,
        &format!("/meetings/{}", seed::UNKNOWN_MEETING_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 3001);
}

#[tokio::test]
async fn list_meetings_pages_through_all_scheduled_meetings() {
    let sim = sim().await;
    let r = get(&sim, "/users/me/meetings", seed::USER_TOKEN).await;
    let v = r.json();
    assert_eq!(v["page_size"], 30);
    assert_eq!(v["total_records"], seed::USER_SCHEDULED_MEETING_COUNT);
    assert_eq!(v["page_count"], 2);
    assert_eq!(v["meetings"].as_array().unwrap().len(), 30);
    let all = collect_all(
        &sim,
        "/users/me/meetings?page_size=10",
        "meetings",
        seed::USER_TOKEN,
    )
    .await;
    let ids: HashSet<i64> = all.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(all.len(), seed::USER_SCHEDULED_MEETING_COUNT);
    assert_eq!(ids.len(), seed::USER_SCHEDULED_MEETING_COUNT);
    assert!(ids.contains(&seed::FIRST_USER_MEETING_ID));
    // page_number works when no token is given.
    let r = get(
        &sim,
        "/users/me/meetings?page_size=20&page_number=3",
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.json()["meetings"].as_array().unwrap().len(), 5);
    assert_eq!(r.json()["next_page_token"], "");
}

#[tokio::test]
async fn past_participants_paginate_each_exactly_once() {
    let sim = sim().await;
    let path = format!(
        "/past_meetings/{}/participants?page_size=300",
        seed::BIG_PAST_MEETING_ID
    );
    let first = get(&sim, &path, seed::USER_TOKEN).await.json();
    assert_eq!(first["total_records"], seed::BIG_PAST_MEETING_PARTICIPANTS);
    assert_eq!(first["page_count"], 7);
    assert_eq!(first["page_size"], 300);
    let all = collect_all(&sim, &path, "participants", seed::USER_TOKEN).await;
    assert_eq!(all.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
    let ids: HashSet<&str> = all.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let names: HashSet<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let emails: HashSet<&str> = all
        .iter()
        .map(|p| p["user_email"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
    assert_eq!(names.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
    assert_eq!(emails.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
}

#[tokio::test]
async fn uuid_with_leading_slash_needs_double_encoding() {
    let sim = sim().await;
    let good = format!(
        "/past_meetings/{}/participants",
        double_encode_segment(seed::SLASH_PAST_MEETING_UUID)
    );
    let r = get(&sim, &good, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["total_records"],
        seed::SLASH_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(
        r.json()["participants"].as_array().unwrap().len(),
        seed::SLASH_PAST_MEETING_PARTICIPANTS
    );

    let once = format!(
        "/past_meetings/{}/participants",
        encode_segment(seed::SLASH_PAST_MEETING_UUID)
    );
    let r = get(&sim, &once, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 3001);

    let raw = format!(
        "/past_meetings/{}/participants",
        seed::SLASH_PAST_MEETING_UUID
    );
    let r = get(&sim, &raw, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn uuid_with_double_slash_needs_double_encoding() {
    let sim = sim().await;
    let good = format!(
        "/past_meetings/{}",
        double_encode_segment(seed::DOUBLE_SLASH_PAST_MEETING_UUID)
    );
    let r = get(&sim, &good, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["uuid"], seed::DOUBLE_SLASH_PAST_MEETING_UUID);
    assert_eq!(
        r.json()["participants_count"],
        seed::DOUBLE_SLASH_PAST_MEETING_PARTICIPANTS
    );

    let once = format!(
        "/past_meetings/{}",
        encode_segment(seed::DOUBLE_SLASH_PAST_MEETING_UUID)
    );
    let r = get(&sim, &once, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 3001);
}

#[tokio::test]
async fn ordinary_uuid_works_single_or_double_encoded_and_id_means_latest() {
    let sim = sim().await;
    for enc in [
        encode_segment(seed::ORDINARY_PAST_MEETING_UUID),
        double_encode_segment(seed::ORDINARY_PAST_MEETING_UUID),
    ] {
        let r = get(
            &sim,
            &format!("/past_meetings/{enc}/participants"),
            seed::USER_TOKEN,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{enc}: {}", r.text);
        assert_eq!(
            r.json()["total_records"],
            seed::ORDINARY_PAST_MEETING_PARTICIPANTS
        );
    }
    let r = get(
        &sim,
        &format!("/past_meetings/{}", seed::ORDINARY_PAST_MEETING_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.json()["uuid"], seed::ORDINARY_PAST_MEETING_UUID);
    let older = double_encode_segment(seed::ORDINARY_PAST_MEETING_OLDER_UUID);
    let r = get(
        &sim,
        &format!("/past_meetings/{older}/participants"),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(
        r.json()["total_records"],
        seed::ORDINARY_PAST_MEETING_OLDER_PARTICIPANTS
    );
}

#[tokio::test]
async fn expired_page_token_is_400_code_300() {
    let sim = start(SimConfig {
        page_token_ttl: Duration::from_millis(50),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let path = format!("/past_meetings/{}/participants", seed::BIG_PAST_MEETING_ID);
    let v = get(&sim, &path, seed::USER_TOKEN).await.json();
    let token = v["next_page_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    tokio::time::sleep(Duration::from_millis(120)).await;
    let r = get(
        &sim,
        &format!("{path}?next_page_token={}", encode_segment(&token)),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!({"code": 300, "message": "The next page token is invalid or expired."})
    );
}

#[tokio::test]
async fn page_token_from_another_list_is_refused() {
    let sim = sim().await;
    let v = get(&sim, "/users/me/meetings?page_size=5", seed::USER_TOKEN)
        .await
        .json();
    let token = v["next_page_token"].as_str().unwrap().to_string();
    let path = format!(
        "/past_meetings/{}/participants?next_page_token={}",
        seed::BIG_PAST_MEETING_ID,
        encode_segment(&token)
    );
    let r = get(&sim, &path, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 300);
    let r = get(
        &sim,
        "/users/me/meetings?next_page_token=bogus",
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 300);
}

#[tokio::test]
async fn page_size_is_capped_and_validated() {
    let sim = sim().await;
    let path = format!("/past_meetings/{}/participants", seed::BIG_PAST_MEETING_ID);
    let v = get(&sim, &format!("{path}?page_size=1000"), seed::USER_TOKEN)
        .await
        .json();
    assert_eq!(v["page_size"], 300);
    assert_eq!(v["participants"].as_array().unwrap().len(), 300);
    let v = get(&sim, &path, seed::USER_TOKEN).await.json();
    assert_eq!(v["page_size"], 30);
    for bad in ["0", "-5", "abc"] {
        let r = get(&sim, &format!("{path}?page_size={bad}"), seed::USER_TOKEN).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.code(), 300);
    }
}

#[tokio::test]
async fn requests_are_recorded_raw() {
    let sim = sim().await;
    let seg = double_encode_segment(seed::SLASH_PAST_MEETING_UUID);
    let _ = get(
        &sim,
        &format!("/past_meetings/{seg}?page_size=5"),
        seed::USER_TOKEN,
    )
    .await;
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].raw_path, format!("/v2/past_meetings/{seg}"));
    assert!(reqs[0].raw_path.contains("%252F"));
    assert_eq!(reqs[0].query.as_deref(), Some("page_size=5"));
    assert_eq!(
        reqs[0].authorization.as_deref(),
        Some("Bearer sim-user-token")
    );
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn unknown_paths_are_plain_404() {
    let sim = sim().await;
    let r = get(&sim, "/no/such/thing", seed::ADMIN_TOKEN).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers.get("x-zm-trackingid").is_some());
}

fn date_days_ago(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    zoom_simulator::time::format_date(now - days * 86_400)
}

#[tokio::test]
async fn transcript_metadata_and_download_redirect_to_vtt() {
    let sim = sim().await;
    let path = format!(
        "/meetings/{}/transcript",
        double_encode_segment(seed::SLASH_PAST_MEETING_UUID)
    );
    let r = get(&sim, &path, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["meeting_id"], seed::SLASH_PAST_MEETING_UUID);
    assert_eq!(v["account_id"], seed::ACCOUNT_ID);
    assert_eq!(v["can_download"], true);
    assert!(v.get("download_restriction_reason").is_none());
    let url = v["download_url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!(
        "{}/rec/meeting/transcript/download/",
        sim.origin()
    )));

    // No bearer → 401; bearer → 302 to the .vtt file.
    let r = call(Method::GET, &url, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = call(Method::GET, &url, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.headers["location"].to_str().unwrap().to_string();
    assert!(location.ends_with(".vtt"), "{location}");
    let r = call(Method::GET, &location, None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/vtt");
    assert!(r.text.starts_with("WEBVTT"));
    assert!(r.text.contains("Ada Lovelace: Hello"));
    assert!(r.text.contains(" --> "));
}

#[tokio::test]
async fn transcript_by_numeric_id_uses_latest_instance() {
    let sim = sim().await;
    let r = get(
        &sim,
        &format!("/meetings/{}/transcript", seed::ORDINARY_PAST_MEETING_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["meeting_id"], seed::ORDINARY_PAST_MEETING_UUID);
}

#[tokio::test]
async fn transcript_restrictions_and_missing_transcript() {
    let sim = sim().await;
    let r = get(
        &sim,
        &format!(
            "/meetings/{}/transcript",
            seed::DOUBLE_SLASH_PAST_MEETING_ID
        ),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.json()["can_download"], false);
    assert_eq!(r.json()["download_restriction_reason"], "NOT_READY");
    assert!(r.json().get("download_url").is_none());
    let r = get(
        &sim,
        &format!(
            "/meetings/{}/transcript",
            seed::TRANSCRIPT_DELETED_MEETING_ID
        ),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(
        r.json()["download_restriction_reason"],
        "DELETED_OR_TRASHED"
    );
    let r = get(
        &sim,
        &format!("/meetings/{}/transcript", seed::NO_TRANSCRIPT_MEETING_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"code": 3322, "message": "This meeting transcript does not exist."})
    );
}

#[tokio::test]
async fn meeting_recordings_list_files_including_vtt_transcript() {
    let sim = sim().await;
    let path = format!(
        "/meetings/{}/recordings",
        encode_segment(seed::ORDINARY_PAST_MEETING_UUID)
    );
    let r = get(&sim, &path, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["uuid"], seed::ORDINARY_PAST_MEETING_UUID);
    assert_eq!(v["id"], seed::ORDINARY_PAST_MEETING_ID);
    let files = v["recording_files"].as_array().unwrap();
    assert_eq!(v["recording_count"], files.len());
    let vtt = files
        .iter()
        .find(|f| f["file_type"] == "TRANSCRIPT")
        .expect("transcript file");
    assert_eq!(vtt["file_extension"], "VTT");
    let url = vtt["download_url"].as_str().unwrap();
    let r = call(Method::GET, url, Some(seed::USER_TOKEN), None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let r = call(
        Method::GET,
        r.headers["location"].to_str().unwrap(),
        None,
        None,
    )
    .await;
    assert!(r.text.starts_with("WEBVTT"));

    let r = get(
        &sim,
        &format!("/meetings/{}/recordings", seed::NO_TRANSCRIPT_MEETING_ID),
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 3301);
}

#[tokio::test]
async fn user_recordings_filter_by_date_and_cap_range_at_one_month() {
    let sim = sim().await;
    let path = format!(
        "/users/me/recordings?from={}&to={}",
        date_days_ago(20),
        date_days_ago(0)
    );
    let r = get(&sim, &path, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["total_records"], seed::USER_RECORDED_MEETING_COUNT);
    assert_eq!(
        v["meetings"].as_array().unwrap().len(),
        seed::USER_RECORDED_MEETING_COUNT
    );
    assert_eq!(v["next_page_token"], "");
    assert!(v["meetings"][0]["recording_files"].is_array());

    let path = format!(
        "/users/me/recordings?from={}&to={}",
        date_days_ago(60),
        date_days_ago(0)
    );
    let r = get(&sim, &path, seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 300);
    let r = get(
        &sim,
        "/users/me/recordings?from=yesterday",
        seed::USER_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), 300);
}

#[tokio::test]
async fn report_endpoints_refuse_user_tokens_with_4711() {
    let sim = sim().await;
    let from = date_days_ago(20);
    let to = date_days_ago(0);
    for path in [
        format!("/report/meetings/{}", seed::BIG_PAST_MEETING_ID),
        format!(
            "/report/meetings/{}/participants",
            seed::BIG_PAST_MEETING_ID
        ),
        format!("/report/meeting_activities?from={from}&to={to}&activity_type=-1"),
        format!("/report/webinars/{}", seed::WEBINAR_ID),
        format!("/report/history_meetings?from={from}&to={to}"),
        "/phone/call_history".to_string(),
        format!("/phone/call_history/{}", seed::CALL_HISTORY_UUID),
        "/phone/users".to_string(),
    ] {
        let r = get(&sim, &path, seed::USER_TOKEN).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.code(), 4711, "{path}");
        let msg = r.json()["message"].as_str().unwrap().to_string();
        assert!(
            msg.starts_with("Invalid access token, does not contain scopes:["),
            "{msg}"
        );
        let r = get(&sim, &path, seed::ADMIN_TOKEN).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
}

#[tokio::test]
async fn report_meeting_details_and_participants() {
    let sim = sim().await;
    let uuid = double_encode_segment(seed::SLASH_PAST_MEETING_UUID);
    let v = get(&sim, &format!("/report/meetings/{uuid}"), seed::ADMIN_TOKEN)
        .await
        .json();
    assert_eq!(v["uuid"], seed::SLASH_PAST_MEETING_UUID);
    assert_eq!(
        v["participants_count"],
        seed::SLASH_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(v["user_email"], seed::USER_EMAIL);
    let all = collect_all(
        &sim,
        &format!(
            "/report/meetings/{}/participants?page_size=300",
            seed::BIG_PAST_MEETING_UUID.replace('=', "%3D")
        ),
        "participants",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(all.len(), seed::BIG_PAST_MEETING_PARTICIPANTS);
    let r = get(
        &sim,
        &format!("/report/meetings/{}", seed::UNKNOWN_MEETING_ID),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 3001);
    let v = get(
        &sim,
        &format!("/report/webinars/{}", seed::WEBINAR_ID),
        seed::ADMIN_TOKEN,
    )
    .await
    .json();
    assert_eq!(v["uuid"], seed::WEBINAR_UUID);
    assert_eq!(v["participants_count"], seed::WEBINAR_PARTICIPANTS);
}

#[tokio::test]
async fn meeting_activities_accept_string_and_numeric_activity_type() {
    let sim = sim().await;
    let range = format!("from={}&to={}", date_days_ago(20), date_days_ago(0));
    let numeric = get(
        &sim,
        &format!("/report/meeting_activities?{range}&activity_type=2"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(numeric.status, StatusCode::OK, "{}", numeric.text);
    let named = get(
        &sim,
        &format!("/report/meeting_activities?{range}&activity_type=User%20Join"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(
        numeric.json()["meeting_activity_logs"],
        named.json()["meeting_activity_logs"]
    );
    let logs = named.json()["meeting_activity_logs"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!logs.is_empty());
    assert!(logs.iter().all(|l| l["activity_category"] == "User Join"));
    assert!(named.json().get("total_records").is_none());
    let all = collect_all(
        &sim,
        &format!("/report/meeting_activities?{range}&activity_type=All%20Activities&page_size=7"),
        "meeting_activity_logs",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert!(all.len() > logs.len());
    // Missing required parameters → code 300.
    let r = get(
        &sim,
        &format!("/report/meeting_activities?{range}"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, 300));
    let r = get(
        &sim,
        "/report/meeting_activities?activity_type=-1",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, 300));
    let r = get(
        &sim,
        &format!("/report/meeting_activities?{range}&activity_type=Dancing"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, 300));
}

#[tokio::test]
async fn history_meetings_list_meetings_and_webinars() {
    let sim = sim().await;
    let range = format!("from={}&to={}", date_days_ago(20), date_days_ago(0));
    let v = get(
        &sim,
        &format!("/report/history_meetings?{range}"),
        seed::ADMIN_TOKEN,
    )
    .await
    .json();
    let items = v["history_meetings"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|m| m["type"] == "Webinar" && m["meeting_id"] == seed::WEBINAR_ID)
    );
    assert!(
        items
            .iter()
            .any(|m| m["meeting_uuid"] == seed::BIG_PAST_MEETING_UUID && m["participants"] == 2000)
    );
    let v = get(
        &sim,
        &format!("/report/history_meetings?{range}&meeting_type=webinar"),
        seed::ADMIN_TOKEN,
    )
    .await
    .json();
    assert_eq!(v["history_meetings"].as_array().unwrap().len(), 1);
    let r = get(&sim, "/report/history_meetings", seed::ADMIN_TOKEN).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, 300));
}

#[tokio::test]
async fn user_call_history_pages_by_call_logs() {
    let sim = sim().await;
    let first = get(&sim, "/phone/users/me/call_history", seed::USER_TOKEN).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let v = first.json();
    assert_eq!(v["total_records"], seed::USER_CALL_HISTORY_COUNT);
    assert_eq!(v["call_logs"].as_array().unwrap().len(), 30);
    assert!(v["call_elements"].as_array().unwrap().len() >= 30);
    let logs = collect_all(
        &sim,
        "/phone/users/me/call_history?page_size=20",
        "call_logs",
        seed::USER_TOKEN,
    )
    .await;
    let ids: HashSet<&str> = logs.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), seed::USER_CALL_HISTORY_COUNT);
    // Another user's history needs admin; unknown user → 404 code 300.
    let other = format!("/phone/users/{}/call_history", seed::OTHER_USER_ID);
    assert_eq!(get(&sim, &other, seed::USER_TOKEN).await.code(), 4711);
    assert_eq!(
        get(&sim, &other, seed::ADMIN_TOKEN).await.status,
        StatusCode::OK
    );
    let r = get(
        &sim,
        &format!("/phone/users/{}/call_history", seed::UNKNOWN_USER_ID),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), 300);
}

/// The default date window is calendar days of the simulator's own day, so a
/// page token stays valid across a second boundary (it once held the current
/// second and expired whenever two pages straddled one).
#[tokio::test]
async fn call_history_pages_straddling_a_second_stay_one_list() {
    let sim = sim().await;
    for (path, key, token) in [
        (
            "/phone/call_history?page_size=30",
            "call_history",
            seed::ADMIN_TOKEN,
        ),
        (
            "/phone/users/me/call_history?page_size=30",
            "call_logs",
            seed::USER_TOKEN,
        ),
    ] {
        let first = get(&sim, path, token).await.json();
        let next = first["next_page_token"].as_str().unwrap().to_string();
        assert!(!next.is_empty(), "{path}: more than one page");
        let rest = first["total_records"]
            .as_u64()
            .unwrap()
            .saturating_sub(30)
            .min(30);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let second = get(&sim, &format!("{path}&next_page_token={next}"), token).await;
        assert_eq!(second.status, StatusCode::OK, "{path}: {}", second.text);
        let items = second.json()[key].as_array().unwrap().len() as u64;
        assert_eq!(items, rest, "{path}");
    }
}

#[tokio::test]
async fn account_call_history_and_single_call() {
    let sim = sim().await;
    let rows = collect_all(
        &sim,
        "/phone/call_history?page_size=30",
        "call_history",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(rows.len(), seed::CALL_HISTORY_COUNT);
    let uuids: HashSet<&str> = rows
        .iter()
        .map(|r| r["call_history_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(uuids.len(), seed::CALL_HISTORY_COUNT);
    assert!(uuids.contains(seed::CALL_HISTORY_UUID));
    let v = get(
        &sim,
        &format!("/phone/call_history/{}", seed::CALL_HISTORY_UUID),
        seed::ADMIN_TOKEN,
    )
    .await
    .json();
    assert_eq!(v["call_history_uuid"], seed::CALL_HISTORY_UUID);
    assert!(!v["call_elements"].as_array().unwrap().is_empty());
    let r = get(
        &sim,
        "/phone/call_history/20200101-00000000-0000-0000-0000-000000000000",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn phone_users_page_size_is_capped_at_100() {
    let sim = sim().await;
    let v = get(&sim, "/phone/users?page_size=300", seed::ADMIN_TOKEN)
        .await
        .json();
    assert_eq!(v["page_size"], 100);
    assert_eq!(v["users"].as_array().unwrap().len(), 100);
    assert_eq!(v["total_records"], seed::PHONE_USER_COUNT);
    let all = collect_all(
        &sim,
        "/phone/users?page_size=100",
        "users",
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(all.len(), seed::PHONE_USER_COUNT);
}

#[tokio::test]
async fn retired_phone_call_logs_paths_are_404() {
    let sim = sim().await;
    for path in [
        "/phone/call_logs",
        "/phone/users/me/call_logs",
        "/phone/call_logs/abc",
    ] {
        let r = get(&sim, path, seed::ADMIN_TOKEN).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn try_call(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(StatusCode, HeaderMap, Result<String, String>), String> {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_string())))
        .unwrap();
    let resp = client.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .map_err(|e| e.to_string());
    Ok((status, headers, body))
}

#[tokio::test]
async fn injected_per_second_rate_limit_has_zoom_headers_and_body() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::RateLimitPerSecond).path_prefix("/v2/report/"));
    let range = format!("from={}&to={}", date_days_ago(5), date_days_ago(0));
    let r = get(
        &sim,
        &format!("/report/history_meetings?{range}"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json(),
        json!({"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."})
    );
    assert_eq!(r.headers["x-ratelimit-category"], "Heavy");
    assert_eq!(r.headers["x-ratelimit-type"], "QPS");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert!(r.headers.contains_key("x-ratelimit-limit"));
    assert!(r.headers.contains_key("retry-after"));
    // Fired once: the retry succeeds.
    let r = get(
        &sim,
        &format!("/report/history_meetings?{range}"),
        seed::ADMIN_TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_daily_rate_limit_retries_after_midnight_utc() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::RateLimitDaily).skip(1));
    assert_eq!(
        get(&sim, "/users/me", seed::USER_TOKEN).await.status,
        StatusCode::OK
    );
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(r.headers["x-ratelimit-category"], "Light");
    let retry = r.headers["retry-after"].to_str().unwrap();
    assert!(retry.ends_with("T00:00:00Z"), "{retry}");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("maximum daily rate limit")
    );
}

#[tokio::test]
async fn meeting_create_update_cap_per_user_per_day() {
    let sim = start(SimConfig {
        meeting_daily_cap: 2,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let url = format!("{}/users/me/meetings", sim.base_url());
    for _ in 0..2 {
        let r = call(Method::POST, &url, Some(seed::USER_TOKEN), Some("{}")).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = call(Method::POST, &url, Some(seed::USER_TOKEN), Some("{}")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json()["message"],
        "You have exceeded the daily rate limit (2) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
    );
    // Updates count against the same cap.
    let murl = format!(
        "{}/meetings/{}",
        sim.base_url(),
        seed::FIRST_USER_MEETING_ID
    );
    let r = call(
        Method::PATCH,
        &murl,
        Some(seed::USER_TOKEN),
        Some(r#"{"topic":"x"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another host has their own budget.
    let other = format!("{}/users/{}/meetings", sim.base_url(), seed::OTHER_USER_ID);
    let r = call(Method::POST, &other, Some(seed::ADMIN_TOKEN), Some("{}")).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn injected_server_errors() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::ServerError(500)));
    sim.inject_fault(FaultRule::new(Fault::ServerError(503)));
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.code(), 500);
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text.contains("503"));
    assert_eq!(
        get(&sim, "/users/me", seed::USER_TOKEN).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn dropped_connection_before_processing_does_not_create() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::DropBeforeProcessing).method("POST"));
    let url = format!("{}/users/me/meetings", sim.base_url());
    let r = try_call(Method::POST, &url, Some(seed::USER_TOKEN), Some("{}")).await;
    assert!(r.is_err(), "expected a transport error, got {r:?}");
    let v = get(&sim, "/users/me/meetings", seed::USER_TOKEN)
        .await
        .json();
    assert_eq!(v["total_records"], seed::USER_SCHEDULED_MEETING_COUNT);
    assert_eq!(
        sim.requests().iter().filter(|r| r.method == "POST").count(),
        1
    );
}

#[tokio::test]
async fn dropped_connection_after_processing_still_creates() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::DropAfterProcessing).method("POST"));
    let url = format!("{}/users/me/meetings", sim.base_url());
    let r = try_call(Method::POST, &url, Some(seed::USER_TOKEN), Some("{}")).await;
    assert!(r.is_err(), "expected a transport error, got {r:?}");
    let v = get(&sim, "/users/me/meetings", seed::USER_TOKEN)
        .await
        .json();
    assert_eq!(v["total_records"], seed::USER_SCHEDULED_MEETING_COUNT + 1);
}

#[tokio::test]
async fn cut_off_body_fails_while_reading() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::CutOffBody));
    let url = format!("{}/users/me", sim.base_url());
    let (status, headers, body) = try_call(Method::GET, &url, Some(seed::USER_TOKEN), None)
        .await
        .expect("headers arrive");
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("content-length"));
    assert!(body.is_err(), "body should be cut off: {body:?}");
}

#[tokio::test]
async fn delayed_and_trickled_responses_still_arrive_whole() {
    let sim = sim().await;
    sim.inject_fault(FaultRule::new(Fault::Delay(Duration::from_millis(200))));
    sim.inject_fault(FaultRule::new(Fault::TrickleBody(Duration::from_millis(1))));
    let t = std::time::Instant::now();
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(r.json()["id"], seed::USER_ID);
    let r = get(&sim, "/users/me", seed::USER_TOKEN).await;
    assert_eq!(r.json()["id"], seed::USER_ID);
}

fn basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            seed::CLIENT_ID,
            seed::CLIENT_SECRET
        ))
    )
}

async fn token_call(sim: &RunningSimulator, form: &str, auth: Option<String>) -> Resp {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/oauth/token", sim.origin()))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(form.to_string()))).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[tokio::test]
async fn oauth_account_credentials_mints_admin_token() {
    let sim = sim().await;
    let form = format!(
        "grant_type=account_credentials&account_id={}",
        seed::ACCOUNT_ID
    );
    let r = token_call(&sim, &form, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "invalid_client");
    let r = token_call(&sim, &form, Some(basic())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3599);
    assert!(v.get("refresh_token").is_none());
    assert!(v["scope"].as_str().unwrap().contains("report:read:admin"));
    let token = v["access_token"].as_str().unwrap();
    let r = get(
        &sim,
        &format!("/report/meetings/{}", seed::BIG_PAST_MEETING_ID),
        token,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = token_call(&sim, "grant_type=password", Some(basic())).await;
    assert_eq!(
        r.json(),
        json!({"reason": "unsupported grant type", "error": "unsupported_grant_type"})
    );
}

#[tokio::test]
async fn oauth_authorization_code_with_pkce_and_rotating_refresh() {
    use base64::Engine;
    use sha2::Digest;
    let sim = sim().await;
    let verifier = "a-very-long-code-verifier-string-0123456789-abcdefghij";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:9999/callback";
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        sim.origin(),
        seed::CLIENT_ID,
        encode_segment(redirect)
    );
    let r = call(Method::GET, &url, None, None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = url::Url::parse(r.headers["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    let bad = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier=wrong",
        encode_segment(redirect)
    );
    let r = token_call(&sim, &bad, Some(basic())).await;
    assert_eq!(r.json()["error"], "invalid_grant");

    // The code was burnt by the failed attempt: get a new one.
    let r = call(Method::GET, &url, None, None).await;
    let location = url::Url::parse(r.headers["location"].to_str().unwrap()).unwrap();
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    let form = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={verifier}",
        params["code"],
        encode_segment(redirect)
    );
    let r = token_call(&sim, &form, Some(basic())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let access = v["access_token"].as_str().unwrap().to_string();
    let refresh = v["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(v["api_url"], sim.origin());
    let me = get(&sim, "/users/me", &access).await;
    assert_eq!(me.json()["id"], seed::USER_ID);

    let form = format!("grant_type=refresh_token&refresh_token={refresh}");
    let r = token_call(&sim, &form, Some(basic())).await;
    assert_eq!(r.status, StatusCode::OK);
    let new_refresh = r.json()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new_refresh, refresh);
    let r = token_call(&sim, &form, Some(basic())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!({"reason": "Invalid Token!", "error": "invalid_grant"})
    );
}

#[tokio::test]
async fn expired_access_token_is_401_code_124() {
    let sim = start(SimConfig {
        access_token_ttl: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let form = format!(
        "grant_type=account_credentials&account_id={}",
        seed::ACCOUNT_ID
    );
    let v = token_call(&sim, &form, Some(basic())).await.json();
    let token = v["access_token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = get(&sim, "/users/me", &token).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json(),
        json!({"code": 124, "message": "Access token is expired."})
    );
}
