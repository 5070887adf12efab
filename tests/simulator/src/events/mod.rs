//! Zoom webhook events: the simulator POSTs signed event notifications to
//! subscribed URLs the way Zoom does (see `shared/docs/zoom-events.md`,
//! sections 1.2–1.8 and 3.6).
//!
//! * Subscriptions ([`RunningSimulator::subscribe_events`] or
//!   `POST /v2/marketplace/app/event_subscription`) are validated first with
//!   a signed `endpoint.url_validation` challenge, and again every 72 hours
//!   of the simulated event clock.
//! * State changes (the meeting REST routes, the helpers in [`helpers`])
//!   *emit* events: synchronously, they only queue one delivery per
//!   subscription. A background task ([`EventHub::run`]) sends them one at a
//!   time, in queue order, so tests see a deterministic arrival order.
//! * A delivery succeeds on 200 or 204 within 3 s; otherwise it is retried
//!   +5, +25 and +85 minutes (simulated) after its first attempt, with the
//!   same `x-zm-request-id` and a fresh timestamp and signature.
//! * [`EventFault`]s change the next emitted events (duplicates, reordering,
//!   lateness, failures, bad signatures, odd bodies).
//! * The same emissions feed Zoom's WebSocket transport ([`websocket`]).
//!
//! The event clock is simulated: it only moves with
//! [`RunningSimulator::advance_event_clock`]. Header timestamps and
//! `event_ts` are real wall-clock times (so a receiver's timestamp window
//! works); webhook-log dates are "simulated wall time", real time plus the
//! clock's advance.
//!
//! Locks: the data mutex is taken before the hub mutex (emission from route
//! handlers holds both), never the other way round, and neither is held
//! across an `.await`.

pub mod helpers;
pub mod payloads;
pub mod websocket;

use crate::RunningSimulator;
use crate::state::Data;
use crate::time::{now_millis, now_secs};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Event types the simulator emits (Zoom's names).
pub const EVENT_TYPES: &[&str] = &[
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "meeting.started",
    "meeting.ended",
    "meeting.participant_joined",
    "meeting.participant_left",
    "recording.completed",
    "recording.transcript_completed",
    "meeting.summary_completed",
    "user.created",
    "user.deactivated",
    "phone.callee_call_history_completed",
    "phone.caller_call_history_completed",
    "app_deauthorized",
];

/// Zoom retries a failed delivery this long after its first attempt.
pub const RETRY_AFTER_SECS: [u64; 3] = [5 * 60, 25 * 60, 85 * 60];
/// Zoom revalidates every subscription's URL this often.
pub const REVALIDATE_EVERY_SECS: u64 = 72 * 3600;
/// An endpoint must answer a delivery or a challenge within this.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// Webhook logs keep this much (simulated) history.
pub const LOG_RETENTION_SECS: u64 = 7 * 86_400;

/// A fault injected into event delivery. Each one applies to the NEXT
/// emitted event (all its deliveries), in the order injected, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFault {
    /// Delivered twice: the copy is a separate delivery (new request id),
    /// identical except `download_token` / `download_url` for recording
    /// events. Zoom does this without any failure.
    Duplicate,
    /// Held back and delivered right after the next emitted event.
    Reorder,
    /// Delivered only once the simulated clock has advanced this much.
    Late(Duration),
    /// Never reaches the endpoint on any attempt (webhook logs show it as
    /// failed, status -1).
    Fail,
    /// Signed with another secret.
    WrongSecret,
    /// `x-zm-request-timestamp` this many seconds in the past (the
    /// signature is valid over it).
    StaleTimestamp(u64),
    /// ... this many seconds in the future.
    FutureTimestamp(u64),
    /// `"x-zm-signature"` or `"x-zm-request-timestamp"` left out.
    MissingHeader(&'static str),
    /// Body padded (trailing whitespace: still valid JSON, signed) to at
    /// least this many bytes.
    Oversized(usize),
    /// Body bytes that a parse + reserialise would change: keys in reverse
    /// order, `\/` and `\uXXXX` escapes, spaces after `:` and `,`. Still
    /// valid JSON and correctly signed over the raw bytes.
    NonRoundTrip,
}

/// One delivery attempt, as sent.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    pub subscription_id: String,
    pub url: String,
    pub event: String,
    /// `x-zm-request-id`: one per delivery, the same on its retries.
    pub request_id: String,
    /// 0 for the first attempt, 1..=3 for the retries.
    pub retry_num: u32,
    /// `x-zm-request-timestamp` (Unix seconds) as sent.
    pub timestamp: i64,
    /// The body bytes as sent (all deliveries are UTF-8).
    pub body: String,
    /// The request headers as sent, in order (lower-case names).
    pub headers: Vec<(String, String)>,
    /// `None`: no answer (not sent, connection failed, or timed out).
    pub status: Option<u16>,
    /// 200 or 204 within 3 s.
    pub ok: bool,
    /// Simulated second of the attempt.
    pub at: u64,
    /// Simulated wall time of the attempt (Unix seconds; real time plus the
    /// clock's advance), the webhook log's `date_time`.
    pub date_time: i64,
    /// Shared by every delivery of one emitted event (webhook log `trace_id`).
    pub trace_id: String,
    /// Webhook log `failed_reason_type` when there was no answer
    /// (1 read timeout, 2 connection refused, 3 not sent).
    pub failed_reason_type: Option<u8>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

/// One event subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub name: String,
    /// `user` | `account` | `master_account` | `team`.
    pub scope: String,
    /// `openapi` (made through the REST API) or `default` (test helper).
    pub created_source: &'static str,
    /// The last validation passed; while false, nothing reaches the URL.
    pub active: bool,
    /// Simulated second of the next revalidation.
    pub next_validation: u64,
}

