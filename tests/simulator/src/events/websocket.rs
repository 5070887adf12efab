//! Zoom's WebSocket event transport (`shared/docs/zoom-events.md` §1.9): a
//! client connects to [`RunningSimulator::websocket_url`] (plain `ws://` on
//! its own 127.0.0.1 port, standing for `wss://ws.zoom.us/ws`) with
//! `?subscriptionId=ID&access_token=TOKEN` and receives the events of that
//! subscription as text frames.
//!
//! Zoom's documented (or sample-shown) behaviour, followed here:
//!
//! * The subscription method "WebSocket" of an S2S or General app; the
//!   client authenticates with a fresh access token in the query
//!   (`access_token`), here any token the REST routes accept
//!   ([`crate::routes::check_token`]): the seeded ones, OAuth and S2S
//!   (`account_credentials`) tokens; not expired, unknown or revoked ones.
//! * Heartbeats: the client sends `{"module":"heartbeat"}` (Zoom's sample:
//!   every 30 s).
//! * Events: `{"module":"message","content":"<event body>"}`, the content
//!   being the same JSON text a webhook delivery's body carries.
//! * On connect a `build_connection` module message.
//! * No backfill: while no connection is open, events are not delivered
//!   and not kept ([`RunningSimulator::websocket_dropped`] counts them).
//! * One connection per subscription (claimed by Zoom's skills repo, not
//!   Zoom's docs): a new one closes the old.
//!
//! The simulator's choices where Zoom says nothing:
//!
//! * `build_connection`: `{"module":"build_connection","success":true,
//!   "content":"<session id>"}` first on a good connection. A refused one
//!   gets `{"module":"build_connection","success":false,"content":REASON}`
//!   and a close frame [`CLOSE_REFUSED`] (1008) with the same REASON:
//!   [`INVALID_TOKEN`] (token missing, unknown, expired or revoked; checked
//!   first) or [`UNKNOWN_SUBSCRIPTION`] (missing, unknown, or on another
//!   account). A path other than [`PATH`] gets HTTP 404 instead of the
//!   upgrade.
//! * A heartbeat is answered `{"module":"heartbeat","success":true}`; when
//!   the connection's token is no longer valid,
//!   `{"module":"heartbeat","success":false,"content":"Invalid Token"}` and
//!   close 1008 "Invalid Token" (renew the token and reconnect). Only
//!   heartbeats check the token: events keep flowing until the next one.
//! * A new connection to a subscription closes the previous one with
//!   [`CLOSE_TAKEN_OVER`] (1000) [`TAKEN_OVER_REASON`], after the events
//!   already handed to it.
//! * No heartbeat for `SimConfig::websocket_idle_timeout` (default 90 s,
//!   three missed 30 s beats; `None`: never) since connecting or the last
//!   heartbeat: close [`CLOSE_IDLE`] (1000) [`IDLE_REASON`]. Other frames
//!   do not count as heartbeats; pings are answered with pongs.
//! * Simulator shutdown: close 1001 "server shutting down".
//! * Events go out in emit order, at once, no retries. Only events whose
//!   `payload.account_id` is the subscription's account (or that have
//!   none) and whose type it includes. Of the [`EventFault`]s, `Duplicate`
//!   sends the event twice (recording events with fresh download tokens, as
//!   for webhooks), and `NonRoundTrip` / `Oversized` change the content
//!   text as they change a webhook body; the delivery faults (`Reorder`,
//!   `Late`, `Fail`) and the signing/header faults do not apply to
//!   WebSocket.
//! * [`RunningSimulator::drop_websockets`] ends a connection like a network
//!   failure: the TCP connection closes without a close frame.
//!
//! Locks: the hub's mutex is taken after the data and event-hub mutexes
//! (emission holds both), never before them, and never across an `.await`.
//!
//! [`EventFault`]: super::EventFault

use super::EMITTED_KEPT;
use crate::RunningSimulator;
use crate::routes::{Query, check_token};
use crate::seed::{ACCOUNT_ID, WEBSOCKET_SUBSCRIPTION_ID};
use crate::state::SimState;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{WebSocketStream, accept_hdr_async};

