//! Zoom REST API v2 simulator: an HTTP server on 127.0.0.1 that behaves like
//! `https://api.zoom.us/v2` on the wire (paths, bearer check, error bodies,
//! meeting-UUID double encoding, token pagination), seeded with data that
//! tests assert on (see [`seed`]).
//!
//! It also sends Zoom's webhook events, signed like Zoom's, to subscribed
//! URLs, with retries on a simulated clock and injectable faults (see
//! [`events`]), and streams them over Zoom's WebSocket event transport on a
//! second port (see [`events::websocket`]).
//!
//! This file owns the public surface: [`SimConfig`], [`start`],
//! [`RunningSimulator`] and [`RecordedRequest`], and the accept loop (hyper
//! HTTP/1.1 connections; every request is recorded before it is routed).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = zoom_simulator::start(zoom_simulator::SimConfig::default()).await?;
//! let base = sim.base_url(); // http://127.0.0.1:PORT/v2
//! # let _ = base; Ok(()) }
//! ```

#![recursion_limit = "256"]

pub mod browser;
pub mod errors;
pub mod events;
pub mod faults;
pub mod ids;
pub mod pagination;
pub mod routes;
pub mod seed;
pub mod state;
pub mod throttle;
pub mod time;
mod tls;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
pub use events::{EVENT_TYPES, EventFault, WebhookDelivery};
pub use faults::{Fault, FaultRule, RateLabel};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use state::SimState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How long a `next_page_token` stays valid (Zoom: 15 minutes).
    pub page_token_ttl: Duration,
    /// Largest request body accepted (bigger ones get 400 code 300).
    pub max_body_bytes: usize,
    /// Meeting create/update requests allowed per host user per UTC day
    /// (Zoom: 100); the next one gets Zoom's 429.
    pub meeting_daily_cap: u32,
    /// Lifetime of access tokens minted by `/oauth/token` (Zoom: 1 hour).
    pub access_token_ttl: Duration,
    /// Seeds one more past meeting, [`seed::LARGE_PAST_MEETING_ID`], with
    /// this many participants (0, the default, seeds none, so startup stays
    /// fast). 100,000 is 334 pages at page_size 300.
    pub large_past_meeting_participants: usize,
    /// Per-second limits enforced per rate label, like Zoom's: a request
    /// above the limit within one second gets the per-second 429 (see
    /// [`throttle`]). Empty (the default): no limit.
    pub per_second_limits: Vec<(RateLabel, u32)>,
    /// Serve HTTPS, with a certificate for 127.0.0.1 issued at start by a
    /// CA made for this simulator ([`RunningSimulator::ca_certificate_der`]).
    pub tls: bool,
    /// With `tls`, offer HTTP/2 as well as HTTP/1.1 by ALPN.
    pub http2: bool,
    /// The Zoom app's secret token the simulator signs events with
    /// (default [`seed::WEBHOOK_SECRET_TOKEN`]).
    pub webhook_secret_token: String,
    /// A WebSocket event connection that sends no heartbeat for this long
    /// is closed by the server (default 90 s; `None`: never).
    pub websocket_idle_timeout: Option<Duration>,
    /// Port on 127.0.0.1 of the WebSocket event transport; 0 picks a free
    /// one.
    pub websocket_port: u16,
    /// The sandbox's demo mode: ending a meeting that is not in progress
    /// (`PUT /meetings/{id}/status`) holds it first, with a recording and a
    /// transcript, instead of refusing as Zoom does. Off for tests.
    pub sandbox_autopilot: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            page_token_ttl: Duration::from_secs(15 * 60),
            max_body_bytes: 4 * 1024 * 1024,
            meeting_daily_cap: 100,
            access_token_ttl: Duration::from_secs(3600),
            large_past_meeting_participants: 0,
            per_second_limits: Vec::new(),
            tls: false,
            http2: false,
            webhook_secret_token: seed::WEBHOOK_SECRET_TOKEN.to_string(),
            websocket_idle_timeout: Some(Duration::from_secs(90)),
            websocket_port: 0,
            sandbox_autopilot: false,
        }
    }
}

