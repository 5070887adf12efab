//! Taking a delivery from Zoom: verified over its raw bytes, then the URL
//! validation answered from memory, or the event kept in the inbox (and
//! so durable) before the answer. Nothing else happens on this path: what
//! follows an event runs after the answer ([`super::deliver`]).

use super::keys::semantic_key;
use super::model::{Appended, EventApp, NewEvent};
use super::store::EventStore;
use super::{DEFAULT_MAX_BODY, DEFAULT_WINDOW, Refusal, url_validation_answer, verify};
use crate::auth::TokenStore;
use arc_swap::ArcSwap;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often the apps and the accounts' connections are read again (a
/// rotated secret or a new login is seen within this).
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// How the receiving half runs.
#[derive(Clone, Debug)]
pub struct ReceiveConfig {
    /// How far a delivery's timestamp may be from now, either way.
    pub window: Duration,
    /// The largest body read.
    pub max_body: usize,
}

impl Default for ReceiveConfig {
    fn default() -> Self {
        ReceiveConfig {
            window: DEFAULT_WINDOW,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// One delivery as it came: the two signature headers, Zoom's request id,
/// and the body's bytes.
pub struct Delivery<'a> {
    /// `x-zm-request-timestamp`.
    pub timestamp: Option<&'a [u8]>,
    /// `x-zm-signature`.
    pub signature: Option<&'a [u8]>,
    /// `x-zm-request-id`.
    pub request_id: Option<&'a str>,
    /// The body, as received.
    pub body: &'a [u8],
}

/// What became of a delivery.
#[derive(Debug)]
pub enum Received {
    /// Not Zoom's (or no app of that name): answer 401, say nothing.
    Refused(Refusal),
    /// Zoom's URL validation: answer 200 with this.
    Validation(Value),
    /// Kept (or already kept): answer 200.
    Taken {
        /// Its number in the inbox.
        seq: u64,
        /// Already there.
        duplicate: bool,
        /// No stored connection belongs to its account.
        unmatched: bool,
    },
}

/// Counts since start, for `/metrics`.
#[derive(Default, Debug)]
pub struct Counts {
    /// Events kept.
    pub taken: AtomicU64,
    /// Deliveries of events already kept.
    pub duplicates: AtomicU64,
    /// Deliveries refused.
    pub refused: AtomicU64,
    /// Events of accounts no connection belongs to.
    pub unmatched: AtomicU64,
    /// URL validations answered.
    pub validations: AtomicU64,
}

/// The receiving half of one process.
pub struct Receiver {
    store: Arc<dyn EventStore>,
    tokens: Option<Arc<dyn TokenStore>>,
    config: ReceiveConfig,
    apps: ArcSwap<BTreeMap<String, EventApp>>,
    /// account id -> its usable connections.
    accounts: ArcSwap<HashMap<String, Vec<String>>>,
    /// Refusals per app not yet added to the store's tally.
    refused_unsaved: std::sync::Mutex<BTreeMap<String, u64>>,
    counts: Counts,
    arrived: tokio::sync::Notify,
}

impl Receiver {
    /// A receiver over `store`, routing by the connections in `tokens`;
    /// reads both once now, then every [`REFRESH_EVERY`] in the background
    /// (while the receiver lives).
    pub async fn start(
        store: Arc<dyn EventStore>,
        tokens: Option<Arc<dyn TokenStore>>,
        config: ReceiveConfig,
    ) -> Result<Arc<Receiver>, crate::error::StoreError> {
        let receiver = Arc::new(Receiver {
            store,
            tokens,
            config,
            apps: ArcSwap::default(),
            accounts: ArcSwap::default(),
            refused_unsaved: Default::default(),
            counts: Counts::default(),
            arrived: tokio::sync::Notify::new(),
        });
        receiver.refresh().await?;
        let weak = Arc::downgrade(&receiver);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REFRESH_EVERY).await;
                let Some(receiver) = weak.upgrade() else {
                    return;
                };
                if let Err(e) = receiver.refresh().await {
                    tracing::warn!("cannot read the event apps or connections: {e}");
                }
            }
        });
        Ok(receiver)
    }

    /// Reads the apps and the accounts' connections again, and saves the
    /// refusals counted since.
    pub async fn refresh(&self) -> Result<(), crate::error::StoreError> {
        let refused = std::mem::take(
            &mut *self
                .refused_unsaved
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for (app, count) in refused {
            self.store.note_refused(&app, count).await?;
        }
        self.apps.store(Arc::new(self.store.apps().await?));
        if let Some(tokens) = &self.tokens {
            // A token store that cannot be read now keeps the routes known
            // (events of new accounts are counted as unmatched meanwhile).
            let data = match tokens.read().await {
                Ok(data) => data,
                Err(e) => {
                    tracing::warn!("cannot read the connections to route events by account: {e}");
                    return Ok(());
                }
            };
            let mut accounts: HashMap<String, Vec<String>> = HashMap::new();
            for (name, c) in &data.connections {
                if let (Some(account), None) = (&c.account_id, &c.needs_login) {
                    accounts
                        .entry(account.clone())
                        .or_default()
                        .push(name.clone());
                }
            }
            self.accounts.store(Arc::new(accounts));
        }
        Ok(())
    }

    /// The store behind it.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// How it runs.
    pub fn config(&self) -> &ReceiveConfig {
        &self.config
    }

    /// Counts since start.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Resolves when an event was kept after this was called.
    pub fn arrived(&self) -> tokio::sync::futures::Notified<'_> {
        self.arrived.notified()
    }

    /// Whether `event` may still be handed on: an account's
    /// `app_deauthorized` always, anything else while one of the
    /// connections it was routed to is usable.
    pub fn live(&self, event: &NewEvent) -> bool {
        if event.event == "app_deauthorized" {
            return true;
        }
        let accounts = self.accounts.load();
        let usable = event
            .account_id
            .as_ref()
            .and_then(|a| accounts.get(a))
            .map(Vec::as_slice)
            .unwrap_or_default();
        event.connections.iter().any(|c| usable.contains(c))
    }

    /// The app names this receiver knows.
    pub fn app_names(&self) -> Vec<String> {
        self.apps.load().keys().cloned().collect()
    }

    /// Takes one delivery to app `app` (see the module docs). `now` is Unix
    /// seconds. An error is the store's: answer 500, and Zoom retries.
    pub async fn receive(
        &self,
        app: &str,
        delivery: Delivery<'_>,
        now: i64,
    ) -> Result<Received, crate::error::StoreError> {
        let apps = self.apps.load();
        let secrets = apps.get(app).map(EventApp::secrets);
        let checked = verify(
            secrets.as_ref(),
            delivery.timestamp,
            delivery.signature,
            delivery.body,
            now,
            self.config.window,
            self.config.max_body,
        );
        if let Err(refusal) = checked {
            self.counts.refused.fetch_add(1, Ordering::Relaxed);
            if apps.contains_key(app) {
                *self
                    .refused_unsaved
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(app.to_string())
                    .or_default() += 1;
            }
            return Ok(Received::Refused(refusal));
        }
        // Verified: now, and only now, the JSON is read.
        let Ok(parsed) = serde_json::from_slice::<Value>(delivery.body) else {
            self.counts.refused.fetch_add(1, Ordering::Relaxed);
            return Ok(Received::Refused(Refusal::NotJson));
        };
        let Some(event) = parsed.get("event").and_then(Value::as_str) else {
            self.counts.refused.fetch_add(1, Ordering::Relaxed);
            return Ok(Received::Refused(Refusal::NotJson));
        };
        if event == "endpoint.url_validation" {
            let plain = parsed
                .pointer("/payload/plainToken")
                .and_then(Value::as_str)
                .unwrap_or_default();
            // Verified, so the app has secrets.
            let Some(secrets) = &secrets else {
                return Ok(Received::Refused(Refusal::NoSecret));
            };
            self.counts.validations.fetch_add(1, Ordering::Relaxed);
            // Noted after the answer: the store is not on this path.
            let (store, app) = (self.store.clone(), app.to_string());
            tokio::spawn(async move {
                if let Err(e) = store.note_validation(&app, now).await {
                    tracing::warn!(app, "cannot note the URL validation: {e}");
                }
            });
            return Ok(Received::Validation(url_validation_answer(
                &secrets.current,
                plain,
            )));
        }
        let new = self.new_event(app, &parsed, delivery, "webhook");
        let unmatched = new.connections.is_empty();
        let (seq, duplicate) = match self.store.append(&new).await? {
            Appended::New(seq) => {
                self.counts.taken.fetch_add(1, Ordering::Relaxed);
                if unmatched {
                    self.counts.unmatched.fetch_add(1, Ordering::Relaxed);
                }
                self.arrived.notify_waiters();
                (seq, false)
            }
            Appended::Duplicate(seq) => {
                self.counts.duplicates.fetch_add(1, Ordering::Relaxed);
                (seq, true)
            }
        };
        Ok(Received::Taken {
            seq,
            duplicate,
            unmatched,
        })
    }

    /// An event trusted without a signature (Zoom's webhook logs, read with
    /// a token): kept unless already there.
    pub async fn take_trusted(
        &self,
        app: &str,
        body: &str,
        request_id: Option<&str>,
        source: &str,
    ) -> Result<Appended, crate::error::StoreError> {
        let parsed: Value =
            serde_json::from_str(body).map_err(|e| format!("an event body is not JSON ({e})"))?;
        let delivery = Delivery {
            timestamp: None,
            signature: None,
            request_id,
            body: body.as_bytes(),
        };
        let new = self.new_event(app, &parsed, delivery, source);
        let appended = self.store.append(&new).await?;
        if matches!(appended, Appended::New(_)) {
            self.arrived.notify_waiters();
        }
        Ok(appended)
    }

    fn new_event(
        &self,
        app: &str,
        parsed: &Value,
        delivery: Delivery<'_>,
        source: &str,
    ) -> NewEvent {
        let account_id = parsed
            .pointer("/payload/account_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let connections = account_id
            .as_ref()
            .and_then(|a| self.accounts.load().get(a).cloned())
            .unwrap_or_default();
        NewEvent {
            app: app.to_string(),
            received_at: crate::clock::now_millis(),
            event: parsed["event"].as_str().unwrap_or_default().to_string(),
            event_ts: parsed.get("event_ts").and_then(Value::as_i64),
            account_id,
            request_id: delivery.request_id.map(str::to_string),
            semantic_key: semantic_key(parsed),
            connections,
            source: source.to_string(),
            body: String::from_utf8_lossy(delivery.body).into_owned(),
        }
    }
}
