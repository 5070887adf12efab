//! `wrk-zoom serve`: the host as an HTTP API for a workflow platform.
//!
//! - `GET /health`: liveness, no key needed;
//! - `GET /v1/actions`: every action's `describe()`;
//! - `POST /v1/actions/{name}`: run one call; the body is
//!   `{"params": {...}, "token": "...", "api_base": "..."}` or
//!   `{"params": {...}, "connection": "NAME"}` (a stored connection, which
//!   wins over a token; the default of the action's kind when neither is
//!   given; resolved as `wrk-zoom run` does); the answer is
//!   `{"status", "body", "next_page_token"}` or an error object with an HTTP
//!   status for its category;
//! - `GET /metrics`: call counts per action and outcome (Prometheus text).
//!
//! Trust boundary: an API-key holder runs actions, nothing more.
//! - The key is checked (in constant time, over digests) before a request
//!   body is read, on every route but `/health`; keys shorter than
//!   [`MIN_API_KEY_LEN`] are refused at start.
//! - `serve` is not a network proxy: a caller's `api_base` must match the
//!   operator's allow-list (Zoom's own HTTPS hosts unless `--allow-api-base`
//!   says otherwise), goes only with a caller's own `token`, and is refused
//!   (400) with a stored `connection` or without a token.
//! - At most the host's concurrent calls run at once; more get 503.
//! - Metrics count unknown action names as one series; error bodies carry
//!   no file paths, stored connection names or internal error chains (the
//!   server's log has those, control characters escaped); `/ready` (no key)
//!   says only ready or not.
//! - `/mcp` is the same calls over MCP: the same slots, metrics and
//!   scrubbed errors.
//! - What a caller can make the server keep is bounded: connection names
//!   are checked and looked up first, the pacing of bare tokens expires.
//!
//! With `--actions-dir`, components written there replace actions while
//! serving (see `wrk_zoom::watch` for what a file may change).

use super::Store;
use super::report::{http_status, to_json};
use super::run::json_params;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use wrk_zoom::LoadedAction;
use wrk_zoom::auth::{CallConnection, ConnectionRequest, Connections};
use wrk_zoom::paginate::PageSummary;
use wrk_zoom::watch::WatchOptions;
use wrk_zoom::{ErrorCategory, Host, HostConfig, HostError, ZoomConnection};
use wrk_zoom::{normalize_api_base, url_origin as origin};

mod calls;
mod errors;
mod keys;
mod stream;

use calls::metrics;
pub(super) use calls::{BUSY, Calls};
pub(super) use errors::public_message;
use errors::{error_response, log_safe, public_json};
use keys::require_key;
use stream::run_all;

/// The shortest API key `serve` accepts.
pub const MIN_API_KEY_LEN: usize = 16;

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
    /// for calls in flight before exiting.
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
}

/// An origin a caller's `api_base` may name.
#[derive(Debug, PartialEq, Eq)]
enum AllowedBase {
    /// `https` on port 443 to zoom.us or a subdomain of it.
    Zoom,
    /// Exactly this scheme, host and port.
    Origin(String, String, u16),
}

impl AllowedBase {
    fn admits(&self, api_base: &str) -> bool {
        let Some((scheme, host, port)) = origin(api_base) else {
            return false;
        };
        match self {
            AllowedBase::Zoom => wrk_zoom::is_zoom_origin(&scheme, &host, port),
            AllowedBase::Origin(s, h, p) => *s == scheme && *h == host && *p == port,
        }
    }
}

struct Server {
    host: Arc<Host>,
    /// One per process, so concurrent calls on a connection share one
    /// token renewal; `None` when no store directory can be found.
    connections: Option<Arc<Connections>>,
    /// SHA-256 of each accepted API key (compared in constant time).
    api_key_digests: Vec<[u8; 32]>,
    allowed_bases: Vec<AllowedBase>,
    /// The API base of a caller's token when the call names none.
    default_api_base: String,
    /// Call slots and counts, shared with `/mcp`.
    calls: Arc<Calls>,
}

