//! Zoom's events over a WebSocket, for a Server-to-Server or General app
//! whose event subscription uses one: no public endpoint, no certificate,
//! no URL validation. [`WebSocketSource::run`]:
//!
//! - holds the store's lease on the subscription, so across `serve`
//!   replicas exactly one process has the connection Zoom allows (another
//!   takes over within seconds when the holder dies);
//! - connects to `URL&access_token=...` with a fresh token of the
//!   subscription's connection, waits for Zoom's `build_connection`, and
//!   sends `{"module":"heartbeat"}` every `heartbeat`;
//! - takes every `message` into the inbox as a trusted event (the socket is
//!   authenticated), with the same dedupe as webhooks;
//! - on a close, an error or "invalid token", renews the token when Zoom
//!   refused it and reconnects with backoff;
//! - records every interval it was not connected (the cursor
//!   `wrk-zoom:ws-gap:APP:FROM` holds its end, in Unix ms) and, with a host,
//!   takes in what Zoom's REST API says happened meanwhile
//!   (`super::backfill`), as Zoom keeps nothing for a closed socket.
//!
//! The token goes only to Zoom's own hosts (`wss://*.zoom.us`) or to an
//! origin allowed with `WRK_ZOOM_ALLOW_BASE`, as a stored connection's
//! secrets do.

use super::backfill::backfill;
use super::receive::Receiver;
use crate::Host;
use crate::auth::Connections;
use crate::call::ConnectionRequest;
use crate::error::HostError;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// Gaps are reconciled at most this often.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);

/// How a [`WebSocketSource`] connects.
#[derive(Clone, Debug)]
pub struct WebSocketConfig {
    /// Zoom's endpoint with the subscription, without a token, e.g.
    /// `wss://ws.zoom.us/ws?subscriptionId=ID`.
    pub url: String,
    /// The app whose inbox the events go to.
    pub app: String,
    /// How often to send Zoom's heartbeat.
    pub heartbeat: Duration,
    /// The wait before the first reconnect; doubled each time.
    pub first_retry: Duration,
    /// The longest wait between reconnects.
    pub max_retry: Duration,
}

impl WebSocketConfig {
    /// Zoom's endpoint `url` for `app`, with Zoom's sample's heartbeat
    /// (30 s) and reconnects from 1 s up to a minute.
    pub fn new(url: impl Into<String>, app: impl Into<String>) -> WebSocketConfig {
        WebSocketConfig {
            url: url.into(),
            app: app.into(),
            heartbeat: Duration::from_secs(30),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(60),
        }
    }

    /// Checks the URL: `ws://` or `wss://`, with `subscriptionId`, and,
    /// for a stored connection's tokens (`stored`), an origin they may go
    /// to (a token given by hand goes where its owner says).
    pub fn check(&self, stored: bool) -> Result<(), HostError> {
        let invalid = |message: String| HostError::InvalidInput {
            field: "websocket URL".into(),
            message,
        };
        let url = url::Url::parse(&self.url)
            .map_err(|e| invalid(format!("'{}' is not a URL: {e}", self.url)))?;
        if !matches!(url.scheme(), "ws" | "wss") {
            return Err(invalid(format!(
                "'{}' is not a ws:// or wss:// URL; Zoom shows it on the app's event subscription, e.g. wss://ws.zoom.us/ws?subscriptionId=...",
                self.url
            )));
        }
        if !url.query_pairs().any(|(k, _)| k == "subscriptionId") {
            return Err(invalid(format!(
                "'{}' has no subscriptionId: copy the whole endpoint URL Zoom shows for the subscription",
                self.url
            )));
        }
        let http = format!(
            "{}{}",
            if url.scheme() == "wss" {
                "https"
            } else {
                "http"
            },
            &self.url[url.scheme().len()..]
        );
        let allowed = crate::auth::StoredBases::from_env().map_err(invalid)?;
        if stored && !allowed.admits(&http) {
            return Err(invalid(format!(
                "'{}' is not Zoom's (wss on zoom.us or a subdomain), so no token is sent there; if it is yours (a simulator), allow its origin with {}",
                self.url,
                crate::auth::ALLOW_BASE_VAR
            )));
        }
        Ok(())
    }
}

