//! After the answer: what follows an event kept in the inbox.
//! - `app_deauthorized` first: the account's connections need a login,
//!   lose their tokens, and nothing more of theirs is handed on;
//! - then every push subscription: its matching events POSTed to its URL,
//!   signed as Standard Webhooks sign (`webhook-id`, `webhook-timestamp`,
//!   `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{ts}.{body}">`),
//!   with an idempotency key that a replay keeps; retried with backoff
//!   until a 2xx, dead after the last attempt.
//!
//! A subscription to a trigger gets the trigger's outputs instead
//! (`super::triggered`), each POSTed with its own idempotency key; when one
//! fails, the event is retried, and the outputs already taken come again
//! with the same keys.
//!
//! One process at a time works a subscription (a lease in its state), so
//! replicas on one PostgreSQL store deliver each event once.

use super::model::{Attempts, DeliveryState, EventFilter, InboxEvent, Subscription};
use super::receive::Receiver;
use super::triggered::{output_idempotency_key, trigger_items};
use crate::Host;
use crate::auth::Connections;
use crate::error::StoreError;
use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// The pull consumer name under which the host itself reads the inbox
/// (for `app_deauthorized`).
const SYSTEM_CONSUMER: &str = "wrk-zoom:system";
/// How long a process may work a subscription before another may take it
/// (sooner when the holder is a process of this machine that is gone).
const LEASE: Duration = Duration::from_secs(30);
/// Events read at once.
const BATCH: usize = 200;

/// How push deliveries are made.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// Attempts before an event is dead for a subscription.
    pub max_attempts: u32,
    /// The wait before the first retry; doubled each time.
    pub first_retry: Duration,
    /// The longest wait between attempts.
    pub max_retry: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            max_attempts: 8,
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
        }
    }
}

impl PushConfig {
    /// When the attempt after `count` failed ones is due, from `now_ms`.
    fn next_at(&self, count: u32, now_ms: i64) -> i64 {
        let wait = self
            .first_retry
            .saturating_mul(1u32 << count.saturating_sub(1).min(20))
            .min(self.max_retry);
        now_ms + wait.as_millis() as i64
    }
}

/// The event as handed to workflows: Zoom's body exactly as sent, with
/// `wrk_zoom` added in front (its number, app, account, connections,
/// receipt time in Unix ms, dedupe key and source).
pub fn item_json(event: &InboxEvent) -> String {
    let e = &event.event;
    let ours = serde_json::json!({
        "id": event.seq,
        "app": e.app,
        "account_id": e.account_id,
        "connections": e.connections,
        "received_at": e.received_at,
        "dedupe_key": e.dedupe_key(),
        "source": e.source,
    });
    let body = e.body.trim_start();
    match body.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('"') => format!("{{\"wrk_zoom\":{ours},{rest}"),
        _ => format!("{{\"wrk_zoom\":{ours}}}"),
    }
}

/// The idempotency key of `event` for `subscription`: the same on every
/// attempt and every replay.
pub fn idempotency_key(subscription: &str, event: &InboxEvent) -> String {
    let digest = Sha256::digest(
        format!(
            "{subscription}\n{}\n{}",
            event.event.app,
            event.event.dedupe_key()
        )
        .as_bytes(),
    );
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("evt_{hex}")
}

/// A new push subscription to `url` for what `filter` admits, from the
/// event after number `cursor` on, and its signing secret (shown once).
pub fn new_subscription(url: &str, filter: EventFilter, cursor: u64) -> (Subscription, String) {
    let secret = new_signing_secret();
    let subscription = Subscription {
        id: format!("sub_{:016x}", rand::random::<u64>()),
        url: url.to_string(),
        signing_secret: crate::auth::Secret::new(secret.clone()),
        filter,
        created_at: crate::clock::now_secs(),
        state: DeliveryState {
            cursor,
            ..Default::default()
        },
    };
    (subscription, secret)
}

/// A new subscription secret: `whsec_` and 32 random bytes in base64.
pub fn new_signing_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// `v1,<base64>`: Standard Webhooks' signature of `body` sent as message
/// `id` at `timestamp` (Unix s) under `secret` (`whsec_...`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Works the inbox after the answers (see the module docs).
pub struct Dispatcher {
    receiver: Arc<Receiver>,
    connections: Option<Arc<Connections>>,
    config: PushConfig,
    /// Runs the triggers of subscriptions to one.
    host: Option<Arc<Host>>,
    /// This process, in leases.
    me: String,
}

impl Dispatcher {
    /// A dispatcher for what `receiver` takes in.
    pub fn new(
        receiver: Arc<Receiver>,
        connections: Option<Arc<Connections>>,
        config: PushConfig,
    ) -> Dispatcher {
        let me = format!(
            "{}:{}:{:08x}",
            host_name(),
            std::process::id(),
            rand::random::<u32>()
        );
        Dispatcher {
            receiver,
            connections,
            config,
            host: None,
            me,
        }
    }