/// The body of `POST /v1/actions/{name}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    #[serde(default)]
    params: serde_json::Map<String, serde_json::Value>,
    token: Option<String>,
    api_base: Option<String>,
    connection: Option<String>,
    /// Follow every page of a list (as `wrk-zoom run --all`).
    #[serde(default)]
    all: bool,
    /// With `all`: stop after this many items.
    max: Option<u64>,
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.into(),
        message,
    }
}

pub async fn serve(args: ServeArgs, store: &Store) -> Result<(), HostError> {
    let api_keys: Vec<String> = args
        .api_key
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if api_keys.is_empty() {
        return Err(invalid(
            "API key",
            "serve needs an API key for its callers: set WRK_ZOOM_API_KEY (or pass --api-key)"
                .into(),
        ));
    }
    if let Some(short) = api_keys
        .iter()
        .find(|k| k.chars().count() < MIN_API_KEY_LEN)
    {
        return Err(invalid(
            "API key",
            format!(
                "a key has {} characters and each must have at least {MIN_API_KEY_LEN}; e.g. `openssl rand -hex 24`",
                short.chars().count()
            ),
        ));
    }
    let mut allowed_bases = vec![AllowedBase::Zoom];
    for url in &args.allow_api_base {
        let (scheme, host, port) = origin(url).ok_or_else(|| {
            invalid(
                "--allow-api-base",
                format!("'{url}' is not an absolute http(s) URL, e.g. http://127.0.0.1:4010/v2"),
            )
        })?;
        allowed_bases.push(AllowedBase::Origin(scheme, host, port));
    }
    let default_api_base = normalize_api_base(&args.api_base).map_err(|why| {
        invalid(
            "--api-base",
            format!("'{}' {why}, e.g. https://api.zoom.us/v2", args.api_base),
        )
    })?;
    let config = HostConfig {
        max_concurrent_calls: args.max_concurrent_calls,
        ..HostConfig::from_env()?
    };
    let max_calls = config.max_concurrent_calls as usize;
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
        Host::new(config)?,
        connections.as_deref(),
    ));
    let _watcher = match &args.actions_dir {
        Some(dir) => {
            let options = WatchOptions {
                allow_override_changes: args.allow_override_changes,
            };
            Some(host.watch_actions_dir_with(dir, options).await?)
        }
        None => None,
    };
    // Compile the built-in actions in the background: the server answers
    // at once (listing needs no compiling), and first calls rarely wait.
    tokio::spawn({
        let host = host.clone();
        async move { host.warm_up().await }
    });
    let calls = Arc::new(Calls {
        host: host.clone(),
        slots: Arc::new(Semaphore::new(max_calls)),
        counts: Mutex::default(),
    });
    // MCP over streamable HTTP: the same tools as `wrk-zoom mcp`, on the
    // stored connections, behind the same API key, slots and metrics.
    let mcp = super::mcp::http_service(
        super::mcp::Tools::served(host.clone(), connections.clone(), calls.clone()),
        &args.mcp_allowed_host,
    );
    let server = Arc::new(Server {
        host,
        connections,
        api_key_digests: api_keys
            .iter()
            .map(|k| Sha256::digest(k.as_bytes()).into())
            .collect(),
        allowed_bases,
        default_api_base,
        calls,
    });
    let protected = Router::new()
        .route("/v1/actions", get(actions))
        .route("/v1/actions/{name}", post(run))
        .route("/v1/actions/{name}/schema", get(schema))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        // Before any extractor: the body of an unauthorized request is
        // never read.
        .route_layer(middleware::from_fn_with_state(server.clone(), require_key));
    let mcp = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(server.clone(), require_key));
    let app = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .merge(protected)
        .merge(mcp)
        .with_state(server);
    let at = args
        .listen
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], args.port)));
    let listener = tokio::net::TcpListener::bind(at)
        .await
        .map_err(|e| HostError::Internal(format!("cannot listen on {at}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HostError::Internal(format!("cannot read the listening address: {e}")))?;
    println!("http://{addr}");
    eprintln!("serve: wrk-zoom API at http://{addr} (Ctrl-C or SIGTERM to stop)");
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    shutdown_signal().await;
    // Stop accepting; calls in flight finish, for at most --drain-seconds.
    eprintln!(
        "serve: stopping; waiting at most {} s for calls in flight",
        args.drain_seconds
    );
    let _ = stopping.send(());
    match tokio::time::timeout(Duration::from_secs(args.drain_seconds), server).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(HostError::Internal(format!("the server stopped: {e}"))),
        Ok(Err(e)) => Err(HostError::Internal(format!("the server failed: {e}"))),
        Err(_) => {
            eprintln!(
                "serve: calls still in flight after {} s; exiting",
                args.drain_seconds
            );
            Ok(())
        }
    }
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

impl Server {
    fn count(&self, action: &str, outcome: &'static str) {
        self.calls.count(action, outcome);
    }

    /// Checks a request and resolves its action, parameters and connection.
    async fn prepare(
        &self,
        name: &str,
        mut request: RunRequest,
    ) -> Result<(Arc<LoadedAction>, Vec<(String, String)>, CallConnection<'_>), HostError> {
        // An empty token is a mistake, not a request for the stored default.
        if request.token.as_deref() == Some("") {
            return Err(invalid(
                "token",
                "it is empty; send a Zoom access token, or leave \"token\" out to use a stored connection".into(),
            ));
        }
        if let Some(api_base) = &request.api_base {
            if request.connection.is_some() || request.token.is_none() {
                return Err(invalid(
                    "api_base",
                    "it goes only with your own \"token\"; a stored connection uses its own API base"
                        .into(),
                ));
            }
            if !self.allowed_bases.iter().any(|b| b.admits(api_base)) {
                return Err(invalid(
                    "api_base",
                    format!(
                        "'{api_base}' is not an API base this server calls (Zoom's own HTTPS hosts, and those its operator allows with --allow-api-base)"
                    ),
                ));
            }
            // One spelling per base: it keys the rate limits.
            let normalized = normalize_api_base(api_base)
                .map_err(|why| invalid("api_base", format!("'{api_base}' {why}")))?;
            request.api_base = Some(normalized);
        }
        if request.max.is_some() && !request.all {
            return Err(invalid(
                "max",
                "goes with \"all\": true (it stops a run that follows every page)".into(),
            ));
        }
        let params = json_params(request.params);
        let action = self.host.action(name).await?;
        if request.all && action.info.list_key.is_none() {
            return Err(invalid(
                "all",
                format!("{name} does not return a paginated list; leave \"all\" out"),
            ));
        }
        let request = ConnectionRequest {
            connection: request.connection,
            token: request.token.map(|access_token| ZoomConnection {
                access_token,
                api_base: request
                    .api_base
                    .unwrap_or_else(|| self.default_api_base.clone()),
                account: None,
            }),
        };
        let connection =
            wrk_zoom::auth::resolve(request, self.connections.as_deref(), action.info.connection)
                .await?;
        Ok((action, params, connection))
    }

    async fn call(
        &self,
        name: &str,
        request: RunRequest,
    ) -> Result<wrk_zoom::model::Reply, HostError> {
        let (action, params, connection) = self.prepare(name, request).await?;
        connection.run(&self.host, &action, &params).await
    }

    /// Every page of a list: the items, then the totals (`sink` gets each
    /// page's items before the next page is asked for).
    async fn call_all(
        &self,
        name: &str,
        request: RunRequest,
        mut sink: impl AsyncFnMut(Vec<serde_json::Value>) -> bool,
    ) -> Result<PageSummary, HostError> {
        let max = request.max;
        let (action, params, connection) = self.prepare(name, request).await?;
        connection.prepare_long_run(&action.info).await?;
        let page: std::sync::Mutex<Vec<serde_json::Value>> = Default::default();
        let take = || std::mem::take(&mut *page.lock().expect("page items"));
        let gone = std::sync::atomic::AtomicBool::new(false);
        let run_page = async |params: &[(String, String)]| {
            // The caller has the last page's items before the next is asked for.
            if !sink(take()).await {
                gone.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            connection.run(&self.host, &action, params).await
        };
        let summary = wrk_zoom::paginate::for_each_page_item(
            &action.info,
            run_page,
            &params,
            max,
            |item| {
                if gone.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
                page.lock().expect("page items").push(item);
                Ok(())
            },
            |_| {},
        )
        .await?;
        sink(take()).await;
        Ok(summary)
    }
}

async fn health(State(server): State<Arc<Server>>) -> Response {
    Json(serde_json::json!({"status": "ok", "actions": server.host.action_names().len()}))
        .into_response()
}

/// Whether this replica can take calls: its token store can be read (a
/// load balancer sends traffic only when this answers 200).
async fn ready(State(server): State<Arc<Server>>) -> Response {
    let store = match &server.connections {
        None => Err("no token store directory".to_string()),
        Some(connections) => connections.store().check().await.map_err(|e| e.to_string()),
    };
    match store {
        Ok(()) => Json(serde_json::json!({"status": "ready"})).into_response(),
        // No key is needed here: the store's address and error stay in the log.
        Err(why) => {
            tracing::warn!("not ready: {why}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "not-ready",
                    "message": "the token store cannot be used; the server's log says why",
                })),
            )
                .into_response()
        }
    }
}