/// One request as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path exactly as on the wire, still percent-encoded.
    pub raw_path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    /// The `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// The body, as (lossy) UTF-8.
    pub body: String,
    /// The HTTP version it came over (`HTTP/1.1`, `HTTP/2.0`).
    pub version: String,
}

/// Handle to a running simulator; the server shuts down when it is dropped.
pub struct RunningSimulator {
    addr: SocketAddr,
    /// The WebSocket event listener's address.
    ws_addr: SocketAddr,
    state: Arc<SimState>,
    /// With TLS: the CA certificate (DER) a client must trust.
    ca: Option<Vec<u8>>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    ws_task: Option<JoinHandle<()>>,
}

/// Marker type kept for API symmetry: use [`start`] (or [`Simulator::start`]).
pub struct Simulator;

impl Simulator {
    /// Same as [`start`].
    pub async fn start(config: SimConfig) -> anyhow::Result<RunningSimulator> {
        start(config).await
    }
}

/// Binds 127.0.0.1:`config.port` and serves the simulator in the background
/// (and the WebSocket event transport on a free port of its own).
pub async fn start(config: SimConfig) -> anyhow::Result<RunningSimulator> {
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let ws_listener = TcpListener::bind(("127.0.0.1", config.websocket_port)).await?;
    let ws_addr = ws_listener.local_addr()?;
    let tls = if config.tls {
        Some(tls::Server::new(config.http2)?)
    } else {
        None
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let origin = format!("{scheme}://127.0.0.1:{}", addr.port());
    let ca = tls.as_ref().map(|t| t.ca_der.clone());
    let state = Arc::new(SimState::new(config, origin));
    let (shutdown, rx) = watch::channel(false);
    // Sends queued webhook deliveries until shutdown.
    tokio::spawn(state.events.clone().run(rx.clone()));
    let acceptor = tls.map(|t| t.acceptor);
    let ws_task = tokio::spawn(events::websocket::serve(
        ws_listener,
        state.clone(),
        rx.clone(),
    ));
    let task = tokio::spawn(accept_loop(listener, acceptor, state.clone(), rx));
    Ok(RunningSimulator {
        addr,
        ws_addr,
        state,
        ca,
        shutdown,
        task: Some(task),
        ws_task: Some(ws_task),
    })
}

/// The event helpers (`events::helpers`: start and end meetings, complete
/// recordings, ...) are the simulator state's, so that routes can drive
/// them too; a running simulator offers them as its own.
impl std::ops::Deref for RunningSimulator {
    type Target = state::SimState;
    fn deref(&self) -> &state::SimState {
        &self.state
    }
}

impl RunningSimulator {
    /// `http://127.0.0.1:PORT/v2`
    pub fn base_url(&self) -> String {
        format!("{}/v2", self.origin())
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS)
    pub fn origin(&self) -> String {
        self.state.origin.clone()
    }

    /// With TLS: the certificate (DER) of the CA that issued the server's,
    /// for a client to trust.
    pub fn ca_certificate_der(&self) -> Option<Vec<u8>> {
        self.ca.clone()
    }

    /// TCP connections accepted so far (a client that keeps connections
    /// alive opens few).
    pub fn connections_accepted(&self) -> u64 {
        self.state
            .connections
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Adds (or replaces) a bearer token in the token table.
    pub fn insert_token(&self, token: &str, info: state::TokenInfo) {
        self.state.data().tokens.insert(token.to_string(), info);
    }

    /// Marks a bearer token as expired now (Zoom then answers 401 code 124);
    /// `false` if the token is unknown.
    pub fn expire_access_token(&self, token: &str) -> bool {
        let mut data = self.state.data();
        match data.tokens.get_mut(token) {
            Some(info) => {
                info.expires_at = Some(time::now_secs() - 1);
                true
            }
            None => false,
        }
    }

    /// Makes every outstanding OAuth authorization code `by` older (codes
    /// live 5 minutes), so tests need not wait.
    pub fn age_auth_codes(&self, by: Duration) {
        let mut data = self.state.data();
        for code in data.auth_codes.values_mut() {
            code.expires_at -= by.as_secs() as i64;
        }
    }

    /// Adds a fault-injection rule (see [`faults`]).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.state
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    /// Requests refused with a per-second 429 by
    /// [`SimConfig::per_second_limits`] so far.
    pub fn throttled_count(&self) -> u64 {
        self.state.throttle.refused()
    }

    /// The most requests of `label` accepted within one second, for a label
    /// with a limit in [`SimConfig::per_second_limits`] (else 0).
    pub fn peak_per_second(&self, label: RateLabel) -> u32 {
        self.state.throttle.peak(label)
    }

    /// Removes every fault-injection rule.
    pub fn clear_faults(&self) {
        self.state
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Stops accepting, lets open connections finish, and waits for the
    /// accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(task) = self.ws_task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the process ends (for `wrk-zoom sandbox --port P`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<SimState>,
    mut rx: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = rx.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                state.connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (state, conn_rx, tls) = (state.clone(), rx.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => serve_connection(TokioIo::new(stream), state, conn_rx).await,
                        Some(acceptor) => {
                            // A client that gives up on the handshake is no error.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve_connection(TokioIo::new(stream), state, conn_rx).await;
                            }
                        }
                    }
                });
            }
        }
    }
}

