//! `wrk-zoom serve`: reads its flags into a [`ServeConfig`] (validated
//! once), opens the store, starts the host, and serves
//! [`wrk_zoom::server::router`] until SIGTERM or Ctrl-C, then drains. What
//! the API answers, and its trust boundary, is `wrk_zoom::server`'s.
//!
//! With `--actions-dir`, components written there replace actions while
//! serving (see `wrk_zoom::watch` for what a file may change).

use super::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::events::{Dispatcher, PushConfig, ReceiveConfig, Receiver};
use wrk_zoom::server::{AllowedBase, ApiKeys, ServerConfig};
use wrk_zoom::watch::WatchOptions;
use wrk_zoom::{Host, HostConfig, HostError};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787, conflicts_with = "listen")]
    port: u16,
    /// Address to listen on instead, e.g. 0.0.0.0:8787 behind a load
    /// balancer (the default is 127.0.0.1 only). The MCP endpoint `/mcp`
    /// accepts any Host header unless --mcp-allowed-host is given, so it
    /// works behind one too: the API key, not the Host, is the gate.
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// A Host header `/mcp` answers (repeatable or comma-separated, e.g.
    /// `mcp.example.com`, any port, or `mcp.example.com:8443`, that port
    /// only); when given, a request
    /// naming any other Host is refused with 403, as a guard against DNS
    /// rebinding on top of the API key. Default: any Host.
    #[arg(
        long,
        env = "WRK_ZOOM_MCP_ALLOWED_HOSTS",
        value_name = "HOST",
        value_delimiter = ','
    )]
    mcp_allowed_host: Vec<String>,
    /// On SIGTERM or Ctrl-C: stop accepting, and wait at most this long
    /// for calls and event pushes in flight before exiting.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    drain_seconds: u64,
    /// API key callers must send as `Authorization: Bearer <key>`, at least
    /// 16 characters; several, comma-separated, are all accepted (to rotate
    /// keys without downtime). Prefer the environment variable: a flag shows
    /// in the process list.
    #[arg(long, env = "WRK_ZOOM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// An API base callers may send with their own token (repeatable), e.g.
    /// the simulator's `http://127.0.0.1:4010/v2` or a regional Zoom base.
    /// Without it, only Zoom's own HTTPS hosts (https://*.zoom.us).
    #[arg(long, value_name = "URL")]
    allow_api_base: Vec<String>,
    /// The API base of calls that bring a token but no `api_base` (a
    /// regional Zoom base, or the simulator in tests).
    #[arg(long, env = "ZOOM_API_BASE", value_name = "URL", default_value = wrk_zoom::auth::DEFAULT_API_BASE)]
    api_base: String,
    /// Directory of `*.wasm` action components that override the built-in
    /// ones and are swapped in whenever they change (`NAME.wasm` must be
    /// action NAME).
    #[arg(long, value_name = "DIR")]
    actions_dir: Option<PathBuf>,
    /// Let components in --actions-dir change the method, path, scopes and
    /// rate category of the built-in action they replace (never its
    /// connection kind).
    #[arg(long, requires = "actions_dir")]
    allow_override_changes: bool,
    /// Calls that may run at once; more are answered 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_concurrent_calls: u32,
    /// Zoom's events: how far a delivery's x-zm-request-timestamp may be
    /// from this machine's clock, either way (older ones are refused as
    /// replays).
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    events_window: u64,
    /// Zoom's events: how long the inbox keeps an event (and so knows it
    /// again as a duplicate), at least 7 days (Zoom's webhook logs reach 7
    /// days back).
    #[arg(long, value_name = "DAYS", default_value_t = 8, value_parser = clap::value_parser!(u64).range(7..=3650))]
    events_retention_days: u64,
    /// Push subscriptions: attempts before an event becomes a dead letter.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    push_attempts: u32,
    /// Push subscriptions: the wait before the first retry (doubled after
    /// each, at most an hour), e.g. 5s or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    push_first_retry: Duration,
    /// Zoom's events over a WebSocket as well (or instead of webhooks):
    /// across replicas on one store, one holds the connection.
    #[command(flatten)]
    websocket: super::events::websocket::WebSocketArgs,
}