/// The path a client connects to (Zoom: `wss://ws.zoom.us/ws`).
pub const PATH: &str = "/ws";
/// Close code of a refused connection or a refused heartbeat (policy
/// violation).
pub const CLOSE_REFUSED: u16 = 1008;
/// Close code for the connection a newer one replaced.
pub const CLOSE_TAKEN_OVER: u16 = 1000;
/// Close reason for the connection a newer one replaced.
pub const TAKEN_OVER_REASON: &str = "another connection took over";
/// Close code when no heartbeat came within the idle timeout.
pub const CLOSE_IDLE: u16 = 1000;
/// Close reason when no heartbeat came within the idle timeout.
pub const IDLE_REASON: &str = "heartbeat timeout";
/// Close code when the simulator shuts down (going away).
pub const CLOSE_SHUTDOWN: u16 = 1001;
/// Refusal reason: the access token is missing, unknown or expired.
pub const INVALID_TOKEN: &str = "Invalid Token";
/// Refusal reason: the subscription id is missing or unknown.
pub const UNKNOWN_SUBSCRIPTION: &str = "Unknown subscription";

/// The client must finish the opening handshake within this.
const HANDSHAKE_WITHIN: Duration = Duration::from_secs(10);
/// After sending a close frame, how long to wait for the client's.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// One WebSocket event subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsSubscription {
    pub id: String,
    /// The account whose events it carries.
    pub account_id: String,
    pub events: Vec<String>,
}

/// What a connection's task is told to do, in order.
enum Command {
    /// Send this text frame.
    Send(String),
    /// Send a close frame (code, reason) and end.
    Close(u16, &'static str),
    /// End without a close frame.
    Abort,
}

/// The open connection of a subscription.
struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Command>,
}

struct Sub {
    info: WsSubscription,
    conn: Option<Conn>,
    connects: u64,
    sent: VecDeque<Value>,
    dropped: VecDeque<Value>,
}

#[derive(Default)]
struct Inner {
    subs: Vec<Sub>,
    next_conn: u64,
}

impl Inner {
    fn sub(&mut self, id: &str) -> Option<&mut Sub> {
        self.subs.iter_mut().find(|s| s.info.id == id)
    }
}

/// The WebSocket subscriptions, their open connections and their logs.
pub struct WsHub {
    inner: Mutex<Inner>,
}

impl Default for WsHub {
    fn default() -> Self {
        Self::new()
    }
}

fn keep(log: &mut VecDeque<Value>, body: Value) {
    if log.len() == EMITTED_KEPT {
        log.pop_front();
    }
    log.push_back(body);
}

impl WsHub {
    /// A hub holding the seeded subscription
    /// ([`WEBSOCKET_SUBSCRIPTION_ID`]: every event type, the seeded account).
    pub fn new() -> Self {
        let hub = WsHub {
            inner: Mutex::new(Inner::default()),
        };
        hub.add(WEBSOCKET_SUBSCRIPTION_ID.to_string(), &[], ACCOUNT_ID);
        hub
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, id: String, events: &[String], account_id: &str) {
        let events = if events.is_empty() {
            super::EVENT_TYPES.iter().map(|e| e.to_string()).collect()
        } else {
            events.to_vec()
        };
        self.lock().subs.push(Sub {
            info: WsSubscription {
                id,
                account_id: account_id.to_string(),
                events,
            },
            conn: None,
            connects: 0,
            sent: VecDeque::new(),
            dropped: VecDeque::new(),
        });
    }

    /// A new subscription to `events` (every [`super::EVENT_TYPES`] when
    /// empty) on `account_id`; returns its id.
    pub fn subscribe(&self, events: &[String], account_id: &str) -> String {
        let id = super::random_token(16);
        self.add(id.clone(), events, account_id);
        id
    }