/// A queued delivery (one event to one subscription) until it succeeds or
/// its last retry failed.
#[derive(Debug, Clone)]
struct Pending {
    subscription_id: String,
    event: String,
    request_id: String,
    trace_id: String,
    body: String,
    fault: Option<EventFault>,
    attempts: u32,
    first_at: Option<u64>,
    /// Simulated second the next attempt is due.
    due: u64,
    /// An attempt is being sent.
    busy: bool,
}

#[derive(Debug, Default)]
struct Hub {
    clock: u64,
    subscriptions: Vec<Subscription>,
    faults: VecDeque<EventFault>,
    /// In send order.
    queue: Vec<Pending>,
    /// Reordered deliveries waiting for the next emitted event.
    held: Vec<Pending>,
    history: Vec<WebhookDelivery>,
    validations: Vec<(String, u64, bool)>,
    /// Every event emitted, subscribed to or not, newest last (at most
    /// [`EMITTED_KEPT`]).
    emitted: VecDeque<Value>,
}

/// How many emitted events [`RunningSimulator::emitted_events`] keeps.
pub const EMITTED_KEPT: usize = 1_000;

impl Hub {
    /// Nothing queued is due now (retries and late events may wait for the
    /// clock; held events wait for the next emission).
    fn settled(&self) -> bool {
        self.queue.iter().all(|p| p.due > self.clock)
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The event side of the simulator: subscriptions, queue, clock, history.
pub struct EventHub {
    hub: Mutex<Hub>,
    wake: Notify,
    secret: String,
    client: HttpClient,
    /// WebSocket subscriptions and connections (fed by [`EventHub::emit`]).
    websockets: websocket::WsHub,
}

/// What one attempt got back.
struct Outcome {
    status: Option<u16>,
    failed_reason_type: Option<u8>,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

/// An attempt built under the lock and sent without it.
struct Attempt {
    delivery: WebhookDelivery,
    /// Don't send (fault `Fail`, or the subscription failed validation).
    suppress: bool,
}

/// `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`): Zoom's
/// `x-zm-signature`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac_sha256(secret);
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex(&mac.finalize().into_bytes()))
}

/// hex HMAC-SHA256(secret, plainToken): the `encryptedToken` a URL
/// validation must answer.
pub fn encrypted_token(secret: &str, plain_token: &str) -> String {
    let mut mac = hmac_sha256(secret);
    mac.update(plain_token.as_bytes());
    hex(&mac.finalize().into_bytes())
}

fn hmac_sha256(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random id of `n` bytes, base64url (Zoom-like opaque ids and tokens).
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl EventHub {
    /// An empty hub signing with `secret`.
    pub fn new(secret: String) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(ANSWER_WITHIN));
        EventHub {
            hub: Mutex::new(Hub::default()),
            wake: Notify::new(),
            secret,
            // A connection per delivery, as Zoom's come from many
            // machines: a receiver that restarted is reached again at
            // once, not through a pooled connection to its old process.
            client: Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_max_idle_per_host(0)
                .build(connector),
            websockets: websocket::WsHub::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Simulated seconds since start.
    pub fn clock(&self) -> u64 {
        self.lock().clock
    }

    /// Simulated wall time now (Unix seconds).
    pub fn sim_now(&self) -> i64 {
        now_secs() + self.clock() as i64
    }

    /// Every event emitted so far, subscribed to or not.
    pub fn emitted(&self) -> Vec<Value> {
        self.lock().emitted.iter().cloned().collect()
    }

    /// Every subscription.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().subscriptions.clone()
    }

    /// Removes a subscription (its queued deliveries are dropped); `false`
    /// if unknown.
    pub fn unsubscribe(&self, id: &str) -> bool {
        let mut hub = self.lock();
        let before = hub.subscriptions.len();
        hub.subscriptions.retain(|s| s.id != id);
        hub.queue.retain(|p| p.subscription_id != id);
        hub.held.retain(|p| p.subscription_id != id);
        hub.subscriptions.len() != before
    }

    /// Every attempt so far, in order.
    pub fn history(&self) -> Vec<WebhookDelivery> {
        self.lock().history.clone()
    }

    /// (subscription id, simulated second, passed?) for every validation.
    pub fn validations(&self) -> Vec<(String, u64, bool)> {
        self.lock().validations.clone()
    }

    /// Queues a fault for the next emitted event.
    pub fn inject(&self, fault: EventFault) {
        self.lock().faults.push_back(fault);
    }

    /// Validates `url` and, if it passes, subscribes it to `events` (all of
    /// [`EVENT_TYPES`] when empty). `Err` says why validation failed.
    pub async fn subscribe(
        &self,
        url: &str,
        events: &[String],
        name: &str,
        scope: &str,
        created_source: &'static str,
    ) -> Result<String, String> {
        let id = random_token(16);
        let result = self.validate(url).await;
        let mut hub = self.lock();
        let clock = hub.clock;
        hub.validations.push((id.clone(), clock, result.is_ok()));
        result?;
        let events = if events.is_empty() {
            EVENT_TYPES.iter().map(|e| e.to_string()).collect()
        } else {
            events.to_vec()
        };
        hub.subscriptions.push(Subscription {
            id: id.clone(),
            url: url.to_string(),
            events,
            name: name.to_string(),
            scope: scope.to_string(),
            created_source,
            active: true,
            next_validation: clock + REVALIDATE_EVERY_SECS,
        });
        Ok(id)
    }

    /// Zoom's challenge: a signed `endpoint.url_validation` POST; the
    /// endpoint must answer 200 with the exact `plainToken` and
    /// `encryptedToken` within 3 s.
    async fn validate(&self, url: &str) -> Result<(), String> {
        let plain = random_token(16);
        let body = json!({
            "event": "endpoint.url_validation",
            "payload": {"plainToken": plain},
            "event_ts": now_millis(),
        })
        .to_string();
        let ts = now_secs();
        let headers = standard_headers(ts, Some(&sign(&self.secret, ts, body.as_bytes())));
        let outcome = self.post(url, &headers, &body).await;
        let status = outcome
            .status
            .ok_or_else(|| format!("no answer from {url} within 3 s"))?;
        if status != 200 {
            return Err(format!("the endpoint answered {status}, not 200"));
        }
        let answer: Value = serde_json::from_str(&outcome.response_body)
            .map_err(|_| "the answer is not JSON".to_string())?;
        if answer.get("plainToken").and_then(Value::as_str) != Some(plain.as_str()) {
            return Err("the answer's plainToken is not the one sent".into());
        }
        let expected = encrypted_token(&self.secret, &plain);
        if answer.get("encryptedToken").and_then(Value::as_str) != Some(expected.as_str()) {
            return Err(
                "the answer's encryptedToken is not HMAC-SHA256(secret token, plainToken)".into(),
            );
        }
        Ok(())
    }

    /// POSTs `body` with `headers`; the whole exchange must end within 3 s.
    async fn post(&self, url: &str, headers: &[(String, String)], body: &str) -> Outcome {
        let mut req = hyper::Request::builder().method("POST").uri(url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let Ok(req) = req.body(Full::new(Bytes::from(body.to_string()))) else {
            return no_answer(2);
        };
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|_| 2u8)?;
            let status = resp.status().as_u16();
            let response_headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|_| 1u8)?
                .to_bytes();
            Ok::<_, u8>(Outcome {
                status: Some(status),
                failed_reason_type: None,
                response_headers,
                response_body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        };
        match tokio::time::timeout(ANSWER_WITHIN, exchange).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(reason)) => no_answer(reason),
            Err(_) => no_answer(1),
        }
    }

    /// Queues `envelope` for every subscription to its event, applying the
    /// next injected fault. Synchronous and quick: route handlers call it
    /// with the data lock held (`data` is for recording duplicates, whose
    /// download tokens are registered there).
    pub fn emit(&self, data: &mut Data, origin: &str, envelope: Value) {
        let event = envelope
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut hub = self.lock();
        if hub.emitted.len() == EMITTED_KEPT {
            hub.emitted.pop_front();
        }
        hub.emitted.push_back(envelope.clone());
        let fault = hub.faults.pop_front();
        let mut body = serde_json::to_string(&envelope).unwrap_or_default();
        match &fault {
            Some(EventFault::NonRoundTrip) => body = payloads::odd_json(&envelope),
            Some(EventFault::Oversized(n)) if body.len() < *n => {
                body.push_str(&" ".repeat(n - body.len()));
            }
            _ => {}
        }
        // The duplicate's body: recording events get fresh download tokens.
        let copy = (fault == Some(EventFault::Duplicate)).then(|| {
            if event.starts_with("recording.") {
                let mut again = envelope.clone();
                payloads::retoken_recording(data, origin, &mut again);
                serde_json::to_string(&again).unwrap_or_default()
            } else {
                body.clone()
            }
        });
        let due = match &fault {
            Some(EventFault::Late(d)) => hub.clock + d.as_secs() + u64::from(d.subsec_nanos() > 0),
            _ => hub.clock,
        };
        let account = envelope
            .pointer("/payload/account_id")
            .and_then(Value::as_str);
        let bodies = std::iter::once(body.as_str()).chain(copy.as_deref());
        self.websockets.deliver(&event, account, bodies);
        let trace_id = random_token(12);
        let mut fresh = Vec::new();
        for sub in hub
            .subscriptions
            .iter()
            .filter(|s| s.events.contains(&event))
        {
            for body in std::iter::once(&body).chain(copy.as_ref()) {
                fresh.push(Pending {
                    subscription_id: sub.id.clone(),
                    event: event.clone(),
                    request_id: uuid_like(),
                    trace_id: trace_id.clone(),
                    body: body.clone(),
                    fault: fault.clone(),
                    attempts: 0,
                    first_at: None,
                    due,
                    busy: false,
                });
            }
        }
        if fault == Some(EventFault::Reorder) {
            hub.held.extend(fresh);
        } else {
            // Whatever was held back follows this event.
            let held = std::mem::take(&mut hub.held);
            hub.queue.extend(fresh);
            hub.queue.extend(held);
        }
        drop(hub);
        self.wake.notify_one();
    }

    /// The next due attempt in queue order, marked busy; `None` if none.
    fn next_attempt(&self) -> Option<Attempt> {
        let mut hub = self.lock();
        let clock = hub.clock;
        loop {
            let i = hub.queue.iter().position(|p| !p.busy && p.due <= clock)?;
            let p = &hub.queue[i];
            let Some(sub) = hub.subscriptions.iter().find(|s| s.id == p.subscription_id) else {
                // Its subscription is gone: drop it.
                hub.queue.remove(i);
                continue;
            };
            let now = now_secs();
            let ts = match p.fault {
                Some(EventFault::StaleTimestamp(s)) => now - s as i64,
                Some(EventFault::FutureTimestamp(s)) => now + s as i64,
                _ => now,
            };
            let secret = match p.fault {
                Some(EventFault::WrongSecret) => format!("not-{}", self.secret),
                _ => self.secret.clone(),
            };
            let signature = sign(&secret, ts, p.body.as_bytes());
            let mut headers = standard_headers(ts, Some(&signature));
            if let Some(EventFault::MissingHeader(name)) = p.fault {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            }
            headers.push(("x-zm-request-id".into(), p.request_id.clone()));
            let delivery = WebhookDelivery {
                subscription_id: sub.id.clone(),
                url: sub.url.clone(),
                event: p.event.clone(),
                request_id: p.request_id.clone(),
                retry_num: p.attempts,
                timestamp: ts,
                body: p.body.clone(),
                headers,
                status: None,
                ok: false,
                at: clock,
                date_time: now + clock as i64,
                trace_id: p.trace_id.clone(),
                failed_reason_type: None,
                response_headers: Vec::new(),
                response_body: String::new(),
            };
            let suppress = p.fault == Some(EventFault::Fail) || !sub.active;
            hub.queue[i].busy = true;
            return Some(Attempt { delivery, suppress });
        }
    }

    /// Records an attempt and schedules the retry (or drops the delivery).
    fn finish(&self, mut delivery: WebhookDelivery, outcome: Outcome) {
        delivery.ok = matches!(outcome.status, Some(200 | 204));
        delivery.status = outcome.status;
        delivery.failed_reason_type = outcome.failed_reason_type;
        delivery.response_headers = outcome.response_headers;
        delivery.response_body = outcome.response_body;
        let mut hub = self.lock();
        if let Some(i) = hub
            .queue
            .iter()
            .position(|p| p.busy && p.request_id == delivery.request_id)
        {
            let p = &mut hub.queue[i];
            p.busy = false;
            p.attempts += 1;
            let first = *p.first_at.get_or_insert(delivery.at);
            match RETRY_AFTER_SECS.get(p.attempts as usize - 1) {
                Some(after) if !delivery.ok => p.due = first + after,
                _ => {
                    hub.queue.remove(i);
                }
            }
        }
        hub.history.push(delivery);
    }

    /// Sends due attempts one at a time until `shutdown` fires.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            let Some(attempt) = self.next_attempt() else {
                tokio::select! {
                    _ = self.wake.notified() => continue,
                    _ = shutdown.changed() => return,
                }
            };
            let outcome = if attempt.suppress {
                no_answer(3)
            } else {
                let d = &attempt.delivery;
                self.post(&d.url, &d.headers, &d.body).await
            };
            self.finish(attempt.delivery, outcome);
        }
    }

    /// Waits until nothing queued is due (every due attempt answered or
    /// failed).
    pub async fn settled(&self) {
        // Polling keeps this simple; attempts take milliseconds to 3 s.
        while !self.lock().settled() {
            self.wake.notify_one();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Moves the clock forward by `by`, stopping at every retry, late
    /// delivery and revalidation that falls due on the way, in time order.
    pub async fn advance(&self, by: Duration) {
        let target = self.clock() + by.as_secs();
        loop {
            self.settled().await;
            let (now, due_validations) = {
                let mut hub = self.lock();
                if hub.clock >= target {
                    return;
                }
                let next = hub
                    .queue
                    .iter()
                    .map(|p| p.due)
                    .chain(hub.subscriptions.iter().map(|s| s.next_validation))
                    .filter(|&t| t > hub.clock)
                    .min()
                    .unwrap_or(target)
                    .min(target);
                hub.clock = next;
                let due: Vec<(String, String)> = hub
                    .subscriptions
                    .iter()
                    .filter(|s| s.next_validation <= next)
                    .map(|s| (s.id.clone(), s.url.clone()))
                    .collect();
                (next, due)
            };
            // Revalidations first, then the deliveries due at this second.
            for (id, url) in due_validations {
                let passed = self.validate(&url).await.is_ok();
                let mut hub = self.lock();
                hub.validations.push((id.clone(), now, passed));
                if let Some(sub) = hub.subscriptions.iter_mut().find(|s| s.id == id) {
                    sub.active = passed;
                    sub.next_validation = now + REVALIDATE_EVERY_SECS;
                }
            }
            self.wake.notify_one();
        }
    }
}

fn no_answer(reason: u8) -> Outcome {
    Outcome {
        status: None,
        failed_reason_type: Some(reason),
        response_headers: Vec::new(),
        response_body: String::new(),
    }
}

/// The headers every Zoom delivery carries (the request id is added by the
/// caller, after any header a fault removes).
fn standard_headers(ts: i64, signature: Option<&str>) -> Vec<(String, String)> {
    let mut h = vec![
        (
            "content-type".to_string(),
            "application/json; charset=utf-8".to_string(),
        ),
        ("user-agent".into(), "Zoom Marketplace/1.0a".into()),
        ("x-zm-request-timestamp".into(), ts.to_string()),
    ];
    if let Some(sig) = signature {
        h.push(("x-zm-signature".into(), sig.to_string()));
    }
    h.push((
        "x-zm-trackingid".into(),
        format!("v=2.0;clid=us05;rid=WEBHOOK_{}", random_token(12)),
    ));
    h
}

/// `8c2e4d36-…` style random id (request ids).
fn uuid_like() -> String {
    let h = hex(&rand::random::<[u8; 16]>());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl RunningSimulator {
    /// Subscribes `url` to `events` (empty: every [`EVENT_TYPES`]); validates
    /// the URL first (signed `endpoint.url_validation`, exact
    /// `encryptedToken` within 3 s), `Err` saying why if not. Returns the
    /// subscription id.
    pub async fn subscribe_events(&self, url: &str, events: &[&str]) -> anyhow::Result<String> {
        let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        self.state
            .events
            .subscribe(url, &events, "", "account", "default")
            .await
            .map_err(|why| anyhow::anyhow!("URL validation of {url} failed: {why}"))
    }

    /// Advances the simulated event clock by `by`: sends retries that fall
    /// due and revalidates every subscription each 72 h of simulated time (a
    /// failed revalidation stops its deliveries until a later one passes),
    /// then waits until those attempts were answered.
    pub async fn advance_event_clock(&self, by: Duration) {
        self.state.events.advance(by).await;
    }

    /// Simulated seconds since start.
    pub fn event_clock(&self) -> u64 {
        self.state.events.clock()
    }

    /// Waits until every delivery emitted so far has had its due attempt(s)
    /// answered (or failed).
    pub async fn events_settled(&self) {
        self.state.events.settled().await;
    }

    /// Applies `fault` to the next emitted event (faults queue in order).
    pub fn inject_event_fault(&self, fault: EventFault) {
        self.state.events.inject(fault);
    }

    /// Every event emitted so far (the newest [`EMITTED_KEPT`]), whether
    /// or not a subscription took it, as Zoom would send it.
    pub fn emitted_events(&self) -> Vec<Value> {
        self.state.events.emitted()
    }

    /// Every delivery attempt so far, in send order.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.state.events.history()
    }

    /// (subscription id, simulated second, passed?) for every validation
    /// attempt.
    pub fn url_validations(&self) -> Vec<(String, u64, bool)> {
        self.state.events.validations()
    }

    /// Every event subscription.
    pub fn event_subscriptions(&self) -> Vec<Subscription> {
        self.state.events.subscriptions()
    }
}
