//! Zoom's WebSocket event transport: a tokio-tungstenite client connects to
//! the simulator's `ws://` listener and checks the handshake, heartbeats,
//! event messages, the one-connection rule, no backfill, abrupt drops,
//! token expiry and the idle timeout.
//!
//! Only the idle-timeout test waits for real time (well under a second of
//! configured timeout); nothing asserts durations.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{WebSocketStream, client_async};
use zoom_simulator::events::websocket::{
    CLOSE_IDLE, CLOSE_REFUSED, CLOSE_TAKEN_OVER, IDLE_REASON, INVALID_TOKEN, TAKEN_OVER_REASON,
    UNKNOWN_SUBSCRIPTION,
};
use zoom_simulator::{EVENT_TYPES, EventFault, RunningSimulator, SimConfig, seed, start};

type Ws = WebSocketStream<TcpStream>;

const SUB: &str = seed::WEBSOCKET_SUBSCRIPTION_ID;
/// Generous bound on any single wait (a failing test ends, not hangs).
const WAIT: Duration = Duration::from_secs(10);

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Opens the WebSocket (the handshake only; nothing read yet).
async fn open(sim: &RunningSimulator, sub: &str, token: &str) -> Result<Ws, WsError> {
    let url = format!(
        "{}?subscriptionId={}&access_token={}",
        sim.websocket_url(),
        enc(sub),
        enc(token)
    );
    let host = url::Url::parse(&url).unwrap();
    let tcp = TcpStream::connect((host.host_str().unwrap(), host.port().unwrap()))
        .await
        .unwrap();
    client_async(url, tcp).await.map(|(ws, _)| ws)
}

/// Opens the WebSocket and checks the `build_connection` success message.
async fn connect(sim: &RunningSimulator, sub: &str, token: &str) -> Ws {
    let mut ws = open(sim, sub, token).await.expect("handshake");
    let first = next_json(&mut ws).await;
    assert_eq!(first["module"], "build_connection", "{first}");
    assert_eq!(first["success"], true, "{first}");
    assert!(first["content"].is_string(), "{first}");
    ws
}

/// The next frame (pings and pongs skipped), or the error/end.
async fn next_frame(ws: &mut Ws) -> Option<Result<Message, WsError>> {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within the wait");
        match frame {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => return other,
        }
    }
}