    /// Runs subscriptions to triggers on `host` (without one, their events
    /// are retried, and dead after the last attempt).
    pub fn with_triggers(mut self, host: Arc<Host>) -> Dispatcher {
        self.host = Some(host);
        self
    }

    /// Works until `stop` turns true (or its sender is dropped): at once
    /// when an event arrives, else every half second (retries falling due,
    /// other replicas' events). A pass under way when `stop` comes is
    /// finished, its outcomes recorded, so what it pushed is not pushed
    /// again by the next process.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        while !*stop.borrow_and_update() {
            let arrived = self.receiver.arrived();
            if let Err(e) = self.pass().await {
                tracing::warn!("event delivery: {e}");
            }
            tokio::select! {
                _ = arrived => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// One pass over the inbox: the host's own events, then every
    /// subscription.
    pub async fn pass(&self) -> Result<(), StoreError> {
        // Push deliveries go on while the host's own step cannot.
        if let Err(e) = self.system_pass().await {
            tracing::warn!("app_deauthorized not handled yet: {e}");
        }
        let last = self.receiver.store().last_seq().await?;
        for subscription in self.receiver.store().subscriptions().await? {
            self.work(&subscription, last).await?;
        }
        Ok(())
    }

    async fn system_pass(&self) -> Result<(), StoreError> {
        let store = self.receiver.store();
        let mut cursor = store.cursor(SYSTEM_CONSUMER).await?.unwrap_or(0);
        loop {
            let events = store.read(cursor, BATCH).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(());
            };
            for event in &events {
                if event.event.event == "app_deauthorized" {
                    self.deauthorize(event).await?;
                }
            }
            cursor = last;
            store.set_cursor(SYSTEM_CONSUMER, cursor).await?;
        }
    }

    /// The account's connections need a login and lose their tokens; the
    /// receiver stops routing to them at once.
    async fn deauthorize(&self, event: &InboxEvent) -> Result<(), StoreError> {
        let (Some(connections), Some(account)) = (&self.connections, &event.event.account_id)
        else {
            return Ok(());
        };
        let names = connections
            .deauthorize_account(account)
            .await
            .map_err(|e| StoreError::new(e.to_string()))?;
        tracing::info!(
            account,
            connections = ?names,
            "Zoom app deauthorized: the account's connections need a new login"
        );
        self.receiver.refresh().await
    }