/// `serve`'s flags, validated.
struct ServeConfig {
    server: ServerConfig,
    receive: ReceiveConfig,
    retention: Duration,
    push: PushConfig,
    listen: std::net::SocketAddr,
    drain: Duration,
    actions_dir: Option<(PathBuf, WatchOptions)>,
    websocket: super::events::websocket::WebSocketArgs,
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.into(),
        message,
    }
}

impl TryFrom<ServeArgs> for ServeConfig {
    type Error = HostError;

    fn try_from(args: ServeArgs) -> Result<ServeConfig, HostError> {
        let keys = args.api_key.unwrap_or_default();
        if keys.split(',').all(|k| k.trim().is_empty()) {
            return Err(invalid(
                "API key",
                "serve needs an API key for its callers: set WRK_ZOOM_API_KEY (or pass --api-key)"
                    .into(),
            ));
        }
        let api_keys = ApiKeys::parse(&keys).map_err(|why| invalid("API key", why))?;
        let mut server = ServerConfig::new(api_keys);
        for url in &args.allow_api_base {
            server
                .allowed_bases
                .push(AllowedBase::origin_of(url).ok_or_else(|| {
                    invalid(
                        "--allow-api-base",
                        format!(
                            "'{url}' is not an absolute http(s) URL, e.g. http://127.0.0.1:4010/v2"
                        ),
                    )
                })?);
        }
        server.default_api_base = ServerConfig::normalized_base(&args.api_base)
            .map_err(|why| invalid("--api-base", format!("{why}, e.g. https://api.zoom.us/v2")))?;
        server.mcp_allowed_hosts = args.mcp_allowed_host;
        server.max_concurrent_calls = args.max_concurrent_calls as usize;
        Ok(ServeConfig {
            server,
            receive: ReceiveConfig {
                window: Duration::from_secs(args.events_window),
                ..ReceiveConfig::default()
            },
            retention: Duration::from_secs(args.events_retention_days * 24 * 3600),
            push: PushConfig {
                max_attempts: args.push_attempts,
                first_retry: args.push_first_retry,
                ..PushConfig::default()
            },
            listen: args
                .listen
                .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], args.port))),
            drain: Duration::from_secs(args.drain_seconds),
            actions_dir: args.actions_dir.map(|dir| {
                let options = WatchOptions {
                    allow_override_changes: args.allow_override_changes,
                };
                (dir, options)
            }),
            websocket: args.websocket,
        })
    }
}

