//! The simulator's OAuth endpoints on the wire: authorize (auto-consent),
//! token (Basic client auth, code + PKCE, 5-minute codes, rotating refresh
//! tokens, account_credentials) and Zoom's error shapes.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;
use zoom_simulator::{RunningSimulator, SimConfig, seed, start};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";

struct Resp {
    status: StatusCode,
    location: Option<String>,
    json: Value,
}

async fn send(method: Method, url: &str, auth: Option<String>, body: &str) -> Resp {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req = req.header("content-type", "application/x-www-form-urlencoded");
    let resp = client
        .request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap())
        .await
        .expect("request");
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        location,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn basic(id: &str, secret: &str) -> Option<String> {
    Some(format!(
        "Basic {}",
        STANDARD.encode(format!("{id}:{secret}"))
    ))
}

fn client_auth() -> Option<String> {
    basic(seed::CLIENT_ID, seed::CLIENT_SECRET)
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

/// Drives `/oauth/authorize` like a browser that consents; returns the code.
async fn authorize(sim: &RunningSimulator, extra: &str) -> String {
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&state=s1&code_challenge={}&code_challenge_method=S256{extra}",
        sim.origin(),
        seed::CLIENT_ID,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        challenge()
    );
    let r = send(Method::GET, &url, None, "").await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = url::Url::parse(r.location.as_deref().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    let get = |k: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(get("state").as_deref(), Some("s1"));
    get("code").unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn token(sim: &RunningSimulator, auth: Option<String>, pairs: &[(&str, &str)]) -> Resp {
    send(
        Method::POST,
        &format!("{}/oauth/token", sim.origin()),
        auth,
        &form(pairs),
    )
    .await
}

async fn exchange(sim: &RunningSimulator, code: &str, verifier: &str) -> Resp {
    token(
        sim,
        client_auth(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn code_with_pkce_gives_tokens_with_expiry_scope_and_api_url() {
    let sim = start(SimConfig::default()).await.unwrap();
    let code = authorize(&sim, "").await;
    let r = exchange(&sim, &code, VERIFIER).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["token_type"], "bearer");
    assert_eq!(r.json["expires_in"], 3599);
    assert_eq!(r.json["scope"], seed::USER_SCOPES.join(" "));
    assert_eq!(r.json["api_url"], sim.origin());
    assert!(r.json["refresh_token"].as_str().unwrap().len() > 20);

    // The minted access token works on the API.
    let at = r.json["access_token"].as_str().unwrap();
    let me = send(
        Method::GET,
        &format!("{}/users/me", sim.base_url()),
        Some(format!("Bearer {at}")),
        "",
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["id"], seed::USER_ID);

    // A code works once.
    let again = exchange(&sim, &code, VERIFIER).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.json["error"], "invalid_request");
}

#[tokio::test]
async fn sim_as_admin_grants_admin_scopes() {
    let sim = start(SimConfig::default()).await.unwrap();
    let code = authorize(&sim, "&sim_as=admin").await;
    let r = exchange(&sim, &code, VERIFIER).await;
    assert_eq!(r.json["scope"], seed::ADMIN_SCOPES.join(" "));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant() {
    let sim = start(SimConfig::default()).await.unwrap();
    let code = authorize(&sim, "").await;
    let r = exchange(
        &sim,
        &code,
        "not-the-verifier-not-the-verifier-not-the-verifier",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid_grant");
}

#[tokio::test]
async fn codes_expire_after_five_minutes() {
    let sim = start(SimConfig::default()).await.unwrap();
    let fresh = authorize(&sim, "").await;
    sim.age_auth_codes(Duration::from_secs(299));
    assert_eq!(
        exchange(&sim, &fresh, VERIFIER).await.status,
        StatusCode::OK
    );

    let stale = authorize(&sim, "").await;
    sim.age_auth_codes(Duration::from_secs(300));
    let r = exchange(&sim, &stale, VERIFIER).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid_request");
    assert!(
        r.json["reason"]
            .as_str()
            .unwrap()
            .starts_with("Invalid authorization code"),
        "{}",
        r.json
    );
}

#[tokio::test]
async fn the_token_endpoint_wants_basic_client_auth() {
    let sim = start(SimConfig::default()).await.unwrap();
    let code = authorize(&sim, "").await;
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", seed::CLIENT_ID),
        ("client_secret", seed::CLIENT_SECRET),
    ];
    // Credentials in the body instead of the Basic header are refused.
    let r = token(&sim, None, &pairs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json,
        json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
    );
    let r = token(&sim, basic(seed::CLIENT_ID, "wrong"), &pairs).await;
    assert_eq!(r.json["error"], "invalid_client");
}

#[tokio::test]
async fn refresh_rotates_and_the_previous_refresh_token_is_invalid_grant() {
    let sim = start(SimConfig::default()).await.unwrap();
    let code = authorize(&sim, "").await;
    let first = exchange(&sim, &code, VERIFIER).await.json;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let r = token(
        &sim,
        client_auth(),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let rt2 = r.json["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(r.json["scope"], seed::USER_SCOPES.join(" "));
    assert_eq!(r.json["api_url"], sim.origin());

    let stale = token(
        &sim,
        client_auth(),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        stale.json,
        json!({"reason": "Invalid Token!", "error": "invalid_grant"})
    );
    // The latest one still works.
    let r = token(
        &sim,
        client_auth(),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn account_credentials_gives_an_admin_token_without_refresh_token_that_expires() {
    let sim = start(SimConfig {
        access_token_ttl: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let r = token(
        &sim,
        client_auth(),
        &[
            ("grant_type", "account_credentials"),
            ("account_id", seed::ACCOUNT_ID),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json.get("refresh_token").is_none());
    assert_eq!(r.json["expires_in"], 0);
    assert_eq!(r.json["scope"], seed::ADMIN_SCOPES.join(" "));
    let at = r.json["access_token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let me = send(
        Method::GET,
        &format!("{}/users/me", sim.base_url()),
        Some(format!("Bearer {at}")),
        "",
    )
    .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.json["code"], 124);

    let unsupported = token(&sim, client_auth(), &[("grant_type", "password")]).await;
    assert_eq!(
        unsupported.json,
        json!({"reason": "unsupported grant type", "error": "unsupported_grant_type"})
    );
}