    /// Every WebSocket subscription.
    pub fn subscriptions(&self) -> Vec<WsSubscription> {
        self.lock().subs.iter().map(|s| s.info.clone()).collect()
    }

    /// Hands `bodies` (one emitted event's, twice for a duplicate) to every
    /// subscription that takes `event` from `account`: to its open
    /// connection, or to its dropped log when none is open.
    pub fn deliver<'a>(
        &self,
        event: &str,
        account: Option<&str>,
        bodies: impl Iterator<Item = &'a str> + Clone,
    ) {
        let mut inner = self.lock();
        for sub in inner.subs.iter_mut().filter(|s| {
            s.info.events.iter().any(|e| e == event)
                && account.is_none_or(|a| a == s.info.account_id)
        }) {
            for body in bodies.clone() {
                let value = serde_json::from_str(body).unwrap_or(Value::Null);
                let frame = json!({"module": "message", "content": body}).to_string();
                let handed = sub
                    .conn
                    .as_ref()
                    .is_some_and(|c| c.tx.send(Command::Send(frame)).is_ok());
                keep(
                    if handed {
                        &mut sub.sent
                    } else {
                        &mut sub.dropped
                    },
                    value,
                );
            }
        }
    }

    /// Makes a new connection the subscription's open one (closing the
    /// previous one); `None` if the subscription is unknown.
    fn attach(&self, sub_id: &str) -> Option<(u64, mpsc::UnboundedReceiver<Command>)> {
        let mut inner = self.lock();
        inner.next_conn += 1;
        let id = inner.next_conn;
        let sub = inner.sub(sub_id)?;
        let (tx, rx) = mpsc::unbounded_channel();
        if let Some(old) = sub.conn.replace(Conn { id, tx }) {
            let _ = old
                .tx
                .send(Command::Close(CLOSE_TAKEN_OVER, TAKEN_OVER_REASON));
        }
        sub.connects += 1;
        Some((id, rx))
    }

    /// Forgets connection `conn_id` if it is still the subscription's open
    /// one.
    fn detach(&self, sub_id: &str, conn_id: u64) {
        if let Some(sub) = self.lock().sub(sub_id)
            && sub.conn.as_ref().is_some_and(|c| c.id == conn_id)
        {
            sub.conn = None;
        }
    }

    fn account_of(&self, sub_id: &str) -> Option<String> {
        self.lock().sub(sub_id).map(|s| s.info.account_id.clone())
    }

    /// Open connections of `sub_id` (0 or 1).
    pub fn connections(&self, sub_id: &str) -> usize {
        self.lock()
            .sub(sub_id)
            .map_or(0, |s| usize::from(s.conn.is_some()))
    }

    /// Successful handshakes of `sub_id` so far.
    pub fn connects(&self, sub_id: &str) -> u64 {
        self.lock().sub(sub_id).map_or(0, |s| s.connects)
    }

    /// Event bodies handed to `sub_id`'s open connection, in order (the
    /// newest [`EMITTED_KEPT`]).
    pub fn sent(&self, sub_id: &str) -> Vec<Value> {
        self.lock()
            .sub(sub_id)
            .map_or_else(Vec::new, |s| s.sent.iter().cloned().collect())
    }

    /// Event bodies for `sub_id` emitted while no connection was open.
    pub fn dropped(&self, sub_id: &str) -> Vec<Value> {
        self.lock()
            .sub(sub_id)
            .map_or_else(Vec::new, |s| s.dropped.iter().cloned().collect())
    }

    /// Cuts `sub_id`'s open connection without a close frame.
    pub fn abort(&self, sub_id: &str) {
        if let Some(conn) = self.lock().sub(sub_id).and_then(|s| s.conn.take()) {
            let _ = conn.tx.send(Command::Abort);
        }
    }
}

/// Accepts WebSocket connections until `shutdown` fires.
pub async fn serve(
    listener: TcpListener,
    state: Arc<SimState>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(connection(stream, state.clone(), shutdown.clone()));
            }
        }
    }
}

