//! `--websocket`: Zoom's events over a WebSocket, for `events listen` (a
//! laptop with only a Server-to-Server app) and `serve` (replicas share the
//! one connection Zoom allows).

use crate::cli::Store;
use clap::Args;
use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::call::ConnectionRequest;
use wrk_zoom::events::Receiver;
use wrk_zoom::events::websocket::{WebSocketConfig, WebSocketSource, ZoomSide};

#[derive(Args, Clone)]
pub struct WebSocketArgs {
    /// Take Zoom's events from this WebSocket: the endpoint URL Zoom shows
    /// on a Server-to-Server or General app's WebSocket event subscription
    /// (wss://ws.zoom.us/ws?subscriptionId=...). No public URL is needed.
    #[arg(long = "websocket", value_name = "URL")]
    pub ws_url: Option<String>,
    /// With --websocket: the app name its events are kept under.
    #[arg(
        long = "websocket-app",
        value_name = "NAME",
        default_value = "websocket",
        requires = "ws_url"
    )]
    pub ws_app: String,
    /// With --websocket: the stored connection whose tokens open it (a
    /// Server-to-Server one); default: the default admin connection.
    #[arg(
        long = "websocket-connection",
        value_name = "NAME",
        requires = "ws_url"
    )]
    pub ws_connection: Option<String>,
    /// With --websocket: an access token instead of a stored connection
    /// (prefer the environment variable), e.g. the sandbox's admin token.
    #[arg(
        long = "websocket-token",
        env = "ZOOM_WEBSOCKET_TOKEN",
        hide_env_values = true,
        conflicts_with = "ws_connection"
    )]
    pub ws_token: Option<String>,
    /// The API base of --websocket-token, for reconciling gaps.
    #[arg(
        long = "websocket-api-base",
        value_name = "URL",
        default_value = wrk_zoom::auth::DEFAULT_API_BASE
    )]
    pub ws_api_base: String,
    /// Seconds between Zoom's heartbeats.
    #[arg(
        long = "websocket-heartbeat",
        value_name = "SECONDS",
        default_value_t = 30,
        hide = true
    )]
    pub ws_heartbeat: u64,
}

/// A running WebSocket source, and what stops it.
pub struct Running {
    pub stop: tokio::sync::watch::Sender<bool>,
    pub task: tokio::task::JoinHandle<()>,
    /// Whether the connection is up, as it changes.
    pub connected: tokio::sync::watch::Receiver<bool>,
}

impl WebSocketArgs {
    /// Starts the source when `--websocket` is given: events go into
    /// `receiver`'s store; with `host`, gaps are reconciled.
    pub async fn start(
        self,
        store: &Store,
        receiver: Arc<Receiver>,
        host: Option<Arc<wrk_zoom::Host>>,
    ) -> Result<Option<Running>, HostError> {
        let Some(url) = self.ws_url else {
            return Ok(None);
        };
        let mut config = WebSocketConfig::new(url, self.ws_app);
        config.heartbeat = Duration::from_secs(self.ws_heartbeat.max(1));
        config.check(self.ws_token.is_none())?;
        let (connections, request) = match self.ws_token {
            Some(access_token) => (
                None,
                ConnectionRequest::token(wrk_zoom::ZoomConnection {
                    access_token,
                    api_base: wrk_zoom::normalize_api_base(&self.ws_api_base).map_err(
                        |message| HostError::InvalidInput {
                            field: "--websocket-api-base".into(),
                            message,
                        },
                    )?,
                    account: None,
                }),
            ),
            None => {
                let connections = Arc::new(store.open().await?);
                let name = connections
                    .resolve(self.ws_connection.as_deref(), wrk_zoom::model::ConnectionKind::Admin)
                    .await?
                    .ok_or_else(|| HostError::InvalidInput {
                        field: "--websocket-connection".into(),
                        message: "a WebSocket needs a Server-to-Server connection: add one with `wrk-zoom auth s2s`, or name one with --websocket-connection".into(),
                    })?;
                // Fails now, not at the first connect, if it cannot give a token.
                connections.access(&name).await?;
                (Some(connections), ConnectionRequest::named(name))
            }
        };
        let zoom = ZoomSide {
            host,
            connections,
            request,
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let source = WebSocketSource::new(config, zoom, receiver);
        let connected = source.connected();
        let task = tokio::spawn(source.run(stopped));
        Ok(Some(Running {
            stop,
            task,
            connected,
        }))
    }
}