/// The next text frame as JSON.
async fn next_json(ws: &mut Ws) -> Value {
    match next_frame(ws).await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("JSON text frame"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// The next frame must be a close frame; returns it.
async fn next_close(ws: &mut Ws) -> CloseFrame {
    match next_frame(ws).await {
        Some(Ok(Message::Close(Some(frame)))) => frame,
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// The next event message's content, parsed.
async fn next_event(ws: &mut Ws) -> Value {
    let msg = next_json(ws).await;
    assert_eq!(msg["module"], "message", "{msg}");
    let content = msg["content"].as_str().expect("content is a string");
    serde_json::from_str(content).expect("content is the event's JSON text")
}

async fn heartbeat(ws: &mut Ws) -> Value {
    ws.send(Message::text(r#"{"module":"heartbeat"}"#))
        .await
        .unwrap();
    let answer = next_json(ws).await;
    assert_eq!(answer["module"], "heartbeat", "{answer}");
    answer
}

/// An S2S access token from `/oauth/token` (`account_credentials`).
async fn s2s_token(sim: &RunningSimulator) -> String {
    use base64::Engine;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        seed::CLIENT_ID,
        seed::CLIENT_SECRET
    ));
    let body = format!(
        "grant_type=account_credentials&account_id={}",
        seed::ACCOUNT_ID
    );
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/oauth/token", sim.origin()))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Waits until the server has noticed the subscription's connection ended.
async fn until_closed(sim: &RunningSimulator, sub: &str) {
    tokio::time::timeout(WAIT, async {
        while sim.websocket_connections(sub) != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the server saw the connection end");
}

/// Emits a `meeting.created`-style event on the seeded account; returns
/// its body as emitted.
fn emit(sim: &RunningSimulator, topic: &str) -> Value {
    sim.emit_event(
        "meeting.created",
        seed::ACCOUNT_ID,
        json!({"object": {"id": 1, "topic": topic}}),
    )
    .unwrap();
    sim.emitted_events().last().cloned().unwrap()
}

#[tokio::test]
async fn the_seeded_subscription_accepts_the_admin_token_and_s2s_tokens() {
    let sim = start(SimConfig::default()).await.unwrap();
    assert!(sim.websocket_url().starts_with("ws://127.0.0.1:"));
    assert!(sim.websocket_url().ends_with("/ws"));
    let seeded = &sim.websocket_subscriptions()[0];
    assert_eq!(seeded.id, SUB);
    assert_eq!(seeded.account_id, seed::ACCOUNT_ID);
    assert_eq!(seeded.events, EVENT_TYPES);
    assert_eq!(sim.websocket_connections(SUB), 0);

    let _admin = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    assert_eq!(sim.websocket_connects(SUB), 1);
    assert_eq!(sim.websocket_connections(SUB), 1);

    let token = s2s_token(&sim).await;
    let other = sim.subscribe_websocket(&[]);
    let _s2s = connect(&sim, &other, &token).await;
    assert_eq!(sim.websocket_connects(&other), 1);
    assert_eq!(sim.websocket_connections(&other), 1);
    // Separate subscriptions: both stay open.
    assert_eq!(sim.websocket_connections(SUB), 1);
}

/// Connects expecting a refusal: `build_connection` failure, then close 1008.
async fn refused(sim: &RunningSimulator, sub: &str, token: &str, reason: &str) {
    let mut ws = open(sim, sub, token).await.expect("handshake");
    let first = next_json(&mut ws).await;
    assert_eq!(
        first,
        json!({"module": "build_connection", "success": false, "content": reason})
    );
    let close = next_close(&mut ws).await;
    assert_eq!(u16::from(close.code), CLOSE_REFUSED);
    assert_eq!(close.reason.as_str(), reason);
}

#[tokio::test]
async fn bad_tokens_and_unknown_subscriptions_are_refused() {
    let sim = start(SimConfig::default()).await.unwrap();
    refused(&sim, SUB, "not-a-token", INVALID_TOKEN).await;
    refused(&sim, SUB, "", INVALID_TOKEN).await;
    refused(
        &sim,
        "nOsUcHsUbScRiPtIoN",
        seed::ADMIN_TOKEN,
        UNKNOWN_SUBSCRIPTION,
    )
    .await;
    refused(&sim, "", seed::ADMIN_TOKEN, UNKNOWN_SUBSCRIPTION).await;
    // An expired S2S token.
    let token = s2s_token(&sim).await;
    assert!(sim.expire_access_token(&token));
    refused(&sim, SUB, &token, INVALID_TOKEN).await;
    assert_eq!(sim.websocket_connects(SUB), 0);
    assert_eq!(sim.websocket_connections(SUB), 0);

    // Another path is no WebSocket endpoint.
    let url = sim.websocket_url().replace("/ws", "/other");
    let tcp = TcpStream::connect(
        sim.websocket_url()
            .trim_start_matches("ws://")
            .trim_end_matches("/ws"),
    )
    .await
    .unwrap();
    match client_async(url, tcp).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 404),
        other => panic!("expected HTTP 404, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn heartbeats_and_pings_are_answered() {
    let sim = start(SimConfig::default()).await.unwrap();
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    for _ in 0..3 {
        assert_eq!(
            heartbeat(&mut ws).await,
            json!({"module": "heartbeat", "success": true})
        );
    }
    ws.send(Message::Ping(Bytes::from_static(b"p1")))
        .await
        .unwrap();
    let pong = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
    assert!(
        matches!(&pong, Some(Ok(Message::Pong(p))) if p.as_ref() == b"p1"),
        "{pong:?}"
    );
}

#[tokio::test]
async fn emitted_events_arrive_as_messages_with_the_webhook_body() {
    let sim = start(SimConfig::default()).await.unwrap();
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    let only_ended = sim.subscribe_websocket(&["meeting.ended"]);
    let mut ended = connect(&sim, &only_ended, seed::ADMIN_TOKEN).await;

    // Another account's event reaches neither subscription.
    sim.emit_event("meeting.created", "aNoThErAcCoUnT", json!({}))
        .unwrap();
    let uuid = sim.start_meeting(seed::FIRST_USER_MEETING_ID).unwrap();
    sim.end_meeting(seed::FIRST_USER_MEETING_ID).unwrap();
    let emitted = sim.emitted_events();
    let started = emitted[emitted.len() - 2].clone();
    let end = emitted[emitted.len() - 1].clone();
    assert_eq!(started["event"], "meeting.started");
    assert_eq!(started["payload"]["object"]["uuid"], uuid.as_str());
    assert_eq!(end["event"], "meeting.ended");

    // Zoom's webhook body, as text inside the message, in emit order.
    assert_eq!(next_event(&mut ws).await, started);
    assert_eq!(next_event(&mut ws).await, end);
    assert_eq!(sim.websocket_sent(SUB), vec![started, end.clone()]);
    assert_eq!(next_event(&mut ended).await, end);
    assert_eq!(sim.websocket_sent(&only_ended), vec![end]);
    assert!(sim.websocket_dropped(SUB).is_empty());

    // A duplicate goes out twice.
    sim.inject_event_fault(EventFault::Duplicate);
    let body = emit(&sim, "twice");
    assert_eq!(next_event(&mut ws).await, body);
    assert_eq!(next_event(&mut ws).await, body);
    assert_eq!(sim.websocket_sent(SUB).len(), 4);
}

#[tokio::test]
async fn a_new_connection_closes_the_previous_one() {
    let sim = start(SimConfig::default()).await.unwrap();
    let mut first = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    let mut second = connect(&sim, SUB, seed::USER_TOKEN).await;
    let close = next_close(&mut first).await;
    assert_eq!(u16::from(close.code), CLOSE_TAKEN_OVER);
    assert_eq!(close.reason.as_str(), TAKEN_OVER_REASON);
    assert_eq!(sim.websocket_connects(SUB), 2);
    assert_eq!(sim.websocket_connections(SUB), 1);
    // Events go to the new connection.
    let body = emit(&sim, "to the second");
    assert_eq!(next_event(&mut second).await, body);
    assert_eq!(sim.websocket_sent(SUB), vec![body]);
}

#[tokio::test]
async fn events_while_disconnected_are_dropped_and_never_delivered() {
    let sim = start(SimConfig::default()).await.unwrap();
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    ws.close(None).await.unwrap();
    until_closed(&sim, SUB).await;

    let missed = emit(&sim, "missed");
    assert_eq!(sim.websocket_dropped(SUB), vec![missed]);
    assert!(sim.websocket_sent(SUB).is_empty());

    // No backfill: after reconnecting, the next message is the next event.
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    let seen = emit(&sim, "seen");
    assert_eq!(next_event(&mut ws).await, seen);
    assert_eq!(sim.websocket_sent(SUB), vec![seen]);
    assert_eq!(sim.websocket_dropped(SUB).len(), 1);
}

#[tokio::test]
async fn drop_websockets_ends_the_connection_without_a_close_frame() {
    let sim = start(SimConfig::default()).await.unwrap();
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    sim.drop_websockets(SUB);
    assert_eq!(sim.websocket_connections(SUB), 0);
    match next_frame(&mut ws).await {
        None | Some(Err(_)) => {}
        other => panic!("expected an abrupt end, got {other:?}"),
    }
    let body = emit(&sim, "after the drop");
    assert_eq!(sim.websocket_dropped(SUB), vec![body]);
    // The subscription takes a new connection.
    let _ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    assert_eq!(sim.websocket_connects(SUB), 2);
}

#[tokio::test]
async fn a_heartbeat_with_an_expired_token_is_refused_and_closes() {
    let sim = start(SimConfig::default()).await.unwrap();
    let token = s2s_token(&sim).await;
    let mut ws = connect(&sim, SUB, &token).await;
    assert_eq!(heartbeat(&mut ws).await["success"], true);
    assert!(sim.expire_access_token(&token));
    assert_eq!(
        heartbeat(&mut ws).await,
        json!({"module": "heartbeat", "success": false, "content": INVALID_TOKEN})
    );
    let close = next_close(&mut ws).await;
    assert_eq!(u16::from(close.code), CLOSE_REFUSED);
    assert_eq!(close.reason.as_str(), INVALID_TOKEN);
    until_closed(&sim, SUB).await;
    // A fresh token connects again.
    let fresh = s2s_token(&sim).await;
    let _ws = connect(&sim, SUB, &fresh).await;
}

#[tokio::test]
async fn a_connection_without_heartbeats_is_closed_after_the_idle_timeout() {
    let sim = start(SimConfig {
        websocket_idle_timeout: Some(Duration::from_millis(400)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut ws = connect(&sim, SUB, seed::ADMIN_TOKEN).await;
    let close = next_close(&mut ws).await;
    assert_eq!(u16::from(close.code), CLOSE_IDLE);
    assert_eq!(close.reason.as_str(), IDLE_REASON);
    until_closed(&sim, SUB).await;
}