async fn actions(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_all().await {
        Ok(infos) => Json(infos).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The OpenAPI 3.1 document of this API, from the actions it serves now.
async fn openapi(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_all().await {
        Ok(infos) => Json(super::openapi::document(&infos)).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The JSON Schema of an action's parameters (`wrk-zoom describe --schema`).
async fn schema(State(server): State<Arc<Server>>, Path(name): Path<String>) -> Response {
    match server.host.info(&name).await {
        Ok(info) => Json(wrk_zoom::json_schema::parameters(&info)).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn run(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(slot) = server.calls.slot(&name) else {
        let body = serde_json::json!({"error": "busy", "message": BUSY});
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    let request: RunRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error = HostError::InvalidParams {
                action: name.clone(),
                problems: vec![wrk_zoom::model::InvalidParam {
                    name: "body".into(),
                    message: format!(
                        "must be a JSON object like {{\"params\": {{...}}, \"token\": \"...\"}} or {{\"params\": {{...}}, \"connection\": \"NAME\"}}: {e}"
                    ),
                }],
            };
            server.count(&name, error.kind());
            return error_response(&error);
        }
    };
    if request.all {
        let ndjson = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/x-ndjson"));
        return run_all(server.clone(), name, request, ndjson, slot).await;
    }
    let _slot = slot;
    match server.call(&name, request).await {
        Ok(reply) => {
            server.count(&name, "ok");
            Json(serde_json::json!({
                "status": reply.status,
                "body": reply.body,
                "next_page_token": reply.next_page_token,
            }))
            .into_response()
        }
        Err(e) => {
            server.count(&name, e.kind());
            error_response(&e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_api_bases_match_zoom_or_an_allowed_origin_only() {
        let zoom = AllowedBase::Zoom;
        assert!(zoom.admits("https://api.zoom.us/v2"));
        assert!(zoom.admits("https://eu01api-www4local.zoom.us/v2"));
        assert!(!zoom.admits("http://api.zoom.us/v2"));
        assert!(!zoom.admits("https://api.zoom.us:8443/v2"));
        assert!(!zoom.admits("https://evilzoom.us/v2"));
        assert!(!zoom.admits("http://169.254.169.254/latest"));
        assert!(!zoom.admits("not a url"));
        let sim = AllowedBase::Origin("http".into(), "127.0.0.1".into(), 4010);
        assert!(sim.admits("http://127.0.0.1:4010/v2"));
        assert!(!sim.admits("http://127.0.0.1:4011/v2"));
        assert!(!sim.admits("https://127.0.0.1:4010/v2"));
    }
}
