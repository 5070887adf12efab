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
//!   server's log has those).
//!
//! With `--actions-dir`, components written there replace actions while
//! serving (see `wrk_zoom::watch` for what a file may change).

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
use tokio::sync::Semaphore;
use wrk_zoom::auth::{ConnectionRequest, Connections};
use wrk_zoom::url_origin as origin;
use wrk_zoom::watch::WatchOptions;
use wrk_zoom::{ErrorCategory, Host, HostConfig, HostError, ZoomConnection};

/// The shortest API key `serve` accepts.
pub const MIN_API_KEY_LEN: usize = 16;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// API key callers must send as `Authorization: Bearer <key>`, at least
    /// 16 characters. Prefer the environment variable: a flag shows in the
    /// process list.
    #[arg(long, env = "WRK_ZOOM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// An API base callers may send with their own token (repeatable), e.g.
    /// the simulator's `http://127.0.0.1:4010/v2` or a regional Zoom base.
    /// Without it, only Zoom's own HTTPS hosts (https://*.zoom.us).
    #[arg(long, value_name = "URL")]
    allow_api_base: Vec<String>,
    /// Directory of `*.wasm` action components that override the built-in
    /// ones and are swapped in whenever they change (`NAME.wasm` must be
    /// action NAME).
    #[arg(long, value_name = "DIR")]
    actions_dir: Option<PathBuf>,
    /// Let components in --actions-dir change the method, path and scopes
    /// of the built-in action they replace (never its connection kind).
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
            AllowedBase::Zoom => {
                scheme == "https"
                    && port == 443
                    && (host == "zoom.us" || host.ends_with(".zoom.us"))
            }
            AllowedBase::Origin(s, h, p) => *s == scheme && *h == host && *p == port,
        }
    }
}

struct Server {
    host: Arc<Host>,
    /// One per process, so concurrent calls on a connection share one
    /// token renewal; `None` when no store directory can be found.
    connections: Option<Connections>,
    /// SHA-256 of the API key (compared in constant time).
    api_key_digest: [u8; 32],
    allowed_bases: Vec<AllowedBase>,
    /// One permit per call that may run at once.
    slots: Arc<Semaphore>,
    calls: Mutex<BTreeMap<(String, &'static str), u64>>,
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
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.into(),
        message,
    }
}