/// Who the source is to Zoom: the connection its tokens come from (and
/// which backfills run on).
pub struct ZoomSide {
    /// Runs the backfill's actions; `None`: no backfill.
    pub host: Option<Arc<Host>>,
    /// The stored connections, for a named one.
    pub connections: Option<Arc<Connections>>,
    /// A stored connection, or a token with its API base.
    pub request: ConnectionRequest,
}

impl ZoomSide {
    /// A token good for a while; `refused`: Zoom refused that one.
    async fn token(&self, refused: Option<&str>) -> Result<String, HostError> {
        if let Some(fixed) = &self.request.token {
            return Ok(fixed.access_token.clone());
        }
        let (Some(connections), Some(name)) = (&self.connections, &self.request.connection) else {
            return Err(HostError::InvalidInput {
                field: "connection".into(),
                message: "a WebSocket needs a stored Server-to-Server connection (--connection) or a token".into(),
            });
        };
        let access = connections
            .access_for(name, Duration::from_secs(300))
            .await?;
        match refused {
            Some(token) if token == access.zoom.access_token => Ok(connections
                .renew_after_rejection(&access)
                .await?
                .zoom
                .access_token),
            _ => Ok(access.zoom.access_token),
        }
    }
}

/// How a connection ended.
enum Ended {
    /// Asked to stop, or the lease was lost.
    Stopped,
    /// Zoom refused the token (it is renewed before the next attempt).
    TokenRefused(String),
    /// Closed, cut or refused otherwise.
    Lost(String),
}

/// One subscription's WebSocket (see the module docs).
pub struct WebSocketSource {
    config: WebSocketConfig,
    zoom: ZoomSide,
    receiver: Arc<Receiver>,
    /// The start of the oldest gap not reconciled yet (Unix ms).
    pending: std::sync::Mutex<Option<i64>>,
    /// Whether the connection is up now.
    connected: watch::Sender<bool>,
    /// When gaps were last reconciled (Unix ms; 0: never).
    reconciled_at: std::sync::atomic::AtomicI64,
}

impl WebSocketSource {
    /// A source for `config`, taking events into `receiver`'s store.
    pub fn new(
        config: WebSocketConfig,
        zoom: ZoomSide,
        receiver: Arc<Receiver>,
    ) -> WebSocketSource {
        WebSocketSource {
            config,
            zoom,
            receiver,
            pending: std::sync::Mutex::new(None),
            connected: watch::channel(false).0,
            reconciled_at: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Whether the connection is up, as it changes.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.subscribe()
    }

    fn marker(&self) -> String {
        format!("wrk-zoom:ws-seen:{}", self.config.app)
    }

    /// Runs until `stop` turns true: waits for the lease, then keeps the
    /// connection (see the module docs).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let store = self.receiver.store().clone();
        let lease_name = format!("websocket:{}", self.config.url);
        let mut waited = false;
        while !*stop.borrow() {
            let lease = match store.try_lease(&lease_name).await {
                Ok(Some(lease)) => lease,
                Ok(None) => {
                    if !waited {
                        tracing::info!(app = %self.config.app, "another process holds the WebSocket; waiting to take over");
                        waited = true;
                    }
                    if wait(&mut stop, Duration::from_millis(500)).await {
                        return;
                    }
                    continue;
                }
                Err(e) => {
                    tracing::warn!("cannot take the WebSocket's lease: {e}");
                    if wait(&mut stop, self.config.first_retry).await {
                        return;
                    }
                    continue;
                }
            };
            waited = false;
            self.hold(&mut stop, lease.lost()).await;
            drop(lease);
        }
    }

    /// Connects and reconnects while the lease holds.
    async fn hold(&self, stop: &mut watch::Receiver<bool>, mut lost: watch::Receiver<bool>) {
        let mut failures = 0u32;
        let mut refused: Option<String> = None;
        loop {
            if *stop.borrow() || *lost.borrow() {
                return;
            }
            let ended = match self.zoom.token(refused.as_deref()).await {
                Ok(token) => self.connect(&token, stop, &mut lost).await,
                Err(e) => Ended::Lost(format!("no token: {e}")),
            };
            self.connected.send_replace(false);
            match ended {
                Ended::Stopped => {
                    self.mark_seen().await;
                    return;
                }
                Ended::TokenRefused(token) => {
                    tracing::info!(app = %self.config.app, "Zoom refused the token; renewing it");
                    refused = Some(token);
                    failures = 0;
                    continue;
                }
                Ended::Lost(why) => {
                    tracing::warn!(app = %self.config.app, "the WebSocket ended: {why}");
                    refused = None;
                }
            }
            let wait_for = self
                .config
                .first_retry
                .saturating_mul(1 << failures.min(16))
                .min(self.config.max_retry);
            failures += 1;
            if wait(stop, wait_for).await {
                return;
            }
        }
    }