/// Serves one connection (HTTP/1.1, or HTTP/2 when TLS negotiated it) until
/// it closes or the simulator shuts down.
async fn serve_connection<I>(io: TokioIo<I>, state: Arc<SimState>, mut rx: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { handle(state, req).await }
    });
    let builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = rx.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn handle(
    state: Arc<SimState>,
    req: Request<Incoming>,
) -> Result<Response<Body>, faults::ConnectionDropped> {
    let (parts, body) = req.into_parts();
    let limit = state.config.max_body_bytes;
    let bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Some(collected.to_bytes()),
        Err(_) => None,
    };
    let body_text = bytes
        .as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let method = parts.method.to_string();
    let raw_path = parts.uri.path().to_string();
    state
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(RecordedRequest {
            method: method.clone(),
            raw_path: raw_path.clone(),
            query: parts.uri.query().map(str::to_string),
            authorization: parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: body_text,
            version: format!("{:?}", parts.version),
        });
    let fault = {
        let mut rules = state.faults.lock().unwrap_or_else(|e| e.into_inner());
        faults::take(&mut rules, &method, &raw_path)
    };
    let label = routes::rate_label(&method, &raw_path);
    let early = match &fault {
        _ if !state.throttle.admit(label) => {
            Some(faults::rate_limited(&Fault::RateLimitPerSecond, label))
        }
        Some(f @ (Fault::RateLimitPerSecond | Fault::RateLimitDaily | Fault::MeetingDailyCap)) => {
            Some(faults::rate_limited(f, label))
        }
        Some(Fault::ServerError(status)) => Some(faults::server_error(*status)),
        Some(Fault::Answer {
            status,
            headers,
            body,
        }) => Some(faults::answer(*status, headers, body)),
        Some(Fault::DropBeforeProcessing) => return Err(faults::ConnectionDropped),
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        _ => None,
    };
    let mut response = match (early, bytes) {
        (Some(resp), _) => resp,
        // Creating an event subscription validates its URL over HTTP: the
        // one route that must await, so it bypasses the synchronous table.
        (None, Some(bytes))
            if routes::marketplace::is_create_subscription(&parts.method, &raw_path) =>
        {
            routes::marketplace::create_subscription(
                &state,
                &parts.headers,
                parts.uri.query(),
                &bytes,
            )
            .await
        }
        (None, Some(bytes)) => {
            routes::dispatch(&state, &parts.method, &parts.uri, &parts.headers, &bytes)
        }
        (None, None) => errors::ApiError::bad_request("Request body is too large or unreadable.")
            .into_response(),
    };
    let tracking = format!("v=2.0;clid=us05;rid=SIM_{:016x}", rand::random::<u64>());
    if let Ok(v) = HeaderValue::from_str(&tracking) {
        response.headers_mut().insert("x-zm-trackingid", v);
    }
    match fault {
        Some(Fault::DropAfterProcessing) => Err(faults::ConnectionDropped),
        Some(Fault::CutOffBody) => Ok(faults::cut_off(response).await),
        Some(Fault::TrickleBody(d)) => Ok(faults::trickle(response, d).await),
        _ => Ok(response),
    }
}