/// `{"module":"build_connection"|"heartbeat","success":..[,"content":..]}`
fn module(name: &str, success: bool, content: Option<&str>) -> Message {
    let mut v = json!({"module": name, "success": success});
    if let Some(c) = content {
        v["content"] = json!(c);
    }
    Message::text(v.to_string())
}

/// The account of a valid `token`, or why not.
fn token_account(state: &SimState, token: &str) -> Result<&'static str, &'static str> {
    let info = check_token(state, token).map_err(|_| INVALID_TOKEN)?;
    // Every user of the simulator is on the one seeded account.
    match state.data().find_user(&info.user_id) {
        Some(_) => Ok(ACCOUNT_ID),
        None => Err(INVALID_TOKEN),
    }
}

/// Whether `token` is still accepted (for heartbeats).
fn token_ok(state: &SimState, token: &str) -> bool {
    token_account(state, token).is_ok()
}

/// Why a loop over a connection ended.
enum Ending {
    /// Send a close frame and wait briefly for the client's.
    Close(u16, &'static str),
    /// Drop the connection without a close frame.
    Abort,
    /// The client closed, or the connection failed.
    Gone,
}

/// One step of a connection's loop.
enum Step {
    Command(Option<Command>),
    Frame(Option<Result<Message, WsError>>),
    Idle,
    Shutdown,
}

type Ws = WebSocketStream<TcpStream>;

async fn connection(stream: TcpStream, state: Arc<SimState>, shutdown: watch::Receiver<bool>) {
    let mut query: Option<String> = None;
    // The signature is tungstenite's `Callback`.
    #[allow(clippy::result_large_err)]
    let callback = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        if req.uri().path() != PATH {
            let mut not_found = ErrorResponse::new(Some("Not Found".to_string()));
            *not_found.status_mut() = StatusCode::NOT_FOUND;
            return Err(not_found);
        }
        query = req.uri().query().map(str::to_string);
        Ok(resp)
    };
    let Ok(Ok(mut ws)) = timeout(HANDSHAKE_WITHIN, accept_hdr_async(stream, callback)).await else {
        return;
    };
    let query = Query::parse(query.as_deref());
    let sub_id = query.get("subscriptionId").unwrap_or_default().to_string();
    let token = query.get("access_token").unwrap_or_default().to_string();
    let hub = &state.events.websockets;
    let verdict = token_account(&state, &token).and_then(|account| match hub.account_of(&sub_id) {
        Some(a) if a == account => Ok(()),
        _ => Err(UNKNOWN_SUBSCRIPTION),
    });
    let attached = verdict.and_then(|()| hub.attach(&sub_id).ok_or(UNKNOWN_SUBSCRIPTION));
    let (conn_id, rx) = match attached {
        Ok(a) => a,
        Err(reason) => {
            if ws
                .send(module("build_connection", false, Some(reason)))
                .await
                .is_ok()
            {
                close(ws, CLOSE_REFUSED, reason).await;
            }
            return;
        }
    };
    let session = super::random_token(12);
    let ending = match ws
        .send(module("build_connection", true, Some(&session)))
        .await
    {
        Ok(()) => run(&mut ws, &state, &token, rx, shutdown).await,
        Err(_) => Ending::Gone,
    };
    hub.detach(&sub_id, conn_id);
    match ending {
        Ending::Close(code, reason) => close(ws, code, reason).await,
        // Dropping the stream closes the TCP connection, no close frame.
        Ending::Abort | Ending::Gone => drop(ws),
    }
}