    /// One connection, from the handshake to its end.
    async fn connect(
        &self,
        token: &str,
        stop: &mut watch::Receiver<bool>,
        lost: &mut watch::Receiver<bool>,
    ) -> Ended {
        let url = format!("{}&access_token={token}", self.config.url);
        let mut socket = match open(&url).await {
            Ok(socket) => socket,
            Err(why) => return Ended::Lost(why),
        };
        // Zoom's first word: whether the connection is built.
        let first = tokio::time::timeout(Duration::from_secs(30), socket.next()).await;
        let built = match first {
            Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Value>(&text).ok(),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return closed(frame.map(|f| f.reason.to_string()), token);
            }
            Ok(Some(Err(e))) => return Ended::Lost(e.to_string()),
            Ok(_) => return Ended::Lost("closed before build_connection".into()),
            Err(_) => return Ended::Lost("no build_connection within 30 s".into()),
        };
        let built = built.unwrap_or_default();
        if built["module"] != "build_connection" || built["success"] != true {
            let why = built["content"].as_str().unwrap_or("refused").to_string();
            return closed(Some(why), token);
        }
        tracing::info!(app = %self.config.app, "WebSocket connected");
        self.after_gap().await;
        self.connected.send_replace(true);
        let mut beat = tokio::time::interval(self.config.heartbeat);
        beat.tick().await;
        let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
        reconcile.tick().await;
        loop {
            tokio::select! {
                _ = turned_true(stop) => {
                    let _ = socket.close(None).await;
                    return Ended::Stopped;
                }
                _ = turned_true(lost) => {
                    let _ = socket.close(None).await;
                    return Ended::Stopped;
                }
                _ = reconcile.tick() => self.reconcile_pending(false).await,
                _ = beat.tick() => {
                    let heartbeat = Message::Text(r#"{"module":"heartbeat"}"#.into());
                    if let Err(e) = socket.send(heartbeat).await {
                        return Ended::Lost(e.to_string());
                    }
                }
                next = socket.next() => match next {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(end) = self.message(&text, token).await {
                            return end;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        return closed(frame.map(|f| f.reason.to_string()), token);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Ended::Lost(e.to_string()),
                    None => return Ended::Lost("the connection ended".into()),
                },
            }
        }
    }

    /// One text frame: an event to keep, or a heartbeat's answer.
    async fn message(&self, text: &str, token: &str) -> Option<Ended> {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            tracing::warn!("a WebSocket frame that is not JSON was ignored");
            return None;
        };
        match frame["module"].as_str() {
            Some("message") => {
                let Some(body) = frame["content"].as_str() else {
                    tracing::warn!("a WebSocket message without content was ignored");
                    return None;
                };
                if let Err(e) = self
                    .receiver
                    .take_trusted(&self.config.app, body, None, "websocket")
                    .await
                {
                    // Not kept: Zoom will not send it again; the gap after a
                    // reconnect is reconciled.
                    return Some(Ended::Lost(format!("cannot keep an event: {e}")));
                }
                self.mark_seen().await;
                None
            }
            Some("heartbeat") if frame["success"] == false => {
                let why = frame["content"].as_str().unwrap_or("heartbeat refused");
                Some(closed(Some(why.to_string()), token))
            }
            Some("heartbeat") => {
                self.mark_seen().await;
                None
            }
            _ => None,
        }
    }

    /// Notes that the connection is up now (durably, for the next process).
    async fn mark_seen(&self) {
        let now = crate::clock::now_millis();
        let _ = self
            .receiver
            .store()
            .set_cursor(&self.marker(), now.max(0) as u64)
            .await;
    }

