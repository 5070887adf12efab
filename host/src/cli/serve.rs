//! `wrk-zoom serve`: the host as an HTTP API for a workflow platform.
//!
//! - `GET /health`: liveness, no key needed;
//! - `GET /v1/actions`: every action's `describe()`;
//! - `POST /v1/actions/{name}`: run one call; the body is
//!   `{"params": {...}, "token": "...", "api_base": "..."}` or
//!   `{"params": {...}, "connection": "NAME"}` (a stored connection, which
//!   wins over a token; the default of the action's kind when neither is
//!   given; resolved as `wrk-zoom run` does); the answer is
//!   `{"status", "body", "next_page_token"}` or the error object of
//!   `--json-errors` with an HTTP status for its kind;
//! - `GET /metrics`: call counts per action and outcome (Prometheus text).
//!
//! Every route but `/health` needs `Authorization: Bearer <API key>`. With
//! `--actions-dir`, components written there replace actions while serving.

use super::report::{http_status, to_json};
use super::run::json_params;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wrk_zoom::auth::{ConnectionRequest, Connections};
use wrk_zoom::{Host, HostConfig, HostError, ZoomConnection};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// API key callers must send as `Authorization: Bearer <key>`.
    #[arg(long, env = "WRK_ZOOM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Directory of `*.wasm` action components that override the built-in
    /// ones and are swapped in whenever they change.
    #[arg(long, value_name = "DIR")]
    actions_dir: Option<PathBuf>,
}

struct Server {
    host: Arc<Host>,
    /// One per process, so concurrent calls on a connection share one
    /// token renewal; `None` when no store directory can be found.
    connections: Option<Connections>,
    api_key: String,
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

pub async fn serve(args: ServeArgs) -> Result<(), HostError> {
    let api_key = args
        .api_key
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            HostError::Auth(
                "serve needs an API key for its callers: set WRK_ZOOM_API_KEY or pass --api-key"
                    .into(),
            )
        })?;
    let host = Arc::new(Host::new(HostConfig::default())?);
    let _watcher = match &args.actions_dir {
        Some(dir) => Some(host.watch_actions_dir(dir).await?),
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
        api_key,
        calls: Mutex::default(),
    });
    let app = Router::new()
        .route("/health", get(health))
        .route("/v1/actions", get(actions))
        .route("/v1/actions/{name}", post(run))
        .route("/metrics", get(metrics))
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

fn error_response(error: &HostError) -> Response {
    (http_status(error), Json(to_json(error))).into_response()
}

impl Server {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let expected = format!("Bearer {}", self.api_key);
        headers
            .get(header::AUTHORIZATION)
            .is_some_and(|value| value.as_bytes() == expected.as_bytes())
    }

    fn count(&self, action: &str, outcome: &'static str) {
        *self
            .calls
            .lock()
            .expect("call counts")
            .entry((action.to_string(), outcome))
            .or_default() += 1;
    }

    async fn call(
        &self,
        name: &str,
        request: RunRequest,
    ) -> Result<wrk_zoom::model::Reply, HostError> {
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

async fn actions(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if !server.authorized(&headers) {
        return unauthorized();
    }
    match server.host.describe_all().await {
        Ok(infos) => Json(infos).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn run(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !server.authorized(&headers) {
        return unauthorized();
    }
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

async fn metrics(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if !server.authorized(&headers) {
        return unauthorized();
    }
    let mut text = String::from(
        "# HELP wrk_zoom_calls_total Action calls by outcome.\n# TYPE wrk_zoom_calls_total counter\n",
    );
    for ((action, outcome), count) in server.calls.lock().expect("call counts").iter() {
        text.push_str(&format!(
            "wrk_zoom_calls_total{{action={action:?},outcome=\"{outcome}\"}} {count}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