pub async fn serve(args: ServeArgs, store: &Store) -> Result<(), HostError> {
    let config = ServeConfig::try_from(args)?;
    let host_config = HostConfig {
        max_concurrent_calls: config.server.max_concurrent_calls as u32,
        ..HostConfig::from_env()?
    };
    // A store named with --store (or WRK_ZOOM_DATABASE_URL) must open; the
    // default file store may be missing (calls then bring their tokens).
    let connections = match store.open().await {
        Ok(connections) => Some(Arc::new(connections)),
        Err(e) if store.is_default() => {
            tracing::warn!("no stored connections can be used: {e}");
            None
        }
        Err(e) => return Err(e),
    };
    let host = Arc::new(Store::share_pacing(
        Host::new(host_config)?,
        connections.as_deref(),
    ));
    let _watcher = match &config.actions_dir {
        Some((dir, options)) => Some(host.watch_actions_dir_with(dir, *options).await?),
        None => None,
    };
    // Compile the built-in actions in the background: the server answers
    // at once (listing needs no compiling), and first calls rarely wait.
    tokio::spawn({
        let host = host.clone();
        async move { host.warm_up().await }
    });
    let events = start_events(store, connections.as_ref(), &host, &config).await?;
    let receiver = events.as_ref().map(|e| e.receiver.clone());
    let websocket = match (&receiver, &config.websocket.ws_url) {
        (Some(receiver), Some(_)) => {
            let args = config.websocket.clone();
            args.start(store, receiver.clone(), Some(host.clone()))
                .await?
        }
        (None, Some(_)) => {
            return Err(HostError::InvalidInput {
                field: "--websocket".into(),
                message: "the event store could not be opened (the log says why), so Zoom's events cannot be taken".into(),
            });
        }
        _ => None,
    };
    let app = wrk_zoom::server::router_with_events(host, connections, config.server, receiver);
    let at = config.listen;
    let listener = tokio::net::TcpListener::bind(at)
        .await
        .map_err(|e| HostError::Internal(format!("cannot listen on {at}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HostError::Internal(format!("cannot read the listening address: {e}")))?;
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let server = wrk_zoom::server::serve_on_each_core(listener, app, stopped)
        .map_err(|e| HostError::Internal(format!("cannot start the serving threads: {e}")))?;
    let server = tokio::spawn(server);
    println!("http://{addr}");
    eprintln!("serve: wrk-zoom API at http://{addr} (Ctrl-C or SIGTERM to stop)");
    shutdown_signal().await;
    // Stop accepting; calls in flight finish, and so does a push pass
    // (recording what it pushed), for at most --drain-seconds.
    let drain = config.drain.as_secs();
    eprintln!("serve: stopping; waiting at most {drain} s for calls and pushes in flight");
    let _ = stopping.send(true);
    if let Some(websocket) = websocket {
        // Closed at once: Zoom delivers nothing more to it anyway.
        let _ = websocket.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(2), websocket.task).await;
    }
    let delivery = async {
        if let Some(events) = events {
            let _ = events.stop.send(true);
            let _ = events.delivery.await;
        }
    };
    let stopped = async { tokio::join!(server, delivery).0 };
    match tokio::time::timeout(config.drain, stopped).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(HostError::Internal(format!("the server stopped: {e}"))),
        Ok(Err(e)) => Err(HostError::Internal(format!("the server failed: {e}"))),
        Err(_) => {
            eprintln!("serve: calls or pushes still in flight after {drain} s; exiting");
            Ok(())
        }
    }
}

/// Zoom's events beside the server: what takes them in, and the delivery
/// task with what stops it.
struct Events {
    receiver: Arc<Receiver>,
    stop: tokio::sync::watch::Sender<bool>,
    delivery: tokio::task::JoinHandle<()>,
}

/// The receiving half of Zoom's events on the event store beside the
/// token store, with what runs after the answers: delivery, and pruning
/// events older than the retention once an hour.
async fn start_events(
    store: &Store,
    connections: Option<&Arc<wrk_zoom::auth::Connections>>,
    host: &Arc<Host>,
    config: &ServeConfig,
) -> Result<Option<Events>, HostError> {
    let events = match super::events::open(store).await {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!("Zoom's events are not taken: {e}");
            return Ok(None);
        }
    };
    let tokens = connections.map(|c| c.store().clone());
    let receiver = match Receiver::start(events.clone(), tokens, config.receive.clone()).await {
        Ok(receiver) => receiver,
        Err(e) => {
            tracing::warn!("Zoom's events are not taken: {e}");
            return Ok(None);
        }
    };
    let apps = receiver.app_names();
    if apps.is_empty() {
        eprintln!(
            "serve: no Zoom app registered for events (`wrk-zoom events app add NAME`); every delivery is refused"
        );
    } else {
        eprintln!(
            "serve: Zoom events for {} at /v1/events/zoom/{{app}}",
            apps.join(", ")
        );
    }
    let dispatcher = Dispatcher::new(receiver.clone(), connections.cloned(), config.push.clone())
        .with_triggers(host.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let delivery = tokio::spawn(dispatcher.run(stopped));
    let retention = config.retention;
    tokio::spawn(async move {
        loop {
            let before = wrk_zoom::clock::now_millis() - retention.as_millis() as i64;
            if let Err(e) = events.prune(before).await {
                tracing::warn!("cannot prune old events: {e}");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    Ok(Some(Events {
        receiver,
        stop,
        delivery,
    }))
}

/// Ctrl-C, or SIGTERM (what an orchestrator sends before stopping a replica).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