    /// Just connected: the interval since the connection was last known to
    /// be up is a gap: recorded, and reconciled (at most once a
    /// [`RECONCILE_EVERY`], each time from the oldest gap not reconciled
    /// yet: a flapping connection must not spend Zoom's report quota).
    async fn after_gap(&self) {
        let store = self.receiver.store();
        let now = crate::clock::now_millis();
        let last = store
            .cursor(&self.marker())
            .await
            .ok()
            .flatten()
            .unwrap_or(0) as i64;
        self.mark_seen().await;
        if last == 0 {
            return; // never connected before: no gap to speak of
        }
        let gap = format!("wrk-zoom:ws-gap:{}:{last}", self.config.app);
        let _ = store.set_cursor(&gap, now.max(0) as u64).await;
        tracing::info!(app = %self.config.app, from = last, to = now, "was not connected for {} ms", now - last);
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            *pending = Some(pending.map_or(last, |from| from.min(last)));
        }
        self.reconcile_pending(true).await;
    }

    /// Reconciles the gaps not reconciled yet, unless the last time was
    /// less than [`RECONCILE_EVERY`] ago (`first`: right after a reconnect,
    /// when the first one is due at once).
    async fn reconcile_pending(&self, first: bool) {
        let now = crate::clock::now_millis();
        let from = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let last_run = self
                .reconciled_at
                .load(std::sync::atomic::Ordering::Relaxed);
            let due =
                now - last_run >= RECONCILE_EVERY.as_millis() as i64 || (first && last_run == 0);
            match (*pending, due) {
                (Some(from), true) => {
                    *pending = None;
                    from
                }
                _ => return,
            }
        };
        self.reconciled_at
            .store(now, std::sync::atomic::Ordering::Relaxed);
        let Some(host) = &self.zoom.host else {
            return;
        };
        match backfill(
            host,
            self.zoom.connections.as_deref(),
            &self.zoom.request,
            &self.receiver,
            &self.config.app,
            (from, now),
        )
        .await
        {
            Ok(done) => {
                tracing::info!(app = %self.config.app, found = done.found, taken = done.taken, "reconciled the gap from Zoom's REST API")
            }
            Err(e) => {
                tracing::warn!(app = %self.config.app, "cannot reconcile the gap: {e}");
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                *pending = Some(pending.map_or(from, |f| f.min(from)));
            }
        }
    }
}

/// One interval a WebSocket was not connected.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    /// The app whose WebSocket it was.
    pub app: String,
    /// When the connection was last known up (Unix ms).
    pub from: i64,
    /// When it was up again (Unix ms).
    pub to: i64,
}

/// Every gap recorded, oldest first.
pub async fn gaps(store: &dyn super::EventStore) -> Result<Vec<Gap>, crate::error::StoreError> {
    let mut gaps: Vec<Gap> = store
        .cursors()
        .await?
        .into_iter()
        .filter_map(|(name, to)| {
            let (app, from) = name.strip_prefix("wrk-zoom:ws-gap:")?.rsplit_once(':')?;
            Some(Gap {
                app: app.to_string(),
                from: from.parse().ok()?,
                to: to as i64,
            })
        })
        .collect();
    gaps.sort_by_key(|g| (g.from, g.app.clone()));
    Ok(gaps)
}

/// A close whose reason says the token was refused asks for a new one.
fn closed(reason: Option<String>, token: &str) -> Ended {
    let reason = reason.unwrap_or_default();
    if reason.to_ascii_lowercase().contains("token") {
        Ended::TokenRefused(token.to_string())
    } else {
        Ended::Lost(format!("closed: {reason}"))
    }
}

/// Resolves once `flag` is true (never, when its sender is gone without
/// saying so).
async fn turned_true(flag: &mut watch::Receiver<bool>) {
    loop {
        if *flag.borrow_and_update() {
            return;
        }
        if flag.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// Sleeps `wait`; whether `stop` turned true meanwhile.
async fn wait(stop: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => *stop.borrow(),
        _ = turned_true(stop) => true,
    }
}

type Socket = tokio_tungstenite::WebSocketStream<Box<dyn Stream>>;

/// A byte stream a WebSocket runs over (TCP, or TLS over TCP).
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

/// Opens `url` (ws:// or wss://, with the host's trusted roots).
async fn open(url: &str) -> Result<Socket, String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().ok_or("no host")?.to_string();
    let tls = parsed.scheme() == "wss";
    let port = parsed.port().unwrap_or(if tls { 443 } else { 80 });
    let tcp = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| "connecting timed out".to_string())?
    .map_err(|e| format!("cannot connect: {e}"))?;
    let stream: Box<dyn Stream> = if tls {
        let config = crate::transport::shared_tls_config()?;
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| format!("{host}: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        Box::new(
            connector
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?,
        )
    } else {
        Box::new(tcp)
    };
    let (socket, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .map_err(|e| e.to_string())?;
    Ok(socket)
}