/// Serves an accepted connection: events out, heartbeats in.
async fn run(
    ws: &mut Ws,
    state: &SimState,
    token: &str,
    mut rx: mpsc::UnboundedReceiver<Command>,
    mut shutdown: watch::Receiver<bool>,
) -> Ending {
    let idle = state.config.websocket_idle_timeout;
    let mut deadline = idle.map(|d| Instant::now() + d);
    loop {
        let step = tokio::select! {
            biased;
            _ = shutdown.changed() => Step::Shutdown,
            cmd = rx.recv() => Step::Command(cmd),
            frame = ws.next() => Step::Frame(frame),
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)),
                if deadline.is_some() => Step::Idle,
        };
        match step {
            Step::Shutdown => return Ending::Close(CLOSE_SHUTDOWN, "server shutting down"),
            Step::Idle => return Ending::Close(CLOSE_IDLE, IDLE_REASON),
            Step::Command(Some(Command::Send(text))) => {
                if ws.send(Message::text(text)).await.is_err() {
                    return Ending::Gone;
                }
            }
            Step::Command(Some(Command::Close(code, reason))) => {
                return Ending::Close(code, reason);
            }
            Step::Command(Some(Command::Abort) | None) => return Ending::Abort,
            Step::Frame(Some(Ok(Message::Text(text)))) if is_heartbeat(&text) => {
                if !token_ok(state, token) {
                    let _ = ws
                        .send(module("heartbeat", false, Some(INVALID_TOKEN)))
                        .await;
                    return Ending::Close(CLOSE_REFUSED, INVALID_TOKEN);
                }
                if ws.send(module("heartbeat", true, None)).await.is_err() {
                    return Ending::Gone;
                }
                deadline = idle.map(|d| Instant::now() + d);
            }
            // Pings (tungstenite queues the pong), pongs, other frames, and
            // the client's close (tungstenite answers; the stream then ends).
            Step::Frame(Some(Ok(_))) => {}
            Step::Frame(Some(Err(_)) | None) => return Ending::Gone,
        }
    }
}

fn is_heartbeat(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .is_ok_and(|v| v.get("module").and_then(Value::as_str) == Some("heartbeat"))
}

/// Sends a close frame and waits (briefly) for the client's answer.
async fn close(mut ws: Ws, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: code.into(),
        reason: reason.into(),
    };
    if ws.close(Some(frame)).await.is_ok() {
        let _ = timeout(CLOSE_WAIT, async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
    }
}

impl RunningSimulator {
    /// `ws://127.0.0.1:PORT/ws`: where a client connects with
    /// `?subscriptionId=ID&access_token=TOKEN` (Zoom: `wss://ws.zoom.us/ws`).
    pub fn websocket_url(&self) -> String {
        format!("ws://{}{PATH}", self.ws_addr)
    }

    /// A new WebSocket event subscription on the seeded account to `events`
    /// (every [`super::EVENT_TYPES`] when empty); returns its id. The seeded
    /// one is [`WEBSOCKET_SUBSCRIPTION_ID`].
    pub fn subscribe_websocket(&self, events: &[&str]) -> String {
        let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        self.state.events.websockets.subscribe(&events, ACCOUNT_ID)
    }

    /// Every WebSocket event subscription (the seeded one first).
    pub fn websocket_subscriptions(&self) -> Vec<WsSubscription> {
        self.state.events.websockets.subscriptions()
    }

    /// Connections of subscription `sub` open now (0 or 1).
    pub fn websocket_connections(&self, sub: &str) -> usize {
        self.state.events.websockets.connections(sub)
    }

    /// Successful handshakes (`build_connection` success) of `sub` so far.
    pub fn websocket_connects(&self, sub: &str) -> u64 {
        self.state.events.websockets.connects(sub)
    }

    /// Event bodies handed to `sub`'s open connection, in emit order (a
    /// `Duplicate` fault's copy included).
    pub fn websocket_sent(&self, sub: &str) -> Vec<Value> {
        self.state.events.websockets.sent(sub)
    }

    /// Event bodies for `sub` emitted while it had no open connection
    /// (Zoom keeps nothing: they are never delivered).
    pub fn websocket_dropped(&self, sub: &str) -> Vec<Value> {
        self.state.events.websockets.dropped(sub)
    }

    /// Cuts `sub`'s open connection abruptly, like a network failure: the
    /// TCP connection closes without a close frame (events handed to it
    /// before still go out first). No-op when none is open.
    pub fn drop_websockets(&self, sub: &str) {
        self.state.events.websockets.abort(sub);
    }
}