pub async fn serve(args: ServeArgs) -> Result<(), HostError> {
    let api_key = args.api_key.unwrap_or_default();
    if api_key.trim().is_empty() {
        return Err(invalid(
            "API key",
            "serve needs an API key for its callers: set WRK_ZOOM_API_KEY (or pass --api-key)"
                .into(),
        ));
    }
    if api_key.chars().count() < MIN_API_KEY_LEN {
        return Err(invalid(
            "API key",
            format!(
                "it has {} characters and must have at least {MIN_API_KEY_LEN}; e.g. `openssl rand -hex 24`",
                api_key.chars().count()
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
    let config = HostConfig {
        max_concurrent_calls: args.max_concurrent_calls,
        ..HostConfig::default()
    };
    let max_calls = config.max_concurrent_calls as usize;
    let host = Arc::new(Host::new(config)?);
    let _watcher = match &args.actions_dir {
        Some(dir) => {
            let options = WatchOptions {
                allow_override_changes: args.allow_override_changes,
            };
            Some(host.watch_actions_dir_with(dir, options).await?)
        }
        None => None,
    };
    let connections = match Connections::open_default() {
        Ok(connections) => Some(connections),
        Err(e) => {
            tracing::warn!("no stored connections can be used: {e}");
            None
        }
    };
    let server = Arc::new(Server {
        host,
        connections,
        api_key_digest: Sha256::digest(api_key.as_bytes()).into(),
        allowed_bases,
        slots: Arc::new(Semaphore::new(max_calls)),
        calls: Mutex::default(),
    });
    let protected = Router::new()
        .route("/v1/actions", get(actions))
        .route("/v1/actions/{name}", post(run))
        .route("/metrics", get(metrics))
        // Before any extractor: the body of an unauthorized request is
        // never read.
        .route_layer(middleware::from_fn_with_state(server.clone(), require_key));
    let app = Router::new()
        .route("/health", get(health))
        .merge(protected)
        .with_state(server);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| {
            HostError::Internal(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| HostError::Internal(format!("cannot read the listening address: {e}")))?;
    println!("http://{addr}");
    eprintln!("serve: wrk-zoom API at http://{addr} (Ctrl-C to stop)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| HostError::Internal(format!("the server stopped: {e}")))
}

fn unauthorized() -> Response {
    let body = serde_json::json!({
        "error": "unauthorized",
        "message": "send the server's API key as `Authorization: Bearer <key>`",
    });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// Checks the API key before the handler (and its body extractor) runs.
async fn require_key(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    if !server.authorized(request.headers()) {
        return unauthorized();
    }
    next.run(request).await
}

/// The error as a caller sees it: internal details (file paths, stored
/// connection names, error chains) go to the server's log only.
fn error_response(error: &HostError) -> Response {
    let mut body = to_json(error);
    let public = match error {
        HostError::UnknownConnection { name, .. } => {
            Some(format!("there is no stored connection named '{name}'"))
        }
        HostError::Load { .. } => Some("the action's component could not be loaded".into()),
        _ => match error.category() {
            ErrorCategory::Internal | ErrorCategory::Store => {
                Some("the server failed to run the action; its log has the details".into())
            }
            _ => None,
        },
    };
    if let Some(message) = public {
        tracing::error!("{error}");
        body["message"] = message.into();
    }
    (http_status(error), Json(body)).into_response()
}

impl Server {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        else {
            return false;
        };
        // Equal-length digests, compared without an early exit.
        let given: [u8; 32] = Sha256::digest(given).into();
        given
            .iter()
            .zip(self.api_key_digest.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }

    fn count(&self, action: &str, outcome: &'static str) {
        // Bounded labels: names of no registered action share one series.
        let action = if self.host.action_names().iter().any(|n| n == action) {
            action.to_string()
        } else {
            "unknown".to_string()
        };
        *self
            .calls
            .lock()
            .expect("call counts")
            .entry((action, outcome))
            .or_default() += 1;
    }

    async fn call(
        &self,
        name: &str,
        request: RunRequest,
    ) -> Result<wrk_zoom::model::Reply, HostError> {
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
        }
        let params = json_params(request.params);
        let action = self.host.action(name).await?;
        let request = ConnectionRequest {
            connection: request.connection,
            token: request.token.map(|access_token| ZoomConnection {
                access_token,
                api_base: request
                    .api_base
                    .unwrap_or_else(|| wrk_zoom::auth::DEFAULT_API_BASE.to_string()),
                account: None,
            }),
        };
        let connection =
            wrk_zoom::auth::resolve(request, self.connections.as_ref(), action.info.connection)?;
        connection.run(&self.host, &action, &params).await
    }
}

async fn health(State(server): State<Arc<Server>>) -> Response {
    Json(serde_json::json!({"status": "ok", "actions": server.host.action_names().len()}))
        .into_response()
}

async fn actions(State(server): State<Arc<Server>>) -> Response {
    match server.host.describe_all().await {
        Ok(infos) => Json(infos).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn run(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(_slot) = server.slots.clone().try_acquire_owned() else {
        server.count(&name, "busy");
        let body = serde_json::json!({
            "error": "busy",
            "message": "the server is running as many calls as it can; try again shortly",
        });
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

/// A Prometheus label value: backslash, double quote and newline escaped.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let mut text = String::from(
        "# HELP wrk_zoom_calls_total Action calls by outcome.\n# TYPE wrk_zoom_calls_total counter\n",
    );
    for ((action, outcome), count) in server.calls.lock().expect("call counts").iter() {
        text.push_str(&format!(
            "wrk_zoom_calls_total{{action=\"{}\",outcome=\"{}\"}} {count}\n",
            label(action),
            label(outcome)
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
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

    #[test]
    fn label_values_are_escaped_as_prometheus_wants() {
        assert_eq!(label("a\"b\\c\nd\u{1b}"), "a\\\"b\\\\c\\nd\u{1b}");
    }
}