    async fn work(&self, subscription: &Subscription, last: u64) -> Result<(), StoreError> {
        let store = self.receiver.store();
        let now = crate::clock::now_millis();
        // Nothing to do: no lease taken (a process killed while idle holds
        // none).
        let due =
            |s: &DeliveryState| s.cursor < last || s.retrying.values().any(|a| a.next_at <= now);
        if !due(&subscription.state) {
            return Ok(());
        }
        let mut claimed = false;
        let me = self.me.clone();
        let state = store
            .update_state(&subscription.id, &mut |s| {
                claimed = due(s)
                    && s.lease
                        .as_ref()
                        .is_none_or(|(who, until)| *who == me || *until < now || gone(who));
                if claimed {
                    s.lease = Some((me.clone(), now + LEASE.as_millis() as i64));
                }
            })
            .await?;
        let Some(state) = state.filter(|_| claimed) else {
            return Ok(());
        };
        // Retries due, then what is new.
        let mut due: Vec<(InboxEvent, u32)> = Vec::new();
        for (&seq, attempts) in state.retrying.iter().filter(|(_, a)| a.next_at <= now) {
            if let Some(event) = store
                .read(seq - 1, 1)
                .await?
                .into_iter()
                .find(|e| e.seq == seq)
            {
                due.push((event, attempts.count));
            }
        }
        let fresh = store.read(state.cursor, BATCH).await?;
        let read_to = fresh.last().map(|e| e.seq);
        for event in fresh {
            if subscription.filter.admits(&event.event) && self.receiver.live(&event.event) {
                due.push((event, 0));
            }
        }
        let mut sends = tokio::task::JoinSet::new();
        for (event, count) in due {
            let (subscription, config) = (subscription.clone(), self.config.clone());
            let host = self.host.clone();
            sends.spawn(async move {
                let outcome = send(&subscription, &event, &config, host.as_deref()).await;
                (event.seq, count, outcome)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(done) = sends.join_next().await {
            if let Ok(outcome) = done {
                outcomes.push(outcome);
            }
        }
        let config = self.config.clone();
        let now = crate::clock::now_millis();
        store
            .update_state(&subscription.id, &mut |s: &mut DeliveryState| {
                if let Some(to) = read_to {
                    s.cursor = s.cursor.max(to);
                }
                for (seq, count, outcome) in &outcomes {
                    match outcome {
                        Ok(()) => {
                            s.retrying.remove(seq);
                            s.delivered += 1;
                        }
                        Err(why) => {
                            let attempts = Attempts {
                                count: count + 1,
                                next_at: config.next_at(count + 1, now),
                                last_error: why.clone(),
                            };
                            s.retrying.remove(seq);
                            if attempts.count >= config.max_attempts {
                                s.dead.insert(*seq, attempts);
                            } else {
                                s.retrying.insert(*seq, attempts);
                            }
                        }
                    }
                }
                s.lease = None;
            })
            .await?;
        Ok(())
    }
}

/// This machine's name, in lease holders.
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the name is cut at NUL.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if ok {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    }
}

/// Whether a lease `holder` is a process of this machine that has ended
/// (killed mid-delivery): its lease need not run out.
fn gone(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<libc::pid_t>() else {
        return false;
    };
    if host != host_name() || pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !exists
}

/// One attempt at delivering `event` to `subscription`: the event, or
/// each output of the subscription's trigger in turn.
async fn send(
    subscription: &Subscription,
    event: &InboxEvent,
    config: &PushConfig,
    host: Option<&Host>,
) -> Result<(), String> {
    let Some(target) = &subscription.filter.trigger else {
        let id = idempotency_key(&subscription.id, event);
        return post(subscription, &id, item_json(event), config).await;
    };
    let host = host.ok_or("this process runs no triggers")?;
    let items = trigger_items(host, target, event)
        .await
        .map_err(|e| format!("the trigger {} failed: {e}", target.name))?;
    for item in items {
        let id = output_idempotency_key(&subscription.id, event, &item.key);
        post(subscription, &id, item.json, config).await?;
    }
    Ok(())
}

/// POSTs `body` to `subscription`, signed, as message `id`.
async fn post(
    subscription: &Subscription,
    id: &str,
    body: String,
    config: &PushConfig,
) -> Result<(), String> {
    let transport = crate::transport::shared()?;
    let timestamp = crate::clock::now_secs();
    let signature = sign(subscription.signing_secret.expose(), id, timestamp, &body);
    let request = hyper::Request::post(&subscription.url)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("wrk-zoom/", env!("CARGO_PKG_VERSION")),
        )
        .header("webhook-id", id)
        .header("idempotency-key", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot make the request: {e}"))?;
    let response = transport
        .send(request, config.timeout)
        .await
        .map_err(|e| match e {
            crate::transport::Failure::NotSent(why)
            | crate::transport::Failure::MaybeSent(why)
            | crate::transport::Failure::Fatal(why) => why,
            crate::transport::Failure::TimedOut => {
                format!("no answer within {} s", config.timeout.as_secs())
            }
        })?;
    let status = response.status();
    // Read the answer (bounded by the timeout), so the connection is reused.
    let _ = tokio::time::timeout(config.timeout, response.into_body().collect()).await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // Standard Webhooks' published example (standard-webhooks/spec).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn an_item_is_zooms_body_unchanged_with_ours_in_front() {
        let event = InboxEvent {
            seq: 7,
            event: super::super::model::NewEvent {
                app: "main".into(),
                received_at: 1,
                event: "meeting.created".into(),
                event_ts: Some(2),
                account_id: Some("A".into()),
                request_id: Some("r".into()),
                semantic_key: None,
                connections: vec!["user".into()],
                source: "webhook".into(),
                body: r#"{"event":"meeting.created","payload":{"t":"caf\u00e9 \/"}}"#.into(),
            },
        };
        let item = item_json(&event);
        assert!(
            item.ends_with(r#","event":"meeting.created","payload":{"t":"caf\u00e9 \/"}}"#),
            "{item}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&item).unwrap();
        assert_eq!(parsed["wrk_zoom"]["id"], 7);
        assert_eq!(parsed["wrk_zoom"]["dedupe_key"], "request:r");
        assert_eq!(parsed["payload"]["t"], "café /");
        assert_eq!(
            idempotency_key("sub_1", &event),
            idempotency_key("sub_1", &event.clone())
        );
        assert_ne!(
            idempotency_key("sub_1", &event),
            idempotency_key("sub_2", &event)
        );
    }

    #[test]
    fn a_lease_of_an_ended_process_of_this_machine_need_not_run_out() {
        let host = host_name();
        assert!(!gone(&format!("{host}:{}:x", std::process::id())));
        assert!(gone(&format!("{host}:999999999:x")));
        // Another machine's process cannot be checked: its lease runs out.
        assert!(!gone("some-other-machine:999999999:x"));
        assert!(!gone("garbage"));
    }

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let config = PushConfig {
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(30),
            ..PushConfig::default()
        };
        assert_eq!(config.next_at(1, 0), 5_000);
        assert_eq!(config.next_at(2, 0), 10_000);
        assert_eq!(config.next_at(3, 0), 20_000);
        assert_eq!(config.next_at(4, 0), 30_000);
        assert_eq!(config.next_at(40, 0), 30_000);
    }
}
